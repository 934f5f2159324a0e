"""The members page's forms."""

from django import forms

from teams.roles import Role


class AddMemberForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="The user's login name.")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.READ_ONLY)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class SwitchTeamForm(forms.Form):
    team = forms.IntegerField()
