"""The README's first two demo steps, followed literally in Chromium against `make run`'s
settings (run_demo with the Makefile's DEMO_ENV: the demo DNS, the simulated CA, the demo
traffic): alice buys and submits an OV, which the demo DNS proves and which then waits at
70% for a person; staff verify the organization and issue it from the queues, and alice's
open list moves 40% → 70% → 90% → Issued without a reload."""

import pytest

from certificates.choices import Status
from certificates.models import Certificate, StateChange
from tests.support.browsing import log_in, wait_for_progress
from tests.support.processes import RunDemo

pytestmark = [
    pytest.mark.browser,
    pytest.mark.live,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("no_csp_violations"),
]
DOMAIN = "orders.northwind-demo.com"


@pytest.fixture
def demo():
    running = RunDemo()
    yield running
    running.kill_session()


def test_the_readmes_staff_walk_through_at_a_persons_pace(browser, demo):
    # 1. alice buys an OV and applies.
    alice = log_in(browser, demo, "alice")
    alice.set_default_timeout(60_000)  # the DNS and the worker take their seconds
    alice.goto(f"{demo.url}/")
    alice.get_by_role("link", name="Buy certificate").click()
    alice.locator("input[name=certificate_type][value=ov]").check()
    alice.get_by_role("button", name="Buy", exact=True).click()
    alice.wait_for_url("**/apply/")
    alice.wait_for_load_state("load")  # htmx listening before the domain is typed
    alice.locator("#id_primary_domain").fill("pay.example.com")
    alice.wait_for_selector("[data-manual-review]")
    alice.locator("#id_primary_domain").fill(DOMAIN)
    alice.wait_for_selector("[data-manual-review]", state="detached")
    organization = "Northwind Traders Ltd (GB 09876543)"
    alice.locator("select[name=organization]").select_option(label=organization)
    for name, value in {
        "applicant_name": "Alice Applicant",
        "applicant_email": "alice@example.com",
        "applicant_phone": "+442079460001",
        "technical_name": "Northwind web team",
        "technical_email": "webmaster@northwind-demo.com",
        "technical_phone": "+442079460002",
    }.items():
        alice.locator(f"[name={name}]").fill(value)
    alice.get_by_role("button", name="Submit application").click()
    certificate = Certificate.objects.get(primary_domain=DOMAIN, owner__username="alice")
    alice.goto(f"{demo.url}/certificates/")
    # The first page has rows at 40%, 70% and 90%, as the README promises.
    shown = alice.locator('[role="progressbar"]').evaluate_all(
        "bars => bars.map(bar => bar.getAttribute('aria-valuenow'))"
    )
    assert {"40", "70", "90"} <= set(shown), shown
    row = alice.locator(f'tr[data-certificate-id="{certificate.pk}"]')
    assert row.locator('[role="progressbar"]').get_attribute("aria-valuenow") == "40"
    alice.evaluate("window.__loadedOnce = 'same page'")
    wait_for_progress(alice, certificate, 70)  # the demo DNS proved the domain

    # A person's minute later it still waits for staff (the simulated CA leaves it).
    alice.wait_for_timeout(60_000)
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_ORG_VERIFICATION

    # 2. staff, in another browser: the queues, oldest first.
    ca = log_in(browser, demo, "staff", admin=True)
    ca.get_by_role("link", name="Organizations to verify (70%)").first.click()
    ca.get_by_role("link", name=certificate.name, exact=True).click()
    ca.get_by_label("Registry record checked").check()
    ca.get_by_label("Public phone checked").check()
    ca.get_by_label("Address checked").check()
    ca.get_by_role("button", name="Organization verified").click()
    wait_for_progress(alice, certificate, 90)

    ca.goto(f"{demo.url}/admin/")
    ca.get_by_role("link", name="Applications to issue (90%)").first.click()
    ca.get_by_role("link", name=certificate.name, exact=True).click()
    ca.get_by_role("button", name="Issue", exact=True).click()
    wait_for_progress(alice, certificate, 100)

    assert alice.evaluate("window.__loadedOnce") == "same page"  # never reloaded
    steps = list(
        StateChange.objects.filter(certificate=certificate).values_list("action", "actor__username")
    )
    assert steps == [
        ("submit", "alice"),
        ("verify_domains", None),  # by the demo DNS's record
        ("staff_edit", "staff"),  # the checklist's ticks, logged as they were saved
        ("verify_organization", "staff"),
        ("issue", "staff"),
    ]
