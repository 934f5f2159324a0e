"""What to buy: certificates of a type, brand and domain type, or a free test certificate."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates import ids
from certificates.choices import (
    MAX_ADDITIONAL_DOMAINS,
    Brand,
    CertificateType,
    DomainType,
    KeyAlgorithm,
)
from certificates.services.purchases import Purchase


class PurchaseForm(forms.Form):
    """What to buy. The key algorithm is asked once, on the application (where the CSR is
    made), not here."""

    certificate_type = forms.ChoiceField(
        label=gettext_lazy("Certificate type"),
        choices=CertificateType.choices,
        initial=CertificateType.DV,
        widget=forms.RadioSelect,
    )
    brand = forms.ChoiceField(
        label=gettext_lazy("Brand"),
        choices=Brand.choices,
        initial=Brand.AURORA,
        widget=forms.RadioSelect,
    )
    domain_type = forms.ChoiceField(
        label=gettext_lazy("Domain type"),
        choices=DomainType.choices,
        initial=DomainType.SINGLE,
        widget=forms.RadioSelect,
    )
    additional_domains = ids.IntegerField(
        label=gettext_lazy("Additional domains"),
        required=False,
        min_value=1,
        max_value=MAX_ADDITIONAL_DOMAINS,
        help_text=gettext_lazy(
            "Multiple domains only: how many besides the primary domain (1–99)."
        ),
        error_messages={
            "min_value": gettext_lazy(
                "A multiple-domain certificate covers at least 1 additional domain."
            ),
            "max_value": gettext_lazy(
                "A multiple-domain certificate covers at most 99 additional domains."
            ),
        },
    )
    quantity = ids.IntegerField(
        label=gettext_lazy("Quantity"),
        min_value=1,
        max_value=100,
        initial=1,
        help_text=gettext_lazy("One list row per certificate."),
        error_messages={
            "min_value": gettext_lazy("Buy at least 1 certificate."),
            "max_value": gettext_lazy("At most 100 certificates at a time."),
        },
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        product, domain_type = cleaned.get("certificate_type"), cleaned.get("domain_type")
        if product and CertificateType(product).is_ev and domain_type == DomainType.WILDCARD:
            self.add_error(
                "domain_type",
                _(
                    "EV certificates cannot be wildcard (CA/Browser Forum rules): choose single "
                    "or multiple domains."
                ),
            )
        if domain_type == DomainType.MULTIPLE:
            if not cleaned.get("additional_domains") and "additional_domains" not in self.errors:
                self.add_error(
                    "additional_domains", _("Say how many additional domains (1–99) to cover.")
                )
        else:
            cleaned["additional_domains"] = 0
        return cleaned

    def explained_choices(self) -> list:
        """The radio fields, each choice with its sentence (types and brands explained)."""
        sentences = {"certificate_type": CertificateType, "brand": Brand}
        fields = []
        for name in ("certificate_type", "domain_type", "brand"):
            field = self[name]
            field.explained = [
                (
                    choice,
                    sentences[name](choice.data["value"]).explained if name in sentences else "",
                )
                for choice in field
            ]
            fields.append(field)
        return fields

    def purchase(self) -> Purchase:
        data = self.cleaned_data
        return Purchase(
            certificate_type=CertificateType(data["certificate_type"]),
            brand=data["brand"],
            domain_type=DomainType(data["domain_type"]),
            key_algorithm=KeyAlgorithm.RSA_2048,  # the application asks which
            additional_domain_slots=data["additional_domains"] or 0,
            quantity=data["quantity"],
        )


class TestCertificateForm(forms.Form):
    brand = forms.ChoiceField(
        label=gettext_lazy("Brand"), choices=Brand.choices, initial=Brand.AURORA
    )
