"""How an applicant proves a domain (certificates/services/domain_methods.py): switching
between DNS, the file and email, the validation email and its link (signed, single use,
for the domain's present method and state). Through the pages: the email-link tests of
tests/services/test_domain_checks.py and tests/views/test_verification.py; the limits on
validation emails: tests/services/test_limits.py."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail, signing
from django.utils import timezone

from certificates.choices import CsrSource, DomainStatus, Method, Status
from certificates.exceptions import Limited, LinkRefused, MethodRefused
from certificates.models import Certificate, Domain, ValidationEmail
from certificates.services import domain_methods
from tests.factories import CertificateFactory, OrganizationFactory, submitted

LINK = re.compile(r"(\S+)/verify-email/([^/\s]+)/")


def ov(owner, **kwargs) -> Domain:
    """The primary domain of a submitted OV application, pending over DNS."""
    return submitted(owner, ov=True, **kwargs).domains.get()


def email(domain: Domain, local: str = "admin") -> str:
    """Switch the domain to email; the token of the link it was sent."""
    domain_methods.choose_method(domain, Method.EMAIL, f"{local}@{domain.name}", by=None)
    return LINK.search(mail.outbox[-1].body).group(2)


def notes(domain: Domain) -> list[str]:
    return list(
        domain.certificate.records.filter(action="method")
        .order_by("id")
        .values_list("detail", flat=True)
    )


# Switching


def test_email_sends_the_link_to_the_address_chosen_on_the_public_url(alice, settings):
    settings.SCM_PUBLIC_URL = "https://console.example.com/"
    settings.SCM_EMAIL_LINK_MAX_AGE_DAYS = 14
    organization = OrganizationFactory(owner=alice, legal_name="Contoso Ltd", country="GB")
    domain = ov(alice, organization=organization, primary_domain="shop.example.com")

    domain_methods.choose_method(domain, Method.EMAIL, "hostmaster@example.com", by=alice)

    (sent,) = mail.outbox
    assert sent.to == ["hostmaster@example.com"]
    assert sent.subject == "Confirm the certificate request for shop.example.com"
    assert sent.body.startswith(
        "Contoso Ltd (United Kingdom) asked for an SSL certificate (OV) that includes "
        "shop.example.com."
    )
    assert "within 14 days" in sent.body
    base, token = LINK.search(sent.body).groups()
    assert base == "https://console.example.com/certificates"  # never the request's Host
    stored = Domain.objects.get(pk=domain.pk)
    assert (stored.method, stored.email_address) == (Method.EMAIL, "hostmaster@example.com")
    assert stored.email_nonce and stored.email_sent_at
    assert domain_methods.domain_for_link(token) == stored
    (row,) = ValidationEmail.objects.all()
    assert (row.team_id, row.domain, row.address, row.sent_at) == (
        domain.certificate.team_id,
        stored,
        "hostmaster@example.com",
        stored.email_sent_at,
    )
    assert notes(domain) == [
        "shop.example.com: Email to the domain's administrator, link sent to hostmaster@example.com"
    ]
    assert domain.certificate.records.get(action="method").actor == alice


def test_without_an_organization_the_email_says_someone_asked(alice):
    certificate = CertificateFactory(owner=alice, ov=True, domain=True, organization=None)
    domain = certificate.domains.get()
    email(domain)
    assert mail.outbox[-1].body.startswith("Someone asked for an SSL certificate (OV)")


def test_switching_back_to_dns_makes_the_emailed_link_stop_working(alice):
    domain = ov(alice)
    token = email(domain)
    domain_methods.choose_method(domain, Method.DNS, by=alice)
    stored = Domain.objects.get(pk=domain.pk)
    assert (stored.method, stored.email_nonce, stored.last_result) == (Method.DNS, "", "")
    with pytest.raises(LinkRefused, match="already used, or a newer email replaced it"):
        domain_methods.confirm_link(token)
    assert Domain.objects.get(pk=domain.pk).status == DomainStatus.PENDING
    assert len(mail.outbox) == 1  # DNS sends nothing
    assert notes(domain)[-1] == f"{domain.name}: DNS TXT record"


def test_the_file_is_offered_to_an_ov_domain(alice):
    domain = ov(alice)
    Domain.objects.filter(pk=domain.pk).update(last_result="TXT record not found.")
    domain_methods.choose_method(domain, Method.FILE, by=alice)
    stored = Domain.objects.get(pk=domain.pk)
    assert (stored.method, stored.last_result) == (Method.FILE, "")  # the old result is gone
    assert not mail.outbox


@pytest.mark.parametrize(
    ("kwargs", "method", "message"),
    [
        ({}, Method.FILE, "File on the web server is not available for www"),
        ({}, Method.EMAIL, "Email to the domain's administrator is not available for www"),
        ({"ov": True, "primary_domain": "*.example.com"}, Method.FILE, "not available for *.ex"),
    ],
)
def test_a_method_the_product_does_not_offer_is_refused(alice, kwargs, method, message):
    domain = submitted(alice, **kwargs).domains.get()
    with pytest.raises(MethodRefused, match=re.escape(message)):
        domain_methods.choose_method(domain, method, f"admin@{domain.base_name}", by=alice)
    assert Domain.objects.get(pk=domain.pk).method == Method.DNS
    assert not mail.outbox and notes(domain) == []


def test_an_acme_orders_domain_is_proven_by_its_client(alice):
    certificate = CertificateFactory(owner=alice, domain=True, csr_source=CsrSource.ACME)
    domain = certificate.domains.get()
    with pytest.raises(MethodRefused, match=f"The ACME client chooses how {domain.name}"):
        domain_methods.choose_method(domain, Method.DNS, by=alice)


def test_an_address_not_offered_is_refused_and_nothing_is_sent(alice):
    domain = ov(alice, primary_domain="www.shop.example.com")
    with pytest.raises(MethodRefused) as refused:
        domain_methods.choose_method(domain, Method.EMAIL, "me@attacker.example", by=alice)
    assert str(refused.value) == (
        "Choose one of the addresses offered for the validation email: admin@, "
        "administrator@, webmaster@, hostmaster@ or postmaster@ at www.shop.example.com or a "
        "parent domain up to example.com."
    )
    assert not mail.outbox and not ValidationEmail.objects.exists()
    assert Domain.objects.get(pk=domain.pk).method == Method.DNS


def test_a_second_email_too_soon_is_limited_and_the_first_link_still_works(alice, settings):
    settings.SCM_EMAIL_RESEND_SECONDS = 300
    domain = ov(alice)
    first = email(domain)
    domain.refresh_from_db()
    with pytest.raises(Limited) as limited:
        email(domain, "webmaster")
    assert 0 < limited.value.retry_after <= 300
    assert len(mail.outbox) == 1 and ValidationEmail.objects.count() == 1
    stored = Domain.objects.get(pk=domain.pk)
    assert stored.email_address == f"admin@{domain.name}"
    assert domain_methods.confirm_link(first).pk == domain.pk


def test_a_domain_verified_meanwhile_is_not_switched(alice):
    domain = ov(alice)  # as the page read it: pending
    Domain.objects.filter(pk=domain.pk).update(status=DomainStatus.VERIFIED)
    domain_methods.choose_method(domain, Method.FILE, by=alice)
    stored = Domain.objects.get(pk=domain.pk)
    assert (stored.status, stored.method) == (DomainStatus.VERIFIED, Method.DNS)


# The emailed link


def test_a_link_is_used_once_and_verifies_its_domain(alice):
    domain = ov(alice)
    token = email(domain)
    assert domain_methods.domain_for_link(token).pk == domain.pk  # looking uses nothing
    assert domain_methods.domain_for_link(token).pk == domain.pk

    confirmed = domain_methods.confirm_link(token)

    stored = Domain.objects.get(pk=confirmed.pk)
    assert stored.status == DomainStatus.VERIFIED and stored.email_nonce == ""
    assert stored.last_result == f"Confirmed through the link emailed to admin@{domain.name}."
    assert stored.verified_at and stored.next_check_at is None
    certificate = Certificate.objects.get(pk=domain.certificate_id)
    assert certificate.status == Status.PENDING_ORG_VERIFICATION  # its only domain
    with pytest.raises(LinkRefused, match="already used, or a newer email replaced it"):
        domain_methods.confirm_link(token)


def test_a_certificate_moves_on_once_every_domain_is_confirmed(alice):
    certificate = submitted(alice, ov=True, domains=["api.example.com"])
    first, second = certificate.domains.order_by("id")
    tokens = [email(first), email(second)]
    domain_methods.confirm_link(tokens[0])
    assert Certificate.objects.get(pk=certificate.pk).status == Status.PENDING_DOMAIN_VERIFICATION
    domain_methods.confirm_link(tokens[1])
    assert Certificate.objects.get(pk=certificate.pk).status == Status.PENDING_ORG_VERIFICATION


def test_a_newer_email_replaces_the_older_link(alice):
    domain = ov(alice)
    older = email(domain)
    newer = email(domain, "hostmaster")
    with pytest.raises(LinkRefused, match="a newer email replaced it"):
        domain_methods.domain_for_link(older)
    assert domain_methods.confirm_link(newer).pk == domain.pk


def test_a_link_past_its_days_has_expired(alice, settings):
    settings.SCM_EMAIL_LINK_MAX_AGE_DAYS = 3
    domain = ov(alice)
    token = email(domain)
    with time_machine.travel(timezone.now() + dt.timedelta(days=2, hours=23)):
        assert domain_methods.domain_for_link(token).pk == domain.pk
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=3, minutes=1)),
        pytest.raises(LinkRefused) as refused,
    ):
        domain_methods.confirm_link(token)
    assert str(refused.value) == (
        "This link has expired. Ask the applicant to send a new validation email."
    )
    assert Domain.objects.get(pk=domain.pk).status == DomainStatus.PENDING


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
        lambda token: token[: len(token) // 2],
        lambda token: "",
        lambda token: signing.dumps(signing.loads(token, salt=domain_methods.EMAIL_SALT)),
    ],
    ids=["changed", "cut short", "empty", "signed for something else"],
)
def test_a_link_changed_or_cut_short_is_not_valid(alice, forge):
    domain = ov(alice)
    token = email(domain)
    with pytest.raises(LinkRefused) as refused:
        domain_methods.confirm_link(forge(token))
    assert str(refused.value) == "This link is not valid: it may have been cut short or changed."
    assert Domain.objects.get(pk=domain.pk).status == DomainStatus.PENDING


def test_a_link_for_a_domain_proven_another_way_now_is_refused(alice):
    domain = ov(alice)
    token = email(domain)
    Domain.objects.filter(pk=domain.pk).update(method=Method.FILE)  # the nonce kept
    with pytest.raises(LinkRefused, match="now proves control of this domain another way"):
        domain_methods.confirm_link(token)


def test_a_link_for_a_domain_no_longer_pending_needs_no_confirmation(alice):
    domain = ov(alice)
    token = email(domain)
    Domain.objects.filter(pk=domain.pk).update(status=DomainStatus.VERIFIED)
    with pytest.raises(LinkRefused, match="This domain needs no confirmation any more."):
        domain_methods.domain_for_link(token)


def test_a_link_for_a_domain_that_is_gone_is_refused(alice):
    domain = ov(alice)
    token = email(domain)
    Domain.objects.filter(pk=domain.pk).delete()
    with pytest.raises(LinkRefused, match="already used, or a newer email replaced it"):
        domain_methods.domain_for_link(token)
