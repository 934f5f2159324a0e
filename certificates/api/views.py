"""The REST API's endpoints (SPEC §10), each a thin door to the services and run_transition
the console uses: the same forms check buying and applying, the same model answers which
steps are open, the same limits count. The token's team and role decide (access.py)."""

from dataclasses import replace

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates import tasks
from certificates.api import access, idempotency, listing
from certificates.api import serializers as shapes
from certificates.api.errors import Conflict
from certificates.choices import CsrSource, DomainType, Method
from certificates.exceptions import NothingToVerify
from certificates.forms import ApplicationForm, PurchaseForm
from certificates.models import acting_as
from certificates.models.rules import is_editable
from certificates.permissions import ACT, DOWNLOAD, DOWNLOAD_KEY, may
from certificates.services import domain_methods
from certificates.services.applications import NOT_EDITABLE, save_application
from certificates.services.downloads import export
from certificates.services.purchases import buy, buy_test_certificate
from certificates.services.verifying import verify_now

# SCM's error shape, for every failure an endpoint may answer.
ERRORS = dict.fromkeys((400, 401, 403, 404, 405, 409, 413, 415, 422, 429), shapes.Error)


class TeamView(APIView):
    """Every endpoint: what the token's creator does meanwhile is recorded as done by the
    token ("API token deploy-bot" in the operation records)."""

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self._acting = acting_as(request.auth.actor_name)
        self._acting.__enter__()

    def finalize_response(self, request: Request, response, *args, **kwargs):
        acting = getattr(self, "_acting", None)
        if acting is not None:
            acting.__exit__(None, None, None)
            self._acting = None
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"  # a team's data, keys in exports
        return response


