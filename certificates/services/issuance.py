"""The built-in CA at work (SPEC §6): creating each brand's root and issuing CA and its OCSP
responder, keeping the CRLs fresh and answering OCSP. Signing a certificate is the issue
transition's (Certificate.sign, CertificateAuthority.sign_csr)."""

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp
from django.db import transaction
from django.utils import timezone

from certificates.ca import csr as csr_tools
from certificates.ca import keystore, profiles, status
from certificates.choices import Brand, CAKind, RevocationReason
from certificates.models import Certificate, CertificateAuthority, Revocation
from certificates.models.authority import root_urls

CRL_LIFETIME = dt.timedelta(days=4)  # BR §4.9.7: at most 10 days; re-signed daily
OCSP_LIFETIME = dt.timedelta(days=4)  # BR §4.9.10: between 8 hours and 10 days
# A delegated OCSP responder certificate is not revocable (id-pkix-ocsp-nocheck): it lives
# 90 days and is replaced when 30 are left.
RESPONDER_DAYS, RESPONDER_RENEW_DAYS = 90, 30
MAX_NONCE_BYTES = 32  # RFC 8954 §2.1
# The CertID hash algorithms the responder answers for (SHA-1 as RFC 5019 asks, and SHA-2).
OCSP_HASHES = frozenset({"sha1", "sha224", "sha256", "sha384", "sha512"})
REASONS = {
    RevocationReason.UNSPECIFIED: x509.ReasonFlags.unspecified,
    RevocationReason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    RevocationReason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
    RevocationReason.SUPERSEDED: x509.ReasonFlags.superseded,
    RevocationReason.CESSATION_OF_OPERATION: x509.ReasonFlags.cessation_of_operation,
}


def _seal(key) -> bytes:
    return keystore.encrypt(csr_tools.private_key_pem(key))


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
            root_key, issuing_key = profiles.ca_key(), profiles.ca_key()
            label = brand.label
            root = profiles.make_root(profiles.ca_name(f"{label} Root CA R1", label), root_key, now)
            issuing = profiles.make_intermediate(
                profiles.ca_name(f"{label} TLS Issuing CA 1", label),
                issuing_key,
                root,
                root_key,
                now,
                urls=root_urls(brand),
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
    for authority in created:
        if authority.kind == CAKind.INTERMEDIATE:
            responder(authority)
    return created


def responder(authority: CertificateAuthority) -> tuple[x509.Certificate, object]:
    """The issuing CA's delegated OCSP responder (certificate, key): made, or made anew when
    it has less than RESPONDER_RENEW_DAYS left, by one process at a time."""
    now = timezone.now()
    if authority.responder_pem:
        current = authority.responder()
        if current[0].not_valid_after_utc - now > dt.timedelta(days=RESPONDER_RENEW_DAYS):
            return current
    with transaction.atomic():
        locked = CertificateAuthority.objects.select_for_update().get(pk=authority.pk)
        if locked.responder_pem:
            current = locked.responder()
            if current[0].not_valid_after_utc - now > dt.timedelta(days=RESPONDER_RENEW_DAYS):
                authority.responder_pem, authority.responder_key = (
                    locked.responder_pem,
                    locked.responder_key,
                )
                return current
        issuer, issuer_key = authority.loaded()
        key = profiles.responder_key()
        certificate = profiles.make_ocsp_responder(
            profiles.ca_name(f"{authority.name} OCSP Responder", authority.get_brand_display()),
            key,
            issuer,
            issuer_key,
            now,
            days=RESPONDER_DAYS,
        )
        authority.responder_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
        authority.responder_key = _seal(key)
        CertificateAuthority.objects.filter(pk=authority.pk).update(
            responder_pem=authority.responder_pem, responder_key=authority.responder_key
        )
    return authority.responder()


def revoked_entries(authority: CertificateAuthority, now: dt.datetime) -> list[status.Revoked]:
    """Every serial this CA revoked whose certificate has not expired yet (RFC 5280 §3.3:
    an entry stays at least until the certificate's expiry has passed)."""
    rows = Revocation.objects.filter(issuer=authority, not_after__gte=now).values_list(
        "serial_number", "revoked_at", "reason_code"
    )
    return [
        status.Revoked(int(serial, 16), revoked_at, REASONS[RevocationReason(code)])
        for serial, revoked_at, code in rows
    ]


def refresh_crl(authority: CertificateAuthority) -> bytes:
    """Sign a new CRL for this issuing CA and keep it (CRL numbers only grow)."""
    issuer, issuer_key = authority.loaded()
    with transaction.atomic():
        locked = CertificateAuthority.objects.select_for_update().get(pk=authority.pk)
        number = locked.crl_number + 1
        now = timezone.now()
        crl = status.build_crl(
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
    """An OCSP response (RFC 6960) for a DER request: good, revoked or unknown, signed by the
    issuing CA's delegated responder, with the request's nonce echoed (RFC 8954); or an
    unsuccessful status: malformedRequest for a request the responder cannot read (not
    exactly one certificate asked about, a hash algorithm it does not know, hashes of the
    wrong length, a serial that no certificate can have, a nonce over 32 bytes),
    unauthorized for a CA it does not answer for."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
        algorithm = request.hash_algorithm
        serial_number = request.serial_number
        nonce = _nonce(request)
    except Exception:  # cryptography refuses hostile DER in more ways than ValueError
        return _ocsp_error(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    if (
        algorithm.name not in OCSP_HASHES
        or len(request.issuer_key_hash) != algorithm.digest_size
        or len(request.issuer_name_hash) != algorithm.digest_size
        or serial_number < 0  # RFC 5280 §4.1.2.2: serials are positive
        or (nonce is not None and not 1 <= len(nonce) <= MAX_NONCE_BYTES)
    ):
        return _ocsp_error(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    for authority in CertificateAuthority.objects.filter(kind=CAKind.INTERMEDIATE):
        issuer, _ = authority.loaded()
        if (
            status.key_hash(issuer, algorithm.name) != request.issuer_key_hash
            or status.name_hash(issuer, algorithm.name) != request.issuer_name_hash
        ):
            continue
        serial = format(serial_number, "x")
        revocation = Revocation.objects.filter(issuer=authority, serial_number=serial).first()
        signer, signer_key = responder(authority)
        response = status.ocsp_response(
            request,
            signer=signer,
            signer_key=signer_key,
            known=revocation is not None
            or Certificate.objects.filter(issuer=authority, serial_number=serial)
            .exclude(certificate_pem="")
            .exists(),
            revoked=revocation
            and status.Revoked(
                serial_number,
                revocation.revoked_at,
                REASONS[RevocationReason(revocation.reason_code)],
            ),
            now=timezone.now(),
            next_update=OCSP_LIFETIME,
            nonce=nonce,
        )
        return response.public_bytes(serialization.Encoding.DER)
    return _ocsp_error(ocsp.OCSPResponseStatus.UNAUTHORIZED)


def _nonce(request: ocsp.OCSPRequest) -> bytes | None:
    try:
        return request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        return None


def refresh_all() -> int:
    """The worker's daily round: a fresh CRL for every active CA (roots' included), well
    before the last one's nextUpdate, revocations or not; responders renewed in time."""
    authorities = list(CertificateAuthority.objects.filter(active=True))
    for authority in authorities:
        refresh_crl(authority)
        if authority.kind == CAKind.INTERMEDIATE:
            responder(authority)
    return len(authorities)


def _ocsp_error(outcome: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(outcome).public_bytes(
        serialization.Encoding.DER
    )
