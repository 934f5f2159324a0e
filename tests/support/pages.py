"""The console as a signed-in person reads it through Django's test client: a client signed
in as a user, the list's address and the certificate ids of its rows. The fixtures in
tests/conftest.py, the list's, search's and API's tests, the admin's and the teams' share it."""

import re

from django.test import Client

LIST = "/certificates/"


def client_for(user) -> Client:
    """A test client signed in as `user`."""
    client = Client()
    client.force_login(user)
    return client


def row_ids(response_or_html) -> list[int]:
    """The ids of the certificates in the list's rows, top to bottom."""
    html = getattr(response_or_html, "text", response_or_html)
    return [int(i) for i in re.findall(r'<tr data-certificate-id="(\d+)"', html)]
