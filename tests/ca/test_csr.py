"""CSR rules of SPEC §4, with checked-in keys (tests/fixtures/keys)."""

import base64
import datetime as dt

import pytest
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.ca import csr as x509
from certificates.choices import KeyAlgorithm
from tests.factories import fixture_key, make_csr

DOMAINS = ["www.example.com", "api.example.com"]


def csr_for(names: list[str], key: str = "ec_p256", *, cn: str | None = None) -> str:
    """A CSR whose common name may differ from its SANs; Ed25519 signs without a hash."""
    private = fixture_key(key)
    builder = cx509.CertificateSigningRequestBuilder().subject_name(
        cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, cn or names[0])])
    )
    builder = builder.add_extension(
        cx509.SubjectAlternativeName([cx509.DNSName(n) for n in names]), critical=False
    )
    signed = builder.sign(private, None if key == "ed25519" else hashes.SHA256())
    return signed.public_bytes(serialization.Encoding.PEM).decode()


def check(pem: str | bytes, domains=DOMAINS) -> str:
    return x509.check_csr(x509.load_csr(pem), domains)


@pytest.mark.parametrize(
    ("key", "described"),
    [("rsa2048", "RSA 2048"), ("ec_p256", "EC P-256"), ("ec_p384", "EC P-384")],
)
def test_good_csr_is_accepted(key, described):
    assert check(make_csr(DOMAINS, key)) == described


def test_csr_naming_only_the_primary_domain_is_accepted():
    assert check(csr_for(["www.example.com"])) == "EC P-256"


def test_der_upload_is_accepted():
    pem = make_csr(DOMAINS)
    der = x509.load_csr(pem).public_bytes(serialization.Encoding.DER)
    assert check(der) == "EC P-256"


def test_idn_common_name_matches_its_punycode_domain():
    pem = csr_for(["xn--bcher-kva.example.de"], cn="bücher.example.de")
    assert check(pem, ["xn--bcher-kva.example.de"]) == "EC P-256"


@pytest.mark.parametrize(
    ("pem", "message"),
    [
        (
            lambda: csr_for(["www.example.com", "evil.example.net"]),
            "evil.example.net, which is not",
        ),
        (lambda: csr_for(["api.example.com"]), "does not name the primary domain www.example.com"),
        (lambda: make_csr(DOMAINS, "rsa1024"), "RSA key has 1024 bits; at least 2048"),
        (lambda: make_csr(DOMAINS, "ec_p521"), "curve secp521r1; only EC P-256 and P-384"),
        (lambda: csr_for(DOMAINS, "ed25519"), "key type (Ed25519PublicKey) is not accepted"),
        (lambda: broken_signature(), "signature does not verify"),
        (
            lambda: (
                "-----BEGIN CERTIFICATE REQUEST-----\nbm9wZQ==\n-----END CERTIFICATE REQUEST-----"
            ),
            "not a certificate signing request",
        ),
        (lambda: "hello, I am not a CSR", "not a certificate signing request"),
        (lambda: fixture_pem("ec_p256"), "This is a private key. Never share it"),
        (
            lambda: self_signed_certificate(),
            "This is a certificate, not a certificate signing request",
        ),
    ],
    ids=[
        "other-name",
        "no-primary",
        "rsa1024",
        "p521",
        "ed25519",
        "bad-signature",
        "garbage-pem",
        "garbage-text",
        "private-key",
        "certificate",
    ],
)
def test_bad_csr_is_refused_with_its_own_message(pem, message):
    with pytest.raises(x509.CSRError) as refused:
        check(pem())
    assert message in str(refused.value)


def broken_signature() -> str:
    pem = make_csr(DOMAINS, "rsa2048")
    body = "".join(pem.strip().splitlines()[1:-1])
    der = bytearray(base64.b64decode(body))
    der[-10] ^= 0xFF  # flip bits inside the signature
    encoded = base64.encodebytes(bytes(der)).decode()
    return f"-----BEGIN CERTIFICATE REQUEST-----\n{encoded}-----END CERTIFICATE REQUEST-----\n"


def fixture_pem(name: str) -> str:
    return (
        fixture_key(name)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def self_signed_certificate() -> str:
    key = fixture_key("ec_p256")
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "www.example.com")])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    certificate = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
def test_generated_key_and_csr_follow_the_chosen_algorithm(algorithm):
    key = x509.generate_private_key(algorithm)
    csr = x509.build_csr(key, DOMAINS)
    assert x509.check_csr(csr, DOMAINS) == KeyAlgorithm(algorithm).label
    assert x509.csr_names(csr) == DOMAINS


@settings(max_examples=800, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=600),
        st.text(max_size=600),
        st.binary(max_size=400).map(
            lambda b: (
                "-----BEGIN CERTIFICATE REQUEST-----\n"
                + base64.encodebytes(b).decode()
                + "-----END CERTIFICATE REQUEST-----"
            )
        ),
    )
)
def test_any_csr_input_is_parsed_or_refused_in_words(data):
    try:
        check(data)
    except x509.CSRError as refused:
        assert len(str(refused)) > 20
