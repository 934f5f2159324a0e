"""A keyboard alone applies and watches the progress (issue 26, point 8): each poll that
replaces the list's rows or the details page's live part leaves the focus where it was,
and the live region tells a screen reader what changed, once, and nothing that did not."""

import pytest

from certificates.choices import CsrSource, Status
from tests.factories import CertificateFactory
from tests.support.browsing import log_in, note_csp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("no_csp_violations"),
]


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focus is on `selector`, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def focused(page) -> dict:
    return page.evaluate(
        """() => ({
            connected: document.activeElement.isConnected,
            tag: document.activeElement.tagName,
            href: document.activeElement.getAttribute("href"),
            text: document.activeElement.textContent.trim(),
        })"""
    )


def wait_for_status(page, selector: str, status: str) -> None:
    page.wait_for_function(
        """([selector, status]) => {
            const found = document.querySelector(selector);
            return found && found.dataset.status === status;
        }""",
        arg=[selector, status],
    )


def staff_step(ca, live_server, certificate, button: str, reason: str = "") -> None:
    ca.goto(f"{live_server.url}/admin/certificates/certificate/{certificate.pk}/change/")
    ca.get_by_role("button", name=button).click()
    if reason:
        ca.fill("#id_reason", reason)
        ca.get_by_role("button", name=button).click()


def test_a_keyboard_applies_and_keeps_its_place_while_progress_is_announced(
    browser, live_server, people
):
    alice, _ = people
    draft = CertificateFactory(
        owner=alice, name="shop", primary_domain="", csr_source=CsrSource.SYSTEM
    )
    other = CertificateFactory(owner=alice, name="billing", ov=True, org=True)  # also polling

    page = browser.new_context().new_page()
    page.on("console", note_csp)
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type("demo")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/certificates/")

    tab_to(page, f'tr[data-certificate-id="{draft.pk}"] a[href$="/{draft.pk}/apply/"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/certificates/{draft.pk}/apply/")
    tab_to(page, "#id_primary_domain")
    page.keyboard.type("shop.example.com")
    tab_to(page, "button[name=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(f"**/certificates/{draft.pk}/")
    wait_for_status(page, "#live [data-certificate-id]", Status.PENDING_DOMAIN_VERIFICATION)

    # The details page: the focus on a control inside the part that polls.
    tab_to(page, f'#live a[href$="/{draft.pk}/rename/"]')
    ca = log_in(browser, live_server, "staff", admin=True)
    draft.refresh_from_db()
    staff_step(ca, live_server, draft, "Mark domains verified", "TXT record checked by hand.")
    wait_for_status(page, "#live [data-certificate-id]", Status.TO_BE_ISSUED)
    assert focused(page) == {
        "connected": True,
        "tag": "A",
        "href": f"/certificates/{draft.pk}/rename/",
        "text": "Rename",
    }
    page.wait_for_function("() => document.getElementById('announcer').textContent !== ''")
    assert page.locator("#announcer").text_content() == "shop: To be issued, 90%"

    # The list: the focus on the row's Details link, another row in progress beside it.
    tab_to(page, 'header a[href="/certificates/"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/certificates/")
    row = f'tr[data-certificate-id="{draft.pk}"]'
    tab_to(page, f'{row} td.operations a[href="/certificates/{draft.pk}/"]')
    assert page.locator("#announcer").text_content() == ""
    page.wait_for_timeout(1000)  # unchanged polls (204) change nothing and say nothing
    assert page.locator("#announcer").text_content() == ""

    staff_step(ca, live_server, draft, "Issue")
    wait_for_status(page, row, Status.ISSUED)
    assert focused(page) == {
        "connected": True,
        "tag": "A",
        "href": f"/certificates/{draft.pk}/",
        "text": "Details",
    }
    page.wait_for_function("() => document.getElementById('announcer').textContent !== ''")
    # Only the row that changed: billing, still waiting at 70%, is not read out again.
    assert page.locator("#announcer").text_content() == "shop: Issued"
    assert page.locator(f'tr[data-certificate-id="{other.pk}"]').get_attribute("data-status") == (
        Status.PENDING_ORG_VERIFICATION
    )
    assert page.locator("#announcer").get_attribute("aria-live") == "polite"
