"""The built-in CA at work: creating it, signing applications, CRLs and OCSP (SPEC §6)."""

import datetime as dt
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from certificates import ca, keystore
from certificates import x509 as csr_tools
from certificates.choices import Brand, CAKind, CertificateType, RevocationReason
from certificates.models import Certificate, CertificateAuthority, Revocation, TransitionRefused

CRL_LIFETIME = dt.timedelta(days=4)
OCSP_LIFETIME = dt.timedelta(days=4)
# The CertID hash algorithms the responder answers for (SHA-1 as RFC 5019 asks, and SHA-2).
OCSP_HASHES = frozenset({"sha1", "sha224", "sha256", "sha384", "sha512"})
POLICIES = {
    CertificateType.DV: ca.POLICY_DV,
    CertificateType.OV: ca.POLICY_OV,
    CertificateType.OV_PRO: ca.POLICY_OV,
    CertificateType.EV: ca.POLICY_EV,
    CertificateType.EV_PRO: ca.POLICY_EV,
}
REASONS = {
    RevocationReason.UNSPECIFIED: x509.ReasonFlags.unspecified,
    RevocationReason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    RevocationReason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
    RevocationReason.SUPERSEDED: x509.ReasonFlags.superseded,
    RevocationReason.CESSATION_OF_OPERATION: x509.ReasonFlags.cessation_of_operation,
}


def _seal(key) -> bytes:
    return keystore.encrypt(csr_tools.private_key_pem(key))


@lru_cache(maxsize=32)
def _load(pk: int, certificate_pem: str, sealed_key: bytes):
    """A CA's certificate and key, decrypted once per process."""
    key = serialization.load_pem_private_key(keystore.decrypt(sealed_key), None)
    return x509.load_pem_x509_certificate(certificate_pem.encode()), key


def loaded(authority: CertificateAuthority):
    return _load(authority.pk, authority.certificate_pem, bytes(authority.private_key))


def urls(brand: str) -> ca.Urls:
    return _urls(settings.SCM_PUBLIC_URL, brand)


@lru_cache(maxsize=32)
def _urls(base: str, brand: str) -> ca.Urls:
    return ca.Urls(
        crl=base + reverse("ca:crl", args=[brand]),
        ocsp=base + reverse("ca:ocsp"),
        ca_issuers=base + reverse("ca:issuer", args=[brand]),
    )


def init_ca(*, rotate: bool = False) -> list[CertificateAuthority]:
    """A root and an issuing CA for every brand that lacks them (or all, to rotate)."""
    created = []
    now = timezone.now()
    for brand in Brand:
        active = CertificateAuthority.objects.filter(brand=brand, active=True)
        if active.exists() and not rotate:
            continue
        with transaction.atomic():
            active.update(active=False)
            root_key, issuing_key = ca.ca_key(), ca.ca_key()
            label = brand.label
            root = ca.make_root(ca.ca_name(f"{label} Root CA R1", label), root_key, now)
            issuing = ca.make_intermediate(
                ca.ca_name(f"{label} TLS Issuing CA 1", label),
                issuing_key,
                root,
                root_key,
                now,
            )
            root_row = CertificateAuthority.objects.create(
                brand=brand,
                kind=CAKind.ROOT,
                name=f"{label} Root CA R1",
                certificate_pem=root.public_bytes(serialization.Encoding.PEM).decode(),
                private_key=_seal(root_key),
            )
            created += [
                root_row,
                CertificateAuthority.objects.create(
                    brand=brand,
                    kind=CAKind.INTERMEDIATE,
                    parent=root_row,
                    name=f"{label} TLS Issuing CA 1",
                    certificate_pem=issuing.public_bytes(serialization.Encoding.PEM).decode(),
                    private_key=_seal(issuing_key),
                ),
            ]
    return created


def issuing_ca(brand: str) -> CertificateAuthority:
    authority = CertificateAuthority.objects.filter(
        brand=brand, kind=CAKind.INTERMEDIATE, active=True
    ).first()
    if authority is None:
        raise TransitionRefused(
            f"There is no issuing CA for {Brand(brand).label} yet: run `manage.py init_ca`."
        )
    return authority


def sign(certificate: Certificate) -> None:
    """Sign the application's CSR key for its domains; sets the certificate's fields."""
    authority = issuing_ca(certificate.brand)
    organization = certificate.organization
    certificate.certificate_pem, certificate.serial_number = sign_csr(
        authority,
        certificate.csr_pem,
        domains=certificate.domain_names,
        policy=POLICIES[certificate.product],
        organization=organization
        and ca.Organization(
            legal_name=organization.legal_name,
            country=organization.country.code,
            state=organization.state,
            city=organization.city,
            registration_number=organization.registration_number,
        ),
        not_before=certificate.not_before,
        not_after=certificate.not_after,
    )
    certificate.issuer = authority


