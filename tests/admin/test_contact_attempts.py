"""The organization's contact log in the admin: staff read the calls made so far (when, who,
number, outcome) and Validation staff log the next one; nobody edits or deletes a call."""

import datetime as dt

import pytest
from django.utils import timezone

from certificates.choices import CallOutcome
from certificates.models import ContactAttempt
from tests.factories import CertificateFactory
from tests.support.admin_forms import FormInputs
from tests.support.pages import client_for

QUEUE = "/admin/certificates/organizationreview"


@pytest.fixture
def called(alice, staff):
    """An OV application at 70% that the CA called twice (by another staff member)."""
    certificate = CertificateFactory(owner=alice, ov=True, org=True)
    at = dt.datetime(2026, 12, 7, 5, 18, tzinfo=dt.UTC)
    ContactAttempt.objects.create(
        certificate=certificate,
        at=at,
        number="+442079460001",
        outcome=CallOutcome.NO_ANSWER,
        staff=staff,
    )
    ContactAttempt.objects.create(
        certificate=certificate,
        at=at + dt.timedelta(hours=2),
        number="+442079460001",
        outcome=CallOutcome.REACHED,
        notes="Confirmed by the CFO.",
        staff=staff,
    )
    return certificate


def test_validation_staff_read_earlier_calls_with_who_when_and_outcome(validator, called):
    page = client_for(validator).get(f"{QUEUE}/{called.pk}/change/")

    assert page.status_code == 200
    text = page.text
    assert "2026-12-07 05:18 UTC" in text and "2026-12-07 07:18 UTC" in text
    assert text.count("<p>staff</p>") == 2  # who called, in both rows
    assert "<p>no answer</p>" in text and "<p>reached</p>" in text
    assert "Confirmed by the CFO." in text and text.count("<p>+44 20 7946 0001</p>") == 2
    # …and a row for the next call.
    assert 'name="contact_attempts-2-number"' in text


def test_validation_staff_log_a_new_call_as_themselves(validator, called):
    client = client_for(validator)
    change = f"{QUEUE}/{called.pk}/change/"
    form = FormInputs()
    form.feed(client.get(change).text)

    saved = client.post(
        change,
        {
            **form.data,
            "contact_attempts-2-number": "+442079460002",
            "contact_attempts-2-outcome": CallOutcome.WRONG_NUMBER,
            "contact_attempts-2-notes": "A bakery.",
            "_continue": "Save",
        },
    )

    assert saved.status_code == 302
    latest = ContactAttempt.objects.filter(certificate=called).order_by("-pk").first()
    assert (latest.staff, latest.outcome, latest.notes) == (
        validator,
        CallOutcome.WRONG_NUMBER,
        "A bakery.",
    )
    assert timezone.now() - latest.at < dt.timedelta(minutes=5)
    assert ContactAttempt.objects.filter(certificate=called).count() == 3


def test_earlier_calls_cannot_be_changed(validator, called):
    client = client_for(validator)
    change = f"{QUEUE}/{called.pk}/change/"
    form = FormInputs()
    form.feed(client.get(change).text)
    first = ContactAttempt.objects.filter(certificate=called).order_by("pk").first()

    client.post(
        change,
        {**form.data, "contact_attempts-0-outcome": CallOutcome.REACHED, "_continue": "Save"},
    )

    first.refresh_from_db()
    assert first.outcome == CallOutcome.NO_ANSWER


@pytest.mark.parametrize("user", ["issuer", "revoker"])
def test_other_staff_groups_read_the_calls_and_add_none(request, user, called):
    page = client_for(request.getfixturevalue(user)).get(
        f"/admin/certificates/certificate/{called.pk}/change/"
    )
    assert page.status_code == 200
    assert "2026-12-07 05:18 UTC" in page.text and "Confirmed by the CFO." in page.text
    assert "contact_attempts-2-number" not in page.text
