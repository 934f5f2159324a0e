"""Certificates in the CA/Browser Forum profiles (SPEC §6): the CA's root and issuing CA
certificates, and subscriber certificates of each type. Pure: `cryptography` objects in and
out, no ORM, no settings."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from certificates.choices import CertificateType

# CA/Browser Forum reserved policy identifiers (Baseline Requirements §7.1.6.1).
POLICY_DV = x509.ObjectIdentifier("2.23.140.1.2.1")
POLICY_OV = x509.ObjectIdentifier("2.23.140.1.2.2")
POLICY_EV = x509.ObjectIdentifier("2.23.140.1.1")
# An issuing CA run by the root's own operator (an Affiliate, BR §7.1.2.10.5) issues DV, OV
# and EV: anyPolicy, as the BRs allow it for an affiliated CA (one reserved identifier
# alone could not cover the three).
ANY_POLICY = x509.ObjectIdentifier("2.5.29.32.0")
BACKDATE = dt.timedelta(minutes=1)  # small clock skew on the relying party's side
# The policy each certificate type is issued under.
POLICY_OF = {
    CertificateType.DV: POLICY_DV,
    CertificateType.OV: POLICY_OV,
    CertificateType.OV_PRO: POLICY_OV,
    CertificateType.EV: POLICY_EV,
    CertificateType.EV_PRO: POLICY_EV,
}


def ca_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


def _key_usage(*, key_cert_sign: bool = False, crl_sign: bool = False) -> x509.KeyUsage:
    """digitalSignature plus what is asked; every other bit off. Subscriber RSA keys get no
    keyEncipherment: TLS 1.3 and ECDHE never encrypt to the certificate's key, and BR
    §7.1.2.7.11 marks it NOT RECOMMENDED with digitalSignature (a deliberate choice: static
    RSA key exchange, TLS 1.2's oldest suites, is not served)."""
    return x509.KeyUsage(
        digital_signature=True,
        key_encipherment=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        content_commitment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )


def _ca_extensions(builder: x509.CertificateBuilder, key, issuer_key, path_length: int | None):
    return (
        builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=path_length), critical=True
        )
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )


def ca_name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_root(name: x509.Name, key, now: dt.datetime, years: int = 20) -> x509.Certificate:
    """A root CA certificate (BR §7.1.2.1): no pathLenConstraint (NOT RECOMMENDED for roots:
    the issuing CAs below constrain the path themselves)."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(days=365 * years))
    )
    return _ca_extensions(builder, key, key, path_length=None).sign(key, hashes.SHA384())


def make_intermediate(
    name: x509.Name, key, root: x509.Certificate, root_key, now: dt.datetime, *, urls: "Urls"
) -> x509.Certificate:
    """A TLS subordinate CA certificate of the root's own operator (BR §7.1.2.6, internal
    and unconstrained): server authentication only, anyPolicy, where its root's CRL
    (`urls.crl`) and certificate (`urls.ca_issuers`) are published, and no CA below it."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + dt.timedelta(days=365 * 8), root.not_valid_after_utc))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(ANY_POLICY, None)]),
            critical=False,
        )
        .add_extension(_distribution_points(urls.crl), critical=False)
        .add_extension(_ca_issuers(urls.ca_issuers), critical=False)
    )
    return _ca_extensions(builder, key, root_key, path_length=0).sign(root_key, hashes.SHA384())


def _distribution_points(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)]
    )


def _ca_issuers(url: str, ocsp: str = "") -> x509.AuthorityInformationAccess:
    described = [
        x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp)
        )
    ] if ocsp else []  # fmt: skip
    described.append(
        x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(url)
        )
    )
    return x509.AuthorityInformationAccess(described)


@dataclass(frozen=True)
class Urls:
    """Where relying parties find the CA's CRL, OCSP responder and certificate (for a root:
    its CRL of CA certificates, and its certificate; it has no OCSP)."""

    crl: str
    ocsp: str
    ca_issuers: str


