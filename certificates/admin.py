from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django_fsm.admin import FSMAdminMixin

from certificates.models import Certificate, Domain, TransitionLog, TransitionRefused


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DomainInline(ReadOnlyInline):
    model = Domain
    fields = readonly_fields = ("name", "is_primary")


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
    search_fields = ("name", "primary_domain", "domains__name", "owner__username", "owner__email")
    list_select_related = ("owner",)
    show_full_result_count = False
    ordering = ("-updated_at",)
    change_form_template = "admin/certificates/certificate/change_form.html"
    fieldsets = (
        (None, {"fields": (("name", "owner"), ("certificate_type", "brand", "is_test"))}),
        ("Application", {"fields": (("domain_type", "key_algorithm"), "primary_domain")}),
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
        if name != "manual_review"
    )
    inlines = [DomainInline, TransitionLogInline]

    @staticmethod
    def get_fsm_block_label(fsm_field_name: str) -> str:
        return "CA decision"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Certificates are bought by applicants in the console, never made up by staff.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Certificate, form: Any, change: bool) -> None:
        # Write only what staff changed (the manual-review flag): pressing a transition
        # button must not rewrite the whole row, which could race the applicant.
        if form.changed_data:
            obj.save(update_fields=[*form.changed_data, "updated_at"])

    @admin.display(description="Status", ordering="status")
    def status_with_progress(self, certificate: Certificate) -> str:
        if certificate.progress is None:
            return certificate.get_status_display()
        return f"{certificate.get_status_display()} ({certificate.progress}%)"

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
            return False
        done = Certificate.transition_custom(transition_name)["done"]
        self.message_user(request, f"{done}: {obj.name} is now “{obj.get_status_display()}”.")
        return True


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
