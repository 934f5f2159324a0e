"""The CA's public face answers HEAD as GET without the body (a monitor asks whether a CRL
changed before fetching it), and every other method with 405."""

import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from tests.ca.helpers import issued

pytestmark = pytest.mark.django_db

URLS = [
    "/ca/aurora.crl",
    "/ca/aurora/root.crl",
    "/ca/aurora/root.pem",
    "/ca/aurora/root.der",
    "/ca/aurora/chain.pem",
    "/ca/aurora/issuer.der",
    "/ca/",
]


@pytest.mark.parametrize("url", URLS)
def test_head_answers_like_get_without_a_body(client, url):
    got = client.get(url)
    head = client.head(url)

    assert (got.status_code, head.status_code) == (200, 200)
    assert head["Content-Type"] == got["Content-Type"]
    assert int(head["Content-Length"]) == len(got.content) > 0
    assert head.content == b""


@pytest.mark.parametrize("url", URLS)
def test_other_methods_are_405(client, url):
    assert client.put(url).status_code == 405
    assert client.delete(url).status_code == 405


def test_ocsp_over_get_answers_head_too(client, alice):
    certificate = issued(alice)
    issuer = certificate.issuer
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(
            x509.load_pem_x509_certificate(certificate.certificate_pem.encode()),
            x509.load_pem_x509_certificate(issuer.certificate_pem.encode()),
            hashes.SHA1(),  # noqa: S303 - RFC 5019 clients ask with SHA-1
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    url = f"/ocsp/{base64.b64encode(request).decode()}"

    got, head = client.get(url), client.head(url)

    answer = ocsp.load_der_ocsp_response(got.content)
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert head.status_code == 200 and head["Content-Type"] == "application/ocsp-response"
    # Each answer is signed afresh: an ECDSA signature's DER length varies by a byte or two.
    assert abs(int(head["Content-Length"]) - len(got.content)) <= 2 and head.content == b""
    assert client.put(url).status_code == 405
