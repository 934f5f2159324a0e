"""Races through HTTP against gunicorn with several worker processes
(tests/support/processes.py): the same step requested 20 times at once. Exactly one request
does it, the others are told why not (a message on the page a browser is sent back to, or a
409 page), nobody gets a server error, and the log has one row per change.
Runs on SQLite and on PostgreSQL, like the rest of the suite."""

import pytest

from certificates.choices import DomainStatus, Status
from certificates.models import Certificate, StateChange
from tests.factories import CertificateFactory, UserFactory, submitted
from tests.support.admin_forms import change_form
from tests.support.processes import Visitor, at_once, task_workers, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]
CROWD = 20


def logged(certificate, transition: str) -> int:
    return StateChange.objects.filter(certificate=certificate, action=transition).count()


def test_twenty_staff_approve_one_organization_once(server, validator):
    certificate = CertificateFactory(ov=True, org=True)
    staff = [Visitor(server.port, validator) for _ in range(CROWD)]
    url, form = change_form(staff[0], certificate)
    press = {**form, "_fsm_transition_to": "verify_organization"}

    replies = at_once([lambda v=v: v.post(url, press) for v in staff])

    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    said = [m for v, r in zip(staff, replies, strict=True) for m in v.follow(r).messages]
    done = [m for m in said if m.startswith("Organization verified")]
    refused = [m for m in said if "Nothing was changed" in m or "is not possible" in m]
    assert len(done) == 1, said
    assert len(refused) == CROWD - 1, said
    assert logged(certificate, "verify_organization") == 1
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED


def test_owner_withdraws_while_staff_approve_one_wins(server, validator):
    certificate = CertificateFactory(ov=True, org=True)
    owner = [Visitor(server.port, certificate.owner) for _ in range(CROWD // 2)]
    staff = [Visitor(server.port, validator) for _ in range(CROWD // 2)]
    url, form = change_form(staff[0], certificate)
    press = {**form, "_fsm_transition_to": "verify_organization"}
    withdraw = f"/certificates/{certificate.pk}/withdraw/"

    replies = at_once(
        [lambda v=v: v.post(withdraw) for v in owner]
        + [lambda v=v: v.post(url, press) for v in staff]
    )

    # Refused or not, a browser's POST is redirected; the page it lands on says why.
    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    withdrawn, verified = (
        logged(certificate, "withdraw"),
        logged(certificate, "verify_organization"),
    )
    assert withdrawn + verified == 1
    certificate.refresh_from_db()
    assert certificate.status == (Status.WITHDRAWING if withdrawn else Status.TO_BE_ISSUED)
    owner_said = [
        m for v, r in zip(owner, replies[: CROWD // 2], strict=True) for m in v.follow(r).messages
    ]
    refused = [m for m in owner_said if "Nothing was changed" in m or "is not possible" in m]
    assert len(refused) == CROWD // 2 - withdrawn, owner_said


def test_twenty_revocation_requests_make_one(server):
    certificate = CertificateFactory(issued=True)
    owner = [Visitor(server.port, certificate.owner) for _ in range(CROWD)]
    url = f"/certificates/{certificate.pk}/revoke/"

    replies = at_once(
        [lambda v=v: v.post(url, {"reason": "Key lost", "code": "key_compromise"}) for v in owner]
    )

    assert all(r.status == 302 for r in replies), [r.status for r in replies]
    assert logged(certificate, "request_revocation") == 1
    said = [m for v, r in zip(owner, replies, strict=True) for m in v.follow(r).messages]
    assert sum(m == "Revocation requested" for m in said) == 1, said
    refused = [m for m in said if "Nothing was changed" in m or "is not possible" in m]
    assert len(refused) == CROWD - 1, said


def test_twenty_revocation_approvals_revoke_once(server, revoker):
    certificate = CertificateFactory(revoking=True, not_after=None)
    staff = [Visitor(server.port, revoker) for _ in range(CROWD)]
    # Approving asks for a confirmation first: all twenty confirm at once.
    url = f"/admin/certificates/certificate/{certificate.pk}/transition/approve_revocation/"
    assert staff[0].get(url).status == 200

    replies = at_once([lambda v=v: v.post(url, {"confirm": "on"}) for v in staff])

    statuses = sorted(r.status for r in replies)
    assert statuses == [302] + [409] * (CROWD - 1), statuses  # 409: the form says why
    assert logged(certificate, "approve_revocation") == 1
    assert Certificate.objects.get(pk=certificate.pk).status == Status.REVOKED


def test_twenty_verify_now_presses_check_each_domain_once(server, dns_zone):
    certificate = submitted(UserFactory(username="carol"))
    owner = [Visitor(server.port, certificate.owner) for _ in range(CROWD)]
    url = f"/certificates/{certificate.pk}/verify/"

    replies = at_once([lambda v=v: v.post(url) for v in owner])

    assert all(r.status in (302, 409, 429) for r in replies), [r.status for r in replies]
    domain = certificate.domains.get()
    assert domain.checks == 1
    assert domain.status == DomainStatus.PENDING
    assert sum(r.status == 302 for r in replies) >= 1


def test_three_task_workers_racing_the_same_jobs_do_each_once(dns_zone):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from certificates import tasks

    ready = CertificateFactory(ready=True)  # DV at 90%: the issue job signs it
    verifying = CertificateFactory(domain=True, primary_domain="race.example.com")
    domain = verifying.domains.get()
    for _ in range(10):
        tasks.issue.enqueue(ready.pk)
        tasks.check_domain.enqueue(domain.pk, domain.token)
    jobs = DBTaskResult.objects.filter(enqueued_at__lte=timezone.now())
    queued = set(jobs.values_list("id", flat=True))

    with task_workers(3):
        wait_until(
            lambda: not jobs.filter(id__in=queued).exclude(status="SUCCESSFUL").exists(),
            what="the workers to finish the jobs",
        )

    results = list(
        jobs.filter(id__in=queued, task_path__endswith=".issue").values_list(
            "return_value", flat=True
        )
    )
    assert results.count("issued") == 1, results
    assert logged(ready, "issue") == 1
    ready.refresh_from_db()
    assert ready.status == Status.ISSUED and ready.certificate_pem
    domain.refresh_from_db()
    assert domain.checks == 1  # ten jobs, one check
    follow_ups = DBTaskResult.objects.exclude(id__in=queued).filter(
        task_path__endswith=".check_domain"
    )
    assert follow_ups.count() == 1  # and one chain of re-checks after it, not ten
    assert follow_ups.get().run_after == domain.next_check_at
