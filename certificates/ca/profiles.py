"""Certificates in the CA/Browser Forum profiles (SPEC §6): the CA's root and issuing CA
certificates, and subscriber certificates of each type. Pure: `cryptography` objects in and
out, no ORM, no settings."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from certificates.choices import CertificateType

# CA/Browser Forum reserved policy identifiers (Baseline Requirements §7.1.6.1).
POLICY_DV = x509.ObjectIdentifier("2.23.140.1.2.1")
POLICY_OV = x509.ObjectIdentifier("2.23.140.1.2.2")
POLICY_EV = x509.ObjectIdentifier("2.23.140.1.1")
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


def _key_usage(
    *, key_cert_sign: bool = False, crl_sign: bool = False, key_encipherment: bool = False
) -> x509.KeyUsage:
    """digitalSignature plus what is asked; every other bit off."""
    return x509.KeyUsage(
        digital_signature=True,
        key_encipherment=key_encipherment,
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
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(days=365 * years))
    )
    return _ca_extensions(builder, key, key, path_length=1).sign(key, hashes.SHA384())


def make_intermediate(
    name: x509.Name, key, root: x509.Certificate, root_key, now: dt.datetime
) -> x509.Certificate:
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
            x509.CertificatePolicies(
                [x509.PolicyInformation(x509.ObjectIdentifier("2.5.29.32.0"), None)]
            ),
            critical=False,
        )
    )
    return _ca_extensions(builder, key, root_key, path_length=0).sign(root_key, hashes.SHA384())


@dataclass(frozen=True)
class Urls:
    """Where relying parties find the CA's CRL, OCSP responder and certificate."""

    crl: str
    ocsp: str
    ca_issuers: str


@dataclass(frozen=True)
class Organization:
    legal_name: str
    country: str
    state: str
    city: str
    registration_number: str = ""


def subscriber_subject(
    common_name: str, policy: x509.ObjectIdentifier, organization: Organization | None
) -> x509.Name:
    """The subject of each profile (BR §7.1.2.7.2–4): DV names only the domain; OV adds
    the organization; EV adds business category, jurisdiction and registration number."""
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
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


@lru_cache(maxsize=64)
def _profile(
    issuer: x509.Certificate, policy: x509.ObjectIdentifier, key_encipherment: bool, urls: Urls
) -> tuple[x509.Extension, ...]:
    """The extensions every certificate of this issuer, policy and key kind carries (BR
    §7.1.2.7.6), DER-encoded once: signing copies the bytes instead of encoding them again
    for each certificate. The subject key identifier is left out: the profile marks it NOT
    RECOMMENDED for subscriber certificates."""
    return tuple(
        x509.Extension(
            value.oid, critical, x509.UnrecognizedExtension(value.oid, value.public_bytes())
        )
        for value, critical in (
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (_key_usage(key_encipherment=key_encipherment), True),
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()), False),
            (x509.CertificatePolicies([x509.PolicyInformation(policy, None)]), False),
            (
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            [x509.UniformResourceIdentifier(urls.crl)], None, None, None
                        )
                    ]
                ),
                False,
            ),
            (
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.OCSP,
                            x509.UniformResourceIdentifier(urls.ocsp),
                        ),
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.CA_ISSUERS,
                            x509.UniformResourceIdentifier(urls.ca_issuers),
                        ),
                    ]
                ),
                False,
            ),
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
    rsa_key = isinstance(public_key, rsa.RSAPublicKey)
    # The extensions go in at once: add_extension() per extension copies the builder and
    # compares each new one with all before it, which costs as much as a fifth of a signature.
    builder = (
        x509.CertificateBuilder(
            extensions=[
                x509.Extension(names.oid, False, names),
                *_profile(issuer, policy, rsa_key, urls),
            ]
        )
        .subject_name(subscriber_subject(domains[0], policy, organization))
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
