"""Revocation as relying parties see it: CRLs (RFC 5280), signed by the CA, and OCSP
responses (RFC 6960), signed by its delegated responder. Pure: `cryptography` objects in and out."""

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp

from certificates.ca.profiles import signing_hash


@dataclass(frozen=True)
class Revoked:
    serial: int
    revoked_at: dt.datetime
    reason: x509.ReasonFlags


def build_crl(
    *,
    issuer: x509.Certificate,
    issuer_key,
    revoked: Sequence[Revoked],
    number: int,
    now: dt.datetime,
    next_update: dt.timedelta,
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(now)
        .next_update(now + next_update)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    for entry in revoked:
        item = (
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial)
            .revocation_date(entry.revoked_at)
        )
        if entry.reason != x509.ReasonFlags.unspecified:
            item = item.add_extension(x509.CRLReason(entry.reason), critical=False)
        builder = builder.add_revoked_certificate(item.build())
    return builder.sign(issuer_key, signing_hash(issuer_key))


def name_hash(certificate: x509.Certificate, algorithm: str = "sha1") -> bytes:
    """The hash of the subject name's DER, as OCSP requests name an issuer (RFC 6960)."""
    return hashlib.new(algorithm, certificate.subject.public_bytes()).digest()


def key_hash(certificate: x509.Certificate, algorithm: str = "sha1") -> bytes:
    """The hash of the subject public key bits, as OCSP requests name an issuer (RFC 6960)."""
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        bits = key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    else:
        bits = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return hashlib.new(algorithm, bits).digest()


def ocsp_response(
    request: ocsp.OCSPRequest,
    *,
    signer: x509.Certificate,
    signer_key,
    known: bool,
    revoked: Revoked | None,
    now: dt.datetime,
    next_update: dt.timedelta,
    nonce: bytes | None = None,
) -> ocsp.OCSPResponse:
    """revoked / good / unknown (a serial this CA never issued) for the requested serial,
    signed by `signer` (the issuing CA's delegated responder, whose certificate goes with
    the response), echoing the request's nonce (RFC 8954)."""
    if revoked is None and not known:
        status, revocation_time, reason = ocsp.OCSPCertStatus.UNKNOWN, None, None
    elif revoked is None:
        status, revocation_time, reason = ocsp.OCSPCertStatus.GOOD, None, None
    else:
        # "unspecified" is said by leaving the reason out (Baseline Requirements §7.2.2).
        reason = None if revoked.reason == x509.ReasonFlags.unspecified else revoked.reason
        status, revocation_time = ocsp.OCSPCertStatus.REVOKED, revoked.revoked_at
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=request.issuer_name_hash,
        issuer_key_hash=request.issuer_key_hash,
        serial_number=request.serial_number,
        algorithm=request.hash_algorithm,
        cert_status=status,
        this_update=now,
        next_update=now + next_update,
        revocation_time=revocation_time,
        revocation_reason=reason,
    )
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, signer).certificates([signer])
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.sign(signer_key, signing_hash(signer_key))
