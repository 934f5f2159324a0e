"""Forms of single steps: the reason or confirmation a step asks for, and renaming."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.choices import RevocationReason
from certificates.models import Certificate


class ReasonForm(forms.Form):
    """Asks staff why; the reason is logged and shown to the applicant."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=gettext_lazy("Shown to the applicant in the certificate's timeline."),
    )


class ConfirmRevocationForm(forms.Form):
    """Revoking cannot be undone: staff confirm they mean this certificate."""

    confirm = forms.BooleanField(
        label=gettext_lazy("Revoke this certificate"),
        help_text=gettext_lazy(
            "It is listed on the CRL and OCSP answers “revoked” from now on; this cannot be undone."
        ),
        error_messages={"required": gettext_lazy("Tick the box to confirm the revocation.")},
    )


class RenameForm(forms.ModelForm):
    class Meta:
        model = Certificate
        fields = ["name"]
        labels = {"name": gettext_lazy("Name")}
        help_texts = {
            "name": gettext_lazy(
                "Up to 64 characters, for your team to tell its certificates apart; it is "
                "not written into the certificate."
            )
        }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name.isprintable():
            raise forms.ValidationError(_("Use letters, digits, spaces and punctuation only."))
        return name


class ActionForm(forms.Form):
    """Confirms an owner's action; some need a reason, revocation an RFC 5280 reason code."""

    code = forms.ChoiceField(
        label=gettext_lazy("Reason code"),
        choices=RevocationReason.choices,
        initial=RevocationReason.UNSPECIFIED,
        required=False,
        help_text=gettext_lazy("Published in the CRL and OCSP answers."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": gettext_lazy("Please say why, in a few words.")},
    )

    def __init__(self, *args, reason_required: bool, reason_codes: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not reason_required:
            del self.fields["reason"]  # nothing to ask, nothing to refuse
        if not reason_codes:
            del self.fields["code"]

    def clean_code(self) -> str:
        return self.cleaned_data["code"] or RevocationReason.UNSPECIFIED
