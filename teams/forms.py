"""The members page's forms."""

from django import forms

from certificates import ids
from teams.roles import Role


class InviteForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="Their login name. They join when they accept the invitation on their own "
        "Invitations page.",
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.READ_ONLY)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class SwitchTeamForm(forms.Form):
    team = ids.IntegerField()


EXPIRY_CHOICES = [("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"), ("", "Never")]


class TokenForm(forms.Form):
    name = forms.CharField(max_length=60, help_text="What will use it, such as “deploy pipeline”.")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.READ_ONLY)
    expires = forms.ChoiceField(choices=EXPIRY_CHOICES, required=False, initial="90")

    def __init__(self, *args, highest: Role, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # No role above one's own (SPEC §10).
        self.fields["role"].choices = [
            (role.value, role.label) for role in Role if Role(highest).allows(role)
        ]
