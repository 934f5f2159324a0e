"""A browser switches the console to Thai and watches an application move on live, in Thai."""

import pytest
from django.utils import translation

from certificates.choices import Status
from teams.models import Profile
from tests.factories import CertificateFactory
from tests.support.browsing import log_in, wait_for_progress

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("no_csp_violations"),
]


def in_thai(text) -> str:
    with translation.override("th"):
        return str(text)


def test_alice_switches_to_thai_and_watches_her_application_move_on(browser, live_server, people):
    alice, _ = people
    certificate = CertificateFactory(owner=alice, ov=True, domain=True)
    applicant = log_in(browser, live_server, "alice")
    applicant.goto(f"{live_server.url}/certificates/")
    assert applicant.locator("html").get_attribute("lang") == "en"

    applicant.get_by_role("button", name="ไทย").click()
    applicant.wait_for_load_state()
    assert applicant.locator("html").get_attribute("lang") == "th"
    assert applicant.url.endswith("/certificates/")  # back on the page it was chosen on
    assert Profile.objects.get(user=alice).language == "th"
    row = applicant.locator(f'tr[data-certificate-id="{certificate.pk}"]')
    waiting = in_thai(Status.PENDING_DOMAIN_VERIFICATION.label)
    assert row.locator(".status-label").inner_text() == waiting
    assert applicant.get_by_role("button", name="ไทย").is_disabled()  # the current one
    applicant.evaluate("window.__loadedOnce = 'same page'")

    # The CA's staff work in English; alice's row follows in Thai, without a reload.
    ca = log_in(browser, live_server, "staff", admin=True)
    ca.goto(f"{live_server.url}/admin/certificates/certificate/{certificate.pk}/change/")
    ca.get_by_role("button", name="Mark domains verified").click()
    ca.fill("#id_reason", "TXT record checked by hand.")
    ca.get_by_role("button", name="Mark domains verified").click()
    wait_for_progress(applicant, certificate, 70)
    moved = in_thai(Status.PENDING_ORG_VERIFICATION.label)
    assert moved != Status.PENDING_ORG_VERIFICATION.label  # really another language
    assert row.locator(".status-label").inner_text() == moved
    assert moved in row.locator(".status").get_attribute("data-announce")
    assert applicant.evaluate("window.__loadedOnce") == "same page"

    # Her choice is hers: staff still read English, and a new sign-in brings Thai back.
    assert ca.locator("html").get_attribute("lang") == "en"
    again = log_in(browser, live_server, "alice")
    again.goto(f"{live_server.url}/certificates/")
    assert again.locator("html").get_attribute("lang") == "th"
