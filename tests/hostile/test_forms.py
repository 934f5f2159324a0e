"""Hostile input everywhere: generated values for every form, query string and upload,
through the views. None gets a server error; every refusal is a 4xx that names the field
and says what to do. With the other property tests (domains, CSRs, whole applications,
search keys) a CI run tries well over 10,000 inputs."""

import base64
import datetime as dt
import hashlib
import json
import re

from cryptography import x509 as cryptography_x509
from cryptography.x509 import ocsp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.ca import csr as x509
from certificates.ca import profiles, status
from certificates.choices import Brand, CertificateType, DomainType, KeyAlgorithm
from certificates.models import CertificateAuthority
from tests.factories import CertificateFactory, submitted
from tests.support import der
from tests.support.applying import form as application
from tests.support.applying import fresh, url

FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
NASTY = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e9",
            "NaN",
            "None",
            "null",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\x00",
            "💥" * 50,
            "a" * 5000,
            "../../etc/passwd",
            "%00",
            "{{ 7*7 }}",
        ]
    ),
)


def refusal_names_a_field(html: str) -> bool:
    """A refused form shows its message in the field's block, under the field's label, as
    a message at the top of the form, or in the error summary that opens the form."""
    blocks = re.findall(r'<div class="field has-error"[^>]*>(.*?)</div>', html, re.S)
    named = [b for b in blocks if "<label" in b and 'class="error"' in b]
    top = re.search(r'<p class="error"[^>]*>\s*\S|<li class="message error"[^>]*>\s*\S', html)
    summary = re.search(r'<div class="error-summary".*?<li>\s*\S', html, re.S)
    return bool(named) or bool(top) or bool(summary)


def choice_or_nasty(values: list[str]):
    return st.one_of(st.sampled_from(values), NASTY)


@settings(max_examples=1200, deadline=None, suppress_health_check=FIXTURES)
@given(
    kind=choice_or_nasty(["ssl", "test"]),
    certificate_type=choice_or_nasty(list(CertificateType.values)),
    brand=choice_or_nasty(list(Brand.values)),
    domain_type=choice_or_nasty(list(DomainType.values)),
    additional=st.one_of(st.integers(-5, 500).map(str), NASTY),
    key=choice_or_nasty(list(KeyAlgorithm.values)),
    quantity=st.one_of(st.integers(-5, 500).map(str), NASTY),
)
def test_buying_with_any_input(
    alice_client, kind, certificate_type, brand, domain_type, additional, key, quantity
):
    response = alice_client.post(
        "/certificates/buy/",
        {
            "kind": kind,
            "certificate_type": certificate_type,
            "brand": brand,
            "domain_type": domain_type,
            "additional_domains": additional,
            "key_algorithm": key,
            "quantity": quantity,
        },
    )
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert refusal_names_a_field(response.text)


@settings(max_examples=800, deadline=None, suppress_health_check=FIXTURES)
@given(name=NASTY)
def test_renaming_with_any_name(alice_client, alice, name):
    certificate = CertificateFactory(owner=alice)
    response = alice_client.post(f"/certificates/{certificate.pk}/rename/", {"name": name})
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert refusal_names_a_field(response.text)


@settings(max_examples=800, deadline=None, suppress_health_check=FIXTURES)
@given(
    action=st.sampled_from(["submit", "withdraw", "edit", "revoke", "delete"]),
    reason=NASTY,
    code=choice_or_nasty(["unspecified", "key_compromise", "superseded"]),
    issued=st.booleans(),
)
def test_owner_actions_with_any_reason(alice_client, alice, action, reason, code, issued):
    certificate = CertificateFactory(owner=alice, issued=issued)
    response = alice_client.post(
        f"/certificates/{certificate.pk}/{action}/", {"reason": reason, "code": code}
    )
    assert response.status_code in (302, 400, 409)
    if response.status_code == 400:
        assert refusal_names_a_field(response.text)


