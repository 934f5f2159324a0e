"""ACME orders (certificates/services/acme.py), at the service boundary: identifiers by the
console's rules, an order as a submitted DV certificate of the team within the account's
hourly limit, challenges started once, finalize with the CSR rules, revocation by the
account that ordered or the key's holder, keyset pages of orders, and orders left to expire.
Each refusal is an RFC 8555 problem with the console's words."""

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.utils import timezone

from certificates.choices import (
    CertificateType,
    CsrSource,
    DomainType,
    KeyAlgorithm,
    Method,
    Status,
)
from certificates.exceptions import AcmeRefused
from certificates.models import AcmeOrder, Certificate, Record, Revocation
from certificates.services.acme import (
    MAX_IDENTIFIERS,
    clean_identifiers,
    close_expired_orders,
    finalize,
    new_order,
    orders_of,
    revoke,
    start_challenge,
)
from tests.ca.helpers import issued
from tests.factories import team_of
from tests.support.acme_client import account_of, csr_for, csr_with_key, new_key
from tests.support.follow_ups import queued


def dns(*names: str) -> list[dict]:
    return [{"type": "dns", "value": name} for name in names]


def der(csr_pem: bytes) -> bytes:
    return x509.load_pem_x509_csr(csr_pem).public_bytes(serialization.Encoding.DER)


def ready(order: AcmeOrder) -> AcmeOrder:
    """Its challenges passed: the order waits for the CSR (RFC 8555 "ready")."""
    Certificate.objects.filter(pk=order.certificate_id).update(status=Status.TO_BE_ISSUED)
    return AcmeOrder.objects.select_related("certificate", "account").get(pk=order.pk)


@pytest.mark.parametrize(
    ("identifiers", "problem", "message"),
    [
        ([], "malformed", "non-empty list of identifiers"),
        ({"type": "dns"}, "malformed", "non-empty list of identifiers"),
        (
            dns(*(f"h{n}.example.com" for n in range(MAX_IDENTIFIERS + 1))),
            "rejectedIdentifier",
            "at most 100",
        ),
        (["shop.example.com"], "malformed", "needs a type and a value"),
        ([{"type": "dns", "value": 7}], "malformed", "needs a type and a value"),
        ([{"type": "ip", "value": "192.0.2.1"}], "unsupportedIdentifier", "not 'ip'"),
        (dns("shop..example.com"), "rejectedIdentifier", "has an empty label"),
    ],
)
def test_identifiers_the_console_would_not_take_are_refused(identifiers, problem, message):
    with pytest.raises(AcmeRefused, match=message) as refused:
        clean_identifiers(identifiers)
    assert refused.value.problem == problem
    assert str(refused.value)


def test_identifiers_are_normalised_and_named_once_in_order(db):
    names = clean_identifiers(dns("Shop.Example.COM", "*.example.com", "shop.example.com"))
    assert names == ["shop.example.com", "*.example.com"]


def test_an_order_is_a_submitted_dv_certificate_of_the_accounts_team(alice):
    account = account_of(alice)
    order = new_order(account, dns("shop.example.com", "*.example.com"))
    certificate = Certificate.objects.get(pk=order.certificate_id)
    assert (certificate.team, certificate.owner) == (team_of(alice), alice)
    assert (certificate.certificate_type, certificate.csr_source) == (
        CertificateType.DV,
        CsrSource.ACME,
    )
    assert certificate.domain_type == DomainType.WILDCARD
    assert certificate.domain_names == ["shop.example.com", "*.example.com"]
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION
    assert order.identifiers == dns("shop.example.com", "*.example.com")
    assert order.status == "pending" and order.expires_at > timezone.now() + dt.timedelta(days=6)
    record = Record.objects.get(action="acme_order")
    assert (record.actor, record.actor_name) == (alice, account.label)
    assert (record.certificate_id, record.detail) == (
        certificate.pk,
        "shop.example.com, *.example.com",
    )


def test_past_the_hourly_order_limit_no_certificate_is_made(alice, settings):
    settings.SCM_ACME_ORDERS_PER_HOUR = 2
    account = account_of(alice)
    new_order(account, dns("a.example.com"))
    new_order(account, dns("b.example.com"))
    with pytest.raises(AcmeRefused, match="placed 2 orders in the last hour") as refused:
        new_order(account, dns("c.example.com"))
    assert refused.value.problem == "rateLimited"
    assert 3500 < refused.value.retry_after <= 3601
    assert Certificate.objects.filter(csr_source=CsrSource.ACME).count() == 2
    assert new_order(account_of(alice), dns("c.example.com"))  # another account's limit