def sign_csr(
    authority: CertificateAuthority,
    csr_pem: str,
    *,
    domains: list[str],
    policy,
    organization: ca.Organization | None,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> tuple[str, str]:
    """The signing step of issuance, without the database: (certificate PEM, serial hex)."""
    issuer, issuer_key = loaded(authority)
    signed = ca.sign_subscriber(
        public_key=csr_tools.load_csr(csr_pem).public_key(),
        domains=domains,
        policy=policy,
        organization=organization,
        issuer=issuer,
        issuer_key=issuer_key,
        not_before=not_before,
        not_after=not_after,
        urls=urls(authority.brand),
    )
    return (
        signed.public_bytes(serialization.Encoding.PEM).decode(),
        format(signed.serial_number, "x"),
    )


def chain_pem(authority: CertificateAuthority) -> str:
    """The issuing CA's certificate, which servers send after their own."""
    return authority.certificate_pem


def revoked_entries(authority: CertificateAuthority, now: dt.datetime) -> list[ca.Revoked]:
    """Every serial this CA revoked whose certificate has not expired yet (RFC 5280 §3.3:
    an entry stays at least until the certificate's expiry has passed)."""
    rows = Revocation.objects.filter(issuer=authority, not_after__gte=now).values_list(
        "serial_number", "revoked_at", "reason_code"
    )
    return [
        ca.Revoked(int(serial, 16), revoked_at, REASONS[RevocationReason(code)])
        for serial, revoked_at, code in rows
    ]


def refresh_crl(authority: CertificateAuthority) -> bytes:
    """Sign a new CRL for this issuing CA and keep it (CRL numbers only grow)."""
    issuer, issuer_key = loaded(authority)
    with transaction.atomic():
        locked = CertificateAuthority.objects.select_for_update().get(pk=authority.pk)
        number = locked.crl_number + 1
        now = timezone.now()
        crl = ca.build_crl(
            issuer=issuer,
            issuer_key=issuer_key,
            revoked=revoked_entries(authority, now),
            number=number,
            now=now,
            next_update=CRL_LIFETIME,
        )
        der = crl.public_bytes(serialization.Encoding.DER)
        CertificateAuthority.objects.filter(pk=authority.pk).update(
            crl_der=der, crl_number=number, crl_updated_at=now
        )
    return der


def current_crl(authority: CertificateAuthority) -> bytes:
    """The kept CRL, re-signed when it is more than a day old."""
    stale = timezone.now() - dt.timedelta(days=1)
    if authority.crl_der and authority.crl_updated_at and authority.crl_updated_at > stale:
        return bytes(authority.crl_der)
    return refresh_crl(authority)


def answer_ocsp(request_der: bytes) -> bytes:
    """An OCSP response (RFC 6960) for a DER request: good, revoked or unknown, or an
    unsuccessful status: malformedRequest for a request the responder cannot read (not
    exactly one certificate asked about, a hash algorithm it does not know, hashes of the
    wrong length, a serial that no certificate can have), unauthorized for a CA it does not
    answer for."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        algorithm = request.hash_algorithm
        serial_number = request.serial_number
    except (ValueError, NotImplementedError, UnsupportedAlgorithm):
        return _ocsp_error(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    if (
        algorithm.name not in OCSP_HASHES
        or len(request.issuer_key_hash) != algorithm.digest_size
        or len(request.issuer_name_hash) != algorithm.digest_size
        or serial_number < 0  # RFC 5280 §4.1.2.2: serials are positive
    ):
        return _ocsp_error(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    for authority in CertificateAuthority.objects.filter(kind=CAKind.INTERMEDIATE):
        issuer, issuer_key = loaded(authority)
        if (
            ca.key_hash(issuer, algorithm.name) != request.issuer_key_hash
            or ca.name_hash(issuer, algorithm.name) != request.issuer_name_hash
        ):
            continue
        serial = format(serial_number, "x")
        revocation = Revocation.objects.filter(issuer=authority, serial_number=serial).first()
        response = ca.ocsp_response(
            request,
            issuer=issuer,
            issuer_key=issuer_key,
            known=revocation is not None
            or Certificate.objects.filter(issuer=authority, serial_number=serial)
            .exclude(certificate_pem="")
            .exists(),
            revoked=revocation
            and ca.Revoked(
                serial_number,
                revocation.revoked_at,
                REASONS[RevocationReason(revocation.reason_code)],
            ),
            now=timezone.now(),
            next_update=OCSP_LIFETIME,
        )
        return response.public_bytes(serialization.Encoding.DER)
    return _ocsp_error(ocsp.OCSPResponseStatus.UNAUTHORIZED)


def _ocsp_error(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )
