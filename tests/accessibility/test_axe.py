"""axe-core (the copy inside axe-playwright-python: no CDN) on every page of the console,
signed in and out, and on the admin's main pages as CA staff: no serious or critical
finding anywhere."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from certificates.models import Record
from tests.accessibility.pages import admin_pages, console_pages
from tests.factories import CertificateFactory, MembershipFactory, UserFactory, team_of
from tests.support.browsing import CSP_REPORTS, log_in, note_csp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("no_csp_violations"),
]
SERIOUS = ("serious", "critical")
PHONE = {"width": 390, "height": 844}


def serious_findings(axe: Axe, page, name: str) -> list[str]:
    # axe-core itself sets inline styles while probing some pages (the admin's change
    # forms), which the Content-Security-Policy refuses: those reports are axe's, not the
    # page's. What the page did while loading is kept (and fails the test, no_csp_violations).
    page_reports = len(CSP_REPORTS)
    violations = axe.run(page).response["violations"]
    del CSP_REPORTS[page_reports:]
    found = []
    for violation in violations:
        if violation["impact"] in SERIOUS:
            targets = [node["target"] for node in violation["nodes"]][:3]
            found.append(f"{name}: {violation['id']} ({violation['impact']}) {targets}")
    return found


def sweep(page, pages: dict[str, str]) -> list[str]:
    """axe's serious findings on each page; a page named for its error ("… (404)") answers
    with it, every other one opens (a redirect to the login would test the wrong page)."""
    axe, found = Axe(), []
    for name, url in pages.items():
        response = page.goto(url)
        expected = int(name[-4:-1]) if name.endswith(")") and name[-4:-1].isdigit() else 200
        assert (response.status, page.url) == (expected, url), name
        found += serious_findings(axe, page, name)
    return found


def test_every_console_page_as_an_administrator(browser, live_server, people):
    alice, _ = people
    pages = console_pages(live_server.url, alice)
    page = log_in(browser, live_server, "alice")
    found = sweep(page, pages)
    page.set_viewport_size(PHONE)
    found += sweep(page, {f"{name} (390 px)": pages[name] for name in ("list", "overview")})
    assert not found, "\n".join(found)


def test_every_page_signed_out_and_the_refusals(browser, live_server, people):
    alice, _ = people
    UserFactory(username="carol")
    MembershipFactory(team=team_of(alice), user=UserFactory(username="dave"), role="read_only")
    base = live_server.url
    page = browser.new_context().new_page()
    page.on("console", note_csp)
    found = sweep(
        page,
        {
            "login": f"{base}/accounts/login/",
            "password reset": f"{base}/accounts/password_reset/",
            "reset link sent": f"{base}/accounts/password_reset/done/",
            "reset link expired": f"{base}/accounts/reset/MQ/not-a-token/",
            "reset done": f"{base}/accounts/reset/done/",
            "CA certificates": f"{base}/ca/",
            "admin login": f"{base}/admin/login/",
        },
    )
    page.goto(f"{base}/accounts/login/")
    for _ in range(5):
        page.fill("#id_username", "carol")
        page.fill("#id_password", "wrong")
        page.locator("form:has(#id_password) [type=submit]").click()
    assert "Try again in" in page.content()
    found += serious_findings(Axe(), page, "locked out")

    reader = log_in(browser, live_server, "dave")
    theirs = CertificateFactory(owner=UserFactory(username="bob"), issued=True)
    found += sweep(
        reader,
        {
            "buying, as ReadOnly (403)": f"{base}/certificates/buy/",
            "someone else's certificate (404)": f"{base}/certificates/{theirs.pk}/",
            "no such page (404)": f"{base}/no-such-page/",
        },
    )
    assert not found, "\n".join(found)


def test_the_admins_main_pages_as_staff(browser, live_server, people):
    alice, _ = people
    certificate = CertificateFactory(owner=alice, ov=True, org=True)
    CertificateFactory(owner=alice, ready=True)
    CertificateFactory(owner=alice, revoking=True)
    certificate.run_transition("reject", by=None, reason="Registry record not found.")
    record = Record.objects.filter(team=certificate.team).first()
    page = log_in(browser, live_server, "staff", admin=True)
    found = sweep(page, admin_pages(live_server.url, certificate, record.pk))
    assert not found, "\n".join(found)
