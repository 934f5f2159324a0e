"""Forms of single steps (certificates/forms/steps.py): the reason staff and owners give,
the revocation's confirmation and reason code, and renaming a certificate."""

import pytest

from certificates.choices import RevocationReason
from certificates.forms import ActionForm, ConfirmRevocationForm, ReasonForm, RenameForm
from certificates.models import Certificate
from tests.factories import CertificateFactory

# ReasonForm (the admin's reject, deny and overrides)


def test_staff_give_a_reason_of_up_to_2000_characters():
    form = ReasonForm({"reason": "  No registry record.  "})
    assert form.is_valid() and form.cleaned_data == {"reason": "No registry record."}
    assert ReasonForm({"reason": "x" * 2000}).is_valid()
    assert ReasonForm({"reason": "x" * 2001}).errors == {
        "reason": ["Ensure this value has at most 2000 characters (it has 2001)."]
    }
    assert ReasonForm({"reason": "   "}).errors == {"reason": ["This field is required."]}


# ConfirmRevocationForm


def test_revoking_needs_the_box_ticked():
    ticked = ConfirmRevocationForm({"confirm": "on"})
    assert ticked.is_valid() and ticked.cleaned_data == {"confirm": True}
    assert ConfirmRevocationForm({}).errors == {
        "confirm": ["Tick the box to confirm the revocation."]
    }


# ActionForm (the owner's confirmation pages)


def test_a_step_without_a_reason_asks_for_nothing():
    form = ActionForm({"reason": "ignored", "code": "key_compromise"}, reason_required=False)
    assert list(form.fields) == []
    assert form.is_valid() and form.cleaned_data == {}


def test_a_step_with_a_reason_needs_one_in_a_few_words():
    form = ActionForm({"reason": " Moved to another CA. "}, reason_required=True)
    assert list(form.fields) == ["reason"]
    assert form.is_valid() and form.cleaned_data == {"reason": "Moved to another CA."}
    assert ActionForm({}, reason_required=True).errors == {
        "reason": ["Please say why, in a few words."]
    }
    assert "reason" in ActionForm({"reason": "x" * 2001}, reason_required=True).errors


def test_a_revocation_takes_an_rfc_5280_reason_code():
    form = ActionForm(
        {"reason": "Laptop stolen.", "code": "key_compromise"},
        reason_required=True,
        reason_codes=True,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"code": "key_compromise", "reason": "Laptop stolen."}
    assert dict(form.fields["code"].choices) == dict(RevocationReason.choices)


def test_no_reason_code_is_unspecified():
    form = ActionForm({"reason": "Not needed."}, reason_required=True, reason_codes=True)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["code"] == RevocationReason.UNSPECIFIED


def test_a_reason_code_the_ca_does_not_offer_is_refused():
    form = ActionForm(
        {"reason": "x", "code": "certificate_hold"}, reason_required=True, reason_codes=True
    )
    assert form.errors == {
        "code": ["Select a valid choice. certificate_hold is not one of the available choices."]
    }


# RenameForm


@pytest.fixture
def certificate(alice) -> Certificate:
    return CertificateFactory(owner=alice, name="shop")


def test_a_new_name_is_saved_without_its_spaces(certificate):
    form = RenameForm({"name": "  Shop (production)  "}, instance=certificate)
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"name": "Shop (production)"}
    form.save()
    assert Certificate.objects.get(pk=certificate.pk).name == "Shop (production)"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "This field is required."),
        ("x" * 65, "Ensure this value has at most 64 characters (it has 65)."),
        ("shop\u200b", "Use letters, digits, spaces and punctuation only."),  # zero-width space
        ("shop\u202eevil", "Use letters, digits, spaces and punctuation only."),  # bidi override
        ("shop\tlive", "Use letters, digits, spaces and punctuation only."),
    ],
)
def test_a_name_that_cannot_be_shown_is_refused_and_nothing_saved(certificate, name, message):
    form = RenameForm({"name": name}, instance=certificate)
    assert form.errors == {"name": [message]}
    assert Certificate.objects.get(pk=certificate.pk).name == "shop"


def test_a_name_in_any_script_is_fine(certificate):
    form = RenameForm({"name": "Магазин 商店"}, instance=certificate)
    assert form.is_valid(), form.errors
