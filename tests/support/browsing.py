"""Browser-test support: Debian's Chromium driven by Playwright, the CSP watch, logging in.
Test modules import the fixtures they use from here."""

import os
import shutil

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from certificates.staff_groups import ensure_staff_groups
from tests.factories import UserFactory

CHROMIUM = "/usr/bin/chromium"
# What Chromium reported against the Content-Security-Policy (it logs each refused inline
# script, style or eval to the console): every test must leave this empty.
CSP_REPORTS: list[str] = []


@pytest.fixture
def no_csp_violations():
    """Every browser test module uses it (pytestmark): a page's CSP reports fail the test."""
    CSP_REPORTS.clear()
    yield
    assert not CSP_REPORTS, CSP_REPORTS


def note_csp(message) -> None:
    if "Content Security Policy" in message.text:
        CSP_REPORTS.append(message.text)


@pytest.fixture(scope="session")
def browser(django_db_setup):
    # After the test database exists: once Playwright's loop runs, Django's async-safety
    # check would refuse to create it.
    if not shutil.which(CHROMIUM):
        message = f"No Chromium at {CHROMIUM}: install Debian's chromium to run browser tests."
        if os.environ.get("CI"):
            pytest.fail(message)  # In CI a missing browser is a failure, never a skip.
        pytest.skip(f"!!! BROWSER TESTS SKIPPED !!! {message}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, yet the ORM calls the tests
    # (and their database teardown) make between browser steps are plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def log_in(browser, live_server, username: str, *, admin: bool = False):
    context = browser.new_context()
    page = context.new_page()
    page.on("console", note_csp)
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}{'/admin/login/' if admin else '/accounts/login/'}")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.locator("form:has(#id_password) [type=submit]").click()
    page.wait_for_load_state()
    return page


def progress_of(page, certificate) -> str:
    row = page.locator(f'tr[data-certificate-id="{certificate.pk}"]')
    return row.locator('[role="progressbar"]').get_attribute("aria-valuenow")


def wait_for_progress(page, certificate, value: int) -> None:
    page.wait_for_function(
        """([id, value]) => {
            const bar = document.querySelector(
                `tr[data-certificate-id="${id}"] [role="progressbar"]`);
            return bar && bar.getAttribute("aria-valuenow") === value;
        }""",
        arg=[certificate.pk, str(value)],
    )


@pytest.fixture
def people():
    alice = UserFactory(username="alice")
    ensure_staff_groups(apps)  # the flush before a transactional test removed them
    staff = UserFactory(username="staff", is_staff=True)
    staff.groups.set(Group.objects.filter(name__in=["Validation", "Issuance", "Revocation"]))
    return alice, staff
