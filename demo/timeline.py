"""When the demo's seeded certificates happened (seed_demo): each is walked through the real
transitions at seeding time, then its whole story — dates, validity, timeline and operation
records — is placed where it belongs in the past, with the durations the CA really takes
(SPEC §4: a DV in minutes, an OV in 1–3 working days, an EV in 7–10), so that "newest" in
the list, the certificate's timeline and the overview's medians all tell the same story."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from certificates.choices import CertificateType, Status
from certificates.models import Certificate, Record
from certificates.models.records import STEPS
from certificates.workdays import is_working_day

# The steps that follow issuance, by their distance before now, for the seeded states.
AFTER_ISSUE = {
    Status.REVOKING: {"request_revocation": dt.timedelta(days=1, hours=3)},
    Status.REVOKED: {
        "request_revocation": dt.timedelta(days=4, hours=6),
        "approve_revocation": dt.timedelta(days=4, hours=2),
    },
}
# How long before now each seeded state was issued (EXPIRED and a DV's "Expires in 12
# days" follow from their validity instead).
ISSUED_AGO = {
    Status.ISSUED: dt.timedelta(days=20),
    Status.REVOKING: dt.timedelta(days=60),
    Status.REVOKED: dt.timedelta(days=90),
}
EXPIRY_JOB = dt.timedelta(hours=2)  # the daily job expires a certificate after its end


@dataclass
class Plan:
    """One seeded certificate: when it was issued (None: it is not, or not yet) and how long
    it took from submission; later steps by how long before now they were taken."""

    name: str
    product: CertificateType
    state: Status
    issued: dt.datetime | None = None
    took: dt.timedelta = dt.timedelta(0)
    later: dict[str, dt.timedelta] = field(default_factory=dict)

    @property
    def submitted(self) -> dt.datetime:
        """When it was submitted: the seed creates them in this order, oldest first."""
        return self.issued - self.took if self.issued else timezone.now()


def took(product: CertificateType, turn: int, issued: dt.datetime) -> dt.timedelta:
    """A believable time from submission to issuance, varied by `turn`: DV minutes (the
    record published, the checks passed), OV 1–3 working days, EV 7–10 working days."""
    if not product.needs_org_verification:
        return dt.timedelta(minutes=6 + (turn * 7) % 35)
    # EV: 7–9 of the 7–10 working days, so that a median lands within 10–14 calendar days.
    days = 1 + turn % 3 if product in (CertificateType.OV, CertificateType.OV_PRO) else 7 + turn % 3
    submitted = working_days_before(issued, days) - dt.timedelta(hours=(turn * 5) % 7)
    return issued - submitted


def working_days_before(moment: dt.datetime, days: int) -> dt.datetime:
    """The same time of day `days` working days earlier."""
    while days > 0:
        moment -= dt.timedelta(days=1)
        if is_working_day(moment.date()):
            days -= 1
    return moment


def on_a_working_day(moment: dt.datetime, turn: int) -> dt.datetime:
    """The working day at or before `moment`, in the CA's office hours: staff issue OV/EV."""
    while not is_working_day(moment.date()):
        moment -= dt.timedelta(days=1)
    return moment.replace(hour=9 + turn % 7, minute=(turn * 13) % 60, second=0, microsecond=0)


def place(certificate: Certificate, plan: Plan) -> None:
    """Move an issued certificate's story to the plan's dates; re-signed for the moved
    validity; expired (by the daily job, after its end) when that end has passed."""
    issued, submitted = plan.issued, plan.submitted
    lifetime = certificate.not_after - certificate.not_before
    certificate.not_before, certificate.not_after = issued, issued + lifetime
    now = timezone.now()
    times = {
        "submit": submitted,
        "verify_domains": submitted + min(plan.took / 2, dt.timedelta(minutes=40)),
        "verify_organization": issued - min(plan.took / 4, dt.timedelta(minutes=90)),
        "issue": issued,
        "expire": certificate.not_after + EXPIRY_JOB,
        **{name: now - ago for name, ago in plan.later.items()},
    }
    certificate.sign()
    columns = {
        "submitted_at": "submit",
        "domains_verified_at": "verify_domains",
        "org_verified_at": "verify_organization",
        "issued_at": "issue",
        "revocation_requested_at": "request_revocation",
        "revoked_at": "approve_revocation",
        "expired_at": "expire",
    }
    created = submitted - dt.timedelta(minutes=20)
    steps = set(certificate.records.filter(STEPS).values_list("action", flat=True))
    Certificate.objects.filter(pk=certificate.pk).update(
        created_at=created,
        updated_at=max(times[name] for name in steps if name in times),
        not_before=certificate.not_before,
        not_after=certificate.not_after,
        certificate_pem=certificate.certificate_pem,
        serial_number=certificate.serial_number,
        **{
            column: times[step]
            for column, step in columns.items()
            if getattr(certificate, column) is not None
        },
    )
    for step in steps:
        when = times.get(step, created)
        Record.objects.filter(certificate=certificate, action=step).update(at=when)
    Record.objects.filter(certificate=certificate).exclude(action__in=steps).update(at=created)
    certificate.refresh_from_db()
    if certificate.status == Status.ISSUED and certificate.not_after < now:
        certificate.run_transition("expire", by=None)
        when = certificate.not_after + EXPIRY_JOB
        Certificate.objects.filter(pk=certificate.pk).update(expired_at=when, updated_at=when)
        Record.objects.filter(certificate=certificate, action="expire").update(at=when)
