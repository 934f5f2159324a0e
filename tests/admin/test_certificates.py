"""Staff work in the Django admin: transitions through FSMAdminMixin's buttons."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certificates.choices import Status
from certificates.exceptions import EditRefused
from certificates.models import Certificate, StateChange
from tests.factories import CertificateFactory
from tests.support.admin_forms import FormInputs, change_url, press
from tests.support.pages import client_for


def test_changelist_filters_and_search(staff_client, alice):
    CertificateFactory(owner=alice, primary_domain="shop.example.com", ov=True, org=True)
    CertificateFactory(owner=alice, primary_domain="blog.example.org")
    assert staff_client.get("/admin/certificates/certificate/").status_code == 200
    found = staff_client.get("/admin/certificates/certificate/", {"q": "shop.example"})
    assert "shop.example.com" in found.text and "blog.example.org" not in found.text
    filtered = staff_client.get(
        "/admin/certificates/certificate/", {"status__exact": "pending_org_verification"}
    )
    assert "shop.example.com" in filtered.text and "blog.example.org" not in filtered.text
    by_owner = staff_client.get("/admin/certificates/certificate/", {"q": "alice"})
    assert "shop.example.com" in by_owner.text


def test_transition_posted_on_the_change_page_applies(validator, alice):
    certificate = CertificateFactory(owner=alice, ov=True, org=True)
    client = client_for(validator)

    response = press(client, certificate, "verify_organization")

    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED
    entry = StateChange.objects.get(certificate=certificate)
    assert entry.actor == validator
    assert "Organization verified" in client.get(response.url).text


def test_buttons_show_only_what_state_and_permissions_allow(validator, issuer, alice):
    certificate = CertificateFactory(owner=alice, ov=True, org=True)
    validator_page = client_for(validator).get(change_url(certificate)).text
    issuer_page = client_for(issuer).get(change_url(certificate)).text

    assert 'value="verify_organization"' in validator_page
    assert 'value="reject"' in validator_page
    assert 'value="issue"' not in validator_page  # wrong state
    assert 'value="withdraw"' not in validator_page  # the owner's action
    assert 'value="verify_organization"' not in issuer_page  # no permission


def test_forbidden_transition_is_refused_with_a_message(revoker, alice):
    certificate = CertificateFactory(owner=alice, ov=True, org=True)
    client = client_for(revoker)

    response = press(client, certificate, "verify_organization")

    assert response.status_code == 302
    message = client.get(response.url).text
    assert "You are not allowed to “Organization verified” this certificate." in message
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_ORG_VERIFICATION
    assert not StateChange.objects.exists()


def test_transition_from_the_wrong_state_is_refused(staff_client, alice):
    certificate = CertificateFactory(owner=alice, issued=True)
    response = press(staff_client, certificate, "verify_organization")
    assert "is not possible" in staff_client.get(response.url).text
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED


def test_owner_transitions_cannot_be_posted_by_staff(staff_client, alice):
    certificate = CertificateFactory(owner=alice, domain=True)
    press(staff_client, certificate, "withdraw")
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION


def test_reject_asks_for_a_reason_and_shows_it_to_the_applicant(validator, alice, alice_client):
    certificate = CertificateFactory(owner=alice, ov=True, org=True)
    client = client_for(validator)

    to_form = press(client, certificate, "reject")
    form_url = f"/admin/certificates/certificate/{certificate.pk}/transition/reject/"
    assert to_form.url == form_url
    assert "Reason" in client.get(form_url).text

    empty = client.post(form_url, {"reason": ""})
    assert empty.status_code == 200
    assert "This field is required" in empty.text
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_ORG_VERIFICATION

    client.post(form_url, {"reason": "The phone number does not belong to the company."})
    certificate.refresh_from_db()
    assert certificate.status == Status.APPLICATION_FAILED
    listed = alice_client.get("/certificates/").text
    assert "The phone number does not belong to the company." in listed


def test_domain_override_needs_a_reason(validator, alice):
    certificate = CertificateFactory(owner=alice, domain=True)
    client = client_for(validator)
    form_url = f"/admin/certificates/certificate/{certificate.pk}/transition/verify_domains/"
    client.post(form_url, {"reason": "TXT record checked by hand from two resolvers."})
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED
    assert (
        StateChange.objects.filter(certificate=certificate).get().detail
        == "TXT record checked by hand from two resolvers."
    )


def test_transition_log_is_a_read_only_inline(staff_client, alice):
    certificate = CertificateFactory(owner=alice)
    certificate.run_transition("submit", by=alice)
    page = staff_client.get(change_url(certificate)).text
    assert "Transition log" in page
    assert "Application submitted" in page
    assert 'name="log-0-reason"' not in page


@pytest.mark.parametrize("group", ["Validation", "Issuance", "Revocation"])
def test_staff_groups_exist_with_their_permission(db, group):
    from django.contrib.auth.models import Group

    codenames = set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))
    expected = {"Validation": "validate", "Issuance": "issue", "Revocation": "revoke"}[group]
    assert f"{expected}_certificate" in codenames


def test_staff_can_flag_manual_review(staff_client, alice):
    certificate = CertificateFactory(owner=alice, domain=True)
    page = staff_client.get(change_url(certificate))
    parser = FormInputs()
    parser.feed(page.text)
    response = staff_client.post(change_url(certificate), {**parser.data, "manual_review": "on"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.manual_review
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION


def changelist_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/certificates/certificate/",
        "/admin/certificates/certificate/?q=example",
        "/admin/certificates/organizationreview/",
        "/admin/certificates/statechange/",
    ],
)
def test_admin_changelists_cost_the_same_queries_for_1_and_30_rows(staff_client, alice, url):
    CertificateFactory(owner=alice, ov=True, org=True).run_transition(
        "verify_organization", by=None
    )
    one = changelist_queries(staff_client, url)
    for _ in range(29):
        certificate = CertificateFactory(owner=alice, ov=True, org=True)
        certificate.run_transition("verify_organization", by=None)
    CertificateFactory.create_batch(5, owner=alice, ov=True, org=True)
    assert changelist_queries(staff_client, url) == one


CHECKLIST = ("org_registry_checked", "org_phone_checked", "org_address_checked")


def form_inputs(client, certificate) -> dict[str, str]:
    parser = FormInputs()
    parser.feed(client.get(change_url(certificate)).text)
    return parser.data


@pytest.mark.parametrize("user", ["issuer", "revoker"])
def test_only_validation_staff_edit_the_checklist_and_the_review_flag(request, user, alice):
    """Clearing the manual-review flag would let a DV issue automatically; the checklist
    is the organization check. Both are the Validation group's duty."""
    staff_member = request.getfixturevalue(user)
    certificate = CertificateFactory(owner=alice, ov=True, org=True, manual_review=True)
    Certificate.objects.filter(pk=certificate.pk).update(
        org_registry_checked=False, org_phone_checked=False, org_address_checked=False
    )
    client = client_for(staff_member)
    inputs = form_inputs(client, certificate)
    assert not {"manual_review", *CHECKLIST} & set(inputs)  # shown, not editable
    response = client.post(
        change_url(certificate), {**inputs, **dict.fromkeys(CHECKLIST, "on"), "_save": "1"}
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.manual_review
    assert not any(getattr(certificate, name) for name in CHECKLIST)
    assert not StateChange.objects.exists()
    with pytest.raises(EditRefused, match="You may not change “manual review”"):
        certificate.staff_edit(staff_member, {"manual_review": False})


def test_validation_staff_edits_are_logged_like_transitions(validator, alice, alice_client):
    certificate = CertificateFactory(owner=alice, ov=True, org=True, manual_review=True)
    Certificate.objects.filter(pk=certificate.pk).update(org_phone_checked=False)
    client = client_for(validator)
    inputs = form_inputs(client, certificate)
    inputs.pop("manual_review")  # unticked
    response = client.post(
        change_url(certificate), {**inputs, "org_phone_checked": "on", "_continue": "1"}
    )
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert not certificate.manual_review and certificate.org_phone_checked
    entry = StateChange.objects.get(certificate=certificate)
    assert (entry.action, entry.actor, entry.source, entry.target) == (
        "staff_edit",
        validator,
        Status.PENDING_ORG_VERIFICATION,
        Status.PENDING_ORG_VERIFICATION,
    )
    assert entry.detail == "manual review: no; public phone checked: yes"
    timeline = alice_client.get(f"/certificates/{certificate.pk}/").text
    assert "Checks updated" in timeline and "manual review: no" in timeline


def test_the_checklist_is_read_only_outside_organization_review(validator, alice):
    certificate = CertificateFactory(owner=alice, ov=True, domain=True)
    page = client_for(validator).get(change_url(certificate)).text
    assert not any(f'name="{name}"' in page for name in CHECKLIST)
    assert 'name="manual_review"' in page  # still under review
    with pytest.raises(EditRefused):
        certificate.staff_edit(validator, {"org_registry_checked": True})
    issued_one = CertificateFactory(owner=alice, issued=True, manual_review=True)
    assert 'name="manual_review"' not in client_for(validator).get(change_url(issued_one)).text


def test_a_staff_edit_racing_a_state_change_changes_nothing(validator, alice):
    certificate = CertificateFactory(owner=alice, ov=True, org=True, manual_review=True)
    Certificate.objects.filter(pk=certificate.pk).update(status=Status.TO_BE_ISSUED)
    with pytest.raises(EditRefused, match="Someone else changed this certificate first"):
        certificate.staff_edit(validator, {"manual_review": False})
    certificate.refresh_from_db()
    assert certificate.manual_review
    assert not StateChange.objects.exists()


def messages_on(client, url: str) -> list[str]:
    import re

    page = client.get(url).text
    return re.findall(r'<li class="(?:success|error|warning|info)">(.*?)</li>', page, re.S)


def test_ticks_and_the_decision_go_together_and_staff_return_to_the_queue(validator, alice):
    certificate = CertificateFactory(owner=alice, ov=True, org=True)
    Certificate.objects.filter(pk=certificate.pk).update(
        org_registry_checked=False, org_phone_checked=False, org_address_checked=False
    )
    client = client_for(validator)
    queue_url = f"/admin/certificates/organizationreview/{certificate.pk}/change/"
    parser = FormInputs()
    parser.feed(client.get(queue_url).text)
    response = client.post(
        queue_url,
        {
            **parser.data,
            **dict.fromkeys(CHECKLIST, "on"),
            "_fsm_transition_to": "verify_organization",
        },
    )
    assert response.status_code == 302
    assert response.url == "/admin/certificates/organizationreview/"  # back to the queue
    said = messages_on(client, response.url)
    assert any("Organization verified" in m for m in said)
    assert not any("doesn’t exist" in m for m in said)
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED
    assert all(getattr(certificate, name) for name in CHECKLIST)


def test_a_decision_someone_else_took_first_says_who_and_when(validator, alice, settings):
    certificate = CertificateFactory(owner=alice, ov=True, org=True)
    client = client_for(validator)
    queue_url = f"/admin/certificates/organizationreview/{certificate.pk}/change/"
    parser = FormInputs()
    parser.feed(client.get(queue_url).text)
    certificate.run_transition(  # the simulated CA, while the page was open
        "verify_organization", by=None, reason="Simulated CA: registry, phone and address."
    )
    response = client.post(queue_url, {**parser.data, "_fsm_transition_to": "verify_organization"})
    said = " ".join(messages_on(client, response.url))
    assert "Already done: Organization verified by the system at " in said
    assert "UTC (Simulated CA: registry, phone and address.)" in said


def test_the_issuance_queue_holds_what_waits_for_staff(issuer, alice):
    ov = CertificateFactory(owner=alice, ov=True, ready=True)
    reviewed_dv = CertificateFactory(owner=alice, ready=True, manual_review=True)
    automatic_dv = CertificateFactory(owner=alice, ready=True)
    client = client_for(issuer)
    page = client.get("/admin/certificates/issuancequeue/").text
    assert ov.name in page and reviewed_dv.name in page and automatic_dv.name not in page
    change = f"/admin/certificates/issuancequeue/{reviewed_dv.pk}/change/"
    parser = FormInputs()
    parser.feed(client.get(change).text)
    response = client.post(change, {**parser.data, "_fsm_transition_to": "issue"})
    assert response.url == "/admin/certificates/issuancequeue/"
    reviewed_dv.refresh_from_db()
    assert reviewed_dv.status == Status.ISSUED


def test_the_issuance_queue_holds_every_dv_when_the_system_issues_none(issuer, alice, settings):
    settings.SCM_AUTO_ISSUE_DV = False
    plain_dv = CertificateFactory(owner=alice, ready=True)
    ov = CertificateFactory(owner=alice, ov=True, ready=True)
    page = client_for(issuer).get("/admin/certificates/issuancequeue/").text
    assert plain_dv.name in page and ov.name in page


def test_approving_a_revocation_asks_first_and_names_the_certificate(revoker, alice):
    from tests.ca.helpers import issued

    certificate = issued(alice)
    certificate.run_transition("request_revocation", by=alice, reason="Laptop stolen.")
    client = client_for(revoker)
    queue = client.get("/admin/certificates/revocationrequest/").text
    assert certificate.name in queue and "Laptop stolen." in queue
    change = f"/admin/certificates/revocationrequest/{certificate.pk}/change/"
    parser = FormInputs()
    parser.feed(client.get(change).text)
    asked = client.post(change, {**parser.data, "_fsm_transition_to": "approve_revocation"})
    form_url = (
        f"/admin/certificates/revocationrequest/{certificate.pk}/transition/approve_revocation/"
    )
    assert asked.url == form_url
    page = client.get(form_url).text
    assert certificate.serial_number in page and "www.example.com" in page
    assert "this cannot be undone" in page
    unconfirmed = client.post(form_url, {})
    assert unconfirmed.status_code == 200 and "Tick the box to confirm" in unconfirmed.text
    certificate.refresh_from_db()
    assert certificate.status == Status.REVOKING
    done = client.post(form_url, {"confirm": "on"})
    assert done.url == "/admin/certificates/revocationrequest/"
    certificate.refresh_from_db()
    assert certificate.status == Status.REVOKED


@pytest.mark.parametrize(
    ("queue", "user"),
    [
        ("organizationreview", "issuer"),
        ("issuancequeue", "validator"),
        ("revocationrequest", "issuer"),
    ],
)
def test_each_queue_is_for_its_duty_only(request, queue, user):
    client = client_for(request.getfixturevalue(user))
    assert client.get(f"/admin/certificates/{queue}/").status_code == 403
