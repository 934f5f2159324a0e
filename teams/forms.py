"""The members page's forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from certificates import ids
from teams.roles import Role


class InviteForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_(
            "Their login name. They join when they accept the invitation on their own "
            "Invitations page."
        ),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.READ_ONLY)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class SwitchTeamForm(forms.Form):
    team = ids.IntegerField()


EXPIRY_CHOICES = [
    ("30", _("In 30 days")),
    ("90", _("In 90 days")),
    ("365", _("In a year")),
    ("", _("Never")),
]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=60,
        help_text=_("What will use it, such as “deploy pipeline”."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.READ_ONLY)
    expires = forms.ChoiceField(
        label=_("Expires"), choices=EXPIRY_CHOICES, required=False, initial="90"
    )

    def __init__(self, *args, highest: Role, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # No role above one's own (SPEC §10).
        self.fields["role"].choices = [
            (role.value, role.label) for role in Role if Role(highest).allows(role)
        ]
