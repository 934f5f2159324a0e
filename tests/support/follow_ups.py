"""What the follow-up tests share (tests/test_workflow.py, tests/admin/, tests/api/,
tests/acme/): every transition of the Certificate FSM, every class the admin shows a
certificate as, a certificate ready for each transition, and a spy on the follow-up table."""

import datetime as dt
from typing import Any

import pytest
from cryptography import x509
from django.contrib import admin
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from certificates import workflow
from certificates.choices import CsrSource, Status
from certificates.models import Certificate
from tests.factories import CertificateFactory, in_state, make_csr

TRANSITIONS = sorted(
    {t.name for t in Certificate._meta.get_field("status").get_all_transitions(Certificate)}
)
# Certificate and every proxy the admin registers (the staff queues): a new queue is
# covered as soon as it is registered.
CERTIFICATE_CLASSES = sorted(
    {model for model in admin.site._registry if issubclass(model, Certificate)},
    key=lambda model: model.__name__,
)
REASON = "Checked with the applicant."
# What a transition takes besides a reason (an ACME order's CSR, which services/acme.py
# checked before).
ARGUMENTS = {"acme_finalize": lambda certificate: {"csr_pem": make_csr(certificate.domain_names)}}


def arguments_for(name: str, certificate: Certificate) -> dict[str, Any]:
    return ARGUMENTS[name](certificate) if name in ARGUMENTS else {}


def ready_for(name: str, owner: Any) -> Certificate:
    """A certificate of `owner` that `name` can be applied to now (conditions met)."""
    if name == "approve_revocation":
        from tests.ca.helpers import issued  # signed by the CA: the CRL can list it

        certificate = issued(owner)
        certificate.run_transition("request_revocation", by=owner, reason="Laptop stolen.")
        return certificate
    source = {
        "submit": Status.PENDING_APPLICATION,
        "verify_domains": Status.PENDING_DOMAIN_VERIFICATION,
        "verify_organization": Status.PENDING_ORG_VERIFICATION,
        "issue": Status.TO_BE_ISSUED,
        "reject": Status.PENDING_DOMAIN_VERIFICATION,
        "withdraw": Status.PENDING_DOMAIN_VERIFICATION,
        "complete_withdrawal": Status.WITHDRAWING,
        "edit": Status.APPLICATION_FAILED,
        "request_revocation": Status.ISSUED,
        "deny_revocation": Status.REVOKING,
        "expire": Status.ISSUED,
        "discard": Status.PENDING_APPLICATION,
        "acme_finalize": Status.TO_BE_ISSUED,
    }[name]
    if name == "acme_finalize":  # an ACME order, its domains proven, waiting for the CSR
        return in_state(source, owner=owner, csr_source=CsrSource.ACME, csr_pem="")
    if name == "expire":
        return in_state(source, owner=owner, not_after=timezone.now() - dt.timedelta(minutes=1))
    if source == Status.PENDING_APPLICATION:
        return CertificateFactory(owner=owner)
    return in_state(source, owner=owner)


def as_class(certificate: Certificate, model: type) -> Certificate:
    """The same row, read as `model` (a queue's proxy), as that admin page reads it."""
    return model._default_manager.get(pk=certificate.pk)


def queued(task: str, *args: Any) -> list[DBTaskResult]:
    """The jobs queued for this task (certificates.tasks.<task>), with these arguments."""
    return [
        job
        for job in DBTaskResult.objects.filter(task_path=f"certificates.tasks.{task}")
        if not args or job.args_kwargs["args"] == list(args)
    ]


def on_served_crl(client: Any, certificate: Certificate) -> bool:
    """Does the CRL that /ca/<brand>.crl serves now list the certificate's serial?"""
    crl = x509.load_der_x509_crl(client.get(f"/ca/{certificate.brand}.crl").content)
    serial = int(certificate.serial_number, 16)
    return crl.get_revoked_certificate_by_serial_number(serial) is not None


def effect_of(name: str, certificate: Certificate, client: Any) -> bool:
    """Whether what the transition's follow-up does can be seen: the jobs it queued, the CRL
    it signed. True for a follow-up with nothing to show (the spy saw it run)."""
    certificate.refresh_from_db()
    if name == "submit":
        domains = list(certificate.domains.all())
        return bool(domains) and all(queued("check_domain", d.pk, d.token) for d in domains)
    if name in ("verify_domains", "acme_finalize"):  # a DV: issued by the worker
        return bool(queued("issue", certificate.pk))
    if name == "approve_revocation":
        return on_served_crl(client, certificate)
    return True


@pytest.fixture
def follow_ups(monkeypatch) -> list[tuple[str, type, int]]:
    """Every follow-up that runs, as (transition, class of the instance, pk); each still
    does its real work."""
    seen: list[tuple[str, type, int]] = []
    for name, real in list(workflow.FOLLOW_UPS.items()):

        def spy(certificate: Certificate, by: Any, name: str = name, real: Any = real) -> None:
            seen.append((name, type(certificate), certificate.pk))
            real(certificate, by)

        monkeypatch.setitem(workflow.FOLLOW_UPS, name, spy)
    return seen
