import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from certificates.choices import Status
from certificates.models import StateChange
from tests.factories import CertificateFactory


def detail(certificate) -> str:
    return f"/certificates/{certificate.pk}/"


def test_details_show_the_timeline_with_who_and_why(alice_client, alice, validator):
    certificate = CertificateFactory(owner=alice, ov=True, domains=["api.example.com"])
    certificate.run_transition("submit", by=alice)
    certificate.run_transition("verify_domains", by=None)
    certificate.run_transition("reject", by=validator, reason="Registry record not found.")

    html = alice_client.get(detail(certificate)).text

    assert "Application submitted</strong> by alice" in html
    assert "Domain ownership verified</strong> by the CA" in html  # one name for the CA
    assert "Application rejected</strong> by the CA" in html
    assert "by val" not in html  # staff stay anonymous to applicants
    assert "Registry record not found." in html
    assert "api.example.com" in html


def test_other_users_certificate_is_404(bob_client, alice):
    certificate = CertificateFactory(owner=alice)
    assert bob_client.get(detail(certificate)).status_code == 404
    assert bob_client.get(f"{detail(certificate)}delete/").status_code == 404
    assert bob_client.post(f"{detail(certificate)}delete/").status_code == 404
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_APPLICATION


def test_deleted_certificate_is_404(alice_client, alice):
    assert (
        alice_client.get(detail(CertificateFactory(owner=alice, deleted=True))).status_code == 404
    )


def test_anonymous_user_goes_to_login(client, alice):
    response = client.get(detail(CertificateFactory(owner=alice)))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_withdraw_asks_first_then_withdraws(alice_client, alice):
    certificate = CertificateFactory(owner=alice, domain=True)
    url = f"{detail(certificate)}withdraw/"

    confirm = alice_client.get(url)
    assert confirm.status_code == 200
    assert "Withdraw this application?" in confirm.text
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION

    response = alice_client.post(url)
    assert response.status_code == 302
    assert response.url == detail(certificate)
    certificate.refresh_from_db()
    assert certificate.status == Status.WITHDRAWING
    assert StateChange.objects.get(certificate=certificate).actor == alice


def test_revoke_needs_a_reason(alice_client, alice):
    certificate = CertificateFactory(owner=alice, issued=True)
    url = f"{detail(certificate)}revoke/"

    refused = alice_client.post(url, {"reason": "   "})
    assert refused.status_code == 400
    assert "Please say why" in refused.text
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED

    alice_client.post(url, {"reason": "Key compromised."})
    certificate.refresh_from_db()
    assert certificate.status == Status.REVOKING
    assert certificate.revocation_reason == "Key compromised."


def test_action_the_state_does_not_allow_is_refused_and_changes_nothing(
    alice_client, alice, htmx_headers
):
    certificate = CertificateFactory(owner=alice, issued=True)
    response = alice_client.post(f"{detail(certificate)}withdraw/")
    assert response.status_code == 302  # back to the details: reloading posts nothing again
    assert response.url == detail(certificate)
    page = alice_client.get(response.url).text
    assert "“Withdraw” is not possible: the certificate is “Issued”." in page
    assert (
        alice_client.post(f"{detail(certificate)}withdraw/", headers=htmx_headers).status_code
        == 409
    )
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED
    assert not StateChange.objects.exists()


def test_stale_form_loses_the_race_with_a_clear_message(alice_client, alice, validator):
    certificate = CertificateFactory(owner=alice, ov=True, org=True)
    page = alice_client.get(f"{detail(certificate)}withdraw/")
    assert page.status_code == 200
    certificate.run_transition("verify_organization", by=validator)  # the CA was faster

    response = alice_client.post(f"{detail(certificate)}withdraw/", follow=True)

    assert response.redirect_chain == [(detail(certificate), 302)]
    assert "the certificate is “To be issued”" in response.text
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED


def test_delete_hides_the_row_but_keeps_the_record_and_log(alice_client, alice):
    certificate = CertificateFactory(owner=alice, expired=True)
    response = alice_client.post(f"{detail(certificate)}delete/")
    assert response.status_code == 302
    assert response.url == "/certificates/"
    certificate.refresh_from_db()
    assert certificate.status == Status.DELETED
    assert StateChange.objects.filter(certificate=certificate).get().action == "discard"
    assert f'data-certificate-id="{certificate.pk}"' not in alice_client.get("/certificates/").text


