"""The CA certificates in the admin: shown, never edited; keys never shown."""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from certificates.admin.titles import Titled
from certificates.models import CertificateAuthority
from certificates.services.issuance import init_ca


@admin.register(CertificateAuthority)
class CertificateAuthorityAdmin(Titled, admin.ModelAdmin):
    """The CA certificates; keys are never shown. Rotation (a new CA) is for superusers."""

    list_title = gettext_lazy("Choose a certificate authority")
    object_title = gettext_lazy("Certificate authority")

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

    @admin.action(description=gettext_lazy("Rotate: replace every brand's root and issuing CA"))
    def rotate(self, request: HttpRequest, queryset: Any) -> None:
        if not request.user.is_superuser:
            self.message_user(request, _("Only superusers can rotate the CA."), messages.ERROR)
            return
        created = init_ca(rotate=True)
        self.message_user(
            request,
            ngettext(
                "Created %(count)d new CA certificate.",
                "Created %(count)d new CA certificates.",
                len(created),
            )
            % {"count": len(created)},
        )
