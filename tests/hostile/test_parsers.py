"""Parsers of hostile input: whatever the bytes, a clear refusal (the form's error, SCM.0400),
never a server error. Each parser has one door that turns any failure to read into its own
error (csr.load_csr: CSRError; api/parsers.JSONParser: ParseError), and each door is fed
mutations of good input (a byte flipped, cut, repeated or dropped: where parsers break) as
well as random input, since `cryptography` and `json` fail in more ways than ValueError.
The admin's and the lists' cursors are parsers too (pagination._read)."""

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.ca import csr as x509
from tests.factories import make_csr
from tests.support.applying import form, fresh, url

FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
DOMAINS = ["www.example.com"]
GOOD_DER = x509.load_csr(make_csr(DOMAINS)).public_bytes(serialization.Encoding.DER)
VERSION = GOOD_DER.index(b"\x02\x01\x00")  # CertificationRequestInfo's version, v1 (0)


def with_version(number: int) -> bytes:
    """The good CSR with another version field (its signature no longer matches)."""
    return GOOD_DER[:VERSION] + bytes([2, 1, number]) + GOOD_DER[VERSION + 3 :]


def pem(der: bytes) -> str:
    body = base64.encodebytes(der).decode()
    return f"-----BEGIN CERTIFICATE REQUEST-----\n{body}-----END CERTIFICATE REQUEST-----\n"


@st.composite
def mutated(draw, good: bytes) -> bytes:
    """good with a few bytes flipped, dropped, repeated or cut off."""
    data = bytearray(good)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data) - 1))
        match draw(st.sampled_from(["flip", "drop", "repeat", "cut", "set"])):
            case "flip":
                data[at] ^= 1 << draw(st.integers(0, 7))
            case "drop":
                del data[at]
            case "repeat":
                data[at:at] = data[at : at + draw(st.integers(1, 40))]
            case "cut":
                del data[at:]
            case "set":
                data[at] = draw(st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0x81, 0xFF]))
        if not data:
            data = bytearray(b"\x30")
    return bytes(data)


CSR_INPUT = st.one_of(
    mutated(GOOD_DER),
    mutated(GOOD_DER).map(pem),
    mutated(pem(GOOD_DER).encode()),
    st.integers(0, 255).map(with_version),
    st.binary(max_size=600),
)


def test_a_csr_of_version_2_is_refused_in_words():
    for data in (with_version(1), pem(with_version(1)), pem(with_version(0x7F))):
        with pytest.raises(x509.CSRError, match="the only CSR version is v1"):
            x509.load_csr(data)


@settings(max_examples=1500, deadline=None)
@given(data=CSR_INPUT)
def test_any_csr_bytes_are_read_or_refused_with_csr_error(data):
    """The parser and every rule after it: a CSR, or CSRError; no other exception."""
    try:
        x509.check_csr(x509.load_csr(data), DOMAINS)
    except x509.CSRError as refused:
        assert len(str(refused)) > 20


def test_a_v2_csr_on_the_form_is_a_field_error(alice_client, alice):
    certificate = fresh(alice)
    data = form(primary_domain="www.example.com", csr_source="own", csr_text=pem(with_version(1)))
    response = alice_client.post(url(certificate), data)
    assert response.status_code == 400
    assert "the only CSR version is v1" in response.text
    upload = SimpleUploadedFile("request.der", with_version(1))
    data = form(primary_domain="www.example.com", csr_source="own", csr_text="")
    response = alice_client.post(url(certificate), {**data, "csr_file": upload})
    assert response.status_code == 400
    assert "the only CSR version is v1" in response.text


def test_a_v2_csr_through_the_api_is_scm_0400_on_the_csr_field(api, alice):
    certificate = fresh(alice)
    response = api.post(
        f"/v3/scm/certificates/{certificate.pk}/apply",
        {"domain": "www.example.com", "csr": pem(with_version(1))},
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "SCM.0400"
    assert "the only CSR version is v1" in " ".join(response.json()["fields"]["csr"])


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURES)
@given(data=CSR_INPUT)
def test_mutated_csr_uploads_get_an_answer_on_the_form(alice_client, alice, data):
    certificate = fresh(alice)
    upload = SimpleUploadedFile("request.csr", data if isinstance(data, bytes) else data.encode())
    fields = form(primary_domain="www.example.com", csr_source="own", csr_text="")
    response = alice_client.post(url(certificate), {**fields, "csr_file": upload})
    assert response.status_code in (302, 400), response.status_code


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURES)
@given(data=CSR_INPUT)
def test_mutated_csrs_through_the_api_are_saved_or_refused_on_the_csr_field(api, alice, data):
    certificate = fresh(alice)
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    response = api.post(
        f"/v3/scm/certificates/{certificate.pk}/apply",
        {"domain": "www.example.com", "csr": text, "submit": False},
    )
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        assert response.json()["error_code"] == "SCM.0400"


