from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.forms import Textarea
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm.admin import FSMAdminMixin, FSMObjectTransition, FSMTransitionContext

from certificates.actions import STAFF_EDIT
from certificates.admin.log import TRANSITION_NAMES, ReadOnly
from certificates.admin.scale import BoundedListAdmin
from certificates.admin.titles import Titled
from certificates.exceptions import EditRefused, TransitionRefused
from certificates.models import Certificate, ContactAttempt, Domain, StateChange
from certificates.models.presenter import key_description, progress
from certificates.permissions import STAFF_FIELDS, VALIDATE
from certificates.templatetags.console import when
from teams.models import Team


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False


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
    """The CA's phone calls: earlier ones read-only (when, who, number, outcome, notes) for
    every staff group, and a row for the next one for Validation; the applicant sees them
    on the certificate's page."""

    model = ContactAttempt
    extra = 1
    fields = ("called_at", "called_by", "number", "outcome", "notes")
    # A narrow note box: the inline's table fits a 1280-pixel window.
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 28})}}
    readonly_fields = ("called_at", "called_by")
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("staff")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a call, once logged, is history

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """Each cell's input named after its column: a table's cells have no <label>."""
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            field.widget.attrs.setdefault("aria-label", str(field.label))
        return field

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(VALIDATE)

    @admin.display(description=gettext_lazy("When"))
    def called_at(self, attempt: ContactAttempt) -> str:
        return when(attempt.at) if attempt.pk else _("now")

    @admin.display(description=gettext_lazy("Who"))
    def called_by(self, attempt: ContactAttempt) -> str:
        if not attempt.pk:
            return _("you")
        return attempt.staff.get_username() if attempt.staff else _("the CA")


class StateChangeInline(ReadOnlyInline):
    model = StateChange
    verbose_name_plural = gettext_lazy("Transition log")
    fields = readonly_fields = ("at", "summary", "source", "target", "who", "detail")
    ordering = ("at", "id")


