"""The world the URL-by-person tests walk (tests/test_authorization.py, tests/test_security.py):
a team with a member of every role, a stranger, staff and a superuser, the team's issued OV
certificate with everything that must not leak marked, API tokens, ACME keys and an
invitation; and each URL pattern filled in with its rows (url_for)."""

import base64
import re

import pytest
from django.contrib.contenttypes.models import ContentType

from certificates.ca import csr as x509_tools
from certificates.ca import keystore
from certificates.choices import CertificateType, CsrSource, Status
from certificates.models import Certificate, CertificateAuthority, StateChange
from teams.roles import Role
from teams.tokens import create_token
from tests.acme import matrix as acme
from tests.factories import (
    CertificateFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    team_of,
)
from tests.support.urlconf import Route
from tests.teams import matrix as invited

# The members page's URLs that name a member or an invitation.
MEMBER_ROUTES = {"teams:member-role", "teams:member-remove", "teams:invitation-revoke"}


@pytest.fixture
def world(db):
    """A team's issued OV certificate, with a system-made key, contacts and an
    organization; everything that must not leak is marked."""
    owner = UserFactory(username="alice")
    applicant = UserFactory(username="bob")
    team = team_of(owner)
    reader, member = UserFactory(username="carol"), UserFactory(username="dave")
    MembershipFactory(team=team, user=reader, role=Role.READ_ONLY)
    MembershipFactory(team=team, user=member, role=Role.FULL_ACCESS)
    # The member the members page's URLs name (an Administrator may remove them).
    target = MembershipFactory(team=team, user=UserFactory(username="erin"), role=Role.READ_ONLY)
    staff = UserFactory(username="clerk", is_staff=True)  # staff, no permission at all
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    key = x509_tools.generate_private_key("ec_p256")
    key_pem = x509_tools.private_key_pem(key)
    organization = OrganizationFactory(
        owner=owner, legal_name="Zanzibar Quietfox Holdings Ltd", phone="+442079461234"
    )
    certificate = CertificateFactory(
        owner=owner,
        certificate_type=CertificateType.OV,
        organization=organization,
        status=Status.TO_BE_ISSUED,
        primary_domain="quietfox.example",
        csr_source=CsrSource.SYSTEM,
        csr_pem=x509_tools.csr_pem(x509_tools.build_csr(key, ["quietfox.example"])),
        private_key=keystore.encrypt(key_pem),
        applicant_name="Quentin Quietfox",
        applicant_email="quentin.quietfox@example.com",
        applicant_phone="+442079469876",
        technical_name="Tabitha Quietfox",
        technical_email="tabitha.quietfox@example.com",
        technical_phone="+442079465432",
    )
    certificate.run_transition("issue", by=superuser)
    certificate.refresh_from_db()
    key_body = "".join(key_pem.decode().splitlines()[1:-1])
    csr_body = "".join(certificate.csr_pem.splitlines()[1:-1])
    secrets = {
        # Never shown to anyone but in a FullAccess member's or an Administrator's download.
        "private key": [key_body[10:60], base64.b64encode(bytes(certificate.private_key))[:40]],
    }
    personal = {
        "CSR": [csr_body[20:70]],
        "contact": ["quentin.quietfox", "tabitha.quietfox", "2079469876", "2079465432"],
        "organization": ["Zanzibar Quietfox", "2079461234"],
    }
    tokens = {
        "stranger": create_token(team_of(applicant), "bob's", Role.ADMINISTRATOR, by=applicant),
        "reader": create_token(team, "carol's", Role.READ_ONLY, by=reader),
        "member": create_token(team, "dave's", Role.FULL_ACCESS, by=member),
        "administrator": create_token(team, "alice's", Role.ADMINISTRATOR, by=owner),
        "staff": create_token(team_of(staff), "clerk's", Role.ADMINISTRATOR, by=staff),
        "superuser": create_token(team_of(superuser), "root's", Role.ADMINISTRATOR, by=superuser),
    }
    # The one the revoke URL names: another of carol's (hers to revoke, and an Administrator's).
    revoked, _ = create_token(team, "carol's old", Role.READ_ONLY, by=reader)
    acme_key, acme_account, secrets["ACME HMAC key"] = acme.acme_world(team, member, owner)
    return {
        "invitation": invited.invitation_world(team, owner),
        "acme_key": acme_key,
        "acme_account": acme_account,
        "tokens": {role: raw for role, (_, raw) in tokens.items()},
        "revoked_token": revoked,
        "users": {
            "anonymous": None,
            "stranger": applicant,
            "reader": reader,
            "member": member,
            "administrator": owner,
            "staff": staff,
            "superuser": superuser,
        },
        "membership": target,
        "certificate": certificate,
        "domain": certificate.domains.get(),
        "secrets": secrets,
        "personal": personal,
    }


def url_for(route: Route, world: dict) -> str:
    certificate = world["certificate"]
    models = {
        "certificate": certificate.pk,
        "organizationreview": certificate.pk,
        "statechange": StateChange.objects.filter(certificate=certificate).first().pk,
        "certificateauthority": CertificateAuthority.objects.first().pk,
        "user": world["users"]["administrator"].pk,
        "group": 1,
        "dbtaskresult": "00000000-0000-0000-0000-000000000000",
        "accessattempt": 1,
        "accesslog": 1,
        "accessfailurelog": 1,
    }
    model = re.search(r"admin/\w+/(\w+)/", route.route)
    values = {
        "pk": certificate.pk,
        "domain_pk": world["domain"].pk,
        "server": "nginx",
        "token": "not-a-real-token",
        "brand": "aurora",
        "encoded": "MEMwQTA_not_ocsp",
        "uidb64": "MQ",
        "object_id": models.get(model.group(1)) if model else certificate.pk,
        "id": world["users"]["administrator"].pk,
        "transition_name": "revoke",
        "content_type_id": ContentType.objects.get_for_model(Certificate).pk,
    }
    path = route.route
    path = re.sub(r"\^\(\?P<app_label>[^)]*\)/\$", "certificates/", path)
    path = path.replace("(?P<url>.*)$", "no-such-page/")
    if route.name in MEMBER_ROUTES:
        values["pk"] = world["membership"].pk
    if route.name == "teams:token-revoke":
        values["pk"] = world["revoked_token"].pk
    values |= acme.acme_values(route.name, world) | invited.invitation_values(route.name, world)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)
    return "/" + path.lstrip("^").rstrip("$")
