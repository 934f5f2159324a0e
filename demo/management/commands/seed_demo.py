"""Demo teams, users and certificates of every type in every state (SPEC §8, §9). Safe to
run again."""

import datetime as dt
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from certificates.choices import Brand, CertificateType, CsrSource, DomainType, KeyAlgorithm, Status
from certificates.models import (
    AcmeAccount,
    AcmeAccountKey,
    AcmeOrder,
    Certificate,
    CertificateAuthority,
    Organization,
    SearchKey,
)
from certificates.services.applications import Application, save_application
from certificates.services.issuance import init_ca, refresh_crl
from certificates.staff_groups import STAFF_GROUPS, ensure_staff_groups
from certificates.validity import max_validity_days
from demo import simulated_ca, timeline, traffic
from demo.traffic import contacts
from teams.models import Membership, Team
from teams.roles import Role

# Each demo team: its members and roles; the first member applies for its certificates.
# erin and frank are the demo traffic's applicants (demo/traffic.py), so that
# the records never show alice or bob doing what they never did.
TEAMS = {
    "Northwind Traders": {
        "alice": Role.ADMINISTRATOR,
        "dave": Role.FULL_ACCESS,
        "carol": Role.READ_ONLY,
        "erin": Role.FULL_ACCESS,
    },
    "Fabrikam": {"bob": Role.ADMINISTRATOR, "frank": Role.FULL_ACCESS},
}
APPLICANTS = {"alice": "northwind-demo.com", "bob": "fabrikam-demo.net"}
ORGANIZATIONS = {
    "alice": {
        "legal_name": "Northwind Traders Ltd",
        "country": "GB",
        "state": "Greater London",
        "city": "London",
        "address": "12 Example Wharf",
        "registration_number": "09876543",
        "phone": "+442079460000",
    },
    "bob": {
        "legal_name": "Fabrikam, Inc.",
        "country": "US",
        "state": "Washington",
        "city": "Redmond",
        "address": "1 Example Way",
        "registration_number": "WA-604-123-456",
        "phone": "+12025550123",
    },
}
STAFF = "staff"
# The CA staff who work the demo traffic: grace (traffic.STAFF), not the visitors' staff.
TRAFFIC_STAFF = {traffic.STAFF: ["Validation", "Issuance"]}

# Why the CA refused the failed demo applications: what its checks of that product look at
# (a DV's check is of the domains alone: it has no organization to find in a registry).
ORGANIZATION_REFUSAL = "The registry record does not match the organization's legal name."
DOMAIN_REFUSAL = (
    "The domain is on the CA's high-risk list (reported for phishing): the CA does not "
    "issue certificates for it."
)

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
        ("reject", "staff", ORGANIZATION_REFUSAL),
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
HISTORY, HISTORY_MONTHS = "demo-history-", 11  # what the team issued before (history())
HOSTS = {
    CertificateType.DV: "www",
    CertificateType.OV: "shop",
    CertificateType.OV_PRO: "portal",
    CertificateType.EV: "secure",
    CertificateType.EV_PRO: "accounts",
}


