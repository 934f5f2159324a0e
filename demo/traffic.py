"""Demo traffic (`make run`, SCM_DEMO_TRAFFIC_SECONDS): members of the demo teams of their
own (erin in Northwind Traders, frank in Fabrikam) keep buying and applying, a few tens of
seconds apart, so that whoever opens the demo sees rows at 40%, 70% and 90% moving; and the
CA's own demo staff member (grace) keeps up with them at a person's pace. Every step goes
through the services and transitions a real applicant and real staff would use, and the
records name who took it: never alice, dave or staff, who are the visitors'.

In turn: DV (issued by itself once the demo DNS shows its record), OV and EV (their
organization verified after SCM_DEMO_REVIEW_SECONDS at 70%, issued after
SCM_DEMO_ISSUE_SECONDS at 90%), a DV whose domain has a special word (manual review: issued
as staff would), and a DV whose TXT record the demo DNS serves with a typo (its checks fail;
after a few minutes the CA gives up on it)."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from certificates.choices import Brand, CertificateType, CsrSource, DomainType, KeyAlgorithm, Status
from certificates.exceptions import TransitionRefused
from certificates.models import Certificate, Organization
from certificates.services.applications import Application, save_application
from certificates.services.purchases import Purchase, buy
from teams.models import Membership

PREFIX = "live-"  # the names of traffic certificates (the seeded ones are demo-…)
MISCONFIGURED = "typo"  # its host label: the demo DNS serves its TXT record misspelt
# The traffic's own members (seed_demo makes them): team, role.
APPLICANTS = {"erin": "Northwind Traders", "frank": "Fabrikam"}
STAFF = "grace"  # the traffic's CA staff member (Validation and Issuance)
# (type, host label, applicant) in turn; "pay" is one of the special words
# (SCM_SPECIAL_WORDS). Northwind gets an OV and an EV each round, so that its list always
# has one at 70% and one at 90% while they wait for grace.
KINDS = [
    (CertificateType.DV, "www", "erin"),
    (CertificateType.OV, "shop", "erin"),
    (CertificateType.DV, "api", "frank"),
    (CertificateType.EV, "secure", "erin"),
    (CertificateType.DV, "pay", "frank"),
    (CertificateType.DV, MISCONFIGURED, "erin"),
]
GIVE_UP_AFTER = dt.timedelta(minutes=3)  # how long the CA keeps checking a misspelt record


def contacts(owner: Any, domain: str) -> dict[str, str]:
    """The applicant and technical contacts an OV or EV demo application carries."""
    name = owner.get_username().capitalize()
    return {
        "applicant_name": f"{name} Applicant",
        "applicant_email": f"{owner.get_username()}@example.com",
        "applicant_phone": "+442079460001",
        "technical_name": f"{name}'s web team",
        "technical_email": f"webmaster@{domain}",
        "technical_phone": "+442079460002",
    }


def arrive(turn: int) -> Certificate | None:
    """The turn-th new application: bought and submitted by the next demo applicant; None
    when the demo has not been seeded (no such member in a team)."""
    product, host, username = KINDS[turn % len(KINDS)]
    membership = _applicant(username)
    if membership is None:
        return None
    owner, team = membership.user, membership.team
    organization = team.organizations.first()
    if product.needs_org_verification and organization is None:
        return None
    suffix = _team_domain(team)
    stamp = timezone.now().strftime("%H%M%S")
    domain = f"{host}-{stamp}.{suffix}"
    with transaction.atomic():
        (certificate,) = buy(
            team,
            owner,
            Purchase(
                certificate_type=product,
                brand=list(Brand)[turn % len(Brand)],
                domain_type=DomainType.SINGLE,
                key_algorithm=KeyAlgorithm.EC_P256,
            ),
        )
        certificate.rename(f"{PREFIX}{host}-{stamp}", by=owner)
        if product.needs_org_verification:
            # Each demo application walks the whole path: no reuse of an earlier verification.
            team.organizations.update(verified_at=None)
        application = Application(
            primary_domain=domain,
            csr_source=CsrSource.SYSTEM,
            key_algorithm=KeyAlgorithm.EC_P256,
            organization=organization if product.needs_org_verification else None,
            contacts=contacts(owner, suffix) if product.needs_org_verification else {},
        )
    save_application(certificate, application, submit=True, by=owner)
    return certificate


def work_the_queues(now: dt.datetime | None = None) -> list[str]:
    """What the CA's demo staff member does meanwhile with the traffic's applications (never
    with the seeded ones or a visitor's, which visitors decide in the admin): issue what
    has waited at 90% for SCM_DEMO_ISSUE_SECONDS, verify the organization of what has
    waited at 70% for SCM_DEMO_REVIEW_SECONDS (its 90% wait starts then), and give up on a
    domain not proven for GIVE_UP_AFTER."""
    now = now or timezone.now()
    staff = get_user_model().objects.filter(username=STAFF).first()
    review = dt.timedelta(seconds=settings.SCM_DEMO_REVIEW_SECONDS)
    issue = dt.timedelta(seconds=settings.SCM_DEMO_ISSUE_SECONDS)
    done = []
    ours = Certificate.objects.filter(name__startswith=PREFIX)
    waiting = ours.filter(status=Status.TO_BE_ISSUED, updated_at__lte=now - issue)
    for certificate in _each(waiting):
        done.append(_step(certificate, "issue", staff, ""))
    reviewed = ours.filter(
        status=Status.PENDING_ORG_VERIFICATION, domains_verified_at__lte=now - review
    )
    for certificate in _each(reviewed):
        certificate.org_registry_checked = certificate.org_phone_checked = True
        certificate.org_address_checked = True
        done.append(_step(certificate, "verify_organization", staff, ""))
        # Not remembered for the team's next application: a visitor's own OV must stop at
        # 70% for them to decide as staff, as the README's walk-through has it.
        Organization.objects.filter(pk=certificate.organization_id).update(verified_at=None)
    stuck = ours.filter(
        status=Status.PENDING_DOMAIN_VERIFICATION, submitted_at__lte=now - GIVE_UP_AFTER
    )
    for certificate in _each(stuck):
        reason = (
            f"Control of {certificate.primary_domain} was not proven in "
            f"{GIVE_UP_AFTER.seconds // 60} minutes: its TXT record has another value."
        )
        done.append(_step(certificate, "reject", None, reason))
    return [line for line in done if line]


def _step(certificate: Certificate, name: str, by: Any, reason: str) -> str:
    try:
        certificate.run_transition(name, by=by, reason=reason)
    except TransitionRefused:
        return ""  # moved on meanwhile (a visitor in the admin was quicker)
    return f"{certificate.name}: {name}"


def _each(queryset: Any) -> Iterable[Certificate]:
    return list(queryset.order_by("pk")[:20])


def _applicant(username: str) -> Membership | None:
    return (
        Membership.objects.filter(
            user__username=username, role__in=["administrator", "full_access"]
        )
        .select_related("user", "team")
        .order_by("pk")
        .first()
    )


def _team_domain(team: Any) -> str:
    """The demo team's domain, as its seeded certificates show it (seed_demo.APPLICANTS)."""
    seeded = team.certificates.filter(name__startswith="demo-").exclude(primary_domain="")
    domain = seeded.values_list("primary_domain", flat=True).first()
    return domain.split(".", 1)[1] if domain and "." in domain else "demo.example"