@settings(max_examples=600, deadline=None, suppress_health_check=FIXTURES)
@given(method=choice_or_nasty(["dns", "file", "email"]), address=NASTY)
def test_choosing_a_method_with_any_input(alice_client, alice, method, address):
    certificate = submitted(alice, ov=True, primary_domain="shop.example.com")
    domain = certificate.domains.get()
    response = alice_client.post(
        f"/certificates/{certificate.pk}/domains/{domain.pk}/method/",
        {"method": method, "email_address": address},
    )
    assert response.status_code in (302, 429)
    if response.status_code == 302:
        page = alice_client.get(response.url)
        assert page.status_code == 200


@settings(max_examples=2000, deadline=None, suppress_health_check=FIXTURES)
@given(
    params=st.dictionaries(
        st.sampled_from(["status", "q", "sort", "after", "before", "tab", "fp", "page"]),
        NASTY,
        max_size=6,
    ),
    htmx=st.booleans(),
)
def test_the_list_with_any_query_string(alice_client, alice, params, htmx):
    response = alice_client.get(
        "/certificates/", params, headers={"HX-Request": "true"} if htmx else {}
    )
    if "page" in params and response.status_code == 302:
        # An old numbered page link: the first page, with the rest of the query kept.
        assert response.url.startswith("/certificates/") and "page=" not in response.url
        assert alice_client.get(response.url).status_code == 200
    else:
        assert response.status_code in (200, 204)


@settings(max_examples=1500, deadline=None, suppress_health_check=FIXTURES)
@given(body=st.binary(max_size=2000), path=st.text(max_size=200))
def test_the_ocsp_responder_with_any_request(client, db, body, path):
    post = client.post("/ocsp/", body, content_type="application/ocsp-request")
    assert post.status_code in (200, 400), post.status_code
    get = client.get("/ocsp/" + re.sub(r"[\s#?]", "", path))
    assert get.status_code in (200, 400, 404), get.status_code


@settings(max_examples=700, deadline=None, suppress_health_check=FIXTURES)
@given(
    content=st.one_of(
        st.binary(max_size=3000),
        st.binary(max_size=2000).map(lambda b: b"-----BEGIN CERTIFICATE REQUEST-----\n" + b),
    ),
    name=st.from_regex(r"[A-Za-z0-9._ -]{0,30}[A-Za-z0-9]", fullmatch=True),
)
def test_csr_uploads_of_any_content(alice_client, alice, content, name):
    certificate = fresh(alice)
    upload = SimpleUploadedFile(name, content)
    data = application(submit=True, primary_domain="www.example.com", csr_source="own", csr_text="")
    response = alice_client.post(url(certificate), {**data, "csr_file": upload})
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert refusal_names_a_field(response.text)


def test_an_oversized_upload_is_cut_off_before_it_is_read(alice_client, alice, settings):
    certificate = fresh(alice)
    huge = SimpleUploadedFile("big.csr", b"-----BEGIN CERTIFICATE REQUEST-----\n" + b"A" * 300_000)
    data = application(submit=True, primary_domain="www.example.com", csr_source="own", csr_text="")
    response = alice_client.post(url(certificate), {**data, "csr_file": huge})
    assert response.status_code == 400
    assert "That file is larger than 16 KB; a CSR is a few kilobytes." in response.text


@settings(max_examples=500, deadline=None, suppress_health_check=FIXTURES)
@given(token=st.text(min_size=1, max_size=300))
def test_emailed_links_with_any_token(client, db, token):
    token = re.sub(r"[/\s#?%]", "", token) or "x"
    for method in (client.get, client.post):
        response = method(f"/certificates/verify-email/{token}/")
        assert response.status_code in (400, 404)


def _issuer_hashes() -> dict[str, tuple[bytes, bytes]]:
    """(name hash, key hash) of the Aurora issuing CA for each known hash algorithm, so that
    generated requests sometimes ask about a CA the responder serves."""
    authority = CertificateAuthority.objects.get(brand="aurora", kind="intermediate", active=True)
    issuer = cryptography_x509.load_pem_x509_certificate(authority.certificate_pem.encode())
    return {
        name: (status.name_hash(issuer, name), status.key_hash(issuer, name))
        for name in der.HASHES
        if name in hashlib.algorithms_available and not name.startswith("shake")
    }


