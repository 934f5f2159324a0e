from django import forms

from certificates.choices import Status
from certificates.models import Certificate

TABS = {"all": "All", "ssl": "SSL certificates", "test": "Test certificates"}
LISTED_STATUSES = [(s.value, s.label) for s in Status if s != Status.DELETED]


class ReasonForm(forms.Form):
    """Asks staff why; the reason is logged and shown to the applicant."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Shown to the applicant in the certificate's timeline.",
    )


class RenameForm(forms.ModelForm):
    class Meta:
        model = Certificate
        fields = ["name"]
        help_texts = {"name": "Up to 64 characters; only you see it."}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name.isprintable():
            raise forms.ValidationError("Use letters, digits, spaces and punctuation only.")
        return name


class ActionForm(forms.Form):
    """Confirms an owner's action; some actions need a reason."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Please say why, in a few words."},
    )

    def __init__(self, *args, reason_required: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        if not reason_required:
            self.fields["reason"].widget = forms.HiddenInput()


class ListFilterForm(forms.Form):
    """The list's query string. Unknown or malformed values fall back to the defaults."""

    tab = forms.ChoiceField(choices=TABS.items(), required=False)
    status = forms.ChoiceField(choices=[("", "All statuses"), *LISTED_STATUSES], required=False)
    q = forms.CharField(max_length=253, required=False, strip=True)
    sort = forms.ChoiceField(
        choices=[("updated", "Last updated"), ("expiry", "Expiry"), ("status", "Status")],
        required=False,
    )
    page = forms.IntegerField(min_value=1, max_value=1_000_000, required=False)

    DEFAULTS = {"tab": "all", "status": "", "q": "", "sort": "updated", "page": 1}

    def values(self) -> dict:
        """Cleaned values, with the default in place of anything invalid or missing."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned.get(name) or default for name, default in self.DEFAULTS.items()}

    def filter(self, queryset):
        values = self.values()
        if values["tab"] == "ssl":
            queryset = queryset.filter(is_test=False)
        elif values["tab"] == "test":
            queryset = queryset.filter(is_test=True)
        if values["status"]:
            queryset = queryset.filter(status=values["status"])
        return queryset.search(values["q"]).sorted_by(values["sort"])
