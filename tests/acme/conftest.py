"""The ACME tests' fixtures: a raw client for hand-made requests, and the web site that
serves http-01 answers for HOST."""

import pytest
from django.test import Client

from tests.support.acme_client import HOST


@pytest.fixture
def web() -> Client:
    return Client()


@pytest.fixture
def site(web_site, dns_zone):
    dns_zone.a(HOST)
    return web_site
