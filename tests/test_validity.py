"""A certificate's validity (SPEC §2): the longest period in force, and its length in days
as X.509 counts it (not_before to not_after inclusive)."""

import datetime as dt

import pytest
from cryptography import x509

from certificates.models.presenter import validity_days
from certificates.validity import days_valid, validity_period
from teams.roles import Role
from tests.api.conftest import token_for
from tests.ca.helpers import issued
from tests.factories import CertificateFactory

T = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("length", "days"),
    [
        (dt.timedelta(days=199, seconds=-1), 199),  # what validity_period builds
        (dt.timedelta(days=199), 200),  # one second over 199 days
        (dt.timedelta(days=90, seconds=-1), 90),
        (dt.timedelta(hours=12), 1),  # a part of a day is a day
        (dt.timedelta(seconds=-1) + dt.timedelta(days=1), 1),
    ],
)
def test_days_valid_counts_not_before_to_not_after_inclusive(length, days):
    assert days_valid(T, T + length) == days


def test_the_period_in_force_lasts_199_days_and_a_test_certificate_90():
    assert days_valid(*validity_period(T)) == 199
    assert days_valid(*validity_period(T, is_test=True)) == 90


def test_an_issued_certificate_is_199_days_in_its_x509_and_in_the_api(alice):
    certificate = issued(alice)
    signed = x509.load_pem_x509_certificate(certificate.certificate_pem.encode())
    inclusive = signed.not_valid_after_utc - signed.not_valid_before_utc + dt.timedelta(seconds=1)
    assert inclusive == dt.timedelta(days=199)
    assert validity_days(certificate) == 199

    _, api = token_for(alice, Role.READ_ONLY)
    listed = api.get("/v3/scm/certificates").json()["certificates"]
    assert [row["validity_period"] for row in listed] == [199]
    one = api.get(f"/v3/scm/certificates/{certificate.pk}").json()
    assert one["validity_period"] == 199


def test_no_validity_period_before_issuance(alice):
    assert validity_days(CertificateFactory(owner=alice, domain=True)) is None