# Every POST of the API, each with a body it would take.
POSTS = [
    ("/v3/scm/certificates", {"test": True}),
    ("/v3/scm/certificates/{pk}/apply", {"domain": "www.example.com", "submit": False}),
    ("/v3/scm/certificates/{pk}/verify", {}),
    ("/v3/scm/certificates/{pk}/cancel-cert", {}),
    ("/v3/scm/certificates/{pk}/revoke", {"reason": "moved"}),
    ("/v3/scm/certificates/{pk}/export", {}),
]
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
RAW = st.one_of(
    JSON.map(lambda value: json.dumps(value).encode()),
    st.integers(1, 50_000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(1, 50_000).map(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth),
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [b"NaN", b"Infinity", b'{"test": NaN}', b"\xef\xbb\xbf{}", b"\x00", b'"\\ud800"']
    ),
)


def post_raw(api, path: str, body: bytes, content_type: str = "application/json"):
    return api.client.generic("POST", path, body, content_type=content_type, headers=api.headers)


def assert_scm_error(response, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.content[:200])
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/json"
        assert response.json()["error_code"] == f"SCM.0{response.status_code}"


@pytest.mark.parametrize(("path", "_"), POSTS)
@pytest.mark.parametrize("depth", [100, 1_000, 100_000])
def test_json_nested_thousands_deep_is_scm_0400_on_every_post(api, alice, path, _, depth):
    certificate = fresh(alice)
    for body in (b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth):
        response = post_raw(api, path.format(pk=certificate.pk), body)
        assert_scm_error(response, 400)
        assert "nested" in response.json()["error_msg"]


@pytest.mark.parametrize(("path", "_"), POSTS)
def test_a_body_in_an_unknown_charset_is_read_or_refused(api, alice, path, _):
    certificate = fresh(alice)
    response = post_raw(
        api, path.format(pk=certificate.pk), b"{}", "application/json; charset=no-such-codec"
    )
    assert response.status_code < 500, response.status_code


@settings(max_examples=400, deadline=None, suppress_health_check=FIXTURES)
@given(post=st.sampled_from(POSTS), body=RAW)
def test_any_body_on_any_post_is_an_answer_or_scm_0400(api, alice, post, body):
    certificate = fresh(alice)
    response = post_raw(api, post[0].format(pk=certificate.pk), body)
    assert_scm_error(response, 200, 201, 400, 409)


@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURES)
@given(
    post=st.sampled_from(POSTS),
    extra=st.dictionaries(st.text(max_size=10).map("x-{}".format), JSON, min_size=1, max_size=3),
)
def test_a_good_body_with_unknown_fields_is_refused_naming_them(api, alice, post, extra):
    certificate = fresh(alice)
    path, body = post
    response = post_raw(api, path.format(pk=certificate.pk), json.dumps({**body, **extra}).encode())
    assert_scm_error(response, 400)
    assert set(response.json().get("fields", {})) == set(extra), (post, extra, response.json())


def cursor(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def admin_changelists() -> list[str]:
    """The admin's cursor-paged lists (BoundedListAdmin), from the admin site itself."""
    from django.contrib import admin

    from certificates.admin.scale import BoundedListAdmin

    return [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, BoundedListAdmin)
    ]


CURSORS = st.one_of(RAW.map(cursor), st.text(max_size=100), mutated(cursor(b"[1, 2]").encode()))


@pytest.mark.parametrize("depth", [10, 100_000])
def test_a_cursor_nested_thousands_deep_is_no_cursor_anywhere(admin_client, alice_client, depth):
    forged = cursor(b"[" * depth + b"]" * depth)
    paths = admin_changelists()
    assert len(paths) >= 5
    for path in paths:
        for direction in ("after", "before"):
            assert admin_client.get(path, {direction: forged}).status_code == 200, path
    for path in ("/certificates/", "/records/"):
        assert alice_client.get(path, {"after": forged[:500]}).status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURES)
@given(token=CURSORS, direction=st.sampled_from(["after", "before"]))
def test_any_cursor_in_the_admin_is_a_page(admin_client, token, direction):
    for path in admin_changelists()[:3]:
        response = admin_client.get(path, {direction: token})
        assert response.status_code == 200, (path, response.status_code)
