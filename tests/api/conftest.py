import pytest
from django.test import Client

from teams.roles import Role
from teams.tokens import create_token
from tests.factories import MembershipFactory, UserFactory, team_of


class Api:
    """A client that sends an API token (X-Auth-Token) and JSON bodies."""

    def __init__(self, raw: str) -> None:
        self.client = Client(raise_request_exception=False)
        self.headers = {"X-Auth-Token": raw}

    def get(self, path: str, params: dict | None = None, **headers):
        return self.client.get(path, params or {}, headers={**self.headers, **headers})

    def post(self, path: str, body: dict | None = None, **headers):
        return self.client.post(
            path, body or {}, content_type="application/json", headers={**self.headers, **headers}
        )

    def delete(self, path: str, **headers):
        return self.client.delete(path, headers={**self.headers, **headers})


def token_for(user, role: Role, team=None, name: str = "pipeline") -> tuple:
    token, raw = create_token(team or team_of(user), name, role, by=user)
    return token, Api(raw)


@pytest.fixture
def api(alice):
    """alice's (an Administrator's) FullAccess token for her team."""
    return token_for(alice, Role.FULL_ACCESS)[1]


@pytest.fixture
def reader_api(alice):
    carol = UserFactory(username="carol")
    MembershipFactory(team=team_of(alice), user=carol, role=Role.READ_ONLY)
    return token_for(carol, Role.READ_ONLY)[1]
