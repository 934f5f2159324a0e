"""What the admin's pages say: headings in English ("Choose an application to issue", not
"Select application to issue to change"), the log's steps and states in words, every date
with its time zone, and the console's favicon (no 404 on any admin page)."""

import datetime as dt
import re

import pytest
from django.contrib.staticfiles import finders

from certificates.models import Certificate, CertificateAuthority, Record, StateChange
from tests.factories import CertificateFactory

MOMENT = dt.datetime(2026, 12, 7, 5, 18, tzinfo=dt.UTC)
PAGES = {
    "certificate": ("Choose a certificate", "Certificate"),
    "organizationreview": ("Choose an organization to verify", "Organization to verify"),
    "issuancequeue": ("Choose an application to issue", "Application to issue"),
    "revocationrequest": ("Choose a revocation request to decide", "Revocation request"),
    "statechange": (
        "Transition log: every state change, newest first",
        "Transition log entry",
    ),
    "record": ("Operation records of every team, newest first", "Operation record"),
    "certificateauthority": ("Choose a certificate authority", "Certificate authority"),
}


def heading(page) -> str:
    return re.search(r"<h1>(.*?)</h1>", page.text, re.S).group(1).strip()


@pytest.fixture
def submitted(alice):
    certificate = CertificateFactory(owner=alice)
    certificate.run_transition("submit", by=alice)
    Certificate.objects.filter(pk=certificate.pk).update(created_at=MOMENT, updated_at=MOMENT)
    return certificate


@pytest.mark.parametrize("model", PAGES)
def test_each_lists_heading_reads_as_english(staff_client, submitted, model):
    page = staff_client.get(f"/admin/certificates/{model}/")
    assert page.status_code == 200
    assert heading(page) == PAGES[model][0]
    assert "to change" not in page.text and "to view" not in page.text


@pytest.mark.parametrize("model", PAGES)
def test_each_object_pages_heading_names_what_it_is(staff_client, submitted, model):
    entry = {
        "statechange": StateChange.objects.filter(certificate=submitted).first(),
        "record": Record.objects.filter(certificate=submitted).first(),
        "certificateauthority": CertificateAuthority.objects.first(),
    }.get(model, submitted)
    page = staff_client.get(f"/admin/certificates/{model}/{entry.pk}/change/")
    assert page.status_code == 200
    assert heading(page) == PAGES[model][1]


def test_the_index_names_the_queues_in_english(staff_client):
    text = staff_client.get("/admin/").text
    for name in (
        "Organizations to verify (70%)",
        "Applications to issue (90%)",
        "Revocation requests",
        "Transition log",
        "Operation records",
    ):
        assert f">{name}</a>" in text


def test_log_entries_are_titled_by_step_and_states_in_words(staff_client, submitted):
    entry = StateChange.objects.get(certificate=submitted)
    StateChange.objects.filter(pk=entry.pk).update(at=MOMENT)
    expected = (
        "Application submitted at 2026-12-07 05:18 UTC: Pending application → "
        f"{entry.get_target_display()}"
    )
    entry.refresh_from_db()
    assert str(entry) == expected
    change = staff_client.get(f"/admin/certificates/certificate/{submitted.pk}/change/").text
    assert expected in change  # the certificate's log inline
    log = staff_client.get(f"/admin/certificates/statechange/{entry.pk}/change/").text
    assert expected in log and "pending_application →" not in log


def test_dates_in_the_admin_carry_their_time_zone(staff_client, submitted):
    listed = staff_client.get("/admin/certificates/certificate/").text
    assert "2026-12-07 05:18 UTC" in listed  # the last change
    change = staff_client.get(f"/admin/certificates/certificate/{submitted.pk}/change/").text
    assert "2026-12-07 05:18 UTC" in change  # created
    assert not re.search(r"\b(a\.m\.|p\.m\.)", listed + change)


def test_the_dates_follow_the_consoles_time_zone(staff_client, submitted, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    change = staff_client.get(f"/admin/certificates/certificate/{submitted.pk}/change/").text
    assert "2026-12-07 06:18 CET" in change


@pytest.mark.parametrize(
    "url",
    ["/admin/", "/admin/certificates/issuancequeue/", "/admin/certificates/statechange/"],
)
def test_every_admin_page_links_the_consoles_favicon(staff_client, url):
    text = staff_client.get(url).text
    (href,) = re.findall(r'<link rel="icon" href="([^"]+)"', text)
    assert href == "/static/favicon.svg"
    assert finders.find("favicon.svg")


def test_the_login_page_has_it_too(client):
    assert '<link rel="icon" href="/static/favicon.svg"' in client.get("/admin/login/").text
