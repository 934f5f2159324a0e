"""CSR and key helpers on `cryptography` objects. Pure: no ORM, no settings."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import idna
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from certificates.choices import KeyAlgorithm
from certificates.exceptions import CSRError

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

ALLOWED_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384"}
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192


@contextmanager
def unreadable_as(message: str) -> Iterator[None]:
    """Any failure to read a CSR's bytes inside, as CSRError(message)."""
    # `cryptography` says a part is malformed in more ways than ValueError (TypeError,
    # UnsupportedAlgorithm, InvalidVersion, and whatever a new version adds): naming them
    # one by one is how a v2 CSR became a server error.
    try:
        yield
    except CSRError:
        raise
    except Exception:
        raise CSRError(message) from None


def generate_private_key(algorithm: KeyAlgorithm | str) -> PrivateKey:
    """A new private key of the kind the applicant chose."""
    match KeyAlgorithm(algorithm):
        case KeyAlgorithm.RSA_2048:
            return rsa.generate_private_key(public_exponent=65537, key_size=2048)
        case KeyAlgorithm.RSA_3072:
            return rsa.generate_private_key(public_exponent=65537, key_size=3072)
        case KeyAlgorithm.RSA_4096:
            return rsa.generate_private_key(public_exponent=65537, key_size=4096)
        case KeyAlgorithm.EC_P256:
            return ec.generate_private_key(ec.SECP256R1())
        case KeyAlgorithm.EC_P384:
            return ec.generate_private_key(ec.SECP384R1())


def build_csr(key: PrivateKey, domains: Sequence[str]) -> x509.CertificateSigningRequest:
    """A CSR for these domains: the first is the common name, all are SANs."""
    return (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domains[0])]))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in domains]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )


def private_key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def csr_pem(csr: x509.CertificateSigningRequest) -> str:
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def load_csr(data: bytes | str) -> x509.CertificateSigningRequest:
    """Parse a CSR in PEM (pasted or uploaded) or DER (uploaded); CSRError for anything else.

    The one door for CSRs from outside (the form, the API, ACME finalize): whatever the
    bytes, the answer is a CSR or CSRError in words, never another exception."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    text = raw.strip()
    try:
        if text.startswith(b"-----BEGIN"):
            if b"-----BEGIN NEW CERTIFICATE REQUEST-----" in text:
                text = text.replace(b" NEW CERTIFICATE REQUEST", b" CERTIFICATE REQUEST")
            return x509.load_pem_x509_csr(text)
        return x509.load_der_x509_csr(raw)
    except x509.InvalidVersion as error:
        raise CSRError(
            _(
                "The CSR's version field says %(version)s, but the only CSR version is v1 "
                "(written 0): generate it again with a standard tool such as openssl."
            )
            % {"version": error.parsed_version}
        ) from None
    except Exception:
        raise CSRError(_not_a_csr(text)) from None


def _not_a_csr(text: bytes) -> str:
    """Why these bytes are not a CSR, in words, for what people paste by mistake."""
    if b"-----BEGIN CERTIFICATE-----" in text:
        return _("This is a certificate, not a certificate signing request (CSR).")
    if b"PRIVATE KEY-----" in text:
        return _(
            "This is a private key. Never share it: paste the CSR "
            "(-----BEGIN CERTIFICATE REQUEST-----) instead."
        )
    return _(
        "This is not a certificate signing request (CSR): paste the PEM text that starts "
        "with -----BEGIN CERTIFICATE REQUEST-----."
    )


def csr_names(csr: x509.CertificateSigningRequest) -> list[str]:
    """The subject common name(s) and DNS SANs of a CSR, lower case, without duplicates;
    CSRError for a subject or extension that cannot be read, or a SAN that is not a DNS
    name (the console issues for domain names only)."""
    with unreadable_as(
        _("The CSR's subject cannot be read (a malformed or mis-encoded name): generate it again.")
    ):
        names = [
            str(attribute.value)
            for attribute in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        ]
    try:
        extensions = csr.extensions
    except x509.DuplicateExtension as duplicate:
        raise CSRError(
            _("The CSR repeats an extension (%(oid)s): generate it again.")
            % {"oid": duplicate.oid.dotted_string}
        ) from None
    except Exception:
        raise CSRError(
            _("One of the CSR's extensions cannot be read (it is malformed): generate it again.")
        ) from None
    with unreadable_as(_("The CSR's names cannot be read (a malformed name): generate it again.")):
        found = _san_values(extensions)
    names += found
    return list(dict.fromkeys(_ascii_name(name) for name in names))


def _san_values(extensions: x509.Extensions) -> list[str]:
    """The DNS names of the SAN extension; CSRError for a name of another kind."""
    try:
        extension = extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    else:
        others = [n for n in extension.value if not isinstance(n, x509.DNSName)]
        if others:
            raise CSRError(
                _(
                    "The CSR asks for %(name)s, which is not a domain name: certificates here "
                    "name domains only. Remove it from the CSR."
                )
                % {"name": _shown(str(others[0].value))}
            )
    return extension.value.get_values_for_type(x509.DNSName)


def _shown(name: str, limit: int = 60) -> str:
    """A name from a CSR as a message can show it: printable, and not too long."""
    printable = "".join(c if c.isprintable() else "\ufffd" for c in name)
    return printable if len(printable) <= limit else printable[: limit - 1] + "…"


def _ascii_name(name: str) -> str:
    name = name.strip().lower().rstrip(".")
    if name.isascii():
        return name
    try:
        return idna.encode(name, uts46=True).decode("ascii")
    except (UnicodeError, ValueError):  # idna.IDNAError and codecs' own: kept as written
        return name


def key_in_words(key) -> str:
    """A public key as people name it: RSA 2048, EC P-256 (any curve: EC secp521r1)."""
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {ALLOWED_CURVES.get(key.curve.name, key.curve.name)}"
    return type(key).__name__.removeprefix("_").removesuffix("PublicKey")


def stored_key_in_words(certificate_pem: str, csr_pem: str) -> str | None:
    """The key of the issued certificate, else of the CSR, in words; None without either."""
    try:
        if certificate_pem:
            return key_in_words(
                x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()
            )
        if csr_pem:
            return key_in_words(load_csr(csr_pem).public_key())
    except Exception:  # whatever cannot be read shows no key, as with neither
        return None
    return None


def stored_key_algorithm(certificate_pem: str, csr_pem: str) -> KeyAlgorithm | None:
    """The choice among KeyAlgorithm that the issued certificate's key (else the CSR's) is,
    or None without either or for a key the choices do not name (RSA 8192)."""
    words = stored_key_in_words(certificate_pem, csr_pem)
    return next((choice for choice in KeyAlgorithm if choice.label == words), None)


def describe_key(csr: x509.CertificateSigningRequest) -> str:
    """The CSR's key in words (RSA 2048, EC P-256), or raise CSRError if it is not allowed."""
    with unreadable_as(
        _(
            "The CSR's public key cannot be read, or is of a kind this CA does not know: use "
            "RSA (2048 bits or more) or EC P-256/P-384."
        )
    ):
        key = csr.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise CSRError(
                _("The CSR's RSA key has %(bits)d bits; at least %(least)d are needed.")
                % {"bits": key.key_size, "least": MIN_RSA_BITS}
            )
        if key.key_size > MAX_RSA_BITS:
            raise CSRError(
                _("The CSR's RSA key has %(bits)d bits; at most %(most)d.")
                % {"bits": key.key_size, "most": MAX_RSA_BITS}
            )
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        curve = ALLOWED_CURVES.get(key.curve.name)
        if curve is None:
            raise CSRError(
                _("The CSR's key uses the curve %(curve)s; only EC P-256 and P-384 are allowed.")
                % {"curve": key.curve.name}
            )
        return f"EC {curve}"
    raise CSRError(
        _(
            "The CSR's key type (%(kind)s) is not accepted; use RSA (2048 bits or more) or "
            "EC P-256/P-384."
        )
        % {"kind": type(key).__name__.removeprefix("_")}
    )


