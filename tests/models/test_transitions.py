"""Every transition of SPEC §3: who may run it, from which states, and what it leaves behind."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from certificates.choices import CertificateType, Status
from certificates.exceptions import TransitionRefused
from certificates.models import Certificate, Record, StateChange, generate_name
from certificates.models.presenter import progress
from teams.roles import Role
from tests.factories import CertificateFactory, MembershipFactory, UserFactory, in_state, team_of

S = Status
SOURCES = {
    "submit": {S.PENDING_APPLICATION},
    "verify_domains": {S.PENDING_DOMAIN_VERIFICATION},
    "verify_organization": {S.PENDING_ORG_VERIFICATION},
    "issue": {S.TO_BE_ISSUED},
    "reject": {S.PENDING_DOMAIN_VERIFICATION, S.PENDING_ORG_VERIFICATION, S.TO_BE_ISSUED},
    "withdraw": {S.PENDING_DOMAIN_VERIFICATION, S.PENDING_ORG_VERIFICATION},
    "complete_withdrawal": {S.WITHDRAWING},
    "edit": {S.APPLICATION_FAILED},
    "request_revocation": {S.ISSUED},
    "approve_revocation": {S.REVOKING},
    "deny_revocation": {S.REVOKING},
    "expire": {S.ISSUED},
    "discard": {S.PENDING_APPLICATION, S.APPLICATION_FAILED, S.REVOKED, S.EXPIRED},
}
TARGETS = {
    "submit": S.PENDING_DOMAIN_VERIFICATION,
    "verify_domains": S.TO_BE_ISSUED,  # for DV; OV is tested below
    "verify_organization": S.TO_BE_ISSUED,
    "issue": S.ISSUED,
    "reject": S.APPLICATION_FAILED,
    "withdraw": S.WITHDRAWING,
    "complete_withdrawal": S.PENDING_APPLICATION,
    "edit": S.PENDING_APPLICATION,
    "request_revocation": S.REVOKING,
    "approve_revocation": S.REVOKED,
    "deny_revocation": S.ISSUED,
    "expire": S.EXPIRED,
    "discard": S.DELETED,
}
# The owner's steps are for the team's Administrators ("owner", who bought it) and its
# FullAccess members ("colleague"); never for its ReadOnly members ("reader").
MEMBERS = {"owner", "colleague"}
WHO = {
    "submit": MEMBERS,
    "verify_domains": {"validator", "system"},
    "verify_organization": {"validator", "system"},
    "issue": {"issuer", "system"},
    "reject": {"validator", "issuer", "system"},
    "withdraw": MEMBERS,
    "complete_withdrawal": {"validator", "system"},
    "edit": MEMBERS,
    "request_revocation": MEMBERS,
    "approve_revocation": {"revoker"},
    "deny_revocation": {"revoker"},
    "expire": {"system"},
    "discard": MEMBERS,
}
PEOPLE = ["owner", "colleague", "reader", "stranger", "validator", "issuer", "revoker"]
REASON = "Checked by phone with the applicant."


def certificate_for(name: str, state: Status, owner=None) -> Certificate:
    kwargs = {"owner": owner} if owner else {}
    if name == "expire":
        kwargs["not_after"] = timezone.now() - dt.timedelta(minutes=1)
    return in_state(state, **kwargs)


@pytest.fixture
def actors(alice, validator, issuer, revoker):
    colleague, reader = UserFactory(username="dave"), UserFactory(username="carol")
    MembershipFactory(team=team_of(alice), user=colleague, role=Role.FULL_ACCESS)
    MembershipFactory(team=team_of(alice), user=reader, role=Role.READ_ONLY)
    return {
        "owner": alice,
        "colleague": colleague,
        "reader": reader,
        "stranger": UserFactory(username="mallory"),
        "validator": validator,
        "issuer": issuer,
        "revoker": revoker,
        "system": None,
    }


ALLOWED = [(n, s, who) for n, sources in SOURCES.items() for s in sources for who in WHO[n]]
FORBIDDEN_ACTOR = [
    (n, s, who)
    for n, sources in SOURCES.items()
    for s in sources
    for who in PEOPLE
    if who not in WHO[n]
]
WRONG_STATE = [(n, s) for n in SOURCES for s in Status if s not in SOURCES[n]]


@pytest.mark.parametrize(("name", "source", "who"), ALLOWED)
def test_allowed_transition_changes_state_and_logs_it(actors, name, source, who):
    certificate = certificate_for(name, source, actors["owner"])

    certificate.run_transition(name, by=actors[who], reason=REASON)

    certificate.refresh_from_db()
    assert certificate.status == TARGETS[name]
    (entry,) = StateChange.objects.filter(certificate=certificate)
    assert (entry.action, entry.source, entry.target) == (name, source, TARGETS[name])
    assert entry.actor == actors[who]
    assert entry.detail == REASON
    # …and in the team's operation records, in the same transaction: a member by name,
    # the CA's staff and the system as "the CA".
    (record,) = Record.objects.filter(certificate=certificate)
    assert (record.team_id, record.action, record.source, record.target, record.detail) == (
        certificate.team_id,
        name,
        source,
        TARGETS[name],
        REASON,
    )
    assert record.actor_name == (actors[who].username if who in MEMBERS else "the CA")
    assert record.pk == entry.pk  # one log: the transition log is the records' state changes


@pytest.mark.parametrize(("name", "source", "who"), FORBIDDEN_ACTOR)
def test_actor_without_permission_is_refused(actors, name, source, who):
    certificate = certificate_for(name, source, actors["owner"])

    with pytest.raises(TransitionRefused, match="not allowed"):
        certificate.run_transition(name, by=actors[who], reason=REASON)

    certificate.refresh_from_db()
    assert certificate.status == source
    assert not StateChange.objects.exists()
    assert not Record.objects.exists()


@pytest.mark.parametrize(("name", "state"), WRONG_STATE)
def test_transition_from_a_state_that_does_not_allow_it_is_refused(staff, name, state):
    certificate = certificate_for(name, state)

    with pytest.raises(TransitionRefused, match="not possible") as refused:
        certificate.run_transition(name, by=None, reason=REASON)

    assert str(Status(state).label) in str(refused.value)
    certificate.refresh_from_db()
    assert certificate.status == state
    assert not StateChange.objects.exists()


def test_status_field_is_protected(db):
    certificate = CertificateFactory()
    with pytest.raises(AttributeError, match="Direct status modification is not allowed"):
        certificate.status = Status.ISSUED


@pytest.mark.parametrize(
    ("product", "after"),
    [
        (CertificateType.DV, Status.TO_BE_ISSUED),
        (CertificateType.OV, Status.PENDING_ORG_VERIFICATION),
        (CertificateType.OV_PRO, Status.PENDING_ORG_VERIFICATION),
        (CertificateType.EV, Status.PENDING_ORG_VERIFICATION),
        (CertificateType.EV_PRO, Status.PENDING_ORG_VERIFICATION),
    ],
)
def test_only_dv_skips_organization_verification(db, product, after):
    certificate = CertificateFactory(domain=True, certificate_type=product)
    certificate.run_transition("verify_domains", by=None)
    assert certificate.status == after
    assert progress(certificate) == {Status.TO_BE_ISSUED: 90}.get(after, 70)


def test_dv_cannot_be_organization_verified(db):
    certificate = CertificateFactory(ready=True)
    with pytest.raises(TransitionRefused):
        certificate.run_transition("verify_organization", by=None)


@pytest.mark.parametrize(
    "missing",
    [
        {"primary_domain": ""},
        {"csr_pem": ""},
        {"ov": True, "organization": None},
        {"ev": True, "applicant_phone": ""},
    ],
)
def test_submit_needs_a_complete_application(alice, missing):
    certificate = CertificateFactory(owner=alice, **missing)
    with pytest.raises(TransitionRefused, match="the application is not complete"):
        certificate.run_transition("submit", by=alice)
    assert certificate.status == Status.PENDING_APPLICATION


def test_expire_waits_for_not_after(db):
    certificate = CertificateFactory(issued=True)
    with pytest.raises(TransitionRefused, match="expiry date has not passed"):
        certificate.run_transition("expire", by=None)


@pytest.mark.parametrize(
    ("name", "state", "who"),
    [
        ("reject", Status.PENDING_ORG_VERIFICATION, "validator"),
        ("request_revocation", Status.ISSUED, "owner"),
        ("deny_revocation", Status.REVOKING, "revoker"),
        ("verify_domains", Status.PENDING_DOMAIN_VERIFICATION, "validator"),
    ],
)
def test_reason_is_required(actors, name, state, who):
    certificate = in_state(state, owner=actors["owner"])
    with pytest.raises(TransitionRefused, match="reason is required"):
        certificate.run_transition(name, by=actors[who], reason="  ")
    certificate.refresh_from_db()
    assert certificate.status == state
    assert not StateChange.objects.exists()


def test_reject_shows_the_reason_and_edit_clears_it_but_keeps_it_in_the_log(alice, validator):
    certificate = CertificateFactory(owner=alice, org=True, ov=True)
    certificate.run_transition("reject", by=validator, reason="Registry record not found.")
    assert certificate.failure_reason == "Registry record not found."

    certificate.run_transition("edit", by=alice)

    assert certificate.failure_reason == ""
    assert (
        StateChange.objects.filter(certificate=certificate).first().detail
        == "Registry record not found."
    )


def test_withdrawal_restarts_verification_from_scratch(alice, validator):
    certificate = CertificateFactory(owner=alice, ov=True)
    certificate.run_transition("submit", by=alice)
    certificate.run_transition("verify_domains", by=None)
    certificate.run_transition("withdraw", by=alice)
    assert certificate.status == Status.WITHDRAWING

    certificate.run_transition("complete_withdrawal", by=validator)

    assert certificate.status == Status.PENDING_APPLICATION
    assert certificate.submitted_at is None
    assert certificate.domains_verified_at is None


def test_issue_sets_validity_within_the_cabf_limit(db):
    certificate = CertificateFactory(ready=True)
    certificate.run_transition("issue", by=None)
    lifetime = certificate.not_after - certificate.not_before
    assert dt.timedelta(days=198) < lifetime < dt.timedelta(days=199)


def test_two_stale_copies_one_wins_and_the_loser_is_told(alice, validator, issuer):
    certificate = CertificateFactory(owner=alice, ready=True)
    first = Certificate.objects.get(pk=certificate.pk)
    second = Certificate.objects.get(pk=certificate.pk)

    first.run_transition("issue", by=issuer)
    with pytest.raises(TransitionRefused, match="Someone else changed this certificate first"):
        second.run_transition("reject", by=validator, reason="Too late.")

    assert second.status == Status.ISSUED  # the loser sees the winner's state
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED
    assert certificate.failure_reason == ""
    assert list(
        StateChange.objects.filter(certificate=certificate).values_list("action", flat=True)
    ) == ["issue"]


def test_log_entries_are_immutable(alice):
    certificate = CertificateFactory(owner=alice)
    certificate.run_transition("submit", by=alice)
    entry = StateChange.objects.filter(certificate=certificate).get()
    entry.detail = "rewritten"
    with pytest.raises(ValueError, match="never changed"):
        entry.save()
    with pytest.raises(ValueError, match="never deleted"):
        entry.delete()


def test_unknown_transition_is_refused(alice):
    certificate = CertificateFactory(owner=alice)
    with pytest.raises(TransitionRefused, match="no “save” action"):
        certificate.run_transition("save", by=alice)


@pytest.mark.django_db(transaction=True)
def test_racing_threads_exactly_one_transition_wins(alice, staff):
    """Eight workers, each with its own stale copy and connection, approve at the same time."""
    certificate = CertificateFactory(owner=alice, org=True, ov=True)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def approve() -> None:
        try:
            copy = Certificate.objects.get(pk=certificate.pk)
            barrier.wait()
            copy.run_transition("verify_organization", by=staff)
            outcomes.append("won")
        except TransitionRefused as refused:
            outcomes.append(str(refused))
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("won") == 1
    assert all("Someone else changed" in o for o in outcomes if o != "won"), outcomes
    assert StateChange.objects.filter(certificate=certificate).count() == 1


def test_default_names_do_not_repeat_within_a_bulk_purchase():
    names = [generate_name() for _ in range(1000)]
    assert len(set(names)) == 1000
    assert all(name.startswith("scs") and name[3:].isdigit() for name in names)