def make_ocsp_responder(
    name: x509.Name, key, issuer: x509.Certificate, issuer_key, now: dt.datetime, days: int
) -> x509.Certificate:
    """A delegated OCSP responder certificate (RFC 6960 §4.2.2.2, BR §7.1.2.8): OCSP signing
    only, id-pkix-ocsp-nocheck (relying parties do not ask about the responder itself), so
    it lives only `days`, and a new one takes over before it ends."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + dt.timedelta(days=days), issuer.not_valid_after_utc))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        .add_extension(_key_usage(), critical=True)
        .add_extension(x509.OCSPNoCheck(), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    return builder.sign(issuer_key, signing_hash(issuer_key))


def responder_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@dataclass(frozen=True)
class Organization:
    legal_name: str
    country: str
    state: str
    city: str
    registration_number: str = ""


def subscriber_subject(
    policy: x509.ObjectIdentifier, organization: Organization | None
) -> x509.Name:
    """The subject of each profile (BR §7.1.2.7.2–4): DV names nothing (its domains are in the
    critical subjectAltName); OV names the organization; EV adds business category,
    jurisdiction and registration number. No commonName: the BRs call it NOT RECOMMENDED and
    the EV Guidelines deprecate it; every client reads the subjectAltName."""
    attributes = []
    if policy != POLICY_DV and organization:
        attributes += [
            x509.NameAttribute(NameOID.COUNTRY_NAME, organization.country),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, organization.state),
            x509.NameAttribute(NameOID.LOCALITY_NAME, organization.city),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization.legal_name),
        ]
    if policy == POLICY_EV and organization:
        attributes += [
            x509.NameAttribute(NameOID.BUSINESS_CATEGORY, "Private Organization"),
            x509.NameAttribute(NameOID.JURISDICTION_COUNTRY_NAME, organization.country),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, organization.registration_number),
        ]
    return x509.Name(attributes)


@lru_cache(maxsize=64)
def _profile(
    issuer: x509.Certificate, policy: x509.ObjectIdentifier, urls: Urls
) -> tuple[x509.Extension, ...]:
    """The extensions every certificate of this issuer and policy carries (BR
    §7.1.2.7.6), DER-encoded once: signing copies the bytes instead of encoding them again
    for each certificate. The subject key identifier is left out: the profile marks it NOT
    RECOMMENDED for subscriber certificates."""
    return tuple(
        x509.Extension(
            value.oid, critical, x509.UnrecognizedExtension(value.oid, value.public_bytes())
        )
        for value, critical in (
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (_key_usage(), True),
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()), False),
            (x509.CertificatePolicies([x509.PolicyInformation(policy, None)]), False),
            (_distribution_points(urls.crl), False),
            (_ca_issuers(urls.ca_issuers, ocsp=urls.ocsp), False),
        )
    )


def sign_subscriber(
    *,
    public_key,
    domains: Sequence[str],
    policy: x509.ObjectIdentifier,
    organization: Organization | None,
    issuer: x509.Certificate,
    issuer_key,
    not_before: dt.datetime,
    not_after: dt.datetime,
    urls: Urls,
) -> x509.Certificate:
    """A TLS server certificate in the CA/Browser Forum profile for its type."""
    names = x509.SubjectAlternativeName([x509.DNSName(d) for d in domains])
    subject = subscriber_subject(policy, organization)
    # The extensions go in at once: add_extension() per extension copies the builder and
    # compares each new one with all before it, which costs as much as a fifth of a signature.
    builder = (
        x509.CertificateBuilder(
            extensions=[
                # Critical when the subject is empty (RFC 5280 §4.2.1.6).
                x509.Extension(names.oid, not subject.rdns, names),
                *_profile(issuer, policy, urls),
            ]
        )
        .subject_name(subject)
        .issuer_name(issuer.subject)
        .public_key(public_key)
        # 159 random bits from a CSPRNG: far above the 64 bits BR §7.1 asks for.
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    return builder.sign(issuer_key, signing_hash(issuer_key))


@lru_cache(maxsize=32)  # keys are loaded once per process (CertificateAuthority.loaded)
def signing_hash(key) -> hashes.HashAlgorithm:
    """SHA-384 for a P-384 (or larger) EC key, else SHA-256."""
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()
