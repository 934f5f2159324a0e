"""A team shares its certificates (SPEC §9), walked in a real browser: alice invites carol
as ReadOnly and carol accepts; carol watches alice's application move to 90% live on her
own list, sees no button she may not use and downloads the certificate without its key;
alice finds both people's actions in the operation records and exports them as CSV."""

import csv
import io
import zipfile

import pytest

from certificates.choices import Status
from tests.factories import CertificateFactory, UserFactory
from tests.support.browsing import log_in, progress_of, wait_for_progress

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("no_csp_violations"),
]


def test_carol_watches_alices_application_live_and_alice_reads_the_records(
    browser, live_server, people
):
    alice, _ = people
    UserFactory(username="carol")  # has an account, in no team yet
    certificate = CertificateFactory(owner=alice, ov=True, domain=True)

    admin = log_in(browser, live_server, "alice")
    admin.get_by_role("link", name="Members").click()
    admin.get_by_label("Username").fill("carol")
    admin.get_by_label("Role", exact=True).select_option(label="ReadOnly")
    admin.get_by_role("button", name="Send invitation").click()
    assert "Invitation sent to “carol”, as ReadOnly." in admin.locator(".messages").inner_text()

    carol = log_in(browser, live_server, "carol")
    carol.get_by_role("link", name="Invitations (1)").click()
    carol.get_by_role("button", name="Accept the invitation to alice").click()
    assert "You joined alice as ReadOnly" in carol.locator(".messages").inner_text()
    # She works in alice's team now (her own, made at her first sign-in, is in the switcher).
    assert carol.locator("#team-switch option:checked").inner_text() == "alice"
    assert progress_of(carol, certificate) == "40"
    assert carol.get_by_role("link", name="Buy certificate").count() == 0
    row = carol.locator(f'tr[data-certificate-id="{certificate.pk}"]')
    assert row.get_by_role("link", name="Withdraw").count() == 0
    assert carol.get_by_role("link", name="Members").count() == 0
    carol.evaluate("window.__loadedOnce = 'same page'")

    ca = log_in(browser, live_server, "staff", admin=True)
    change_page = f"{live_server.url}/admin/certificates/certificate/{certificate.pk}/change/"
    ca.goto(change_page)
    ca.get_by_role("button", name="Mark domains verified").click()
    ca.fill("#id_reason", "TXT record checked by hand.")
    ca.get_by_role("button", name="Mark domains verified").click()
    wait_for_progress(carol, certificate, 70)
    ca.goto(change_page)
    ca.get_by_label("Registry record checked").check()
    ca.get_by_label("Public phone checked").check()
    ca.get_by_label("Address checked").check()
    ca.get_by_role("button", name="Organization verified").click()
    wait_for_progress(carol, certificate, 90)
    assert carol.evaluate("window.__loadedOnce") == "same page"  # never reloaded
    ca.goto(change_page)
    ca.get_by_role("button", name="Issue").click()
    wait_for_progress(carol, certificate, 100)

    # The details page: nothing to act on, and the certificate without its key.
    carol.goto(f"{live_server.url}/certificates/{certificate.pk}/")
    assert carol.get_by_role("link", name="Request revocation").count() == 0
    assert carol.get_by_role("link", name="Rename").count() == 0
    with carol.expect_download() as download:
        carol.get_by_role("link", name="Nginx").click()
    names = zipfile.ZipFile(download.value.path()).namelist()
    assert names == ["server.crt"]  # the leaf and chain; no server.key
    token = next(c["value"] for c in carol.context.cookies() if c["name"] == "csrftoken")
    response = carol.request.post(
        f"{live_server.url}/certificates/{certificate.pk}/revoke/",
        form={"reason": "mine now", "code": "unspecified"},
        headers={"X-CSRFToken": token, "Referer": f"{live_server.url}/"},
    )
    assert response.status == 403
    assert "This needs the FullAccess role in alice; yours is ReadOnly." in response.text()
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED

    admin.goto(f"{live_server.url}/records/")
    table = admin.locator("table.records").inner_text()
    assert "Invitation accepted" in table and "Downloaded" in table
    assert "Certificate issued" in table
    admin.locator("#id_member").select_option("carol")
    admin.get_by_role("button", name="Filter").click()
    rows = admin.locator("tr[data-record]")
    assert rows.count() == 2  # she accepted, she downloaded
    assert "Nginx bundle, without the private key" in rows.first.inner_text()
    admin.goto(f"{live_server.url}/records/")
    with admin.expect_download() as exported:
        admin.get_by_role("link", name="Export CSV").click()
    lines = list(csv.reader(io.StringIO(exported.value.path().read_text())))
    who = {(line[1], line[2]) for line in lines[1:]}
    assert {
        ("carol", "Downloaded"),
        ("alice", "Invitation sent"),
        ("carol", "Invitation accepted"),
        ("the CA", "Certificate issued"),
    } <= who
