"""What only a browser can prove: rows move by themselves, without reloading the page."""

import time

import pytest
from django.core.management import call_command

from certificates.choices import Status
from tests.factories import CertificateFactory
from tests.support.browsing import log_in, note_csp, progress_of, wait_for_progress

# serialized_rollback restores what the migrations created (the staff groups) after the
# flush that ends every transactional test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("no_csp_violations"),
]


def test_staff_approvals_move_alices_row_live_and_polling_stops(browser, live_server, people):
    alice, _ = people
    certificate = CertificateFactory(owner=alice, ov=True, domain=True)
    CertificateFactory(owner=alice, issued=True)  # not in progress: must not keep polling

    applicant = log_in(browser, live_server, "alice")
    applicant.goto(f"{live_server.url}/certificates/")
    assert progress_of(applicant, certificate) == "40"
    applicant.evaluate("window.__loadedOnce = 'same page'")
    polls = []
    applicant.on("request", lambda r: polls.append(r.url) if "/certificates/?" in r.url else None)

    ca = log_in(browser, live_server, "staff", admin=True)
    change_page = f"{live_server.url}/admin/certificates/certificate/{certificate.pk}/change/"

    ca.goto(change_page)
    ca.get_by_role("button", name="Mark domains verified").click()
    ca.fill("#id_reason", "TXT record checked by hand.")
    ca.get_by_role("button", name="Mark domains verified").click()  # the step's own name
    wait_for_progress(applicant, certificate, 70)

    ca.goto(change_page)
    ca.get_by_label("Registry record checked").check()
    ca.get_by_label("Public phone checked").check()
    ca.get_by_label("Address checked").check()
    ca.get_by_role("button", name="Organization verified").click()
    wait_for_progress(applicant, certificate, 90)

    ca.goto(change_page)
    ca.get_by_role("button", name="Issue").click()
    wait_for_progress(applicant, certificate, 100)

    row = applicant.locator(f'tr[data-certificate-id="{certificate.pk}"]')
    assert row.get_attribute("data-status") == Status.ISSUED
    assert applicant.evaluate("window.__loadedOnce") == "same page"  # never reloaded

    # Nothing left in progress: the new rows carry no trigger and no request follows.
    assert applicant.locator("#certificate-rows[hx-trigger]").count() == 0
    seen = len(polls)
    applicant.wait_for_timeout(1500)  # five poll intervals
    assert len(polls) == seen


def test_one_request_per_poll_for_the_whole_page(browser, live_server, people, settings):
    alice, _ = people
    for _ in range(5):
        CertificateFactory(owner=alice, domain=True)

    applicant = log_in(browser, live_server, "alice")
    polls = []
    applicant.on("request", lambda r: polls.append(r) if "/certificates/?" in r.url else None)
    applicant.goto(f"{live_server.url}/certificates/")
    started = time.monotonic()
    applicant.wait_for_timeout(3000)
    elapsed = time.monotonic() - started

    assert polls, "the page never polled"
    assert all(r.headers.get("hx-request") == "true" for r in polls)
    # Five rows in progress, yet one request per interval: a per-row poll would be 5x.
    assert len(polls) <= elapsed / settings.SCM_POLL_INTERVAL + 2


def test_page_works_without_javascript(browser, live_server, people):
    alice, _ = people
    certificate = CertificateFactory(owner=alice, domain=True)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.on("console", note_csp)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "demo")
    page.locator("form:has(#id_password) [type=submit]").click()

    page.locator(f'tr[data-certificate-id="{certificate.pk}"] a', has_text="Withdraw").click()
    page.get_by_role("button", name="Withdraw").click()

    assert "Withdrawal requested" in page.content()
    certificate.refresh_from_db()
    assert certificate.status == Status.WITHDRAWING


