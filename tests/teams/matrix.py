"""For the authorization matrix (tests/test_authorization.py): the pending invitation the
invitations' URLs name, addressed to nobody the matrix signs in as."""

from teams.models import Invitation

# Answering an invitation: only whoever has the username it names.
INVITATION_ROUTES = {"teams:invitation-accept", "teams:invitation-decline"}
NAMING_ONE = INVITATION_ROUTES | {"teams:invitation-revoke"}


def invitation_world(team, owner) -> Invitation:
    """An invitation the team's Administrator sent to a username nobody has."""
    return Invitation.objects.create(team=team, username="frank", invited_by=owner)


def invitation_values(name: str, world: dict) -> dict:
    """What the URL of this route names: the invitation."""
    return {"pk": world["invitation"].pk} if name in NAMING_ONE else {}
