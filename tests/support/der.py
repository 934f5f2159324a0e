"""DER by hand, for hostile-input tests: structures `cryptography` parses but that no
well-behaved tool would write (odd hash algorithms, wrong lengths, negative serials, several
requests, malformed extensions, names in unusual string types). Hypothesis strategies that
build OCSP requests and CSRs from these parts live at the end."""

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from hypothesis import strategies as st

from tests.factories import fixture_key


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    encoded = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def seq(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


def set_of(*items: bytes) -> bytes:
    return tlv(0x31, b"".join(items))


def integer(value: int) -> bytes:
    magnitude = value if value >= 0 else -value - 1
    size = magnitude.bit_length() // 8 + 1  # the fewest bytes that keep the sign (DER)
    return tlv(0x02, value.to_bytes(size, "big", signed=True))


def octets(data: bytes) -> bytes:
    return tlv(0x04, data)


def bits(data: bytes) -> bytes:
    return tlv(0x03, b"\x00" + data)


def boolean(value: bool) -> bytes:
    return tlv(0x01, b"\xff" if value else b"\x00")


NULL = b"\x05\x00"


def oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytearray()
    for part in [parts[0] * 40 + parts[1], *parts[2:]]:
        chunk = [part & 0x7F]
        part >>= 7
        while part:
            chunk.append(0x80 | (part & 0x7F))
            part >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, bytes(body))


def explicit(number: int, content: bytes) -> bytes:
    return tlv(0xA0 | number, content)


# Strategies --------------------------------------------------------------------------

HASHES = {  # name → (OID, digest size)
    "sha1": ("1.3.14.3.2.26", 20),
    "sha224": ("2.16.840.1.101.3.4.2.4", 28),
    "sha256": ("2.16.840.1.101.3.4.2.1", 32),
    "sha384": ("2.16.840.1.101.3.4.2.2", 48),
    "sha512": ("2.16.840.1.101.3.4.2.3", 64),
    "md5": ("1.2.840.113549.2.5", 16),
    "sha3-256": ("2.16.840.1.101.3.4.2.8", 32),
    "shake128": ("2.16.840.1.101.3.4.2.11", 32),
    "sha512-224": ("2.16.840.1.101.3.4.2.5", 28),
}
odd_oids = st.lists(st.integers(0, 2**40), min_size=1, max_size=6).map(
    lambda arcs: ".".join(map(str, [1, 2, *arcs]))
)
serials = st.one_of(
    st.integers(-(2**200), 2**200),
    st.sampled_from([0, -1, 1, 2**159, 2**160, 2**1024, -(2**63)]),
)


@st.composite
def cert_ids(draw, issuer_hashes):
    """A CertID: any hash algorithm (known, odd or made up), hashes that fit it, the real
    issuer's or of any length, and any serial."""
    name = draw(st.sampled_from([*HASHES, "made-up"]))
    algorithm = HASHES[name][0] if name in HASHES else draw(odd_oids)
    size = HASHES.get(name, ("", 20))[1]
    real = issuer_hashes.get(name)
    name_hash = draw(st.one_of(st.binary(min_size=size, max_size=size), st.binary(max_size=80)))
    key_hash = draw(st.one_of(st.binary(min_size=size, max_size=size), st.binary(max_size=80)))
    if real and draw(st.booleans()):
        name_hash, key_hash = real
    parameters = draw(st.sampled_from([NULL, b"", oid("1.2.3")]))
    return seq(
        seq(oid(algorithm), parameters),
        octets(name_hash),
        octets(key_hash),
        integer(draw(serials)),
    )


@st.composite
def ocsp_requests(draw, issuer_hashes):
    """An OCSPRequest (RFC 6960 §4.1.1) with 0–3 CertIDs and, maybe, request extensions
    (a nonce of any length, odd contents, duplicates)."""
    requests = draw(st.lists(cert_ids(issuer_hashes), max_size=3))
    extensions = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["1.3.6.1.5.5.7.48.1.2", "1.3.6.1.5.5.7.48.1.4", "1.2.3.4"]),
                st.booleans(),
                st.one_of(st.binary(max_size=40), st.binary(max_size=40).map(octets)),
            ),
            max_size=3,
        )
    )
    tbs = [seq(*(seq(cert_id) for cert_id in requests))]
    if extensions:
        tbs.append(
            explicit(
                2,
                seq(
                    *(
                        seq(oid(o), *([boolean(True)] if critical else []), octets(value))
                        for o, critical, value in extensions
                    )
                ),
            )
        )
    return seq(seq(*tbs))