class Certificates(TeamView):
    @extend_schema(
        operation_id="list_certificates",
        parameters=listing.PARAMETERS,
        responses={200: shapes.CertificateList, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        """The team's certificates, as the console's list: newest first unless sorted."""
        found = listing.page(request, access.team_certificates(request))
        return Response(
            {
                "certificates": shapes.Certificate(found.rows, many=True).data,
                "total_count": found.total,
                "total_count_capped": found.capped,
                "next_cursor": found.next_cursor,
            }
        )

    @extend_schema(
        operation_id="buy_certificates",
        request=shapes.Buy,
        parameters=[idempotency.HEADER],
        responses={201: shapes.Bought, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        """Buy certificates (or a free test certificate) for the token's team."""
        access.require(request, ACT)
        return idempotency.once(request, lambda: self._buy(request))

    def _buy(self, request: Request) -> Response:
        asked = shapes.Buy(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        team, user = request.auth.team, request.user
        if data["test"]:
            bought = [buy_test_certificate(team, user, shapes.BRAND_OF_CODE[data["brand"]])]
        else:
            domain_type = shapes.DOMAIN_TYPE_OF_CODE[data["domain_type"]]
            form = PurchaseForm(
                {
                    "certificate_type": shapes.TYPE_OF_CODE[data["type"]],
                    "brand": shapes.BRAND_OF_CODE[data["brand"]],
                    "domain_type": domain_type,
                    "additional_domains": data["additional_domains"] or "",
                    "quantity": data["quantity"],
                }
            )
            if not form.is_valid():
                raise drf.ValidationError(_api_fields(form.errors, PURCHASE_FIELDS))
            purchase = form.purchase()
            if "key_algorithm" in data:
                purchase = replace(
                    purchase, key_algorithm=shapes.KEY_OF_CODE[data["key_algorithm"]]
                )
            bought = buy(team, user, purchase)
        return Response({"certificate_ids": [c.pk for c in bought]}, status=201)


PURCHASE_FIELDS = {"certificate_type": "type", "additional_domains": "additional_domains"}
APPLY_FIELDS = {
    "primary_domain": "domain",
    "additional_domains": "sans",
    "csr_text": "csr",
    "csr_source": "csr",
    "organization": "company_id",
    "applicant_name": "contact_name",
    "applicant_email": "contact_email",
    "applicant_phone": "contact_phone",
    "__all__": "non_field_errors",
}


def _api_fields(errors: dict, names: dict[str, str]) -> dict:
    """A form's errors under the API's field names."""
    return {names.get(field, field): list(messages) for field, messages in errors.items()}


class CertificateDetail(TeamView):
    @extend_schema(
        operation_id="show_certificate", responses={200: shapes.CertificateDetail, **ERRORS}
    )
    def get(self, request: Request, pk: int) -> Response:
        """One certificate with its domains' verification records, validity and timeline."""
        certificate = access.certificate(request, pk)
        return Response(shapes.CertificateDetail(certificate).data)

    @extend_schema(operation_id="delete_certificate", responses={200: shapes.Message, **ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        """Delete from the list where the console allows it (its history is kept)."""
        certificate = access.certificate(request, pk, ACT)
        _step(certificate, "discard", request)
        return Response({"message": _("Deleted."), "status": "DELETED"})


def _step(certificate, name: str, request: Request, **kwargs) -> None:
    """Take an owner's step through run_transition; 409 with the model's reason if closed."""
    if refusal := certificate.owner_refusal(name):
        raise Conflict(refusal)
    certificate.run_transition(name, by=request.user, **kwargs)


class Apply(TeamView):
    @extend_schema(
        operation_id="apply_certificate",
        request=shapes.Apply,
        parameters=[idempotency.HEADER],
        responses={200: shapes.CertificateDetail, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        """Fill in the application and submit it (`"submit": false` only saves it)."""
        certificate = access.certificate(request, pk, ACT)
        return idempotency.once(request, lambda: self._apply(request, certificate))

    def _apply(self, request: Request, certificate) -> Response:
        asked = shapes.Apply(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        if not is_editable(certificate):
            raise Conflict(NOT_EDITABLE)
        if data.get("sans") and certificate.domain_type != DomainType.MULTIPLE:
            kind = DomainType(certificate.domain_type).label.lower()
            said = _("Only multiple-domain certificates have sans; this one is %(kind)s.")
            raise drf.ValidationError({"sans": [said % {"kind": kind}]})
        form = ApplicationForm(
            _form_data(certificate, data), instance=certificate, submitting=data["submit"]
        )
        if not form.is_valid():
            raise drf.ValidationError(_api_fields(form.errors, APPLY_FIELDS))
        with transaction.atomic():
            save_application(
                certificate,
                form.application(form.cleaned_data.get("organization")),
                submit=data["submit"],
                by=request.user,
            )
            method = data.get("domain_method")
            if data["submit"] and method:
                for domain in certificate.domains.filter(status="pending"):
                    domain_methods.choose_method(domain, Method(method.lower()), by=request.user)
        certificate.refresh_from_db()
        return Response(shapes.CertificateDetail(certificate).data)


def _form_data(certificate, data: dict) -> dict:
    """The API body as the console's application form reads it."""
    csr = data.get("csr", "")
    key = data.get("key_algorithm")
    found = {
        "primary_domain": data.get("domain", certificate.primary_domain),
        "additional_domains": "\n".join(data.get("sans", [])),
        "csr_source": CsrSource.OWN if csr else CsrSource.SYSTEM,
        "csr_text": csr,
        "key_algorithm": shapes.KEY_OF_CODE[key] if key else certificate.key_algorithm,
        "organization": data.get("company_id") or "",
        "applicant_name": data.get("contact_name", ""),
        "applicant_email": data.get("contact_email", ""),
        "applicant_phone": data.get("contact_phone", ""),
        "technical_name": data.get("technical_name", ""),
        "technical_email": data.get("technical_email", ""),
        "technical_phone": data.get("technical_phone", ""),
    }
    return found


class Verify(TeamView):
    @extend_schema(
        operation_id="verify_certificate",
        request=None,
        responses={200: shapes.CertificateDetail, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        """Check every pending domain now instead of waiting for the next re-check."""
        certificate = access.certificate(request, pk, ACT)
        shapes.NoBody(data=request.data).is_valid(raise_exception=True)
        try:
            verify_now(certificate, hand_over=tasks.check_soon)
        except NothingToVerify as refusal:
            raise Conflict(str(refusal)) from None
        return Response(shapes.CertificateDetail(certificate).data)


class Cancel(TeamView):
    @extend_schema(
        operation_id="cancel_certificate",
        request=None,
        responses={200: shapes.Message, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        """Withdraw the application (the CA stops verifying it)."""
        certificate = access.certificate(request, pk, ACT)
        shapes.NoBody(data=request.data).is_valid(raise_exception=True)
        _step(certificate, "withdraw", request)
        return Response({"message": _("Withdrawal requested."), "status": "CANCELCHECKING"})


class Revoke(TeamView):
    @extend_schema(
        operation_id="revoke_certificate",
        request=shapes.Revoke,
        responses={200: shapes.Message, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        """Ask the CA to revoke, with a reason and an RFC 5280 reason code."""
        certificate = access.certificate(request, pk, ACT)
        asked = shapes.Revoke(data=request.data)
        asked.is_valid(raise_exception=True)
        _step(
            certificate,
            "request_revocation",
            request,
            reason=asked.validated_data["reason"],
            code=asked.validated_data["code"],
        )
        return Response({"message": _("Revocation requested."), "status": "REVOKING"})


class Export(TeamView):
    @extend_schema(
        operation_id="export_certificate",
        request=shapes.Export,
        responses={200: shapes.Exported, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        """The certificate, its chain and, for a role that may have it, the private key the
        console made (encrypted PKCS#8 with a passphrase)."""
        certificate = access.certificate(request, pk, DOWNLOAD)
        asked = shapes.Export(data=request.data)
        asked.is_valid(raise_exception=True)
        made = export(
            certificate,
            request.user,
            with_key=may(request.auth.acting_role, DOWNLOAD_KEY),
            passphrase=asked.validated_data.get("passphrase", ""),
        )
        return Response(
            {
                "entire_certificate": made.entire_certificate,
                "certificate": made.certificate,
                "certificate_chain": made.certificate_chain,
                "private_key": made.private_key,
            },
        )


class Hello(TeamView):
    """A token-authenticated hello-world, for make bench (registered by bench_urls only)."""

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response({"hello": request.auth.team.name})
