import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from certificates.choices import CertificateType, Status
from certificates.models import Certificate, Domain


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("demo")


class CertificateFactory(factory.django.DjangoModelFactory):
    """A certificate in any state: CertificateFactory(issued=True), (ov=True, org=True), …"""

    class Meta:
        model = Certificate
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    certificate_type = CertificateType.DV
    primary_domain = factory.Sequence(lambda n: f"www{n}.example.com")
    status = Status.PENDING_APPLICATION

    class Params:
        ov = factory.Trait(certificate_type=CertificateType.OV)
        ev = factory.Trait(certificate_type=CertificateType.EV)
        domain = factory.Trait(status=Status.PENDING_DOMAIN_VERIFICATION)
        org = factory.Trait(status=Status.PENDING_ORG_VERIFICATION)
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
        if create and self.primary_domain:
            names = [self.primary_domain, *(extracted or [])]
            Domain.objects.bulk_create(
                Domain(certificate=self, name=name, is_primary=i == 0)
                for i, name in enumerate(names)
            )


def in_state(status: Status, **kwargs) -> Certificate:
    """A certificate of a product that can be in this state (OV for 70%)."""
    if status == Status.PENDING_ORG_VERIFICATION:
        kwargs.setdefault("certificate_type", CertificateType.OV)
    if status in {Status.ISSUED, Status.REVOKING}:
        kwargs.setdefault("not_before", timezone.now())
        kwargs.setdefault("not_after", timezone.now() + dt.timedelta(days=199))
    return CertificateFactory(status=status, **kwargs)
