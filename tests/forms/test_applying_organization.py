"""A new organization entered on the application form (certificates/forms/applying.py
OrganizationForm): saved for the team with its phone number in E.164, read in the
organization's country; the team's duplicate, a racing save and each required field, in
the words the applicant sees."""

import pytest

from certificates.forms import OrganizationForm
from certificates.models import Organization
from tests.factories import OrganizationFactory, team_of
from tests.support.applying import ORGANIZATION

REQUIRED = "This field is required."
PHONE = "Enter the number in international format, such as +44 20 7946 0000."


def organization_form(owner, **changes) -> OrganizationForm:
    data = {**ORGANIZATION, **{f"org-{name}": value for name, value in changes.items()}}
    entered = OrganizationForm(data, prefix="org", team=team_of(owner))
    entered.is_valid()
    return entered


def test_a_new_organization_is_saved_for_the_team_with_its_phone_in_e164(alice):
    entered = organization_form(alice)
    assert entered.is_valid(), entered.errors
    saved = entered.save_new()
    assert saved is not None and saved.team == team_of(alice)
    assert Organization.objects.values_list("legal_name", "phone").get() == (
        "Contoso Ltd",
        "+442079460000",  # typed the British way: read in the organization's country
    )


def test_a_national_number_is_read_in_the_organizations_country(alice):
    entered = organization_form(alice, country="US", phone="(202) 555-0123")
    assert entered.is_valid(), entered.errors
    assert entered.cleaned_data["phone"].as_e164 == "+12025550123"
    assert organization_form(alice, country="ZZ", phone="020 7946 0000").errors["phone"] == [PHONE]


def test_an_organization_the_team_saved_already_is_refused_by_its_name(alice, bob):
    OrganizationFactory(
        owner=alice, legal_name="Contoso", country="GB", registration_number="01234567"
    )
    assert organization_form(alice).errors == {
        "__all__": [
            "Your team already saved this organization as “Contoso”: pick it from the list above."
        ]
    }
    assert organization_form(bob).is_valid()  # another team's is theirs


def test_an_organization_saved_by_a_racing_request_is_refused_not_a_500(alice):
    entered = organization_form(alice)
    assert entered.is_valid()
    OrganizationFactory(
        owner=alice, legal_name="Contoso", country="GB", registration_number="01234567"
    )
    assert entered.save_new() is None
    assert entered.non_field_errors() == [
        "Your team already saved this organization as “Contoso”: pick it from the list above."
    ]
    assert Organization.objects.count() == 1


@pytest.mark.parametrize(
    "field", ["legal_name", "country", "state", "city", "address", "registration_number", "phone"]
)
def test_each_field_of_an_organization_is_required(alice, field):
    international = {"phone": "+44 20 7946 0000"} if field == "country" else {}
    assert organization_form(alice, **international, **{field: ""}).errors == {field: [REQUIRED]}
