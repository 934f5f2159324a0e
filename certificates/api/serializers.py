"""What the API says about a certificate, in SCM v3's field names (SPEC §10), and the bodies
it reads. The words (progress, status_text, expected_issue, validity, timeline) are the
console's own (models/presenter.py, the timeline too);
the rules are the forms' and services' (buying and applying are checked by PurchaseForm and
ApplicationForm, the console's one home for them)."""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from certificates.api import fields as strict
from certificates.ca import csr as csr_tools
from certificates.choices import (
    MAX_ADDITIONAL_DOMAINS,
    Brand,
    CertificateType,
    DomainType,
    KeyAlgorithm,
    Method,
    RevocationReason,
    Status,
)
from certificates.models import presenter

# SCM's status codes for the console's states.
SCM_STATUS = {
    Status.PENDING_APPLICATION: "PAID",
    Status.PENDING_DOMAIN_VERIFICATION: "CHECKING",
    Status.PENDING_ORG_VERIFICATION: "CHECKING_ORG",
    Status.TO_BE_ISSUED: "ISSUING",
    Status.ISSUED: "ISSUED",
    Status.WITHDRAWING: "CANCELCHECKING",
    Status.APPLICATION_FAILED: "UNPASSED",
    Status.REVOKING: "REVOKING",
    Status.REVOKED: "REVOKED",
    Status.EXPIRED: "EXPIRED",
}
STATUS_OF_CODE = {code: status for status, code in SCM_STATUS.items()}
SCM_TYPE = {
    CertificateType.DV: "DV_SSL_CERT_BASIC",
    CertificateType.OV: "OV_SSL_CERT",
    CertificateType.OV_PRO: "OV_SSL_CERT_PRO",
    CertificateType.EV: "EV_SSL_CERT",
    CertificateType.EV_PRO: "EV_SSL_CERT_PRO",
}
TYPE_OF_CODE = {code: kind for kind, code in SCM_TYPE.items()}
SCM_DOMAIN_TYPE = {
    DomainType.SINGLE: "SINGLE_DOMAIN",
    DomainType.MULTIPLE: "MULTI_DOMAIN",
    DomainType.WILDCARD: "WILDCARD",
}
DOMAIN_TYPE_OF_CODE = {code: kind for kind, code in SCM_DOMAIN_TYPE.items()}
SCM_METHOD = {Method.DNS: "DNS", Method.FILE: "FILE", Method.EMAIL: "EMAIL"}
RECORD_TYPE = {
    Method.DNS: "TXT",
    Method.FILE: "FILE",
    Method.EMAIL: "EMAIL",
    # An ACME order's domains: what its client's challenge puts where (SPEC §11).
    Method.ACME_HTTP: "FILE",
    Method.ACME_DNS: "TXT",
}
SCM_BRAND = {brand: brand.name for brand in Brand}
BRAND_OF_CODE = {code: brand for brand, code in SCM_BRAND.items()}
SCM_KEY = {
    KeyAlgorithm.RSA_2048: "RSA_2048",
    KeyAlgorithm.RSA_3072: "RSA_3072",
    KeyAlgorithm.RSA_4096: "RSA_4096",
    KeyAlgorithm.EC_P256: "EC_P256",
    KeyAlgorithm.EC_P384: "EC_P384",
}
KEY_OF_CODE = {code: key for key, code in SCM_KEY.items()}


