"""Demo users and certificates of every type in every state (SPEC §8). Safe to run again."""

import datetime as dt
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from certificates.choices import Brand, CertificateType, DomainType, Status
from certificates.models import Certificate, TransitionLog
from certificates.staff_groups import STAFF_GROUPS, ensure_staff_groups

APPLICANTS = {"alice": "northwind-demo.com", "bob": "fabrikam-demo.net"}
STAFF = "staff"

# The steps from "Pending application" to each state; "owner", "staff" or None (the system)
# acts, so every demo certificate has the timeline a real one would have.
SUBMIT = [("submit", "owner", "")]
DOMAINS = [*SUBMIT, ("verify_domains", None, "")]
READY = [*DOMAINS, ("verify_organization", "staff", "")]
ISSUED = [*READY, ("issue", "staff", "")]
PATHS: dict[Status, list[tuple[str, str | None, str]]] = {
    Status.PENDING_APPLICATION: [],
    Status.PENDING_DOMAIN_VERIFICATION: SUBMIT,
    Status.PENDING_ORG_VERIFICATION: DOMAINS,
    Status.TO_BE_ISSUED: READY,
    Status.ISSUED: ISSUED,
    Status.WITHDRAWING: [*SUBMIT, ("withdraw", "owner", "")],
    Status.APPLICATION_FAILED: [
        *DOMAINS,
        ("reject", "staff", "The registry record does not match the organization's legal name."),
    ],
    Status.REVOKING: [*ISSUED, ("request_revocation", "owner", "The server was decommissioned.")],
    Status.REVOKED: [
        *ISSUED,
        ("request_revocation", "owner", "The private key may have been exposed."),
        ("approve_revocation", "staff", ""),
    ],
    Status.EXPIRED: [*ISSUED, ("expire", None, "")],
    Status.DELETED: [("discard", "owner", "")],
}
HOSTS = {
    CertificateType.DV: "www",
    CertificateType.OV: "shop",
    CertificateType.OV_PRO: "portal",
    CertificateType.EV: "secure",
    CertificateType.EV_PRO: "accounts",
}


class Command(BaseCommand):
    help = "Create the demo users (alice, bob, staff) and certificates in every state."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--password", default="demo", help="password of every demo user")
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo users' certificates first"
        )

    def handle(self, *args: Any, password: str, reset: bool, **options: Any) -> None:
        users = self.ensure_users(password)
        if reset:
            self.reset(users)
        created = 0
        for username, domain in APPLICANTS.items():
            created += self.seed(users[username], users[STAFF], domain)
        self.stdout.write(f"Demo ready: {created} certificates created.")
        self.stdout.write(
            f"Log in as alice, bob (applicants) or staff (CA), password {password!r}."
        )

    def ensure_users(self, password: str) -> dict[str, Any]:
        User = get_user_model()
        users = {}
        for username in [*APPLICANTS, STAFF]:
            user, _ = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.com"}
            )
            user.set_password(password)
            user.is_staff = username == STAFF
            user.save()
            users[username] = user
        ensure_staff_groups(apps)
        users[STAFF].groups.set(Group.objects.filter(name__in=STAFF_GROUPS))
        return users

    @transaction.atomic
    def reset(self, users: dict[str, Any]) -> None:
        owned = Certificate.objects.filter(owner__in=users.values())
        TransitionLog.objects.filter(certificate__in=owned).delete()
        owned.delete()

    def seed(self, owner: Any, staff: Any, domain: str) -> int:
        existing = set(owner.certificates.values_list("name", flat=True))
        created = 0
        for product in CertificateType:
            for state, steps in PATHS.items():
                name = f"demo-{product.value}-{state.value}".replace("_", "-")
                if name in existing or (
                    state == Status.PENDING_ORG_VERIFICATION and not product.needs_org_verification
                ):
                    continue
                self.create(owner, staff, name, product, state, steps, domain)
                created += 1
        return created

    @transaction.atomic
    def create(
        self,
        owner: Any,
        staff: Any,
        name: str,
        product: CertificateType,
        state: Status,
        steps: list[tuple[str, str | None, str]],
        domain: str,
    ) -> None:
        brands = list(Brand)
        certificate = Certificate.objects.create(
            owner=owner,
            name=name,
            certificate_type=product,
            brand=brands[list(Status).index(state) % len(brands)],
            domain_type=DomainType.MULTIPLE
            if product == CertificateType.OV_PRO
            else DomainType.SINGLE,
            # One certificate in manual review: its domain carries the special word "pay".
            manual_review=product == CertificateType.OV and state == Status.TO_BE_ISSUED,
        )
        host = "pay" if certificate.manual_review else HOSTS[product]
        additional = (
            [f"api.{domain}", f"mail.{domain}"] if product == CertificateType.OV_PRO else []
        )
        certificate.set_domains(f"{host}.{domain}", additional)
        for transition_name, actor, reason in steps:
            if not product.needs_org_verification:
                if transition_name == "verify_organization":
                    continue  # DV skips 70%
                if transition_name == "issue":
                    actor = None  # DV without manual review is issued automatically
            if transition_name == "expire":
                self.backdate(certificate, days_left=-3)
            by = {"owner": owner, "staff": staff, None: None}[actor]
            certificate.run_transition(transition_name, by=by, reason=reason)
        if state == Status.ISSUED and product == CertificateType.DV:
            # Shows the "Expires in N days" warning in the list.
            self.backdate(certificate, days_left=12)

    def backdate(self, certificate: Certificate, *, days_left: int) -> None:
        lifetime = certificate.not_after - certificate.not_before
        not_after = timezone.now() + dt.timedelta(days=days_left)
        certificate.not_before, certificate.not_after = not_after - lifetime, not_after
        Certificate.objects.filter(pk=certificate.pk).update(
            not_before=certificate.not_before, not_after=certificate.not_after
        )
