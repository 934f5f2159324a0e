"""Every URL pattern, discovered from the URLconf (a new view is covered the day it is
added), requested with GET and POST as seven people: anonymous, a stranger to the team
(another applicant, in a team of their own), the team's ReadOnly, FullAccess and
Administrator members, staff without any permission and a superuser. Each gets the designed
answer (404 for a certificate of another team, 403 for what the role may not do), none gets
a server error, nothing private of the team's shows up where it must not, and nothing anyone
outside the team sends changes the team's certificate, domains, members or records. (This is
the one "a stranger gets 404" test: view tests keep only the pattern's example,
tests/views/test_details.py.)"""

import io
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from certificates.models import Certificate, Domain, Record
from teams.models import Membership
from tests.acme import matrix as acme
from tests.api.matrix import MEMBERS, call_api, designed_for_api
from tests.support.urlconf import Route, routes
from tests.support.world import MEMBER_ROUTES, url_for
from tests.teams import matrix as invited

ROLES = ("anonymous", "stranger", "reader", "member", "administrator", "staff", "superuser")
METHODS = ("get", "post", "delete")


# A certificate's pages every member may see (ReadOnly: without the private key).
READ_ROUTES = {"certificates:detail", "certificates:download"}
# The members page and what it posts: an Administrator's (of the team one works in).
ADMIN_ROUTES = {"teams:members", *MEMBER_ROUTES}  # MEMBER_ROUTES name a member or invitation
# The API tokens page: every member's (their own tokens; an Administrator sees all).
TOKEN_ROUTES = {"teams:tokens", "teams:token-revoke"}
# Account pages that need a login (the rest of accounts/ is the login and reset flow).
ACCOUNT_PRIVATE = {"password_change", "password_change_done"}


def designed(route: Route, role: str, method: str, status: int, location: str) -> bool:
    """The answer each kind of person should get; False names a hole (or a new view whose
    answer this table does not know yet: add it here)."""
    if status >= 500:
        return False
    to_login = status == 302 and location.startswith("/accounts/login/")
    to_admin_login = status == 302 and location.startswith("/admin/login/")
    if route.area == "public":
        return not to_login and status != 403
    if route.area == "accounts":
        if route.name in ACCOUNT_PRIVATE and role == "anonymous":
            return to_login
        return status in (200, 302, 400, 405)
    if route.area == "admin":
        if route.name in ("admin:login", "admin:logout"):
            return status in (200, 302, 405)
        if role in ("anonymous", "stranger", *MEMBERS):
            return to_admin_login  # not staff: the admin's login, whatever the page
        if role == "staff":
            # Staff with no permission see the (empty) index and their own password page,
            # and the CA certificates, which are public anyway (read-only, keys never
            # shown); every other model page refuses them.
            if route.name in (
                "admin:index",
                "admin:password_change",
                "admin:password_change_done",
                "admin:jsi18n",
            ) or route.route.startswith("admin/certificates/certificateauthority/"):
                return status in (200, 302, 403, 405)
            if route.name == route.route and route.route.endswith("<path:object_id>/"):
                return status == 302  # the old-style URL redirects to the change page
            if status == 302:  # Django's "no such object" redirect, before the permission check
                return location == "/admin/"
            return status in (403, 404, 405)
        return status in (200, 302, 400, 403, 404, 405)  # superuser: anything but an error
    if route.area == "api":
        return designed_for_api(route, role, method, status)
    if route.area == "acme":
        return acme.designed_for_acme(route.name, method, status)
    # The console: the team's certificate, reached by its id; the team's pages.
    if role == "anonymous":
        return to_login or status == 405  # a wrong method is refused before the login
    allowed = {200, 302, 405} if method == "get" else {200, 302, 400, 405, 409}
    if route.name.startswith("certificates:") and "<int:pk>" in route.route:
        if role not in MEMBERS:
            # A stranger, or staff (applicants in a team of their own in the console).
            return status in (404, 405)
        if role == "reader" and route.name not in READ_ROUTES:
            return status in (403, 405)  # ReadOnly changes nothing
        if route.name == "certificates:domain-method":
            allowed.add(404)  # the domain is verified: no method to choose any more
        return status in allowed
    if route.name in ADMIN_ROUTES:
        if role in ("reader", "member"):
            return status in (403, 405)
        if route.name in MEMBER_ROUTES and role != "administrator":
            return status in (404, 405)  # an Administrator of another team: not theirs
        return status in allowed | {404}  # removed already (an earlier request): 404
    if route.name == "certificates:buy" and role == "reader":
        return status in (403, 405)
    if route.name == "teams:switch" or route.name in invited.INVITATION_ROUTES:
        return status in (404, 405)  # no team named, an invitation to another: none of theirs
    if route.name == "teams:token-revoke":
        if role in ("reader", "administrator"):  # its creator, and an Administrator
            return status in (302, 405)
        return status in (404, 405)  # anyone else's token: not theirs to see
    if route.name in acme.ACME_PAGES:
        return acme.designed_for_acme_page(route.name, role, status, allowed)
    return status in allowed


def team_state(world: dict) -> tuple:
    """What a request from outside the team must leave as it was: the certificate, its
    domains, the team's members and its operation records."""
    certificate = world["certificate"]
    return (
        Certificate.objects.filter(pk=certificate.pk).values().get(),
        list(Domain.objects.filter(certificate=certificate).order_by("pk").values()),
        list(Membership.objects.filter(team_id=certificate.team_id).order_by("pk").values()),
        Record.objects.filter(team_id=certificate.team_id).count(),
    )


