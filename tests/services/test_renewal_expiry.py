import datetime as dt
import re

import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import ngettext

from certificates.choices import Status
from certificates.models import StateChange
from certificates.services.expiry import expire_and_warn
from certificates.services.renewals import renewal_validity
from certificates.validity import validity_period
from teams.models import Profile
from teams.roles import Role
from tests.ca.helpers import issued
from tests.factories import CertificateFactory, MembershipFactory, team_of


def test_expire_command_expires_past_not_after(alice):
    old = CertificateFactory(
        owner=alice, issued=True, not_after=timezone.now() - dt.timedelta(minutes=1)
    )
    fresh = CertificateFactory(owner=alice, issued=True)
    call_command("expire_certificates")
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == (Status.EXPIRED, Status.ISSUED)
    assert StateChange.objects.filter(certificate=old).get().actor is None


def test_one_email_at_30_and_one_at_7_days(alice):
    alice.email = "alice@example.com"
    alice.save()
    certificate = CertificateFactory(
        owner=alice, issued=True, not_after=timezone.now() + dt.timedelta(days=40)
    )
    assert expire_and_warn() == (0, 0)
    with time_machine.travel(timezone.now() + dt.timedelta(days=11)):
        assert expire_and_warn() == (0, 1)
        assert expire_and_warn() == (0, 0)  # not twice
    assert "expires in 28 days" in mail.outbox[-1].subject
    with time_machine.travel(timezone.now() + dt.timedelta(days=34)):
        assert expire_and_warn() == (0, 1)
    assert len(mail.outbox) == 2
    assert f"/certificates/{certificate.pk}/" in mail.outbox[-1].body


def test_each_renewer_reads_the_expiry_email_in_their_language(alice, bob):
    """One email per language the team's renewers chose; English for those who chose none."""
    team = team_of(alice)
    MembershipFactory(team=team, user=bob, role=Role.FULL_ACCESS)
    alice.email, bob.email = "alice@example.com", "bob@example.com"
    alice.save()
    bob.save()
    Profile.objects.create(user=alice, language="th")
    shop = CertificateFactory(
        owner=alice, name="Shop", issued=True, not_after=timezone.now() + dt.timedelta(days=20)
    )
    assert expire_and_warn() == (0, 1)
    sent = {tuple(email.to): email for email in mail.outbox}
    assert set(sent) == {("alice@example.com",), ("bob@example.com",)}
    thai, english = sent[("alice@example.com",)], sent[("bob@example.com",)]
    assert english.subject == "Shop expires in 19 days"
    with translation.override("th"):
        wanted = ngettext(
            "%(name)s expires in %(days)d day", "%(name)s expires in %(days)d days", 19
        ) % {"name": "Shop", "days": 19}
    assert thai.subject == wanted
    assert thai.subject != english.subject and "Shop" in thai.subject
    words = thai.body.replace("Shop", "").replace(shop.primary_domain, "").split("http")[0]
    assert not re.search(r"[A-Za-z]{5,}", words), thai.body


def test_renew_starts_a_prefilled_application(alice_client, alice):
    original = issued(alice, domains=["api.example.com"])
    response = alice_client.post(f"/certificates/{original.pk}/renew/")
    renewal = alice.certificates.exclude(pk=original.pk).get()
    assert response.url == f"/certificates/{renewal.pk}/apply/"
    assert renewal.status == Status.PENDING_APPLICATION
    assert renewal.domain_names == ["www.example.com", "api.example.com"]
    assert (renewal.certificate_type, renewal.brand) == (
        original.certificate_type,
        original.brand,
    )
    # The key as it is (the CSR's EC P-256), not the purchase's default (RSA 2048).
    assert (renewal.csr_source, renewal.key_algorithm) == ("own", "ec_p256")
    assert renewal.renewal_of == original
    assert 'value="www.example.com"' in alice_client.get(response.url).text


def test_the_renew_page_says_when_there_are_more_domains(alice_client, alice):
    single = issued(alice, domains=[])
    several = issued(alice, domains=["api.example.com"])
    assert "and more" not in alice_client.get(f"/certificates/{single.pk}/renew/").text
    assert "www.example.com and more" in alice_client.get(f"/certificates/{several.pk}/renew/").text


