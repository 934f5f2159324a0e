"""The operation records' filters (certificates/forms/records.py): the lookups each valid
field gives, whatever is wrong with the others, and the message for each mistake."""

import datetime as dt
import zoneinfo

import pytest

from certificates.forms.records import RecordFilterForm
from certificates.models.records import CA

MEMBERS = ["alice", "carol"]


def form(**data) -> RecordFilterForm:
    return RecordFilterForm(data, members=MEMBERS)


def test_no_filter_is_every_record():
    blank = form()
    assert blank.is_valid()
    assert blank.filters() == {}


def test_each_filter_is_its_lookup(settings):
    settings.TIME_ZONE = "UTC"
    filled = form(
        member="carol", action="submit", certificate="42", since="2024-03-01", until="2024-03-31"
    )
    assert filled.is_valid(), filled.errors
    assert filled.cleaned_data["since"] == dt.date(2024, 3, 1)
    assert filled.filters() == {
        "actor_name": "carol",
        "action": "submit",
        "certificate_id": 42,
        "at__gte": dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
        "at__lt": dt.datetime(2024, 4, 1, tzinfo=dt.UTC),  # "To" includes its whole day
    }


def test_days_start_at_midnight_in_the_consoles_time_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    lookups = form(since="2024-07-01", until="2024-07-01").filters()
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    assert lookups["at__gte"] == dt.datetime(2024, 7, 1, tzinfo=berlin)
    assert lookups["at__lt"] == dt.datetime(2024, 7, 2, tzinfo=berlin)
    assert lookups["at__gte"] == dt.datetime(2024, 6, 30, 22, tzinfo=dt.UTC)


def test_the_members_are_the_teams_and_the_ca():
    choices = form().fields["member"].choices
    assert choices == [("", "All members"), ("alice", "alice"), ("carol", "carol"), (CA, "The CA")]
    assert form(member=CA).filters() == {"actor_name": CA}


def test_a_former_member_is_not_offered_and_filters_nothing():
    left = form(member="dave", action="submit")
    assert left.errors == {
        "member": ["Select a valid choice. dave is not one of the available choices."]
    }
    assert left.filters() == {"action": "submit"}  # the valid field still counts


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"action": "hack"},
            "action",
            "Select a valid choice. hack is not one of the available choices.",
        ),
        ({"certificate": "0"}, "certificate", "Ensure this value is greater than or equal to 1."),
        ({"certificate": "٤٢"}, "certificate", "Enter a whole number."),  # Arabic-Indic 42
        (
            {"certificate": "9" * 40},
            "certificate",
            "Ensure this value is less than or equal to 9223372036854775807.",
        ),
        ({"since": "yesterday"}, "since", "Enter a valid date."),
        ({"since": "1999-12-31"}, "since", "Pick a date from 2000 on."),
        ({"until": "9001-01-01"}, "until", "Pick a date before the year 9001."),
        (
            {"since": "2024-03-02", "until": "2024-03-01"},
            "until",
            "“To” is before “From”: pick a later date.",
        ),
    ],
)
def test_each_mistake_is_said_on_its_field_and_filters_nothing(data, field, message):
    mistaken = form(member="alice", **data)
    assert mistaken.errors == {field: [message]}
    lookups = mistaken.filters()
    assert lookups.pop("actor_name") == "alice"
    if field == "until" and "since" in data:  # the date that was right still counts
        assert list(lookups) == ["at__gte"]
    else:
        assert lookups == {}