def check_csr(csr: x509.CertificateSigningRequest, domains: Sequence[str]) -> str:
    """Apply every rule to an applicant's CSR; return its key description or raise CSRError.

    `domains` are the application's normalised names, the primary one first.
    """
    try:
        signed = csr.is_signature_valid
    except Exception:
        signed = False  # a signature algorithm `cryptography` does not know, or unreadable
    if not signed:
        raise CSRError(
            _(
                "The CSR's signature does not verify: it was changed after it was signed, or is "
                "damaged. Generate it again."
            )
        )
    key = describe_key(csr)
    names = csr_names(csr)
    if not names:
        raise CSRError(_("The CSR names no domain: put the primary domain in its common name."))
    if domains:
        unknown = [name for name in names if name not in domains]
        if unknown:
            shown = ", ".join(_shown(name) for name in unknown[:5])
            if len(unknown) > 5:
                shown = _("%(names)s and %(count)d more") % {
                    "names": shown,
                    "count": len(unknown) - 5,
                }
            raise CSRError(
                ngettext(
                    "The CSR names %(names)s, which is not in this application.",
                    "The CSR names %(names)s, which are not in this application.",
                    len(unknown),
                )
                % {"names": shown}
            )
        if domains[0] not in names:
            raise CSRError(
                _("The CSR does not name the primary domain %(domain)s.") % {"domain": domains[0]}
            )
    return key


def der_of(certificate_pem: str) -> bytes:
    """A PEM certificate's DER (b"" for none)."""
    if not certificate_pem:
        return b""
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode("ascii"))
    return certificate.public_bytes(serialization.Encoding.DER)


def same_key(one, other) -> bool:
    """Are these public keys the same key?"""
    info = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    try:
        return one.public_bytes(*info) == other.public_bytes(*info)
    except (AttributeError, TypeError, ValueError):
        return False
