"""What pages say about a certificate (models/presenter.py), asked of the functions
directly, and through Shown in a template. Expected dates and status notes have their own
tests (tests/test_workdays.py, tests/views/test_lists.py), validity tests/test_validity.py."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from certificates.choices import Brand, CsrSource, DomainType, KeyAlgorithm, Status
from certificates.models import Certificate
from certificates.models.presenter import (
    Shown,
    StatusNote,
    brand_label,
    days_left,
    domain_type_label,
    expected_issue,
    expires_on,
    expires_soon,
    key_description,
    live_fingerprint,
    owner_steps,
    primary_domain_unicode,
    progress,
    status_notes,
)
from teams.roles import Role
from tests.factories import CertificateFactory, make_csr

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def test_owner_steps_offer_apply_before_submission_and_never_submit_beside_it():
    steps = owner_steps(CertificateFactory(), Role.FULL_ACCESS)
    assert steps[0] == ("apply", "Apply")
    assert "submit" not in [name for name, _ in steps]
    assert "renew" not in [name for name, _ in steps]


def test_owner_steps_offer_renew_once_issued_and_nothing_to_read_only_members():
    certificate = CertificateFactory(issued=True)
    steps = owner_steps(certificate, Role.ADMINISTRATOR)
    assert ("renew", "Renew") in steps and ("apply", "Apply") not in steps
    assert owner_steps(certificate, Role.READ_ONLY) == []
    assert owner_steps(certificate, None) == []


def test_progress_is_the_states_percent():
    assert progress(CertificateFactory(domain=True)) == 40
    assert progress(CertificateFactory(ready=True)) == 90
    assert progress(CertificateFactory(issued=True)) == 100
    assert progress(CertificateFactory(failed=True)) is None


def test_labels_are_the_choices_words():
    certificate = CertificateFactory(brand=Brand.AURORA, domain_type=DomainType.WILDCARD)
    assert brand_label(certificate) == certificate.get_brand_display()
    assert domain_type_label(certificate) == "Wildcard" == certificate.get_domain_type_display()


def test_an_idn_primary_domain_is_shown_in_its_own_script():
    certificate = CertificateFactory(primary_domain="xn--bcher-kva.example.com")
    assert primary_domain_unicode(certificate) == "bücher.example.com"
    assert primary_domain_unicode(CertificateFactory(primary_domain="")) == ""


def test_the_key_is_read_from_the_csr_and_the_purchases_choice_only_before_one_exists():
    own = CertificateFactory(csr_pem=make_csr(["www.example.com"], key="ec_p384"))
    assert key_description(own) == "EC P-384"  # the CSR's key, not the purchase's default
    later = CertificateFactory(
        csr_source=CsrSource.SYSTEM, csr_pem="", key_algorithm=KeyAlgorithm.RSA_3072
    )
    assert key_description(later) == "RSA 3072"


def test_the_expiry_date_is_the_local_date_not_after_falls_on():
    certificate = CertificateFactory(
        issued=True, not_after=dt.datetime(2026, 12, 24, 23, 30, tzinfo=UTC)
    )
    with timezone.override("UTC"):
        assert expires_on(certificate) == dt.date(2026, 12, 24)
    with timezone.override("Asia/Tokyo"):
        assert expires_on(certificate) == dt.date(2026, 12, 25)
    assert expires_on(CertificateFactory()) is None


def test_days_left_and_the_expiry_warning(settings):
    settings.SCM_EXPIRY_WARNING_DAYS = 30
    now = timezone.now()
    soon = CertificateFactory(issued=True, not_after=now + dt.timedelta(days=30, hours=1))
    later = CertificateFactory(issued=True, not_after=now + dt.timedelta(days=31, hours=1))
    assert days_left(soon, now) == 30 and days_left(later, now) == 31
    assert expires_soon(soon) and not expires_soon(later)
    assert days_left(CertificateFactory(), now) is None
    revoking = CertificateFactory(revoking=True, not_after=now + dt.timedelta(days=3))
    assert not expires_soon(revoking)  # only an issued certificate is warned about


def test_a_dv_the_system_issues_says_minutes_and_a_failed_one_says_why(settings):
    settings.SCM_AUTO_ISSUE_DV = True
    assert expected_issue(CertificateFactory(ready=True)) == "Being issued now: within minutes"
    assert expected_issue(CertificateFactory(failed=True)) is None
    assert status_notes(CertificateFactory(failed=True)) == [
        StatusNote("failure", "Not verified.", "error")
    ]


def test_the_live_fingerprint_moves_with_what_the_details_page_shows(alice):
    certificate = CertificateFactory(owner=alice, domain=True)
    first = live_fingerprint(certificate)
    assert live_fingerprint(certificate) == first  # nothing changed
    certificate.domains.update(next_check_at=timezone.now())
    second = live_fingerprint(certificate)
    assert second != first  # a domain's next check
    certificate.rename("Shop", by=alice)
    third = live_fingerprint(certificate)
    assert third != second  # the certificate itself
    CertificateFactory(owner=alice, renewal_of=certificate)
    assert live_fingerprint(certificate) != third  # a renewal started from it


def test_shown_works_out_nothing_until_asked_and_each_fact_once(django_assert_num_queries):
    certificate = CertificateFactory(ready=True, manual_review=True)
    fresh = Certificate.objects.get(pk=certificate.pk)
    with django_assert_num_queries(0):
        shown = Shown(fresh)
    assert vars(shown) == {"certificate": fresh}
    assert shown.progress == progress(fresh) == 90
    assert shown.status_notes == status_notes(fresh)
    assert shown.status_notes is shown.status_notes  # cached, not worked out again
    assert set(vars(shown)) == {"certificate", "progress", "status_notes"}


def test_the_status_partial_shows_what_shown_says(settings):
    settings.SCM_AUTO_ISSUE_DV = False
    certificate = CertificateFactory(ready=True, manual_review=True)
    html = render_to_string(
        "certificates/list.html#status", {"certificate": certificate, "shown": Shown(certificate)}
    )
    assert 'aria-valuenow="90"' in html and '<span class="pct">90%</span>' in html
    assert f"{certificate.name}: {Status.TO_BE_ISSUED.label}, 90%" in html
    for note in status_notes(certificate):
        assert f'data-note="{note.kind}">{note.text}</span>' in html
    assert 'data-note="manual-review"' in html and 'data-note="expected"' in html
