"""What to buy (certificates/forms/buying.py): a purchase the form lets through, as the
service gets it, and each thing a buyer can get wrong, in the words they see."""

import pytest

from certificates.choices import Brand, CertificateType, DomainType, KeyAlgorithm
from certificates.forms import PurchaseForm, buying
from certificates.services.purchases import Purchase

SINGLE_DV = {"certificate_type": "dv", "brand": "aurora", "domain_type": "single", "quantity": "1"}


def bought(**changes) -> PurchaseForm:
    form = PurchaseForm({**SINGLE_DV, **changes})
    form.is_valid()
    return form


def test_a_single_domain_dv_is_bought_with_the_default_key():
    form = bought(quantity="3")
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "certificate_type": "dv",
        "brand": "aurora",
        "domain_type": "single",
        "additional_domains": 0,
        "quantity": 3,
    }
    assert form.purchase() == Purchase(
        certificate_type=CertificateType.DV,
        brand=Brand.AURORA,
        domain_type=DomainType.SINGLE,
        key_algorithm=KeyAlgorithm.RSA_2048,  # the application asks which
        additional_domain_slots=0,
        quantity=3,
    )


def test_a_multiple_domain_certificate_keeps_its_count_of_additional_domains():
    form = bought(
        certificate_type="ov", brand="cedar", domain_type="multiple", additional_domains=" 99 "
    )
    assert form.is_valid(), form.errors
    purchase = form.purchase()
    assert (purchase.certificate_type, purchase.brand) == (CertificateType.OV, "cedar")
    assert (purchase.domain_type, purchase.additional_domain_slots) == (DomainType.MULTIPLE, 99)


@pytest.mark.parametrize("domain_type", ["single", "wildcard"])
def test_additional_domains_count_only_for_a_multiple_domain_certificate(domain_type):
    form = bought(domain_type=domain_type, additional_domains="5")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["additional_domains"] == 0
    assert form.purchase().additional_domain_slots == 0


def test_an_ov_wildcard_can_be_bought():
    assert bought(certificate_type="ov_pro", domain_type="wildcard").is_valid()


@pytest.mark.parametrize("product", ["ev", "ev_pro"])
def test_an_ev_wildcard_is_refused_with_the_rule(product):
    form = bought(certificate_type=product, domain_type="wildcard")
    assert form.errors == {
        "domain_type": [
            "EV certificates cannot be wildcard (CA/Browser Forum rules): choose single or "
            "multiple domains."
        ]
    }


@pytest.mark.parametrize(
    ("additional", "message"),
    [
        ("", "Say how many additional domains (1–99) to cover."),
        ("0", "A multiple-domain certificate covers at least 1 additional domain."),
        ("100", "A multiple-domain certificate covers at most 99 additional domains."),
        ("٣", "Enter a whole number."),  # an Arabic-Indic three is no ASCII digit
        ("2.0", "Enter a whole number."),
    ],
)
def test_a_multiple_domain_certificate_needs_a_count_it_can_hold(additional, message):
    form = bought(domain_type="multiple", additional_domains=additional)
    assert form.errors == {"additional_domains": [message]}


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Buy at least 1 certificate."),
        ("101", "At most 100 certificates at a time."),
        ("", "This field is required."),
        ("a few", "Enter a whole number."),
        ("9" * 30, "At most 100 certificates at a time."),  # no number any column holds
    ],
)
def test_the_quantity_is_one_to_a_hundred(quantity, message):
    assert bought(quantity=quantity).errors == {"quantity": [message]}


@pytest.mark.parametrize("field", ["certificate_type", "brand", "domain_type"])
def test_a_choice_not_offered_is_refused(field):
    errors = bought(**{field: "platinum"}).errors
    assert errors == {
        field: ["Select a valid choice. platinum is not one of the available choices."]
    }


def test_each_type_and_brand_is_explained_beside_its_radio():
    fields = {field.name: field for field in PurchaseForm().explained_choices()}
    assert list(fields) == ["certificate_type", "domain_type", "brand"]
    types = {
        choice.data["value"]: sentence for choice, sentence in fields["certificate_type"].explained
    }
    assert types == {kind.value: kind.explained for kind in CertificateType}
    brands = {choice.data["value"]: sentence for choice, sentence in fields["brand"].explained}
    assert brands == {brand.value: brand.explained for brand in Brand}
    assert all(sentence for sentence in [*types.values(), *brands.values()])
    assert [sentence for _, sentence in fields["domain_type"].explained] == ["", "", ""]


def test_a_test_certificate_is_of_a_brand():
    form = buying.TestCertificateForm({"brand": "boreal"})
    assert form.is_valid() and form.cleaned_data == {"brand": "boreal"}
    assert buying.TestCertificateForm({}).errors == {"brand": ["This field is required."]}
    assert "brand" in buying.TestCertificateForm({"brand": "acme"}).errors
