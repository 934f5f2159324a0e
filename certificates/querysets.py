import datetime as dt

from django.db import models
from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from certificates.choices import WAITING_FOR_CA, Status

# Status sorts in workflow order (as declared in Status), not alphabetically.
WORKFLOW_ORDER = Case(*(When(status=s, then=Value(i)) for i, s in enumerate(Status)))
SORTS = {
    "updated": ("-updated_at", "-pk"),
    "expiry": (models.F("not_after").asc(nulls_last=True), "-pk"),
    "status": (WORKFLOW_ORDER, "-updated_at", "-pk"),
}


class CertificateQuerySet(models.QuerySet):
    def for_user(self, user) -> "CertificateQuerySet":
        """The certificates this applicant may see: their own, not deleted."""
        return self.filter(owner=user).exclude(status=Status.DELETED)

    def in_progress(self) -> "CertificateQuerySet":
        """Certificates waiting for the CA or the system: their rows keep refreshing."""
        return self.filter(status__in=WAITING_FOR_CA)

    def expiring(self, within: dt.timedelta) -> "CertificateQuerySet":
        now = timezone.now()
        return self.filter(status=Status.ISSUED, not_after__gt=now, not_after__lte=now + within)

    def search(self, text: str) -> "CertificateQuerySet":
        """By name or by any of the domains, case-insensitive substring."""
        from certificates.models import Domain

        text = text.strip()
        if not text:
            return self
        domain_match = Domain.objects.filter(certificate=OuterRef("pk"), name__icontains=text)
        return self.filter(Q(name__icontains=text) | Exists(domain_match))

    def with_domain_count(self) -> "CertificateQuerySet":
        """Annotate domain_count with a subquery, so a page of rows stays one query."""
        from certificates.models import Domain

        count = (
            Domain.objects.filter(certificate=OuterRef("pk"))
            .values("certificate")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(domain_count=Subquery(count))

    def sorted_by(self, key: str) -> "CertificateQuerySet":
        return self.order_by(*SORTS.get(key, SORTS["updated"]))