def test_a_challenge_is_started_once_and_only_by_a_method_that_can_prove_the_name(alice):
    order = new_order(account_of(alice), dns("shop.example.com", "*.example.com"))
    plain = order.certificate.domains.get(name="shop.example.com")
    wildcard = order.certificate.domains.get(name="*.example.com")
    with pytest.raises(AcmeRefused, match=r"http-01 cannot prove \*\.example\.com") as refused:
        start_challenge(wildcard, Method.ACME_HTTP)
    assert refused.value.problem == "malformed"
    assert start_challenge(plain, Method.ACME_HTTP) is True
    plain.refresh_from_db()
    assert plain.method == Method.ACME_HTTP and plain.next_check_at is not None
    assert start_challenge(plain, Method.ACME_DNS) is False  # asked for already
    plain.refresh_from_db()
    assert plain.method == Method.ACME_HTTP
    # The worker checks it, once (the follow-up of "acme_challenge"); the other is not asked.
    assert len(queued("check_domain", plain.pk, plain.token)) == 1
    assert not queued("check_domain", wildcard.pk, wildcard.token)


def test_finalize_takes_a_csr_for_exactly_the_orders_names_once(alice):
    key = new_key()
    account = account_of(alice, key=key)
    order = new_order(account, dns("shop.example.com"))
    csr, _ = csr_for(["shop.example.com"], KeyAlgorithm.EC_P384)
    with pytest.raises(AcmeRefused, match="The order is pending") as refused:
        finalize(order, der(csr))
    assert refused.value.problem == "orderNotReady"
    order = ready(order)
    for wrong, message in [
        (der(csr_for(["other.example.com"])[0]), "names other.example.com, which is not in"),
        (der(csr_with_key(["shop.example.com"], key.key)), "the ACME account's key"),
        (b"not a CSR", "not a certificate signing request"),
    ]:
        with pytest.raises(AcmeRefused, match=message) as refused:
            finalize(order, wrong)
        assert refused.value.problem == "badCSR"
    assert Certificate.objects.get(pk=order.certificate_id).csr_pem == ""
    certificate = finalize(order, der(csr))
    assert certificate.csr_pem == csr.decode()
    assert certificate.key_algorithm == KeyAlgorithm.EC_P384
    assert Record.objects.get(action="acme_finalize").detail == "EC P-384 key"
    with pytest.raises(AcmeRefused) as refused:
        finalize(order, der(csr))
    assert refused.value.problem == "orderNotReady"


def test_revoke_by_the_ordering_account_or_the_keys_holder_only(alice):
    account, other = account_of(alice), account_of(alice)
    certificate = issued(alice)
    AcmeOrder.objects.create(
        account=account,
        certificate=certificate,
        identifiers=dns(*certificate.domain_names),
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    with pytest.raises(AcmeRefused, match="did not order this certificate") as refused:
        revoke(certificate, 1, account=other)
    assert refused.value.problem == "unauthorized"
    with pytest.raises(AcmeRefused, match="The reason must be one of") as refused:
        revoke(certificate, 2, account=account)  # cACompromise is not the subscriber's
    assert refused.value.problem == "badRevocationReason"
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED
    revoke(certificate, 1, account=account)
    certificate.refresh_from_db()
    assert certificate.status == Status.REVOKED
    assert Revocation.objects.get(certificate=certificate).reason_code == "key_compromise"
    with pytest.raises(AcmeRefused, match="revoked already") as refused:
        revoke(certificate, None, account=None)
    assert refused.value.problem == "alreadyRevoked"


def test_the_keys_holder_revokes_any_issued_certificate_but_nothing_unissued(alice):
    certificate = issued(alice)
    revoke(certificate, None, account=None)  # no reason: unspecified
    certificate.refresh_from_db()
    assert certificate.status == Status.REVOKED
    assert Revocation.objects.get(certificate=certificate).reason_code == "unspecified"
    order = new_order(account_of(alice), dns("shop.example.com"))
    with pytest.raises(
        AcmeRefused, match="This certificate is “Pending domain name verification”."
    ) as refused:
        revoke(order.certificate, 0, account=None)
    assert refused.value.problem == "unauthorized"


def test_orders_come_in_keyset_pages_of_the_account(alice):
    account = account_of(alice)
    ids = [new_order(account, dns(f"h{n}.example.com")).pk for n in range(5)]
    new_order(account_of(alice), dns("other.example.com"))
    assert orders_of(account, size=2) == ids[:2]
    assert orders_of(account, after=ids[1], size=2) == ids[2:4]
    assert orders_of(account, after=ids[4]) == []


def test_orders_left_past_their_days_fail_and_the_rest_wait(alice, settings):
    account = account_of(alice)
    stale, fresh = (
        new_order(account, dns("old.example.com")),
        new_order(account, dns("new.example.com")),
    )
    AcmeOrder.objects.filter(pk=stale.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert close_expired_orders() == 1
    stale.certificate.refresh_from_db()
    fresh.certificate.refresh_from_db()
    assert stale.certificate.status == Status.APPLICATION_FAILED
    assert stale.certificate.failure_reason == (
        "The ACME order expired: its client did not complete it within "
        f"{settings.SCM_ACME_ORDER_DAYS} days."
    )
    assert fresh.certificate.status == Status.PENDING_DOMAIN_VERIFICATION
    assert close_expired_orders() == 0
