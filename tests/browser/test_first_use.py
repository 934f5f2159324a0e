"""What a first-time applicant and CA staff trip over, walked in a real browser at 1280
and 390 pixels (issue 13): true facts, a details page that moves, staff who keep their
ticks, pages that fit a phone, confirmations that name what they touch, forgiving input,
email validation, finding things, one wording, an honest buy page, and pages a keyboard
and a screen reader can use (axe-core finds no serious or critical violation)."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from certificates.choices import CsrSource, Status
from certificates.models import Certificate
from tests.ca.helpers import issued
from tests.factories import CertificateFactory, OrganizationFactory, make_csr
from tests.support.browsing import log_in, note_csp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("no_csp_violations"),
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def open_as(browser, live_server, username: str, viewport=DESKTOP, *, admin: bool = False):
    page = log_in(browser, live_server, username, admin=admin)
    page.set_viewport_size(viewport)
    return page


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_1_the_key_shown_is_the_keys_and_dates_are_honest(browser, live_server, people):
    alice, _ = people
    certificate = CertificateFactory(
        owner=alice, csr_source=CsrSource.OWN, csr_pem=make_csr(["www.example.com"], "ec_p256")
    )
    Certificate.objects.filter(pk=certificate.pk).update(key_algorithm="rsa2048")  # the default
    page = open_as(browser, live_server, "alice")
    page.goto(f"{live_server.url}/certificates/{certificate.pk}/")
    assert page.locator("[data-fact=key]").inner_text().startswith("EC P-256")

    old = issued(alice)
    page.goto(f"{live_server.url}/certificates/{old.pk}/renew/")
    new_end = page.locator("[data-fact=new-end]").inner_text()
    assert re.search(r"valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC if it is issued today", new_end)
    assert "are added to the new one" not in page.content()

    dv = CertificateFactory(owner=alice, domain=True)
    page.goto(f"{live_server.url}/certificates/")
    note = page.locator(f'tr[data-certificate-id="{dv.pk}"] [data-note=expected]').inner_text()
    assert note == "Issued within minutes of every domain passing its check"


def test_2_the_details_page_moves_and_refusals_redirect(browser, live_server, people, settings):
    alice, staff = people
    settings.SCM_VERIFY_NOW_SECONDS = 60
    certificate = CertificateFactory(owner=alice, ov=True, domain=True)
    page = open_as(browser, live_server, "alice")
    page.goto(f"{live_server.url}/certificates/{certificate.pk}/")
    page.evaluate("window.__loadedOnce = 'same page'")

    page.get_by_role("button", name="Verify now").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Verify now").click()  # too early: refused
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/certificates/{certificate.pk}/"  # not …/verify/
    assert "try again in" in page.locator(".messages").inner_text()
    page.evaluate("window.__loadedOnce = 'same page'")

    certificate.run_transition("verify_domains", by=staff, reason="Checked by hand.")
    page.wait_for_selector('[role=progressbar][aria-valuenow="70"]')
    assert "Domain ownership verified" in page.locator(".timeline").inner_text()
    certificate.org_registry_checked = certificate.org_phone_checked = True
    certificate.org_address_checked = True
    certificate.run_transition("verify_organization", by=staff)
    certificate.run_transition("issue", by=staff)
    page.wait_for_selector('#live [data-status="issued"]')
    assert page.evaluate("window.__loadedOnce") == "same page"  # it moved without a reload
    assert page.locator("#live[hx-trigger]").count() == 0  # and stopped asking


def test_3_staff_keep_their_ticks_return_to_the_queue_and_tables_fit(browser, live_server, people):
    alice, _ = people
    certificate = CertificateFactory(owner=alice, ov=True, org=True)
    Certificate.objects.filter(pk=certificate.pk).update(
        org_registry_checked=False, org_phone_checked=False, org_address_checked=False
    )
    ca = open_as(browser, live_server, "staff", admin=True)
    ca.goto(f"{live_server.url}/admin/certificates/organizationreview/{certificate.pk}/change/")
    ca.get_by_label("Registry record checked").check()
    ca.get_by_label("Public phone checked").check()
    ca.get_by_label("Address checked").check()
    ca.get_by_role("button", name="Organization verified").click()
    ca.wait_for_load_state()
    assert ca.url == f"{live_server.url}/admin/certificates/organizationreview/"
    said = ca.locator(".messagelist").inner_text()
    assert "Organization verified" in said and "doesn’t exist" not in said
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED
    for path in (
        "/admin/",
        "/admin/certificates/certificate/",
        f"/admin/certificates/certificate/{certificate.pk}/change/",
        "/admin/certificates/organizationreview/",
        "/admin/certificates/issuancequeue/",
        "/admin/certificates/revocationrequest/",
        "/admin/certificates/statechange/",
    ):
        ca.goto(f"{live_server.url}{path}")
        assert page_width(ca) <= 1280, path


def console_pages(live_server, alice) -> dict[str, str]:
    """A page of every kind the console has, for alice."""
    issued_one = issued(alice)
    verifying = CertificateFactory(owner=alice, ov=True, domain=True)
    failed = CertificateFactory(owner=alice, failed=True)
    draft = CertificateFactory(owner=alice, ov=True, primary_domain="", organization=None)
    base = live_server.url
    return {
        "list": f"{base}/certificates/",
        "list, test tab": f"{base}/certificates/?tab=test",
        "details, issued": f"{base}/certificates/{issued_one.pk}/",
        "details, verifying": f"{base}/certificates/{verifying.pk}/",
        "buy": f"{base}/certificates/buy/",
        "buy, test": f"{base}/certificates/buy/?tab=test",
        "apply": f"{base}/certificates/{draft.pk}/apply/",
        "revoke": f"{base}/certificates/{issued_one.pk}/revoke/",
        "withdraw": f"{base}/certificates/{verifying.pk}/withdraw/",
        "apply again": f"{base}/certificates/{failed.pk}/edit/",
        "delete": f"{base}/certificates/{failed.pk}/delete/",
        "rename": f"{base}/certificates/{issued_one.pk}/rename/",
        "renew": f"{base}/certificates/{issued_one.pk}/renew/",
        "CA certificates": f"{base}/ca/",
        "operation records": f"{base}/records/",
        "members": f"{base}/teams/members/",
        "API tokens": f"{base}/teams/tokens/",
    }


def test_4_no_page_scrolls_sideways_on_a_phone(browser, live_server, people):
    alice, _ = people
    pages = console_pages(live_server, alice)
    page = open_as(browser, live_server, "alice", PHONE)
    for name, url in pages.items():
        page.goto(url)
        assert page_width(page) <= PHONE["width"], f"{name} is {page_width(page)} px wide"
    page.goto(pages["list"])
    row = page.locator("tr[data-certificate-id]").first
    assert row.evaluate("row => getComputedStyle(row).display") == "block"  # a card


def test_5_a_revocation_names_what_it_touches_and_looks_dangerous(browser, live_server, people):
    alice, _ = people
    certificate = issued(alice)
    page = open_as(browser, live_server, "alice")
    page.goto(f"{live_server.url}/certificates/{certificate.pk}/")
    page.get_by_role("link", name="Request revocation").click()
    touches = page.locator("[data-touches]").inner_text()
    assert certificate.serial_number in touches and "www.example.com" in touches
    button = page.get_by_role("button", name="Request revocation")
    background = button.evaluate("b => getComputedStyle(b).backgroundColor")
    assert background == "rgb(196, 50, 10)"  # --bad


def test_6_a_pasted_address_becomes_its_domain(browser, live_server, people):
    alice, _ = people
    certificate = CertificateFactory(owner=alice, primary_domain="", organization=None)
    page = open_as(browser, live_server, "alice")
    page.goto(f"{live_server.url}/certificates/{certificate.pk}/apply/")
    page.locator("#id_primary_domain").fill("https://www.example.com/shop?x=1")
    page.locator("#id_primary_domain").press("End")
    page.wait_for_selector("[data-note=read-as]")
    assert (
        "the domain in it, www.example.com, is used" in page.locator("#domain-check").inner_text()
    )
    page.locator("#id_primary_domain").fill("www.example.con")
    page.get_by_role("button", name="Save draft").click()
    assert "Did you mean www.example.com?" in page.content()


def test_7_email_fields_only_for_the_email_method(browser, live_server, people):
    alice, _ = people
    certificate = CertificateFactory(
        owner=alice, ov=True, domain=True, primary_domain="www.shop.example.com"
    )
    page = open_as(browser, live_server, "alice")
    page.goto(f"{live_server.url}/certificates/{certificate.pk}/")
    email = page.locator("select[name=email_address]")
    assert not email.is_visible()
    page.locator("select[name=method]").select_option("email")
    assert email.is_visible()
    offered = email.locator("option").all_inner_texts()
    assert "admin@example.com" in offered and "postmaster@shop.example.com" in offered


def test_8_finding_things(browser, live_server, people):
    alice, _ = people
    wanted = CertificateFactory(owner=alice, primary_domain="shop.example.com")
    CertificateFactory(owner=alice, primary_domain="blog.example.com")
    page = open_as(browser, live_server, "alice")
    page.goto(f"{live_server.url}/certificates/")
    page.get_by_label("Search").fill(f"ID {wanted.pk}")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tr[data-certificate-id]")
    assert rows.count() == 1 and rows.first.get_attribute("data-certificate-id") == str(wanted.pk)
    assert page.locator("[data-position]").inner_text() == "1–1 of 1"
    page.goto(f"{live_server.url}/certificates/?tab=test")
    assert "No test certificates yet." in page.locator("[data-empty]").inner_text()
    page.get_by_role("link", name="Get a free one: 20 left").click()
    assert "Free test certificate" in page.content()


def test_9_one_wording_and_zoned_times(browser, live_server, people):
    alice, staff = people
    certificate = CertificateFactory(owner=alice, failed=True)
    certificate.run_transition("edit", by=alice)
    certificate.run_transition("submit", by=alice)
    certificate.run_transition("reject", by=staff, reason="Again.")
    page = open_as(browser, live_server, "alice")
    page.goto(f"{live_server.url}/certificates/")
    operations = page.locator(f'tr[data-certificate-id="{certificate.pk}"] .operations a')
    assert operations.all_inner_texts() == ["Details", "Apply again", "Delete"]
    page.goto(f"{live_server.url}/certificates/{certificate.pk}/")
    times = page.locator(".timeline time").all_inner_texts()
    assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", t) for t in times)
    assert "by System" not in page.content() and "by staff" not in page.content()


def test_10_the_buy_page_explains_and_asks_only_what_applies(browser, live_server, people):
    page = open_as(browser, live_server, "alice")
    page.goto(f"{live_server.url}/certificates/buy/")
    assert "Proves you control the domain" in page.content()
    assert page.locator("[name=key_algorithm]").count() == 0  # asked on the application
    additional = page.locator("#id_additional_domains")
    assert not additional.is_visible()
    page.locator("input[name=domain_type][value=multiple]").check()
    assert additional.is_visible()


def test_11_errors_take_the_focus_and_a_skip_link_comes_first(browser, live_server, people):
    alice, _ = people
    certificate = CertificateFactory(owner=alice, ov=True, primary_domain="", organization=None)
    page = open_as(browser, live_server, "alice")
    page.goto(f"{live_server.url}/certificates/{certificate.pk}/apply/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    page.locator(".error-summary a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_primary_domain"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_11_axe_finds_no_serious_or_critical_violation(browser, live_server, people, viewport):
    alice, _ = people
    OrganizationFactory(owner=alice)
    pages = console_pages(live_server, alice)
    axe = Axe()
    found = []
    page = open_as(browser, live_server, "alice", viewport)
    for name, url in pages.items():
        page.goto(url)
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                found.append(f"{name}: {violation['id']} ({violation['impact']}) {targets}")
    anonymous = browser.new_context(viewport=viewport).new_page()
    anonymous.on("console", note_csp)
    for url in (f"{live_server.url}/accounts/login/", f"{live_server.url}/ca/"):
        anonymous.goto(url)
        for violation in axe.run(anonymous).response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                found.append(f"{url}: {violation['id']} ({violation['impact']})")
    assert not found, "\n".join(found)
