"""The work queues of each duty, oldest first: organizations to verify (Validation),
applications to issue by hand (Issuance), revocation requests (Revocation). A decision
taken in a queue returns to it: the certificate has left the queue."""

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from certificates.admin.certificates import CertificateAdmin
from certificates.choices import Status
from certificates.models import (
    Certificate,
    ContactAttempt,
    IssuanceQueue,
    OrganizationReview,
    RevocationRequest,
)
from certificates.models.rules import issues_by_itself_q
from certificates.permissions import ISSUE, REVOKE, VALIDATE


class QueueAdmin(CertificateAdmin):
    """A queue is the certificate admin narrowed to one duty's waiting work."""

    duty = ""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(self.duty)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(self.duty)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(self.duty)

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        found = super().get_object(request, object_id, from_field)
        if found is None:
            # Left the queue meanwhile (another staff member, the simulated CA): still
            # found, so that a late decision is explained instead of "doesn't exist".
            try:
                found = self.model._default_manager.get(pk=object_id)
            except (self.model.DoesNotExist, ValidationError, ValueError):
                return None
        return found

    def after_decision_url(self, request: HttpRequest, obj: Certificate) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")


@admin.register(OrganizationReview)
class OrganizationReviewAdmin(QueueAdmin):
    """The Validation group's queue: applications at 70%, oldest first."""

    duty = VALIDATE
    list_title = _("Choose an organization to verify")
    object_title = _("Organization to verify")

    list_display = (
        "name",
        "organization",
        "primary_domain",
        "certificate_type",
        "domains_verified_at",
        "checklist",
        "calls",
    )
    list_filter = ("certificate_type", "brand", "manual_review")
    ordering = ("domains_verified_at", "pk")
    list_select_related = ("team", "organization")

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request).filter(status=Status.PENDING_ORG_VERIFICATION)
        # Counted for the rows of the page only (a join and GROUP BY would count the queue).
        calls = (
            ContactAttempt.objects.filter(certificate=OuterRef("pk"))
            .order_by()
            .values("certificate")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return queryset.annotate(call_count=Coalesce(Subquery(calls), 0))

    @admin.display(description=_("Checklist"))
    def checklist(self, certificate: Certificate) -> str:
        done = sum(
            [
                certificate.org_registry_checked,
                certificate.org_phone_checked,
                certificate.org_address_checked,
            ]
        )
        return f"{done}/3"

    @admin.display(description=_("Calls"))
    def calls(self, certificate: Certificate) -> int:
        return certificate.call_count


@admin.register(IssuanceQueue)
class IssuanceQueueAdmin(QueueAdmin):
    """The Issuance group's queue: applications at 90% that the system does not issue by
    itself (OV and EV; DVs in manual review), oldest first."""

    duty = ISSUE
    list_title = _("Choose an application to issue")
    object_title = _("Application to issue")
    list_display = (
        "name",
        "primary_domain",
        "certificate_type",
        "manual_review",
        "team",
        "waiting_since",
    )
    list_filter = ("certificate_type", "brand", "manual_review")
    ordering = ("updated_at", "pk")

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request).filter(status=Status.TO_BE_ISSUED)
        return queryset.exclude(issues_by_itself_q())

    @admin.display(description=_("Waiting since"), ordering="updated_at")
    def waiting_since(self, certificate: Certificate) -> Any:
        return certificate.org_verified_at or certificate.domains_verified_at


@admin.register(RevocationRequest)
class RevocationRequestAdmin(QueueAdmin):
    """The Revocation group's queue: what teams asked to revoke, oldest first."""

    duty = REVOKE
    list_title = _("Choose a revocation request to decide")
    object_title = _("Revocation request")
    list_display = (
        "name",
        "primary_domain",
        "team",
        "revocation_reason_code",
        "revocation_reason",
        "revocation_requested_at",
    )
    list_filter = ("revocation_reason_code", "brand")
    ordering = ("revocation_requested_at", "pk")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).filter(status=Status.REVOKING)