SIGNATURE_ALGORITHMS = {
    "ecdsa-sha256": "1.2.840.10045.4.3.2",
    "ecdsa-sha384": "1.2.840.10045.4.3.3",
    "rsa-sha256": "1.2.840.113549.1.1.11",
    "rsa-md5": "1.2.840.113549.1.1.4",
    "rsa-pss": "1.2.840.113549.1.1.10",
    "ed25519": "1.3.101.112",
    "dsa-sha256": "2.16.840.1.101.3.4.3.2",
}
STRING_TAGS = [0x0C, 0x13, 0x16, 0x1E, 0x1C, 0x14, 0x12, 0x04]  # UTF8, Printable, IA5, BMP…
name_bytes = st.one_of(
    st.sampled_from([b"www.example.com", b"WWW.Example.COM.", b"*.example.com", b"127.0.0.1"]),
    st.binary(max_size=70),
    st.text(max_size=30).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


def _general_name(tag_and_value):
    tag, value = tag_and_value
    return tlv(tag, value)


general_names = st.tuples(
    st.sampled_from([0x82, 0x82, 0x82, 0x81, 0x86, 0x87, 0xA0, 0xA4]), name_bytes
).map(_general_name)


@st.composite
def extensions(draw):
    """Extensions a CSR may request: SANs of every kind of name, malformed values,
    duplicates, unknown critical ones."""
    chosen = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["san", "san", "garbage", "unknown", "basic"]))
        if kind == "san":
            value = seq(*draw(st.lists(general_names, max_size=4)))
            extension_oid = "2.5.29.17"
        elif kind == "garbage":
            value = draw(st.binary(max_size=30))
            extension_oid = draw(st.sampled_from(["2.5.29.17", "2.5.29.15", "2.5.29.37"]))
        elif kind == "basic":
            value = seq(boolean(draw(st.booleans())), integer(draw(st.integers(-5, 5))))
            extension_oid = "2.5.29.19"
        else:
            value = draw(st.binary(max_size=10))
            extension_oid = draw(odd_oids)
        critical = draw(st.sampled_from([None, True, False]))
        chosen.append(
            seq(
                oid(extension_oid),
                *([] if critical is None else [boolean(critical)]),
                octets(value),
            )
        )
    return chosen


@st.composite
def subjects(draw):
    rdns = []
    for _ in range(draw(st.integers(0, 3))):
        attribute = draw(st.sampled_from(["2.5.4.3", "2.5.4.3", "2.5.4.10", "2.5.4.6"]))
        values = draw(
            st.lists(st.tuples(st.sampled_from(STRING_TAGS), name_bytes), min_size=1, max_size=2)
        )
        rdns.append(set_of(*(seq(oid(attribute), tlv(tag, value)) for tag, value in values)))
    return seq(*rdns)


KEYS = ["ec_p256", "ec_p384", "rsa2048", "rsa1024", "ec_p521", "ed25519"]


def _public_key_info(name: str) -> bytes:
    return (
        fixture_key(name)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def _sign(name: str, data: bytes) -> bytes:
    key = fixture_key(name)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return key.sign(data)


@st.composite
def csrs(draw) -> bytes:
    """A CertificationRequest (RFC 2986) that parses: real keys signing their request (or
    not), any signature algorithm named, odd public keys, subjects and requested
    extensions, other attributes beside them."""
    key = draw(st.sampled_from(KEYS))
    public_key = draw(
        st.one_of(
            st.just(_public_key_info(key)),
            st.builds(lambda a, b: seq(seq(oid(a)), bits(b)), odd_oids, st.binary(max_size=40)),
            st.binary(max_size=40).map(
                lambda b: seq(seq(oid("1.2.840.10045.2.1"), oid("1.2.840.10045.3.1.7")), bits(b))
            ),
        )
    )
    attributes = []
    requested = draw(extensions())
    if requested or draw(st.booleans()):
        attributes.append(seq(oid("1.2.840.113549.1.9.14"), set_of(seq(*requested))))
    if draw(st.booleans()):
        attributes.append(seq(oid("1.2.840.113549.1.9.7"), set_of(tlv(0x0C, b"secret"))))
    if draw(st.booleans()):
        attributes.append(seq(oid("1.2.840.113549.1.9.14"), set_of()))
    info = seq(integer(0), draw(subjects()), public_key, tlv(0xA0, b"".join(attributes)))
    algorithm = draw(st.one_of(st.sampled_from(list(SIGNATURE_ALGORITHMS.values())), odd_oids))
    signature = _sign(key, info) if draw(st.booleans()) else draw(st.binary(max_size=80))
    return seq(info, seq(oid(algorithm)), bits(signature))