def test_a_renewal_lasts_the_longest_validity_in_force_and_nothing_more(alice):
    now = timezone.now()
    assert (validity_period(now)[1] - now).days == 198  # 199 days less the inclusive second
    original = issued(alice)
    renewal = CertificateFactory(owner=alice, ready=True, renewal_of=original)
    renewal.run_transition("issue", by=None)
    assert renewal.not_after - renewal.not_before == dt.timedelta(days=199, seconds=-1)


def test_the_renewal_validity_is_the_period_in_force_from_now_whatever_is_left(alice):
    now = timezone.now()
    original = issued(alice)
    assert renewal_validity(original, now) == validity_period(now)
    test = issued(alice, is_test=True)
    assert renewal_validity(test, now) == validity_period(now, is_test=True)
    assert renewal_validity(test, now) != renewal_validity(original, now)


def test_the_renew_page_shows_the_real_new_end_date_and_promises_no_days(alice_client, alice):
    original = issued(alice)
    with time_machine.travel(timezone.now(), tick=False):
        page = alice_client.get(f"/certificates/{original.pk}/renew/").text
        new_end = timezone.now() + dt.timedelta(days=199, seconds=-1)
    assert f"valid until {new_end:%Y-%m-%d %H:%M} UTC if it is issued today (199 days)" in page
    assert f"valid until {original.not_after:%Y-%m-%d %H:%M} UTC" in page
    assert "are added to the new one" not in page
    assert "are not added to the new one" in page


def test_a_renewal_keeps_the_name_and_both_timelines_link_each_other(alice_client, alice):
    original = issued(alice)
    original.rename("Shop frontend", by=alice)
    response = alice_client.post(f"/certificates/{original.pk}/renew/")
    renewal = alice.certificates.exclude(pk=original.pk).get()
    assert renewal.name == "Shop frontend"
    old_page = alice_client.get(f"/certificates/{original.pk}/").text
    assert f'href="/certificates/{renewal.pk}/">Shop frontend (ID {renewal.pk})</a>' in old_page
    new_page = alice_client.get(f"/certificates/{renewal.pk}/").text
    assert "Started as the renewal of" in new_page
    assert f'href="/certificates/{original.pk}/">Shop frontend (ID {original.pk})</a>' in new_page
    assert response.url == f"/certificates/{renewal.pk}/apply/"


def test_a_renewed_test_certificate_lasts_three_months_like_any_test_certificate(alice):
    now = timezone.now()
    assert (validity_period(now, is_test=True)[1] - now).days == 89
    original = issued(alice, is_test=True)
    renewal = CertificateFactory(owner=alice, is_test=True, ready=True, renewal_of=original)
    renewal.run_transition("issue", by=None)
    lifetime = renewal.not_after - renewal.not_before
    assert lifetime == dt.timedelta(days=90) - dt.timedelta(seconds=1)  # nothing carried over


def test_renewing_test_certificates_uses_the_quota(alice_client, alice, settings):
    settings.SCM_TEST_CERTIFICATE_QUOTA = 3
    original = issued(alice, is_test=True)
    page = alice_client.get(f"/certificates/{original.pk}/renew/")
    assert "uses one of the 2 free test certificates left" in page.text
    for _ in range(2):
        assert alice_client.post(f"/certificates/{original.pk}/renew/").status_code == 302
    assert alice.certificates.filter(is_test=True).count() == 3
    response = alice_client.post(f"/certificates/{original.pk}/renew/", follow=True)
    assert "Your team has used all 3 free test certificates" in response.text
    assert alice.certificates.filter(is_test=True).count() == 3
    bought = alice_client.post("/certificates/buy/", {"kind": "test", "brand": "aurora"})
    assert bought.status_code == 400  # renewals took the quota buying would have used


def test_only_issued_or_expired_certificates_renew(alice_client, alice, bob_client):
    pending = CertificateFactory(owner=alice)
    response = alice_client.post(f"/certificates/{pending.pk}/renew/")
    assert (
        "Only issued or expired certificates can be renewed." in alice_client.get(response.url).text
    )
    issued_one = CertificateFactory(owner=alice, issued=True)
    assert bob_client.post(f"/certificates/{issued_one.pk}/renew/").status_code == 404
