import datetime as dt
from functools import cache
from pathlib import Path

import factory
from cryptography.hazmat.primitives import serialization
from django.contrib.auth import get_user_model
from django.utils import timezone

from certificates.ca import csr as x509
from certificates.choices import CertificateType, CsrSource, Status
from certificates.models import Certificate, Organization
from teams.models import Membership, Team
from teams.roles import Role
from teams.services import own_team

KEYS = Path(__file__).parent / "fixtures" / "keys"


@cache
def fixture_key(name: str):
    """A checked-in private key: rsa2048, rsa1024, ec_p256, ec_p384, ec_p521, ed25519."""
    return serialization.load_pem_private_key((KEYS / f"{name}.pem").read_bytes(), None)


def make_csr(domains: list[str], key: str = "ec_p256") -> str:
    return x509.csr_pem(x509.build_csr(fixture_key(key), domains))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("demo")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    """A user in a team: MembershipFactory(team=northwind, user=carol, role=Role.READ_ONLY)."""

    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.FULL_ACCESS


def team_of(user) -> Team:
    """The user's own team (their first; made, with them as Administrator, if none)."""
    return own_team(user).team


class OrganizationFactory(factory.django.DjangoModelFactory):
    """An organization of a team: OrganizationFactory(team=…), or (owner=user) for that
    user's own team."""

    class Meta:
        model = Organization

    class Params:
        owner = None

    team = factory.LazyAttribute(lambda o: team_of(o.owner or UserFactory()))
    legal_name = "Northwind Traders Ltd"
    country = "GB"
    state = "Greater London"
    city = "London"
    address = "1 Example Street"
    registration_number = factory.Sequence(lambda n: f"0{n:07d}")
    phone = "+442079460000"


class CertificateFactory(factory.django.DjangoModelFactory):
    """A certificate in any state: CertificateFactory(issued=True), (ov=True, org=True), …"""

    class Meta:
        model = Certificate
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    team = factory.LazyAttribute(lambda o: team_of(o.owner))  # the buyer's own team
    certificate_type = CertificateType.DV
    primary_domain = factory.Sequence(lambda n: f"www{n}.example.com")
    status = Status.PENDING_APPLICATION
    # A complete application by default: an own CSR and, for OV/EV, organization and contact.
    csr_source = CsrSource.OWN
    csr_pem = factory.LazyAttribute(
        lambda o: make_csr([o.primary_domain]) if o.primary_domain else ""
    )
    organization = factory.Maybe(
        factory.LazyAttribute(lambda o: o.certificate_type != CertificateType.DV),
        yes_declaration=factory.SubFactory(
            OrganizationFactory, team=factory.SelfAttribute("..team")
        ),
        no_declaration=None,
    )
    applicant_name = "Ada Applicant"
    applicant_email = "ada@example.com"
    applicant_phone = "+442079460001"

    class Params:
        ov = factory.Trait(certificate_type=CertificateType.OV)
        ev = factory.Trait(certificate_type=CertificateType.EV)
        domain = factory.Trait(status=Status.PENDING_DOMAIN_VERIFICATION)
        org = factory.Trait(
            status=Status.PENDING_ORG_VERIFICATION,
            org_registry_checked=True,
            org_phone_checked=True,
            org_address_checked=True,
        )
        ready = factory.Trait(status=Status.TO_BE_ISSUED)
        issued = factory.Trait(
            status=Status.ISSUED,
            not_before=factory.LazyFunction(timezone.now),
            not_after=factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=199)),
        )
        withdrawing = factory.Trait(status=Status.WITHDRAWING)
        failed = factory.Trait(status=Status.APPLICATION_FAILED, failure_reason="Not verified.")
        revoking = factory.Trait(status=Status.REVOKING, revocation_reason="Key lost.")
        revoked = factory.Trait(status=Status.REVOKED)
        expired = factory.Trait(
            status=Status.EXPIRED,
            not_after=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1)),
        )
        deleted = factory.Trait(status=Status.DELETED)

    @factory.post_generation
    def domains(self, create: bool, extracted: list[str] | None, **kwargs) -> None:
        """The domains through set_domains(), the one writer of a certificate's domain rows,
        count and search keys. set_domains() flags a special word for manual review; a
        factory asked for manual_review=True keeps it."""
        if create and self.primary_domain:
            wanted = self.manual_review
            self.set_domains(self.primary_domain, extracted or [])
            if wanted and not self.manual_review:
                type(self).objects.filter(pk=self.pk).update(manual_review=True)
                self.manual_review = True


def in_state(status: Status, **kwargs) -> Certificate:
    """A certificate of a product that can be in this state (OV for 70%)."""
    if status == Status.PENDING_ORG_VERIFICATION:
        kwargs.setdefault("certificate_type", CertificateType.OV)
        for checked in ("org_registry_checked", "org_phone_checked", "org_address_checked"):
            kwargs.setdefault(checked, True)
    if status in {Status.ISSUED, Status.REVOKING}:
        kwargs.setdefault("not_before", timezone.now())
        kwargs.setdefault("not_after", timezone.now() + dt.timedelta(days=199))
    return CertificateFactory(status=status, **kwargs)


def submitted(owner, **kwargs) -> Certificate:
    """A complete application, submitted by its owner: domains pending, checks queued."""
    certificate = CertificateFactory(owner=owner, **kwargs)
    certificate.run_transition("submit", by=owner)
    return certificate