class Command(BaseCommand):
    help = (
        "Create the demo teams (Northwind Traders: alice, dave, carol; Fabrikam: bob), the CA's "
        "staff user and certificates in every state."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--password", default="demo", help="password of every demo user")
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo users' certificates first"
        )

    def handle(self, *args: Any, password: str, reset: bool, **options: Any) -> None:
        # The demo's domains are made up: their CAA records cannot be looked up, and the
        # seed must work offline. Only this command's own issuances skip the check. Nor
        # does the simulated CA decide a seeded certificate (a withdrawal): visitors do.
        checking, settings.SCM_CHECK_CAA = settings.SCM_CHECK_CAA, False
        try:
            with simulated_ca.deciding_nothing():
                self.seed_all(password, reset)
        finally:
            settings.SCM_CHECK_CAA = checking

    def seed_all(self, password: str, reset: bool) -> None:
        for authority in init_ca():
            self.stdout.write(f"Created {authority.get_kind_display()}: {authority.name}")
        users = self.ensure_users(password)
        teams = self.ensure_teams(users)
        if reset:
            self.reset(teams.values())
        created = 0
        for team_name, (username, domain) in zip(TEAMS, APPLICANTS.items(), strict=True):
            team = teams[team_name]
            Organization.objects.get_or_create(
                team=team,
                country=ORGANIZATIONS[username]["country"],
                registration_number=ORGANIZATIONS[username]["registration_number"],
                defaults=ORGANIZATIONS[username],
            )
            created += self.seed(team, users[username], users[STAFF], domain)
        # A verification the seed made is not reused: a visitor's own OV or EV stops at 70%
        # for them to decide as staff (the README's walk-through).
        Organization.objects.filter(team__in=teams.values()).update(verified_at=None)
        revoked = Certificate.objects.filter(team__in=teams.values(), status=Status.REVOKED)
        issuers = revoked.values("issuer")
        for authority in CertificateAuthority.objects.filter(pk__in=issuers):
            refresh_crl(authority)  # the revoked ones' dates moved back with their story
        self.stdout.write(f"Demo ready: {created} certificates created.")
        for team_name, members in TEAMS.items():
            roles = ", ".join(f"{name} ({role.label})" for name, role in members.items())
            self.stdout.write(f"Team {team_name}: {roles}.")
        self.stdout.write(f"Log in as any of them, or as staff (the CA), password {password!r}.")

    def ensure_teams(self, users: dict[str, Any]) -> dict[str, Team]:
        """The demo teams with their members in their roles. alice's and bob's certificates
        of an earlier demo (in the team of their own a migration gave them) move in."""
        teams = {}
        for name, members in TEAMS.items():
            team = Team.objects.filter(name=name, memberships__user=users[next(iter(members))])
            team = team.first() or Team.objects.create(name=name)
            for username, role in members.items():
                Membership.objects.update_or_create(
                    team=team, user=users[username], defaults={"role": role}
                )
            applicant = users[next(iter(members))]
            earlier = Certificate.objects.filter(owner=applicant, name__startswith="demo-")
            moved = earlier.exclude(team=team)
            SearchKey.objects.filter(certificate__in=moved).update(team=team)
            Organization.objects.filter(
                pk__in=moved.values("organization"), team__memberships__user=applicant
            ).exclude(team=team).update(team=team)
            moved.update(team=team)
            teams[name] = team
        return teams

    def ensure_users(self, password: str) -> dict[str, Any]:
        User = get_user_model()
        users = {}
        members = [name for team in TEAMS.values() for name in team]
        for username in [*members, STAFF, *TRAFFIC_STAFF]:
            user, _ = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.com"}
            )
            user.set_password(password)
            user.is_staff = username == STAFF or username in TRAFFIC_STAFF
            user.save()
            users[username] = user
        ensure_staff_groups(apps)
        users[STAFF].groups.set(Group.objects.filter(name__in=STAFF_GROUPS))
        for username, groups in TRAFFIC_STAFF.items():
            users[username].groups.set(Group.objects.filter(name__in=groups))
        return users

    @transaction.atomic
    def reset(self, teams: Any) -> None:
        """The demo teams' certificates, organizations and ACME accounts go; their operation
        records stay (records are never deleted: they name the certificates as they were)."""
        owned = Certificate.objects.filter(team__in=teams)
        AcmeOrder.objects.filter(certificate__in=owned).delete()
        owned.delete()
        AcmeAccount.objects.filter(team__in=teams).delete()
        AcmeAccountKey.objects.filter(team__in=teams).delete()
        Organization.objects.filter(team__in=teams).delete()

    def seed(self, team: Team, owner: Any, staff: Any, domain: str) -> int:
        """The team's certificates in the order they happened, oldest first, so that the
        list's "Newest" (its ids) is the newest: the year of history, then the certificates
        of every type in every state (those issued weeks or months ago first)."""
        existing = set(team.certificates.values_list("name", flat=True))
        created = 0
        for plan in sorted([*self.history(), *self.every_state()], key=lambda p: p.submitted):
            if plan.name in existing:
                continue
            certificate = self.create(
                team, owner, staff, plan.name, plan.product, plan.state, PATHS[plan.state], domain
            )
            if plan.issued:
                timeline.place(certificate, plan)
            created += 1
        return created

    def every_state(self) -> list[timeline.Plan]:
        """A certificate of each type in each state; those issued were issued in the past
        (a DV 12 days from its end, the expired ones past theirs), after the time their
        type takes."""
        now, plans = timezone.now(), []
        lifetime = dt.timedelta(days=max_validity_days(now.date()))
        for order, product in enumerate(CertificateType):
            for turn, state in enumerate(PATHS, start=order):
                # Neutral names: in a running demo the rows move on from their first state.
                name = f"demo-{product.value.replace('_', '-')}-{list(PATHS).index(state) + 1:02d}"
                if state == Status.PENDING_ORG_VERIFICATION and not product.needs_org_verification:
                    continue
                plan = timeline.Plan(name, product, state)
                if state == Status.ISSUED and product == CertificateType.DV:
                    plan.issued = now - lifetime + dt.timedelta(days=12)  # "Expires in 12 days"
                elif state == Status.EXPIRED:
                    plan.issued = now - lifetime - dt.timedelta(days=3 + 5 * order)
                elif state in timeline.ISSUED_AGO:
                    plan.issued = now - timeline.ISSUED_AGO[state] - dt.timedelta(days=order)
                if plan.issued:
                    if product.needs_org_verification:
                        plan.issued = timeline.on_a_working_day(plan.issued, turn)
                    plan.took = timeline.took(product, turn, plan.issued)
                    plan.later = timeline.AFTER_ISSUE.get(state, {})
                plans.append(plan)
        return plans

    def history(self) -> list[timeline.Plan]:
        """What the team had issued in the year before the demo, so that its overview has
        months to show: a DV (issued minutes after submission) and an OV (after 1–3 working
        days of organization checks) a month; those past their end have expired."""
        now, plans = timezone.now(), []
        for month in range(1, HISTORY_MONTHS + 1):
            for turn, product in enumerate((CertificateType.DV, CertificateType.OV)):
                issued = now - dt.timedelta(days=30 * month + 9 * turn)
                if product.needs_org_verification:
                    issued = timeline.on_a_working_day(issued, month)
                plan = timeline.Plan(f"{HISTORY}{month:02d}{turn}", product, Status.ISSUED)
                plan.issued, plan.took = issued, timeline.took(product, month, issued)
                plans.append(plan)
        return plans

    @transaction.atomic
    def create(
        self,
        team: Team,
        owner: Any,
        staff: Any,
        name: str,
        product: CertificateType,
        state: Status,
        steps: list[tuple[str, str | None, str]],
        domain: str,
    ) -> Certificate:
        brands = list(Brand)
        multiple = product == CertificateType.OV_PRO
        certificate = Certificate.objects.create(
            team=team,
            owner=owner,
            name=name,
            certificate_type=product,
            brand=brands[list(Status).index(state) % len(brands)],
            domain_type=DomainType.MULTIPLE if multiple else DomainType.SINGLE,
            additional_domain_slots=2 if multiple else 0,
        )
        # One application in manual review: its domain carries the special word "pay".
        host = (
            "pay"
            if (product, state) == (CertificateType.OV, Status.TO_BE_ISSUED)
            else HOSTS[product]
        )
        # EC keys are generated in a millisecond; a few RSA ones show the other choice.
        algorithm = KeyAlgorithm.RSA_2048 if state == Status.ISSUED else KeyAlgorithm.EC_P256
        # Each demo certificate walks its own path: no reuse of an earlier demo verification.
        team.organizations.update(verified_at=None)
        application = Application(
            primary_domain=f"{host}.{domain}",
            additional_domains=[f"api.{domain}", f"mail.{domain}"] if multiple else [],
            csr_source=CsrSource.SYSTEM,
            key_algorithm=algorithm,
            organization=team.organizations.first() if product.needs_org_verification else None,
            contacts=(
                contacts(owner, APPLICANTS[owner.get_username()])
                if product.needs_org_verification
                else {}
            ),
        )
        submitted = bool(steps) and steps[0][0] == "submit"
        save_application(certificate, application, submit=submitted, by=owner)
        for transition_name, actor, reason in steps[1:] if submitted else steps:
            if not product.needs_org_verification:
                if transition_name == "verify_organization":
                    continue  # DV skips 70%
                if transition_name == "issue":
                    actor = None  # DV without manual review is issued automatically
                if transition_name == "reject":
                    reason = DOMAIN_REFUSAL
            if transition_name == "verify_organization":
                certificate.org_registry_checked = certificate.org_phone_checked = True
                certificate.org_address_checked = True
            if transition_name == "expire":
                self.backdate(certificate, days_left=-3)
            by = {"owner": owner, "staff": staff, None: None}[actor]
            certificate.run_transition(transition_name, by=by, reason=reason)
        return certificate

    def backdate(self, certificate: Certificate, *, days_left: int) -> None:
        """Move the validity window, re-signing so the stored certificate says the same."""
        lifetime = certificate.not_after - certificate.not_before
        not_after = timezone.now() + dt.timedelta(days=days_left)
        certificate.not_before, certificate.not_after = not_after - lifetime, not_after
        certificate.sign()
        Certificate.objects.filter(pk=certificate.pk).update(
            not_before=certificate.not_before,
            not_after=certificate.not_after,
            certificate_pem=certificate.certificate_pem,
            serial_number=certificate.serial_number,
        )
