"""The admin's pages in a real browser: nothing they load answers 4xx or 5xx, the favicon
they link included (it was a 404)."""

import pytest

from tests.factories import CertificateFactory
from tests.support.browsing import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("no_csp_violations"),
]


def test_admin_pages_load_nothing_missing_and_their_favicon(browser, live_server, people):
    alice, _ = people
    certificate = CertificateFactory(owner=alice, ov=True, org=True)
    page = log_in(browser, live_server, "staff", admin=True)
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))

    for path in (
        "/admin/",
        "/admin/certificates/organizationreview/",
        f"/admin/certificates/organizationreview/{certificate.pk}/change/",
        "/admin/certificates/statechange/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        icon = page.evaluate(
            "fetch(document.querySelector('link[rel=icon]').href).then(r => r.status)"
        )
        assert icon == 200, path

    assert failed == []
    page.context.close()
