"""Rate limits on Verify now, validation emails and downloads (certificates/limits.py):
refused with 429, a Retry-After and a message that says when, and nothing done."""

import datetime as dt

import time_machine
from django.core import mail
from django.utils import timezone

from tests.factories import submitted
from tests.test_issuance import issued


def detail(certificate) -> str:
    return f"/certificates/{certificate.pk}/"


def test_verify_now_at_most_once_per_interval(alice_client, alice, dns_zone, settings):
    settings.SCM_VERIFY_NOW_SECONDS = 10
    certificate = submitted(alice, primary_domain="shop.example.com")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert alice_client.post(f"{detail(certificate)}verify/").status_code == 302
        clock.shift(dt.timedelta(seconds=4))
        again = alice_client.post(f"{detail(certificate)}verify/")
        assert again.status_code == 429
        assert again["Retry-After"] == "6"
        assert "The domains were checked 4 s ago: try again in 6 s." in again.text
        assert certificate.domains.get().checks == 1  # the refused press checked nothing
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
        again = alice_client.post(url, choice)
        assert again.status_code == 429
        assert again["Retry-After"] == "200"
        assert "you can send another in 4 min" in again.text
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
        assert certificate.downloads.count() == 2
        clock.shift(dt.timedelta(minutes=41))
        assert alice_client.get(url).status_code == 200
