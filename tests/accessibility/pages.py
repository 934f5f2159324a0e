"""Every page of the console and the admin's main pages, with the rows that put the details
page in each state, for the accessibility tests to open."""

from certificates.choices import Status
from teams.invitations import invite
from teams.roles import Role
from tests.acme.matrix import acme_world
from tests.ca.helpers import issued
from tests.factories import (
    CertificateFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    team_of,
)

STATES = {
    "pending application": {"ov": True, "primary_domain": "", "organization": None},
    "pending domain verification": {"domain": True},
    "pending organization verification": {"ov": True, "org": True},
    "to be issued": {"ready": True},
    "withdrawing": {"withdrawing": True},
    "application failed": {"failed": True},
    "revoking": {"revoking": True},
    "revoked": {"revoked": True},
    "expired": {"expired": True},
}


def console_pages(base: str, alice) -> dict[str, str]:
    """Every console page alice (an Administrator) can open, by name."""
    team = team_of(alice)
    OrganizationFactory(owner=alice)
    carol = UserFactory(username="carol")
    MembershipFactory(team=team, user=carol, role=Role.READ_ONLY)
    invite(team, "nobody-yet", Role.FULL_ACCESS, by=alice)
    acme_world(team, alice, alice)  # a key and an account for the ACME page to list
    done = issued(alice)
    rows = {state: CertificateFactory(owner=alice, **traits) for state, traits in STATES.items()}
    draft, verifying = rows["pending application"], rows["pending domain verification"]
    failed = rows["application failed"]
    carol_membership = team.memberships.get(user=carol)
    pages = {
        "list": "/certificates/",
        "list, test tab": "/certificates/?tab=test",
        "list, nothing found": "/certificates/?q=no-such-name",
        "list, in progress": f"/certificates/?status={Status.PENDING_DOMAIN_VERIFICATION}",
        "details, issued": f"/certificates/{done.pk}/",
        **{f"details, {state}": f"/certificates/{row.pk}/" for state, row in rows.items()},
        "buy": "/certificates/buy/",
        "buy, test": "/certificates/buy/?tab=test",
        "apply": f"/certificates/{draft.pk}/apply/",
        "apply again": f"/certificates/{failed.pk}/edit/",
        "renew": f"/certificates/{done.pk}/renew/",
        "rename": f"/certificates/{done.pk}/rename/",
        "revoke": f"/certificates/{done.pk}/revoke/",
        "withdraw": f"/certificates/{verifying.pk}/withdraw/",
        "delete": f"/certificates/{failed.pk}/delete/",
        "overview": "/overview/",
        "records": "/records/",
        "members": "/teams/members/",
        "remove a member": f"/teams/members/{carol_membership.pk}/remove/",
        "invitations": "/teams/invitations/",
        "API tokens": "/teams/tokens/",
        "ACME": "/teams/acme/",
        "CA certificates": "/ca/",
        "password change": "/accounts/password_change/",
        "password changed": "/accounts/password_change/done/",
        "no such certificate (404)": "/certificates/999999/",
    }
    return {name: base + path for name, path in pages.items()}


def admin_pages(base: str, certificate, record_id: int) -> dict[str, str]:
    """The admin's main pages as CA staff see them."""
    admin = f"{base}/admin"
    pages = {
        "admin index": "/",
        "certificates": "/certificates/certificate/",
        "certificate": f"/certificates/certificate/{certificate.pk}/change/",
        "organization reviews": "/certificates/organizationreview/",
        "to be issued": "/certificates/issuancequeue/",
        "revocation requests": "/certificates/revocationrequest/",
        "transition log": "/certificates/statechange/",
        "operation records": "/certificates/record/",
        "operation record": f"/certificates/record/{record_id}/change/",
        "CA certificates": "/certificates/certificateauthority/",
        "sign-in locks": "/axes/accessattempt/",
        "password change": "/password_change/",
    }
    return {name: admin + path for name, path in pages.items()}
