from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html
from django_fsm.admin import FSMAdminMixin, FSMObjectTransition, FSMTransitionContext

from certificates.choices import Status
from certificates.issuance import init_ca
from certificates.models import (
    STAFF_FIELDS,
    VALIDATE,
    Certificate,
    CertificateAuthority,
    ContactAttempt,
    Domain,
    EditRefused,
    OrganizationReview,
    TransitionLog,
    TransitionRefused,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DomainInline(ReadOnlyInline):
    model = Domain
    fields = readonly_fields = (
        "name",
        "is_primary",
        "method",
        "status",
        "last_checked_at",
        "last_result",
        "next_check_at",
    )


class ContactAttemptInline(admin.TabularInline):
    """The CA's phone calls; the applicant sees them on the certificate's page."""

    model = ContactAttempt
    extra = 1
    fields = ("number", "outcome", "notes", "at", "staff")
    readonly_fields = ("at", "staff")
    can_delete = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a call, once logged, is history

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(VALIDATE)


class TransitionLogInline(ReadOnlyInline):
    model = TransitionLog
    verbose_name_plural = "Transition log"
    fields = readonly_fields = ("at", "summary", "source", "target", "actor", "reason")


@admin.register(Certificate)
class CertificateAdmin(FSMAdminMixin, admin.ModelAdmin):
    fsm_fields = ["status"]
    list_display = (
        "name",
        "primary_domain",
        "owner",
        "certificate_type",
        "brand",
        "status_with_progress",
        "manual_review",
        "updated_at",
    )
    list_filter = ("status", "certificate_type", "brand", "manual_review", "is_test")
    # Searched by get_search_results below, not by a join per field.
    search_fields = ("name", "primary_domain", "domains__name", "owner__username")
    search_help_text = (
        "The start of a name or domain, or of any word or label in them (shop finds "
        "www.acme-shop.com); or the owner's exact username or email."
    )
    list_select_related = ("owner",)
    show_full_result_count = False
    ordering = ("-id",)  # newest first, on the primary key: no sort of the whole table
    change_form_template = "admin/certificates/certificate/change_form.html"
    fieldsets = (
        (None, {"fields": (("name", "owner"), ("certificate_type", "brand", "is_test"))}),
        ("Application", {"fields": (("domain_type", "key"), "primary_domain")}),
        (
            "Status",
            {
                "fields": (
                    "status_with_progress",
                    "manual_review",
                    "failure_reason",
                    "revocation_reason",
                )
            },
        ),
        (
            "Organization verification",
            {
                "fields": (
                    "organization_details",
                    "applicant_details",
                    ("org_registry_checked", "org_phone_checked", "org_address_checked"),
                )
            },
        ),
        (
            "Dates",
            {
                "classes": ("collapse",),
                "fields": (
                    ("created_at", "submitted_at", "domains_verified_at", "org_verified_at"),
                    ("issued_at", "not_before", "not_after"),
                    ("failed_at", "withdrawal_requested_at"),
                    ("revocation_requested_at", "revoked_at"),
                    ("expired_at", "deleted_at", "updated_at"),
                ),
            },
        ),
    )
    # Staff decide through transitions; the application itself belongs to the applicant.
    readonly_fields = tuple(
        name
        for _, options in fieldsets
        for entry in options["fields"]
        for name in (entry if isinstance(entry, tuple) else (entry,))
        if name not in STAFF_FIELDS
    )
    inlines = [DomainInline, ContactAttemptInline, TransitionLogInline]

    @staticmethod
    def get_fsm_block_label(fsm_field_name: str) -> str:
        return "CA decision"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Certificates are bought by applicants in the console, never made up by staff.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Each editable field is the duty of one group, and only in the states it applies to
        # (Certificate.staff_may_edit): for everyone else it is read-only, so a POST that
        # sets it anyway is ignored.
        fixed = super().get_readonly_fields(request, obj)
        return (
            *fixed,
            *(
                name
                for name in STAFF_FIELDS
                if obj is None or not obj.staff_may_edit(name, request.user)
            ),
        )

    def save_model(self, request: HttpRequest, obj: Certificate, form: Any, change: bool) -> None:
        # Write only what staff changed, logged like a transition: pressing a transition
        # button must not rewrite the whole row, which could race the applicant.
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            obj.staff_edit(request.user, changes)
        except EditRefused as refused:
            self.message_user(request, str(refused), level=messages.ERROR)
            request.scm_refused = True

    def get_search_results(
        self, request: HttpRequest, queryset: Any, search_term: str
    ) -> tuple[Any, bool]:
        # The list's search keys (one index range, certificates/search.py) instead of the
        # stock OR of substring matches over joins, which scans and then needs DISTINCT.
        term = search_term.strip()
        if not term:
            return queryset, False
        owners = list(
            get_user_model()
            .objects.filter(Q(username__iexact=term) | Q(email__iexact=term))
            .values_list("pk", flat=True)
        )
        if not owners:  # the usual case: no OR, so the search stays one index range
            return queryset.search(term), False
        return queryset.search(term) | queryset.filter(owner__in=owners), False

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for attempt in formset.save(commit=False):
            attempt.staff = request.user
            attempt.save()

    @admin.display(description="Key")
    def key(self, certificate: Certificate) -> str:
        """Read from the certificate or the CSR, not the purchase's default."""
        return certificate.key_description

    @admin.display(description="Organization")
    def organization_details(self, certificate: Certificate) -> str:
        org = certificate.organization
        if org is None:
            return "—"
        verified = f"verified {org.verified_at:%Y-%m-%d}" if org.verified_at else "not verified yet"
        return format_html(
            "<strong>{}</strong><br>{}, {}, {}, {}<br>Registration {} · public phone {} · {}",
            org.legal_name,
            org.address,
            org.city,
            org.state,
            org.country.name,
            org.registration_number,
            org.phone,
            verified,
        )

    @admin.display(description="Applicant")
    def applicant_details(self, certificate: Certificate) -> str:
        if not certificate.applicant_name:
            return "—"
        return format_html(
            "{} · {} · {} (the CA may call this number)<br>Technical: {} · {} · {}",
            certificate.applicant_name,
            certificate.applicant_email,
            certificate.applicant_phone,
            certificate.technical_name or "—",
            certificate.technical_email or "—",
            certificate.technical_phone or "—",
        )

    @admin.display(description="Status", ordering="status")
    def status_with_progress(self, certificate: Certificate) -> str:
        if certificate.progress is None:
            return certificate.get_status_display()
        return f"{certificate.get_status_display()} ({certificate.progress}%)"

    def _get_fsm_extra_context(self, *, request: HttpRequest, obj: Any) -> Any:
        # Offer every transition the state and the user's permissions allow, even when a
        # condition is not met yet (the checklist): pressing the button submits the form,
        # ticks included, and an unmet condition is then explained instead of hidden.
        if obj is None:
            return
        transitions = [
            FSMTransitionContext(name=t.name, label=self.get_fsm_label(t))
            for t in obj.get_all_status_transitions()
            if t.source == obj.status
            and t.has_perm(obj, request.user)
            and self.is_fsm_transition_visible(t)
        ]
        if transitions:
            yield FSMObjectTransition(
                fsm_field="status",
                block_label=self.get_fsm_block_label("status"),
                available_transitions=transitions,
            )

    def _apply_fsm_transition(
        self,
        *,
        obj: Certificate,
        transition_name: str,
        request: HttpRequest,
        kwargs: dict[str, Any] | None = None,
    ) -> bool:
        # FSMAdminMixin only hides buttons a user may not press; run_transition() also
        # checks the permission, logs the acting staff member and survives races.
        try:
            obj.run_transition(transition_name, by=request.user, **(kwargs or {}))
        except TransitionRefused as refused:
            self.message_user(request, str(refused), level=messages.ERROR)
            request.scm_refused = True
            return False
        done = Certificate.transition_custom(transition_name)["done"]
        self.message_user(request, f"{done}: {obj.name} is now “{obj.get_status_display()}”.")
        return True

    def response_change(self, request: HttpRequest, obj: Certificate) -> HttpResponse:
        if getattr(request, "scm_refused", False):  # save_model said why
            return HttpResponseRedirect(request.path)
        name = request.POST.get(self.fsm_post_param)
        if name and name not in TRANSITIONS:
            self.message_user(request, f"There is no step called “{name}”.", messages.ERROR)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def fsm_transition_view(
        self, request: HttpRequest, object_id: str, transition_name: str, **kwargs: Any
    ) -> HttpResponse:
        """A step's form page (for steps that take a reason); 409 when the step was
        refused (the state moved on, a race was lost), 404 for a step that does not exist."""
        if transition_name not in TRANSITIONS:
            raise Http404("No such step.")
        response = super().fsm_transition_view(request, object_id, transition_name, **kwargs)
        if getattr(request, "scm_refused", False):
            response.status_code = 409
        return response


TRANSITIONS = {
    t.name for t in Certificate._meta.get_field("status").get_all_transitions(Certificate)
}


@admin.register(TransitionLog)
class TransitionLogAdmin(admin.ModelAdmin):
    list_display = ("at", "certificate", "summary", "source", "target", "actor", "reason")
    list_filter = ("transition", "target")
    list_select_related = ("certificate", "actor")
    search_fields = ("certificate__name", "actor__username", "reason")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OrganizationReview)
