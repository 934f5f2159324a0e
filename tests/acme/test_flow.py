"""An order from start to finish with the `acme` library, as certbot makes it: account with
EAB, new order, http-01 or dns-01, finalize, download, and the row in the console."""

import pytest
from acme import messages
from cryptography import x509

from certificates.choices import CsrSource, DomainType, Status
from certificates.models import Certificate, Record
from tests.acme.client import (
    csr_for,
    deadline,
    publish_dns01,
    register,
    run_tasks,
    serve_http01,
)

pytestmark = pytest.mark.django_db


def test_http01_order_is_issued_and_listed(alice, web_site, dns_zone):
    client = register(alice)
    web_site_host = "shop.example.com"
    dns_zone.a(web_site_host)
    csr, _ = csr_for([web_site_host])
    order = client.acme.new_order(csr)
    certificate = Certificate.objects.get()
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION
    assert certificate.csr_source == CsrSource.ACME
    (authorization,) = order.authorizations
    assert authorization.body.status == messages.STATUS_PENDING
    challenge, response = serve_http01(web_site, authorization, client.key)
    client.acme.answer_challenge(challenge, response)
    run_tasks()
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED
    order = client.acme.poll_authorizations(order, deadline())
    finalized = client.acme.begin_finalization(order)
    run_tasks()
    finalized = client.acme.poll_finalization(finalized, deadline())
    leaf = x509.load_pem_x509_certificate(finalized.fullchain_pem.encode())
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == [web_site_host]
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED
    assert certificate.domain_type == DomainType.SINGLE
    assert finalized.fullchain_pem.count("BEGIN CERTIFICATE") == 2
    actions = list(Record.objects.order_by("pk").values_list("action", flat=True))
    assert "acme_order" in actions and "acme_challenge" in actions and "issue" in actions


def test_wildcard_by_dns01(alice, dns_zone):
    client = register(alice)
    csr, _ = csr_for(["*.example.com", "example.com"])
    order = client.acme.new_order(csr)
    for authorization in order.authorizations:
        challenge, response = publish_dns01(dns_zone, authorization, client.key)
        client.acme.answer_challenge(challenge, response)
    run_tasks()
    order = client.acme.poll_authorizations(order, deadline())
    finalized = client.acme.begin_finalization(order)
    run_tasks()
    finalized = client.acme.poll_finalization(finalized, deadline())
    assert Certificate.objects.get().domain_type == DomainType.WILDCARD
    assert "BEGIN CERTIFICATE" in finalized.fullchain_pem
