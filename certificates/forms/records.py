"""The operation records' filters (SPEC §9): member, action, certificate and dates, and the
page's cursor. Invalid values are reported on the form; the records are then not filtered
by them."""

import datetime as dt

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates import ids
from certificates.actions import record_choices
from certificates.models.records import CA

# Records exist from the console's first day on; dates far outside say so on the form
# instead of becoming times the database cannot hold.
DATES = [
    MinValueValidator(dt.date(2000, 1, 1), _("Pick a date from 2000 on.")),
    MaxValueValidator(dt.date(9000, 12, 31), _("Pick a date before the year 9001.")),
]


class RecordFilterForm(forms.Form):
    member = forms.ChoiceField(required=False, label=_("Member"))
    action = forms.ChoiceField(
        choices=lambda: [("", _("All actions")), *record_choices()],
        required=False,
        label=_("Action"),
    )
    certificate = ids.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, label=_("Certificate ID")
    )
    since = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput({"type": "date"}), validators=DATES
    )
    until = forms.DateField(
        required=False, label=_("To"), widget=forms.DateInput({"type": "date"}), validators=DATES
    )
    after = forms.CharField(max_length=200, required=False)

    def __init__(self, data, *, members: list[str]) -> None:
        super().__init__(data)
        # The team's members now, and the CA; a former member's records show under "All".
        self.fields["member"].choices = [
            ("", _("All members")),
            *[(name, name) for name in members],
            (CA, _("The CA")),
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("“To” is before “From”: pick a later date."))
        return cleaned

    def filters(self) -> dict:
        """The lookups of the valid fields, for Record.objects.filter(): each valid field
        counts, whatever is wrong with the others (a form's cleaned_data keeps them)."""
        self.is_valid()
        values = self.cleaned_data
        lookups: dict = {}
        if values.get("member"):
            lookups["actor_name"] = values["member"]
        if values.get("action"):
            lookups["action"] = values["action"]
        if values.get("certificate"):
            lookups["certificate_id"] = values["certificate"]
        if values.get("since"):
            lookups["at__gte"] = _start_of(values["since"])
        if values.get("until"):
            lookups["at__lt"] = _start_of(values["until"] + dt.timedelta(days=1))
        return lookups


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of the day, in the console's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
