"""The authorization matrix's part for the REST API (tests/test_authorization.py): how a
script calls it, and the answer each person's token should get."""

from django.test import Client

MEMBERS = ("reader", "member", "administrator")


def call_api(client: Client, method: str, url: str, token: str | None):
    """An API request as a script sends it: its token, and a JSON body (empty) to POST."""
    headers = {"X-Auth-Token": token} if token else {}
    if method == "post":
        return client.post(url, {}, content_type="application/json", headers=headers)
    return getattr(client, method)(url, headers=headers)


def designed_for_api(route, role: str, method: str, status: int) -> bool:
    """The API, each person calling with a token of theirs: none is a 401; another team's
    certificate a 404; what the token's role may not do a 403."""
    if role == "anonymous":
        return status == 401
    methods = {"api:certificates": ("get", "post"), "api:certificate": ("get", "delete")}
    if method not in methods.get(route.name, ("post",)):
        return status == 405
    if "<int:pk>" in route.route and role not in MEMBERS:
        return status == 404
    if role == "reader" and method != "get" and route.name != "api:export":
        return status == 403  # ReadOnly reads and exports; changes nothing
    return status in (200, 201, 400, 409)
