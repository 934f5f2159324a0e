"""Rate limits on Verify now, validation emails and downloads (certificates/limits.py):
refused with 429, a Retry-After and a message that says when, and nothing done."""

import datetime as dt

import time_machine
from django.core import mail
from django.utils import timezone

from certificates.models.records import DOWNLOADS
from tests.ca.helpers import issued
from tests.factories import submitted


def detail(certificate) -> str:
    return f"/certificates/{certificate.pk}/"


def test_verify_now_at_most_once_per_interval(alice_client, alice, dns_zone, settings):
    settings.SCM_VERIFY_NOW_SECONDS = 10
    certificate = submitted(alice, primary_domain="shop.example.com")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert alice_client.post(f"{detail(certificate)}verify/").status_code == 302
        clock.shift(dt.timedelta(seconds=4))
        again = alice_client.post(f"{detail(certificate)}verify/")
        assert again.status_code == 302  # a browser goes back to the details, which say why
        assert again.url == detail(certificate)
        page = alice_client.get(again.url)
        assert "The domains were checked 4 s ago: try again in 6 s." in page.text
        by_htmx = alice_client.post(f"{detail(certificate)}verify/", headers={"HX-Request": "true"})
        assert by_htmx.status_code == 429
        assert by_htmx["Retry-After"] == "6"
        assert by_htmx.text == "The domains were checked 4 s ago: try again in 6 s."
        assert certificate.domains.get().checks == 1  # the refused presses checked nothing
        clock.shift(dt.timedelta(seconds=6))
        assert alice_client.post(f"{detail(certificate)}verify/").status_code == 302
        assert certificate.domains.get().checks == 2


def test_one_validation_email_per_domain_per_interval(alice_client, alice, settings):
    settings.SCM_EMAIL_RESEND_SECONDS = 300
    certificate = submitted(alice, ov=True, primary_domain="shop.example.com")
    domain = certificate.domains.get()
    url = f"{detail(certificate)}domains/{domain.pk}/method/"
    choice = {"method": "email", "email_address": "hostmaster@shop.example.com"}
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert alice_client.post(url, choice).status_code == 302
        clock.shift(dt.timedelta(seconds=100))
        again = alice_client.post(url, choice, headers={"HX-Request": "true"})
        assert again.status_code == 429
        assert again["Retry-After"] == "200"
        assert "you can send another in 4 min" in again.text
        assert "you can send another in 4 min" in alice_client.post(url, choice, follow=True).text
        assert len(mail.outbox) == 1
        clock.shift(dt.timedelta(seconds=200))
        assert alice_client.post(url, choice).status_code == 302
        assert len(mail.outbox) == 2
    # Switching to DNS is never limited.
    assert alice_client.post(url, {"method": "dns"}).status_code == 302


def test_downloads_per_user_and_hour(alice_client, alice, settings):
    settings.SCM_DOWNLOADS_PER_HOUR = 2
    certificate = issued(alice)
    url = f"{detail(certificate)}download/nginx/"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert alice_client.get(url).status_code == 200
        clock.shift(dt.timedelta(minutes=10))
        assert alice_client.get(url).status_code == 200
        clock.shift(dt.timedelta(minutes=10))
        refused = alice_client.get(url)
        assert refused.status_code == 429
        assert refused["Retry-After"] == str(40 * 60)
        assert "You downloaded 2 bundles in the last hour: try again in 40 min." in refused.text
        assert certificate.records.filter(action__in=DOWNLOADS).count() == 2
        clock.shift(dt.timedelta(minutes=41))
        assert alice_client.get(url).status_code == 200


def choose_email(client, certificate, address: str):
    """As htmx would post it: a refusal is 429 (a browser's plain POST is redirected)."""
    domain = certificate.domains.get()
    url = f"{detail(certificate)}domains/{domain.pk}/method/"
    return client.post(
        url, {"method": "email", "email_address": address}, headers={"HX-Request": "true"}
    )


def test_one_validation_email_per_recipient_whichever_application_asks(
    alice_client, alice, bob_client, bob, settings
):
    """Buying several certificates and applying each for the same third-party domain must
    not send its administrator an email per certificate."""
    settings.SCM_EMAIL_ADDRESS_SECONDS = 300
    victim = "admin@shop.example.com"
    mine = [submitted(alice, ov=True, primary_domain="shop.example.com") for _ in range(3)]
    theirs = submitted(bob, ov=True, primary_domain="shop.example.com")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert choose_email(alice_client, mine[0], victim).status_code == 302
        for certificate in mine[1:]:
            refused = choose_email(alice_client, certificate, victim)
            assert refused.status_code == 429
            assert refused["Retry-After"] == "300"
            assert f"A validation email was sent to {victim} 0 s ago, for this or another " in (
                refused.text
            )
        assert choose_email(bob_client, theirs, victim).status_code == 429
        assert len(mail.outbox) == 1
        assert choose_email(alice_client, mine[1], "webmaster@shop.example.com").status_code == 302
        clock.shift(dt.timedelta(seconds=301))
        assert choose_email(bob_client, theirs, victim).status_code == 302
    assert [m.to for m in mail.outbox] == [[victim], ["webmaster@shop.example.com"], [victim]]
    refused_domain = mine[2].domains.get()
    assert refused_domain.method == "dns" and not refused_domain.email_nonce  # nothing changed


def test_validation_emails_per_team_and_hour(alice_client, alice, settings):
    settings.SCM_EMAILS_PER_HOUR = 3
    certificates = [
        submitted(alice, ov=True, primary_domain=f"shop{n}.example.com") for n in range(4)
    ]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n, certificate in enumerate(certificates[:3]):
            address = f"admin@shop{n}.example.com"
            assert choose_email(alice_client, certificate, address).status_code == 302
            clock.shift(dt.timedelta(minutes=10))
        refused = choose_email(alice_client, certificates[3], "admin@shop3.example.com")
        assert refused.status_code == 429
        assert "Your team sent 3 validation emails in the last hour: try again in 30 min." in (
            refused.text
        )
        clock.shift(dt.timedelta(minutes=31))
        assert (
            choose_email(alice_client, certificates[3], "admin@shop3.example.com").status_code
            == 302
        )
    assert len(mail.outbox) == 4