class Presented:
    """A field whose value a function of the certificate gives (the presenter's), not an
    attribute of it."""

    def __init__(self, *args: Any, shows: Callable[[Any], Any], **kwargs: Any) -> None:
        self.shows = shows
        super().__init__(*args, **kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return self.shows(instance)


class PresentedInteger(Presented, strict.IntegerField):
    pass


class PresentedText(Presented, serializers.CharField):
    pass


class PresentedList(Presented, serializers.ListSerializer):
    pass


class Certificate(serializers.Serializer):
    """A certificate as the list shows it."""

    id = strict.IntegerField(source="pk")
    name = serializers.CharField()
    domain = serializers.CharField(source="primary_domain")
    sans = serializers.SerializerMethodField()
    signature_algorithm = serializers.SerializerMethodField(
        help_text=_(
            "The certificate's key, read from its CSR (RSA 2048, EC P-256…); before a CSR "
            "exists, the key the console will generate."
        )
    )
    type = serializers.SerializerMethodField()
    brand = serializers.SerializerMethodField()
    domain_type = serializers.SerializerMethodField()
    domain_count = strict.IntegerField()
    wildcard_count = serializers.SerializerMethodField()
    validity_period = serializers.SerializerMethodField()
    expire_time = serializers.DateTimeField(source="not_after", allow_null=True)
    status = serializers.SerializerMethodField()
    progress = PresentedInteger(
        shows=presenter.progress, allow_null=True, help_text=_("Percent, 0–100.")
    )
    status_text = serializers.CharField(source="state.label")
    test = strict.BooleanField(source="is_test")

    def to_representation(self, certificate) -> dict:
        """The fields above, written out: a page of 10 took 0.42 ms through DRF's field-by-field
        path (a fifth of the API list's time; its target is 2x a token hello-world).
        tests/api/test_serializers.py holds it equal to DRF's own rendering."""
        names = self._names(certificate)
        primary = certificate.primary_domain
        expiry = certificate.not_after
        return {
            "id": certificate.pk,
            "name": certificate.name,
            "domain": primary,
            "sans": [name for name in names if name != primary],
            "signature_algorithm": self.get_signature_algorithm(certificate),
            "type": SCM_TYPE[certificate.certificate_type],
            "brand": SCM_BRAND[certificate.brand],
            "domain_type": SCM_DOMAIN_TYPE[certificate.domain_type],
            "domain_count": certificate.domain_count,
            "wildcard_count": sum(name.startswith("*.") for name in names),
            "validity_period": self.get_validity_period(certificate),
            "expire_time": None if expiry is None else EXPIRY.to_representation(expiry),
            "status": SCM_STATUS[certificate.status],
            "progress": presenter.progress(certificate),
            "status_text": certificate.state.label,
            "test": certificate.is_test,
        }

    @staticmethod
    def _names(certificate) -> list[str]:
        """Its domains: as the list read them for the page (listing.py), else from the rows."""
        listed = getattr(certificate, "listed_domains", None)
        return listed if listed is not None else certificate.domain_names

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_sans(self, certificate) -> list[str]:
        return [name for name in self._names(certificate) if name != certificate.primary_domain]

    def get_signature_algorithm(self, certificate) -> str:
        listed = getattr(certificate, "listed_key", None)  # read for the page (listing.py)
        if listed is not None:
            return listed
        # The CSR's key is the certificate's (it is issued for that key): no need to read
        # the certificate itself.
        found = csr_tools.stored_key_in_words("", certificate.csr_pem)
        return found or KeyAlgorithm(certificate.key_algorithm).label

    @extend_schema_field(serializers.ChoiceField(choices=list(SCM_TYPE.values())))
    def get_type(self, certificate) -> str:
        return SCM_TYPE[CertificateType(certificate.certificate_type)]

    @extend_schema_field(serializers.ChoiceField(choices=list(SCM_BRAND.values())))
    def get_brand(self, certificate) -> str:
        return SCM_BRAND[Brand(certificate.brand)]

    @extend_schema_field(serializers.ChoiceField(choices=list(SCM_DOMAIN_TYPE.values())))
    def get_domain_type(self, certificate) -> str:
        return SCM_DOMAIN_TYPE[DomainType(certificate.domain_type)]

    def get_wildcard_count(self, certificate) -> int:
        return sum(name.startswith("*.") for name in self._names(certificate))

    @extend_schema_field(strict.IntegerField(allow_null=True))
    def get_validity_period(self, certificate) -> int | None:
        """Days from not_before to not_after inclusive (X.509's count), once issued."""
        return presenter.validity_days(certificate)

    @extend_schema_field(serializers.ChoiceField(choices=list(SCM_STATUS.values())))
    def get_status(self, certificate) -> str:
        return SCM_STATUS[Status(certificate.status)]


EXPIRY = serializers.DateTimeField()  # how DRF writes a time (ISO 8601, the zone's offset)


class Authentification(serializers.Serializer):
    """How one domain is being proven: the record to create (SCM's spelling)."""

    domain = serializers.CharField(source="name")
    status = serializers.CharField(
        source="shown_status.code",
        help_text=_(
            "pending, verified, failed, or not-verified once the application stopped "
            "before its domains were proven (as the console's Domains card says)"
        ),
    )
    record_type = serializers.SerializerMethodField()
    record_name = serializers.SerializerMethodField()
    record_value = serializers.SerializerMethodField()
    last_check = serializers.CharField(source="last_result")

    @extend_schema_field(serializers.ChoiceField(choices=list(RECORD_TYPE.values())))
    def get_record_type(self, domain) -> str:
        return RECORD_TYPE[Method(domain.method)]

    def get_record_name(self, domain) -> str:
        if domain.method == Method.DNS:
            return domain.txt_name
        if domain.method == Method.FILE:
            return domain.file_url
        if domain.method == Method.ACME_DNS:
            return domain.acme_txt_name
        if domain.method == Method.ACME_HTTP:
            return f"http://{domain.base_name}/.well-known/acme-challenge/{domain.token}"
        return domain.email_address

    def get_record_value(self, domain) -> str:
        # An ACME challenge's answer is the client's (its key authorization): not shown.
        return domain.token if domain.method in (Method.DNS, Method.FILE) else ""


class TimelineEntry(serializers.Serializer):
    time = serializers.DateTimeField(source="at")
    event = serializers.CharField(source="summary")
    actor = serializers.CharField()
    states = serializers.CharField()
    reason = serializers.CharField()


class CertificateDetail(Certificate):
    """One certificate: the list's fields, the domains' records, validity and timeline."""

    # DRF's own field-by-field rendering: one certificate, no page of them.
    to_representation = serializers.Serializer.to_representation

    authentification = Authentification(source="domains.all", many=True)
    not_before = serializers.DateTimeField(allow_null=True)
    not_after = serializers.DateTimeField(allow_null=True)
    serial_number = serializers.CharField()
    expected_issue = PresentedText(shows=presenter.expected_issue, allow_null=True)
    timeline = PresentedList(shows=presenter.timeline, child=TimelineEntry())


class CertificateList(serializers.Serializer):
    certificates = Certificate(many=True)
    total_count = strict.IntegerField(
        help_text=_(
            "How many certificates the filters keep, counted up to 1,000 (there are "
            "more when total_count_capped is true)."
        )
    )
    total_count_capped = serializers.BooleanField()
    next_cursor = serializers.CharField(
        allow_null=True, help_text=_("Pass as `cursor` for the next page (any depth).")
    )


class Buy(strict.Body):
    """What to buy (SPEC §10); checked by the console's PurchaseForm."""

    type = strict.ChoiceField(choices=list(SCM_TYPE.values()), default="DV_SSL_CERT_BASIC")
    brand = strict.ChoiceField(choices=list(SCM_BRAND.values()), default="AURORA")
    domain_type = strict.ChoiceField(
        choices=list(SCM_DOMAIN_TYPE.values()), default="SINGLE_DOMAIN"
    )
    additional_domains = strict.IntegerField(
        required=False, min_value=0, max_value=MAX_ADDITIONAL_DOMAINS, default=0
    )
    key_algorithm = strict.ChoiceField(
        choices=list(SCM_KEY.values()),
        required=False,
        help_text=_("The key the console generates on applying; the application may change it."),
    )
    quantity = strict.IntegerField(min_value=1, max_value=100, default=1)
    test = strict.BooleanField(
        default=False, help_text=_("A free test certificate (DV, 3 months; 20 per team).")
    )


class Bought(serializers.Serializer):
    certificate_ids = serializers.ListField(child=strict.IntegerField())


class Apply(strict.Body):
    """SCM's apply body; checked by the console's ApplicationForm."""

    domain = strict.CharField(required=False, allow_blank=True, max_length=1000)
    sans = serializers.ListField(
        child=strict.CharField(max_length=1000), required=False, max_length=500
    )
    csr = strict.CharField(
        required=False,
        allow_blank=True,
        help_text=_("Your own CSR (PEM); else the console makes one."),
    )
    key_algorithm = strict.ChoiceField(choices=list(SCM_KEY.values()), required=False)
    domain_method = strict.ChoiceField(
        choices=["DNS", "FILE"], required=False, help_text=_("How every domain is proven.")
    )
    company_id = strict.IntegerField(
        required=False, help_text=_("An organization of the team (OV and EV).")
    )
    contact_name = strict.CharField(required=False, allow_blank=True, max_length=100)
    contact_email = strict.CharField(required=False, allow_blank=True, max_length=254)
    contact_phone = strict.CharField(required=False, allow_blank=True, max_length=40)
    technical_name = strict.CharField(required=False, allow_blank=True, max_length=100)
    technical_email = strict.CharField(required=False, allow_blank=True, max_length=254)
    technical_phone = strict.CharField(required=False, allow_blank=True, max_length=40)
    submit = strict.BooleanField(default=True, help_text=_("false only saves the draft."))


class Revoke(strict.Body):
    reason = strict.CharField(max_length=500)
    code = strict.ChoiceField(
        choices=RevocationReason.values,
        default=RevocationReason.UNSPECIFIED,
        help_text=_("The RFC 5280 reason."),
    )


class Export(strict.Body):
    passphrase = strict.CharField(
        required=False,
        min_length=8,
        max_length=200,
        trim_whitespace=False,
        help_text=_("Encrypt the private key (PKCS#8) with this; without it the key is plain PEM."),
    )


class NoBody(strict.Body):
    """The steps that take no fields: at most an empty object."""


class Exported(serializers.Serializer):
    entire_certificate = serializers.CharField(help_text=_("The certificate and its chain (PEM)."))
    certificate = serializers.CharField()
    certificate_chain = serializers.CharField()
    private_key = serializers.CharField(
        allow_null=True,
        help_text=_("Only where the console made the key and the token's role may have it."),
    )


class Error(serializers.Serializer):
    """SCM's error shape (every 4xx and 5xx)."""

    error_code = serializers.CharField(help_text=_("SCM.0400, SCM.0401, … SCM.0<status>"))
    error_msg = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("Each field that is not valid, with its messages (400)."),
    )


class Message(serializers.Serializer):
    message = serializers.CharField()
    status = serializers.CharField()
