"""An ACME order's steps (its challenge and its CSR too) run their follow-ups, and a
revocation through ACME is on the CRL the CA serves at once (not the day-old one it
keeps)."""

import pytest
from cryptography import x509

from certificates.models import Certificate
from tests.support.acme_client import issued, register
from tests.support.follow_ups import on_served_crl

pytestmark = pytest.mark.django_db


def test_an_orders_steps_and_its_revocation_run_their_follow_ups(alice, site, web, follow_ups):
    client = register(alice)
    order, certificate, _ = issued(client, site)
    assert not on_served_crl(web, certificate)  # the CRL the CA keeps for a day

    client.acme.revoke(x509.load_pem_x509_certificate(order.fullchain_pem.encode()), 1)

    assert on_served_crl(web, certificate)
    assert [(name, model) for name, model, pk in follow_ups if pk == certificate.pk] == [
        ("submit", Certificate),
        ("acme_challenge", Certificate),  # the client asked for its challenge
        ("verify_domains", Certificate),
        ("acme_finalize", Certificate),  # its CSR: a step like any other
        ("issue", Certificate),
        ("request_revocation", Certificate),
        ("approve_revocation", Certificate),
    ]
