"""What a token may do: the team's role rules (certificates.permissions), asked of the role
the token acts with. Its team's certificates only; a certificate of another team is a 404."""

from typing import Any

from django.db.models import CharField, Value
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions
from rest_framework.request import Request

from certificates.choices import Status
from certificates.models import Certificate
from certificates.permissions import VIEW, may, refusal


class IsTeamMember(permissions.BasePermission):
    """Every endpoint needs a token (its role then decides, endpoint by endpoint)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.auth is None:
            raise exceptions.NotAuthenticated(
                _("Send an API token in the X-Auth-Token header (or Authorization: Bearer).")
            )
        return True


def require(request: Request, operation: str) -> None:
    """403, naming the role it takes, unless the token's role allows the operation."""
    token = request.auth
    if not may(token.acting_role, operation):
        raise exceptions.PermissionDenied(refusal(token.acting_role, operation, token.team.name))


def team_certificates(request: Request):
    """The token's team's certificates (deleted ones are gone), with the token's role as
    `viewer_role` for the steps it may take."""
    token = request.auth
    # The token's creator was found a member of its team moments ago (authentication), so
    # the console's membership check inside the query (of_team) is not repeated here.
    return (
        Certificate.objects.filter(team_id=token.team_id)
        .exclude(status=Status.DELETED)
        .annotate(viewer_role=Value(str(token.acting_role), output_field=CharField()))
    )


def certificate(request: Request, pk: int, operation: str = VIEW) -> Certificate:
    """One of the token's team's certificates, or 404; 403 when the role does not allow
    the operation."""
    found = team_certificates(request).select_related("team", "organization").filter(pk=pk)
    found = found.first()
    if found is None:
        raise Http404(
            _("There is no certificate %(id)s in %(team)s.")
            % {"id": pk, "team": request.auth.team.name}
        )
    require(request, operation)
    return found
