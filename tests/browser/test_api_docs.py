"""The API's interactive docs (/v3/docs/) in a real browser: Swagger UI served by the
console itself (drf-spectacular-sidecar, no CDN) shows every operation, under the console's
Content-Security-Policy with nothing blocked; and a token made on the API tokens page
works against the API at once."""

import pytest

from tests.support.browsing import log_in, note_csp

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("no_csp_violations"),
]


def test_the_docs_show_every_operation_from_the_console_itself(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    page.on("console", note_csp)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/v3/docs/")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() == 9
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requested)
    context.close()


def test_a_token_made_on_the_page_is_shown_once_and_works(browser, live_server, people):
    page = log_in(browser, live_server, "alice")
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("deploy pipeline")
    page.get_by_label("Role").select_option(label="FullAccess")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("[data-token]").inner_text()
    assert token.startswith("scm_")
    answer = page.request.get(
        f"{live_server.url}/v3/scm/certificates", headers={"X-Auth-Token": token}
    )
    assert answer.status == 200 and "certificates" in answer.json()
    page.reload()
    assert page.locator("[data-token]").count() == 0  # shown once
    assert page.locator("tr[data-state=active]").inner_text().startswith("deploy pipeline")
