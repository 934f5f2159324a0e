"""What an ACME account may reach (RFC 8555 §7.6 and the resources of §7.1): its own
account, orders, authorizations, challenges and certificates, and revocation of what it
ordered. Another account of the same team reaches none of them; a certificate of the team
it did not order (an OV bought in the console) is revoked only through the console's
request, which Revocation staff review."""

import josepy as jose
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.test import Client

from certificates.choices import CertificateType, Status
from certificates.models import Record
from tests.ca.helpers import issued as issued_in_console
from tests.support.acme_client import BASE, HOST, csr_for, issued, post_jws, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def web() -> Client:
    return Client()


@pytest.fixture
def site(web_site, dns_zone):
    dns_zone.a(HOST)
    return web_site


def b64_der(certificate) -> str:
    leaf = x509.load_pem_x509_certificate(certificate.certificate_pem.encode())
    return jose.b64encode(leaf.public_bytes(serialization.Encoding.DER)).decode()


def revoke(web, client, certificate, reason: int = 0):
    body = {"certificate": b64_der(certificate), "reason": reason}
    return post_jws(web, "/acme/revoke-cert", body, client.key, kid=client.account.uri)


def test_another_account_of_the_team_cannot_revoke_an_order_at_once(alice, site, web):
    orderer, colleague = register(alice), register(alice, email="other@example.com")
    _, certificate, _ = issued(orderer, site)

    refused = revoke(web, colleague, certificate)

    assert (refused.status_code, refused.problem) == (403, "unauthorized")
    detail = refused.json()["detail"]
    assert "Request revocation" in detail and certificate.detail_url in detail
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED
    assert revoke(web, orderer, certificate).status_code == 200
    certificate.refresh_from_db()
    assert certificate.status == Status.REVOKED


@pytest.mark.parametrize("product", [CertificateType.OV, CertificateType.EV, CertificateType.DV])
def test_a_certificate_bought_in_the_console_is_not_revoked_through_acme(alice, web, product):
    client = register(alice)
    certificate = issued_in_console(alice, product)

    refused = revoke(web, client, certificate, reason=1)

    assert refused.problem == "unauthorized"
    assert "console" in refused.json()["detail"]
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED
    assert not Record.objects.filter(certificate=certificate, action="approve_revocation").exists()


def test_a_console_revocation_request_of_an_acme_order_is_approved_by_its_account(alice, site, web):
    client = register(alice)
    _, certificate, _ = issued(client, site)
    certificate.run_transition("request_revocation", by=alice, reason="Key lost")

    assert revoke(web, register(alice), certificate).problem == "unauthorized"
    assert revoke(web, client, certificate).status_code == 200
    certificate.refresh_from_db()
    assert certificate.status == Status.REVOKED


def test_another_account_of_the_team_reaches_none_of_an_accounts_resources(alice, web):
    owner, colleague = register(alice), register(alice)
    order = owner.acme.new_order(csr_for(["shop.example.com"])[0])
    order_path = order.uri.removeprefix(BASE)
    authz = order.authorizations[0].uri.removeprefix(BASE)
    account = owner.account.uri.removeprefix(BASE)
    pk = authz.rsplit("/", 1)[1]
    resources = {
        account: None,
        f"{account}/orders": None,
        order_path: None,
        f"{order_path}/finalize": {"csr": "AAAA"},
        authz: None,
        f"/acme/chall/{pk}/http-01": {},
        f"/acme/chall/{pk}/dns-01": {},
        f"/acme/cert/{order_path.rsplit('/', 1)[1]}": None,
    }
    for path, payload in resources.items():
        answer = post_jws(web, path, payload, colleague.key, kid=colleague.account.uri)
        assert answer.problem in ("unauthorized", "malformed"), (path, answer.status_code)
        assert answer.status_code in (403, 404), (path, answer.status_code)
        mine = post_jws(web, path, payload, owner.key, kid=owner.account.uri)
        assert mine.status_code != 404 or "cert" in path, (path, mine.content)