@settings(max_examples=1500, deadline=None, suppress_health_check=FIXTURES)
@given(data=st.data())
def test_the_ocsp_responder_with_odd_but_parseable_requests(client, db, data):
    """Requests `cryptography` can read but that break a rule: any hash algorithm, hashes
    of any length, negative or huge serials, zero or several CertIDs, odd extensions. Each
    gets a DER response: an answer, malformedRequest or unauthorized."""
    body = data.draw(der.ocsp_requests(_issuer_hashes()))
    for response in (
        client.post("/ocsp/", body, content_type="application/ocsp-request"),
        client.get("/ocsp/" + base64.b64encode(body).decode()),
    ):
        assert response.status_code == 200, response.status_code
        answer = ocsp.load_der_ocsp_response(response.content)
        assert answer.response_status in {
            ocsp.OCSPResponseStatus.SUCCESSFUL,
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST,
            ocsp.OCSPResponseStatus.UNAUTHORIZED,
        }
        if answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL:
            assert answer.certificate_status == ocsp.OCSPCertStatus.UNKNOWN  # none issued


@settings(max_examples=2500, deadline=None, suppress_health_check=FIXTURES)
@given(request_der=der.csrs())
def test_odd_but_parseable_csrs_are_accepted_or_refused_in_words(db, request_der):
    """CSRs `cryptography` parses but may refuse when a part is read: unknown key types and
    signature algorithms, broken or repeated extensions, non-DNS names, names in odd string
    types. Each is accepted, and then signs, or refused with CSRError."""
    try:
        csr = x509.load_csr(request_der)
        x509.check_csr(csr, ["www.example.com"])
    except x509.CSRError as refused:
        assert len(str(refused)) > 20
        return
    authority = CertificateAuthority.objects.get(brand="aurora", kind="intermediate", active=True)
    now = timezone.now()
    pem, _ = authority.sign_csr(
        x509.csr_pem(csr),
        domains=["www.example.com"],
        policy=profiles.POLICY_DV,
        organization=None,
        not_before=now,
        not_after=now + dt.timedelta(days=1),
    )
    assert pem.startswith("-----BEGIN CERTIFICATE-----")


@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURES)
@given(request_der=der.csrs())
def test_odd_csr_uploads_get_an_answer_on_the_form(alice_client, alice, request_der):
    certificate = fresh(alice)
    upload = SimpleUploadedFile("request.csr", request_der)
    data = application(submit=True, primary_domain="www.example.com", csr_source="own", csr_text="")
    response = alice_client.post(url(certificate), {**data, "csr_file": upload})
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert refusal_names_a_field(response.text)


offsets = st.timedeltas(
    min_value=-dt.timedelta(hours=23, minutes=59), max_value=dt.timedelta(hours=23, minutes=59)
)
moments = st.one_of(
    st.datetimes(timezones=st.builds(dt.timezone, offsets)).map(dt.datetime.isoformat),
    st.datetimes().map(dt.datetime.isoformat),  # naive
    st.sampled_from(
        [
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "9999-12-31T23:59:59.999999+00:00",
            "0001-01-01T00:00:00+00:00",
            "2026-02-30T00:00:00+00:00",
        ]
    ),
)
sort_values = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([2**63, 2**63 - 1, -(2**63) - 1, 0, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    moments,
    st.lists(st.integers(), max_size=2),
)


def forged_cursor(values: list) -> str:
    text = json.dumps(values)  # floats may become NaN or Infinity, which json reads back
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@settings(max_examples=1500, deadline=None, suppress_health_check=FIXTURES)
@given(
    sort=st.sampled_from(["created", "updated", "expiry", "status"]),
    values=st.lists(sort_values, min_size=1, max_size=3),
    direction=st.sampled_from(["after", "before"]),
    htmx=st.booleans(),
)
def test_the_list_with_forged_cursors(alice_client, alice, sort, values, direction, htmx):
    """Cursors that decode to the right shape but hold values no row has (numbers past 64
    bits, times outside what the database or UTC can hold): the first page, never a 500."""
    params = {"sort": sort, direction: forged_cursor(values)}
    response = alice_client.get(
        "/certificates/", params, headers={"HX-Request": "true"} if htmx else {}
    )
    assert response.status_code in (200, 204), response.status_code