def test_buy_and_apply_with_javascript(browser, live_server, people):
    alice, _ = people
    page = log_in(browser, live_server, "alice")
    page.goto(f"{live_server.url}/certificates/")
    page.get_by_role("link", name="Buy certificate").click()
    page.locator("input[name=certificate_type][value=ov]").check()
    page.get_by_role("button", name="Buy").click()

    # The special-word warning appears while typing, before anything is saved.
    warning = page.locator("[data-manual-review]")
    assert warning.count() == 0
    page.locator("#id_primary_domain").press_sequentially("pay.example.com", delay=20)
    warning.wait_for()
    assert "Manual review" in warning.inner_text()

    # Own CSR fields stay hidden until "My own CSR" is chosen.
    assert not page.locator("#id_csr_text").is_visible()
    page.get_by_label("My own CSR").check()
    assert page.locator("#id_csr_text").is_visible()
    page.get_by_label("Generated by the system").check()

    page.fill("#id_org-legal_name", "Northwind Traders Ltd")
    page.select_option("#id_org-country", "GB")
    page.fill("#id_org-state", "Greater London")
    page.fill("#id_org-city", "London")
    page.fill("#id_org-address", "12 Example Wharf")
    page.fill("#id_org-registration_number", "09876543")
    page.fill("#id_org-phone", "020 7946 0000")
    page.fill("#id_applicant_name", "Alice Applicant")
    page.fill("#id_applicant_email", "alice@example.com")
    page.fill("#id_applicant_phone", "+44 20 7946 0001")
    page.get_by_role("button", name="Submit application").click()

    assert "Submitted." in page.content()
    page.goto(f"{live_server.url}/certificates/")
    certificate = alice.certificates.get()
    row = page.locator(f'tr[data-certificate-id="{certificate.pk}"]')
    assert row.get_attribute("data-status") == Status.PENDING_DOMAIN_VERIFICATION
    assert row.locator('[role="progressbar"]').get_attribute("aria-valuenow") == "40"
    assert "Expected" in row.locator("[data-note=expected]").inner_text()
    assert "Manual review" in row.inner_text()


def test_domain_verification_moves_the_row_live(browser, live_server, people, dns_zone, settings):
    alice, _ = people
    settings.SCM_RECHECK_FIRST_SECONDS = 1
    settings.SCM_AUTO_ISSUE_DV = False  # stop at 90% so the test sees it
    by_button = CertificateFactory(owner=alice, primary_domain="shop.example.com")
    by_worker = CertificateFactory(owner=alice, primary_domain="blog.example.com")
    for certificate in (by_button, by_worker):
        certificate.run_transition("submit", by=alice)

    listing = log_in(browser, live_server, "alice")
    listing.goto(f"{live_server.url}/certificates/")
    listing.evaluate("window.__loadedOnce = 'same page'")
    assert progress_of(listing, by_button) == progress_of(listing, by_worker) == "40"

    # The applicant publishes the record and presses "Verify now" in another tab.
    domain = by_button.domains.get()
    dns_zone.txt(domain.txt_name, domain.token)
    details = listing.context.new_page()
    details.on("console", note_csp)
    details.goto(f"{live_server.url}/certificates/{by_button.pk}/")
    details.get_by_role("button", name="Verify now").click()
    assert "Every domain is verified." in details.content()
    wait_for_progress(listing, by_button, 90)

    # The other one is found by the worker's own re-check, with nobody pressing anything.
    domain = by_worker.domains.get()
    dns_zone.txt(domain.txt_name, domain.token)
    time.sleep(1.2)  # its first re-check is due a second after submission
    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0.01)
    wait_for_progress(listing, by_worker, 90)
    assert listing.evaluate("window.__loadedOnce") == "same page"


def test_a_message_leaves_once_the_live_part_shows_another_state(browser, live_server, people):
    """Found by a first-time user: "Withdrawal requested" stayed after the live refresh
    showed the CA had completed the withdrawal."""
    alice, _ = people
    certificate = CertificateFactory(owner=alice, domain=True)
    page = log_in(browser, live_server, "alice")
    page.goto(f"{live_server.url}/certificates/{certificate.pk}/withdraw/")
    page.get_by_role("button", name="Withdraw").click()
    message = page.locator(".messages", has_text="Withdrawal requested")
    message.wait_for()
    page.wait_for_timeout(1000)  # polls that bring nothing new leave the message alone
    assert message.count() == 1

    certificate.refresh_from_db()
    certificate.run_transition("complete_withdrawal", by=None)
    page.locator('#live [data-status="pending_application"]').wait_for()
    message.wait_for(state="detached")
    assert page.locator(".messages").count() == 0