def test_one_verb_for_the_application_step(alice_client, alice):
    """Filling in and submitting an application is "Apply" (a failed one: "Apply again"),
    not "Apply", "Edit" and "Submit" side by side."""
    certificate = CertificateFactory(owner=alice)
    page = alice_client.get(detail(certificate)).text
    assert f'href="{detail(certificate)}apply/">Apply</a>' in page
    assert f"{detail(certificate)}submit/" not in page
    failed = CertificateFactory(owner=alice, failed=True)
    page = alice_client.get(detail(failed)).text
    assert f'href="{detail(failed)}edit/">Apply again</a>' in page
    listed = alice_client.get("/certificates/").text
    assert ">Submit<" not in listed and ">Edit<" not in listed
    alice_client.post(f"{detail(certificate)}submit/")  # the confirmation page still works
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_405(alice_client, alice, method):
    certificate = CertificateFactory(owner=alice)
    assert getattr(alice_client, method)(f"{detail(certificate)}delete/").status_code == 405
    assert getattr(alice_client, method)(detail(certificate)).status_code == 405


def test_unknown_action_is_404(alice_client, alice):
    certificate = CertificateFactory(owner=alice)
    assert alice_client.post(f"{detail(certificate)}destroy/").status_code == 404


def test_post_without_csrf_token_is_refused(alice):
    certificate = CertificateFactory(owner=alice)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(f"{detail(certificate)}delete/").status_code == 403
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_APPLICATION


def test_htmx_post_with_the_csrf_header_is_accepted(alice):
    certificate = CertificateFactory(owner=alice)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get("/certificates/").text
    token = page.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]

    response = client.post(
        f"{detail(certificate)}delete/", headers={"X-CSRFToken": token, "HX-Request": "true"}
    )

    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Status.DELETED


def test_details_cost_the_same_queries_for_a_short_and_a_long_timeline(alice_client, alice):
    def queries(certificate) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get(detail(certificate)).status_code == 200
        return len(captured)

    short = CertificateFactory(owner=alice, domain=True)
    short.run_transition("reject", by=None, reason="Once.")
    long = CertificateFactory(owner=alice, failed=True)
    for _ in range(5):
        long.run_transition("edit", by=alice)
        long.run_transition("submit", by=alice)
        long.run_transition("reject", by=None, reason="Again.")
    assert queries(short) == queries(long)
    polled = [CertificateFactory(owner=alice, domain=True) for _ in range(2)]
    for _ in range(5):
        polled[1].run_transition("withdraw", by=alice)
        polled[1].run_transition("complete_withdrawal", by=None)
        polled[1].run_transition("submit", by=alice)
    assert queries(polled[0]) == queries(polled[1])


def test_owner_renames_a_certificate(alice_client, alice):
    certificate = CertificateFactory(owner=alice, name="scs1732000000000")
    response = alice_client.post(f"{detail(certificate)}rename/", {"name": "  Shop frontend "})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.name == "Shop frontend"
    assert "Shop frontend" in alice_client.get("/certificates/").text


def test_the_rename_page_says_the_name_is_the_teams(alice_client, alice):
    page = alice_client.get(f"{detail(CertificateFactory(owner=alice))}rename/").text
    assert "only you see it" not in page  # the whole team sees it
    assert "for your team to tell its certificates apart" in page


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "This field is required"), ("x" * 65, "at most 64"), ("bad\x00name", "Null characters")],
)
def test_rename_refuses_bad_names_with_a_message(alice_client, alice, name, message):
    certificate = CertificateFactory(owner=alice, name="keep-me")
    response = alice_client.post(f"{detail(certificate)}rename/", {"name": name})
    assert response.status_code == 400
    assert message in response.text
    certificate.refresh_from_db()
    assert certificate.name == "keep-me"


def test_strangers_cannot_rename(bob_client, alice):
    certificate = CertificateFactory(owner=alice, name="keep-me")
    assert bob_client.post(f"{detail(certificate)}rename/", {"name": "mine"}).status_code == 404
    certificate.refresh_from_db()
    assert certificate.name == "keep-me"


def poll_url_of(html: str) -> str:
    import re

    found = re.search(r'<div id="live" hx-get="([^"]+)"', html)
    return found and found.group(1).replace("&amp;", "&")