@admin.register(Certificate)
class CertificateAdmin(Titled, FSMAdminMixin, BoundedListAdmin):
    list_title = gettext_lazy("Choose a certificate")
    object_title = gettext_lazy("Certificate")
    fsm_fields = ["status"]
    list_display = (
        "name",
        "primary_domain",
        "team",
        "certificate_type",
        "brand",
        "status_with_progress",
        "manual_review",
        "updated_at",
    )
    list_filter = ("status", "certificate_type", "brand", "manual_review", "is_test")
    # Searched by get_search_results below, not by a join per field.
    search_fields = ("name", "primary_domain", "domains__name", "team__name", "owner__username")
    search_help_text = gettext_lazy(
        "The start of a name or domain, or of any word or label in them (shop finds "
        "www.acme-shop.com); or a team's exact name, or its buyer's exact username or email."
    )
    list_select_related = ("team",)
    ordering = ("-id",)  # newest first, on the primary key: no sort of the whole table
    sortable_by = ()  # the order an index keeps for every filter (see models' indexes)
    change_form_template = "admin/certificates/certificate/change_form.html"
    fsm_transition_form_template = "admin/certificates/certificate/transition_form.html"
    fieldsets = (
        (
            None,
            {"fields": (("name", "team", "owner"), ("certificate_type", "brand", "is_test"))},
        ),
        (gettext_lazy("Application"), {"fields": (("domain_type", "key"), "primary_domain")}),
        (
            gettext_lazy("Status"),
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
            gettext_lazy("Organization verification"),
            {
                "fields": (
                    "organization_details",
                    "applicant_details",
                    ("org_registry_checked", "org_phone_checked", "org_address_checked"),
                )
            },
        ),
        (
            gettext_lazy("Dates"),
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
        for _title, options in fieldsets
        for entry in options["fields"]
        for name in (entry if isinstance(entry, tuple) else (entry,))
        if name not in STAFF_FIELDS
    )
    inlines = [DomainInline, ContactAttemptInline, StateChangeInline]

    @staticmethod
    def get_fsm_block_label(fsm_field_name: str) -> str:
        return _("CA decision")

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
        # The list's search keys (one index range, certificates/prefixes.py) instead of the
        # stock OR of substring matches over joins, which scans and then needs DISTINCT.
        term = search_term.strip()
        if not term:
            return queryset, False
        owners = list(
            get_user_model()
            .objects.filter(Q(username__iexact=term) | Q(email__iexact=term))
            .values_list("pk", flat=True)
        )
        teams = list(Team.objects.filter(name__iexact=term).values_list("pk", flat=True))
        if not owners and not teams:  # the usual case: no OR, one index range
            return queryset.search(term), False
        named = queryset.filter(Q(owner__in=owners) | Q(team__in=teams))
        return queryset.search(term) | named, False

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for attempt in formset.save(commit=False):
            attempt.staff = request.user
            attempt.save()

    @admin.display(description=gettext_lazy("Key"))
    def key(self, certificate: Certificate) -> str:
        """Read from the certificate or the CSR, not the purchase's default."""
        return key_description(certificate)

    @admin.display(description=gettext_lazy("Organization"))
    def organization_details(self, certificate: Certificate) -> str:
        org = certificate.organization
        if org is None:
            return "—"
        verified = (
            _("verified %(date)s") % {"date": f"{org.verified_at:%Y-%m-%d}"}
            if org.verified_at
            else _("not verified yet")
        )
        registration = _("Registration %(number)s · public phone %(phone)s · %(verified)s") % {
            "number": org.registration_number,
            "phone": org.phone,
            "verified": verified,
        }
        return format_html(
            "<strong>{}</strong><br>{}, {}, {}, {}<br>{}",
            org.legal_name,
            org.address,
            org.city,
            org.state,
            org.country.name,
            registration,
        )

    @admin.display(description=gettext_lazy("Applicant"))
    def applicant_details(self, certificate: Certificate) -> str:
        if not certificate.applicant_name:
            return "—"
        applicant = _("%(name)s · %(email)s · %(phone)s (the CA may call this number)") % {
            "name": certificate.applicant_name,
            "email": certificate.applicant_email,
            "phone": certificate.applicant_phone,
        }
        technical = _("Technical: %(name)s · %(email)s · %(phone)s") % {
            "name": certificate.technical_name or "—",
            "email": certificate.technical_email or "—",
            "phone": certificate.technical_phone or "—",
        }
        return format_html("{}<br>{}", applicant, technical)

    @admin.display(description=gettext_lazy("Status"), ordering="status")
    def status_with_progress(self, certificate: Certificate) -> str:
        percent = progress(certificate)
        if percent is None:
            return certificate.get_status_display()
        return _("%(status)s (%(percent)s%%)") % {
            "status": certificate.get_status_display(),
            "percent": percent,
        }

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
        # checks the permission, logs the acting staff member and survives races. Of a
        # step's form only the reason goes to the transition (a confirmation is just that).
        reason = (kwargs or {}).get("reason", "")
        try:
            obj.run_transition(transition_name, by=request.user, reason=reason)
        except TransitionRefused as refused:
            said = " ".join(part for part in (str(refused), _last_step(obj)) if part)
            self.message_user(request, said, level=messages.ERROR)
            request.scm_refused = True
            return False
        done = Certificate.action(transition_name).done
        self.message_user(
            request,
            _("%(done)s: %(name)s is now “%(status)s”.")
            % {"done": done, "name": obj.name, "status": obj.get_status_display()},
        )
        return True

    def after_decision_url(self, request: HttpRequest, obj: Certificate) -> str:
        """Where staff land after a decision: the certificate here; a queue's list in the
        queues (the certificate has left the queue)."""
        return reverse("admin:certificates_certificate_change", args=[obj.pk])

    def response_change(self, request: HttpRequest, obj: Certificate) -> HttpResponse:
        if getattr(request, "scm_refused", False):  # save_model said why
            return HttpResponseRedirect(request.path)
        name = request.POST.get(self.fsm_post_param)
        if not name:
            return super().response_change(request, obj)
        if name not in TRANSITION_NAMES:
            self.message_user(
                request, _("There is no step called “%(name)s”.") % {"name": name}, messages.ERROR
            )
            return HttpResponseRedirect(request.path)
        transition = self._get_fsm_transition_by_name(obj=obj, transition_name=name)
        if self.get_fsm_transition_form(transition=transition):
            # A step that asks (a reason, a confirmation); the ticks were saved already.
            return super().response_change(request, obj)
        if self._apply_fsm_transition(obj=obj, transition_name=name, request=request):
            return HttpResponseRedirect(self.after_decision_url(request, obj))
        return HttpResponseRedirect(request.path)

    def fsm_transition_view(
        self, request: HttpRequest, object_id: str, transition_name: str, **kwargs: Any
    ) -> HttpResponse:
        """A step's form page (for steps that take a reason or a confirmation); 409 when
        the step was refused (the state moved on, a race was lost), 404 for a step that
        does not exist; after the decision, where after_decision_url() says."""
        if transition_name not in TRANSITION_NAMES:
            raise Http404(_("No such step."))
        obj = self.get_object(request, object_id)
        response = super().fsm_transition_view(request, object_id, transition_name, **kwargs)
        if getattr(request, "scm_refused", False):
            response.status_code = 409
        elif request.method == "POST" and response.status_code == 302 and obj is not None:
            return HttpResponseRedirect(self.after_decision_url(request, obj))
        return response


def _last_step(certificate: Certificate) -> str:
    """'Already done: <step> by <who> at <when> (<reason>).' when the certificate moved on;
    '' when it did not."""
    entry = (
        StateChange.objects.filter(certificate=certificate)
        .exclude(action=STAFF_EDIT)
        .order_by("-at", "-pk")
        .first()
    )
    if entry is None:
        return ""
    done = {"step": entry.summary, "who": entry.who, "when": when(entry.at)}
    if entry.detail:
        return _("Already done: %(step)s by %(who)s at %(when)s (%(reason)s).") % {
            **done,
            "reason": entry.detail,
        }
    return _("Already done: %(step)s by %(who)s at %(when)s.") % done
