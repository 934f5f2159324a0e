"""Who calls: an API token in `X-Auth-Token` (SCM's header) or `Authorization: Bearer`.
request.user is the token's creator, request.auth the token and the role it acts with now
(teams/tokens.py: the lower of the token's and its creator's, none once they left)."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from teams import tokens


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        raw = request.META.get("HTTP_X_AUTH_TOKEN", "")
        if not raw:
            scheme, _space, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
            if scheme.lower() != "bearer":
                return None
            raw = value
        found = tokens.authenticate(raw.strip())
        if found is None:
            raise exceptions.AuthenticationFailed(
                _(
                    "This token is unknown, expired or revoked, or its creator has left the "
                    "team: make a new one on the console's API tokens page."
                )
            )
        token, role = found
        token.acting_role = role
        return token.created_by, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="SCM Console"'  # so that a missing token is a 401, not a 403


class TokenScheme(OpenApiAuthenticationExtension):
    """Both ways of sending a token, in the OpenAPI document; either will do."""

    target_class = TokenAuthentication
    name = ["token", "bearer"]

    def get_security_requirement(self, auto_schema: Any) -> list[dict]:
        return [{"token": []}, {"bearer": []}]  # a list of requirements: any one of them

    def get_security_definition(self, auto_schema: Any) -> list[dict]:
        return [
            {"type": "apiKey", "in": "header", "name": "X-Auth-Token"},
            {"type": "http", "scheme": "bearer", "description": "The same token as X-Auth-Token."},
        ]