OUTSIDERS = ("anonymous", "stranger")  # outside the team: they change nothing of it


def readable(response) -> str:
    """What a response shows, a zip's files included (a bundle is compressed: its key would
    not show in the raw bytes)."""
    if response.get("Content-Type", "").startswith("application/zip"):
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return response.content.decode("utf-8", "replace")


@pytest.mark.django_db(transaction=False)
def test_every_url_gives_each_person_the_designed_answer_and_leaks_nothing(world):
    all_routes = routes()
    assert len(all_routes) > 60, "the URLconf walk found too few patterns"
    clients = {}
    for role, user in world["users"].items():
        clients[role] = Client(raise_request_exception=False)
        if user:
            clients[role].force_login(user)
    holes, leaks, changes = [], [], []
    for route in all_routes:
        url = url_for(route, world)
        for method in METHODS:
            for role in ROLES:
                if route.name in ("logout", "admin:logout") and method == "post":
                    client = Client(raise_request_exception=False)  # keep the session
                    if world["users"][role]:
                        client.force_login(world["users"][role])
                else:
                    client = clients[role]
                before = team_state(world) if role in OUTSIDERS else None
                if route.area == "api":
                    response = call_api(client, method, url, world["tokens"].get(role))
                elif method == "delete":
                    continue  # the console's forms POST
                else:
                    response = getattr(client, method)(url)
                if before is not None and team_state(world) != before:
                    changes.append(f"{method.upper()} {url} as {role} changed the team's data")
                location = response.headers.get("Location", "")
                if not designed(route, role, method, response.status_code, location):
                    holes.append(f"{method.upper()} {url} as {role}: {response.status_code}")
                body = readable(response)
                shown = dict(world["secrets"])
                if route.name in ("certificates:download", "api:export") and role in (
                    "member",
                    "administrator",
                ):
                    shown.pop("private key")  # FullAccess and up download the key they made
                if role not in (*MEMBERS, "superuser"):
                    shown |= world["personal"]
                for what, markers in shown.items():
                    for marker in markers:
                        marker = marker.decode() if isinstance(marker, bytes) else marker
                        if marker in body:
                            leaks.append(f"{method.upper()} {url} as {role} shows the {what}")
    assert not holes, "\n".join(holes)
    assert not leaks, "\n".join(leaks)
    assert not changes, "\n".join(changes)


def test_the_matrix_notices_a_hole(world):
    """The rules are not vacuous: a view that served another team's certificate, let a
    ReadOnly member act, or an admin page that let staff without permission in, would be
    reported."""
    detail = Route("certificates:detail", "certificates/<int:pk>/")
    changelist = Route(
        "admin:certificates_certificate_changelist", "admin/certificates/certificate/"
    )
    revoke = Route("certificates:revoke", "certificates/<int:pk>/revoke/")
    members = Route("teams:members", "teams/members/")
    assert not designed(detail, "stranger", "get", 200, "")
    assert not designed(detail, "anonymous", "get", 200, "")
    assert not designed(changelist, "staff", "get", 200, "")
    assert not designed(changelist, "administrator", "get", 200, "")
    assert not designed(detail, "administrator", "get", 500, "")
    assert not designed(revoke, "reader", "post", 302, "")
    assert not designed(members, "member", "get", 200, "")
    assert designed(detail, "reader", "get", 200, "")
    assert designed(revoke, "reader", "post", 403, "")
    api_one = Route("api:certificate", "v3/scm/certificates/<int:pk>")
    api_revoke = Route("api:revoke", "v3/scm/certificates/<int:pk>/revoke")
    assert not designed(api_one, "stranger", "get", 200, "")
    assert not designed(api_one, "anonymous", "get", 200, "")
    assert not designed(api_revoke, "reader", "post", 200, "")
    assert not designed(api_one, "member", "delete", 500, "")
    assert designed(api_revoke, "reader", "post", 403, "")
    assert designed(detail, "administrator", "get", 200, "")


def test_the_matrix_notices_a_change(world):
    """The outsiders' check is not vacuous: a request that renamed the team's certificate, or
    wrote a record of the team, would be reported."""
    before = team_state(world)
    Certificate.objects.filter(pk=world["certificate"].pk).update(name="changed-by-a-stranger")
    assert team_state(world) != before
    before = team_state(world)
    Record.note(world["certificate"], "download", actor=None, detail="not theirs")
    assert team_state(world) != before


def test_staff_see_contacts_only_with_the_permission_to_view_certificates(world):
    """The admin shows the applicant's contacts to staff who may view certificates, and
    never the private key, even to them."""
    clerk = world["users"]["staff"]
    clerk.user_permissions.add(Permission.objects.get(codename="view_certificate"))
    client = Client()
    client.force_login(clerk)
    page = client.get(f"/admin/certificates/certificate/{world['certificate'].pk}/change/")
    assert page.status_code == 200
    assert "quentin.quietfox@example.com" in page.text
    for marker in world["secrets"]["private key"]:
        marker = marker.decode() if isinstance(marker, bytes) else marker
        assert marker not in page.text


def test_the_matrix_reads_inside_a_bundle(world):
    """A FullAccess member's Nginx bundle holds the key, and the matrix sees it there: a
    ReadOnly bundle that carried it would be reported."""
    client = Client()
    client.force_login(world["users"]["member"])
    bundle = client.get(f"/certificates/{world['certificate'].pk}/download/nginx/")
    assert bundle["Content-Type"].startswith("application/zip")
    assert world["secrets"]["private key"][0] in readable(bundle)
