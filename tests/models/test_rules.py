"""The rules the pages show and the services keep (models/rules.py): what may still be
edited or renewed, and what the system issues by itself, as a function of one certificate
and as the filter the Issuance queue excludes."""

import itertools

import pytest

from certificates.choices import CertificateType, CsrSource, Status
from certificates.models import Certificate
from certificates.models.rules import (
    EDITABLE,
    RENEWABLE,
    can_renew,
    is_editable,
    issues_by_itself,
    issues_by_itself_q,
)
from tests.factories import CertificateFactory, in_state

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", list(Status))
def test_only_an_application_not_yet_submitted_is_editable(status):
    assert is_editable(in_state(status)) is (status == Status.PENDING_APPLICATION)
    assert (status in EDITABLE) is (status == Status.PENDING_APPLICATION)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("source", [CsrSource.OWN, CsrSource.SYSTEM])
def test_only_an_issued_or_expired_certificate_renews(status, source):
    renews = status in {Status.ISSUED, Status.EXPIRED}
    assert can_renew(in_state(status, csr_source=source)) is renews
    assert (status in RENEWABLE) is renews


@pytest.mark.parametrize("status", [Status.ISSUED, Status.EXPIRED])
def test_an_acme_order_is_renewed_by_its_client_not_the_console(status):
    assert not can_renew(in_state(status, csr_source=CsrSource.ACME))


def test_a_dv_without_manual_review_issues_by_itself(settings):
    settings.SCM_AUTO_ISSUE_DV = True
    assert issues_by_itself(CertificateFactory(ready=True))
    assert not issues_by_itself(CertificateFactory(ready=True, manual_review=True))
    assert not issues_by_itself(CertificateFactory(ready=True, ov=True))
    assert not issues_by_itself(CertificateFactory(ready=True, ev=True))


def test_nothing_issues_by_itself_when_automatic_dv_issuance_is_off(settings):
    settings.SCM_AUTO_ISSUE_DV = False
    assert not issues_by_itself(CertificateFactory(ready=True))


@pytest.mark.parametrize("automatic", [True, False])
def test_the_filter_keeps_exactly_what_issues_by_itself(settings, automatic):
    """One rule, two forms: the queryset form keeps the certificates the function names,
    for every type, with and without manual review."""
    settings.SCM_AUTO_ISSUE_DV = automatic
    made = [
        CertificateFactory(ready=True, certificate_type=kind, manual_review=review)
        for kind, review in itertools.product(CertificateType, [False, True])
    ]
    kept = set(Certificate.objects.filter(issues_by_itself_q()).values_list("pk", flat=True))
    assert kept == {c.pk for c in made if issues_by_itself(c)}
    left = set(Certificate.objects.exclude(issues_by_itself_q()).values_list("pk", flat=True))
    assert left == {c.pk for c in made if not issues_by_itself(c)}
    assert bool(kept) is automatic  # a plain DV, when automatic issuance is on