class OrganizationReviewAdmin(CertificateAdmin):
    """The Validation group's queue: applications at 70%, oldest first."""

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
    list_select_related = ("owner", "organization")

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request).filter(status=Status.PENDING_ORG_VERIFICATION)
        return queryset.annotate(call_count=Count("contact_attempts"))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(VALIDATE)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(VALIDATE)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(VALIDATE)

    @admin.display(description="Checklist")
    def checklist(self, certificate: Certificate) -> str:
        done = sum(
            [
                certificate.org_registry_checked,
                certificate.org_phone_checked,
                certificate.org_address_checked,
            ]
        )
        return f"{done}/3"

    @admin.display(description="Calls", ordering="call_count")
    def calls(self, certificate: Certificate) -> int:
        return certificate.call_count


@admin.register(CertificateAuthority)
class CertificateAuthorityAdmin(admin.ModelAdmin):
    """The CA certificates; keys are never shown. Rotation (a new CA) is for superusers."""

    list_display = ("name", "brand", "kind", "active", "created_at", "crl_number")
    list_filter = ("brand", "kind", "active")
    fields = readonly_fields = (
        "name",
        "brand",
        "kind",
        "parent",
        "active",
        "created_at",
        "certificate_pem",
        "crl_number",
        "crl_updated_at",
    )
    actions = ["rotate"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_staff

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("rotate", None)
        return actions

    @admin.action(description="Rotate: replace every brand's root and issuing CA")
    def rotate(self, request: HttpRequest, queryset: Any) -> None:
        if not request.user.is_superuser:
            self.message_user(request, "Only superusers can rotate the CA.", messages.ERROR)
            return
        created = init_ca(rotate=True)
        self.message_user(request, f"Created {len(created)} new CA certificates.")