def test_the_details_page_polls_itself_while_the_certificate_can_move(
    alice_client, alice, validator, htmx_headers
):
    certificate = CertificateFactory(owner=alice, ov=True, domain=True)
    page = alice_client.get(detail(certificate))
    assert page["Vary"].count("HX-Request") == 1
    url = poll_url_of(page.text)
    assert url.startswith(f"{detail(certificate)}?fp=")
    unchanged = alice_client.get(url, headers=htmx_headers)
    assert unchanged.status_code == 204 and not unchanged.content

    certificate.run_transition("verify_domains", by=validator, reason="Checked by hand.")
    moved = alice_client.get(url, headers=htmx_headers)
    assert moved.status_code == 200
    assert moved.text.lstrip().startswith('<div id="live"')
    assert 'aria-valuenow="70"' in moved.text
    assert "Domain ownership verified" in moved.text  # the timeline moves too
    next_url = poll_url_of(moved.text)
    assert next_url != url
    assert alice_client.get(next_url, headers=htmx_headers).status_code == 204

    certificate.run_transition("reject", by=validator, reason="Registry record not found.")
    done = alice_client.get(next_url, headers=htmx_headers)
    assert done.status_code == 200
    assert 'hx-trigger="every' not in done.text  # nothing left to wait for: polling stops
    assert poll_url_of(alice_client.get(detail(certificate)).text) is None


def test_a_domain_check_result_reaches_the_details_page(alice_client, alice, htmx_headers):
    from certificates.services import domain_checks

    certificate = CertificateFactory(owner=alice, domain=True, primary_domain="shop.example.com")
    url = poll_url_of(alice_client.get(detail(certificate)).text)
    domain = certificate.domains.get()
    domain_checks._record(
        domain,
        domain_checks.CheckResult(False, "TXT record not found."),
        domain.certificate.created_at,
    )
    moved = alice_client.get(url, headers=htmx_headers)
    assert moved.status_code == 200 and "TXT record not found." in moved.text


def test_strangers_cannot_poll_a_certificate(bob_client, alice, htmx_headers):
    certificate = CertificateFactory(owner=alice, domain=True)
    assert bob_client.get(f"{detail(certificate)}?fp=x", headers=htmx_headers).status_code == 404


def test_a_revocation_request_names_what_it_touches(alice_client, alice):
    from tests.ca.helpers import issued

    certificate = issued(alice)
    twin = issued(alice)  # the same domains: easy to confuse
    page = alice_client.get(f"{detail(certificate)}revoke/").text
    assert certificate.serial_number in page and twin.serial_number not in page
    assert "www.example.com, api.example.com" in page
    assert f"{certificate.not_after:%Y-%m-%d %H:%M} UTC" in page
    assert '<button class="danger" type="submit">Request revocation</button>' in page


def shown_domains(html: str) -> list[str]:
    """The domains' badges in the Domains card, by their code."""
    return re.findall(r'data-domain-shown="([^"]+)"', html)


def test_domains_show_what_was_verified_in_the_certificates_state(alice_client, alice, validator):
    """Found by a first-time user: issued and failed certificates listed their domains as
    Pending."""
    checking = CertificateFactory(owner=alice, domain=True, domains=["api.example.com"])
    assert shown_domains(alice_client.get(detail(checking)).text) == ["pending", "pending"]

    # Rows a certificate left pending once it got past domain verification (an override
    # before it settled them): verified, as the certificate was.
    issued = CertificateFactory(owner=alice, issued=True, domains=["api.example.com"])
    html = alice_client.get(detail(issued)).text
    assert shown_domains(html) == ["verified", "verified"]
    assert ">Pending<" not in html

    # Refused while its domains were checked: they are no longer checked, not "Pending".
    refused = CertificateFactory(owner=alice, domain=True, domains=["api.example.com"])
    refused.domains.filter(name="api.example.com").update(status="failed")
    refused.run_transition("reject", by=validator, reason="Not proven in time.")
    html = alice_client.get(detail(refused)).text
    assert shown_domains(html) == ["not-verified", "failed"]
    assert "Not verified</span>" in html and ">Pending<" not in html


def test_the_cas_override_settles_every_domain(alice_client, alice, validator):
    certificate = CertificateFactory(owner=alice, ov=True, domain=True, domains=["api.example.com"])
    certificate.run_transition("verify_domains", by=validator, reason="TXT checked by hand.")
    assert set(certificate.domains.values_list("status", flat=True)) == {"verified"}
    assert shown_domains(alice_client.get(detail(certificate)).text) == ["verified", "verified"]
