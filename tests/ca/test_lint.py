"""pkilint (CA/Browser Forum TLS profiles) over everything the CA publishes, as an auditor runs
it: a certificate of every type, domain kind and key algorithm (test certificates, renewals
and ACME orders too), both CA certificates of every brand and their chains, the delegated
OCSP responders, CRLs with every reason and the roots' CRLs, and OCSP responses of every
status. No finding at WARNING or above, except `cabf.internal_domain_name` for the loopback
SCM_PUBLIC_URL the tests run with (a real deployment has a public one); every finding that
is let through is named here, none silently."""

from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from certificates.choices import Brand, CAKind, CertificateType, DomainType, RevocationReason
from certificates.models import Certificate, CertificateAuthority
from certificates.services import issuance
from tests.ca.helpers import KEYS, issued
from tests.support import pki

pytestmark = pytest.mark.django_db

SUBSCRIBER = {
    CertificateType.DV: "DV-FINAL-CERTIFICATE",
    CertificateType.OV: "OV-FINAL-CERTIFICATE",
    CertificateType.OV_PRO: "OV-FINAL-CERTIFICATE",
    CertificateType.EV: "EV-FINAL-CERTIFICATE",
    CertificateType.EV_PRO: "EV-FINAL-CERTIFICATE",
}
DOMAINS = {
    DomainType.SINGLE: ("www.example.com", []),
    DomainType.MULTIPLE: ("www.example.com", ["api.example.com", "shop.example.org"]),
    DomainType.WILDCARD: ("*.example.com", []),
}


def findings(found: list[pki.Finding], settings) -> list[str]:
    """What an auditor would object to: everything at WARNING and above, but the loopback
    host of SCM_PUBLIC_URL named as an internal domain in the CRL, OCSP and issuer URLs."""
    loopback = urlsplit(settings.SCM_PUBLIC_URL).hostname
    return [
        str(finding)
        for finding in found
        if not (
            finding.code == "cabf.internal_domain_name"
            and finding.message.endswith(f'"{loopback}"')
        )
    ]


# Every product the console sells (EV is never wildcard: SPEC §2, the buy form refuses it).
PRODUCTS = [
    (product, kind)
    for product in CertificateType
    for kind in DOMAINS
    if not (CertificateType(product).is_ev and kind == DomainType.WILDCARD)
]


@pytest.mark.parametrize(("product", "kind"), PRODUCTS)
@pytest.mark.parametrize("algorithm", list(KEYS))
def test_every_subscriber_certificate_is_clean(alice, settings, product, algorithm, kind):
    primary, others = DOMAINS[kind]
    certificate = issued(
        alice, product, KEYS[algorithm], primary_domain=primary, domains=others, domain_type=kind
    )
    found = pki.certificate(certificate.certificate_pem.encode(), SUBSCRIBER[product])
    assert findings(found, settings) == []


def test_the_exception_is_only_the_loopback_url(alice, settings):
    """The filter above lets through exactly the tests' loopback host, nothing else."""
    found = pki.certificate(issued(alice).certificate_pem.encode(), "DV-FINAL-CERTIFICATE")
    assert {f.code for f in found} == {"cabf.internal_domain_name"}
    settings.SCM_PUBLIC_URL = "http://intranet.corp"
    internal = pki.certificate(issued(alice).certificate_pem.encode(), "DV-FINAL-CERTIFICATE")
    assert findings(internal, settings) == []  # its own host: let through…
    settings.SCM_PUBLIC_URL = "http://127.0.0.1:8000"
    assert findings(internal, settings)  # …another host's finding is not


def test_test_certificates_renewals_and_acme_orders_are_clean(alice, settings, web_site, dns_zone):
    from tests.support.acme_client import HOST, register
    from tests.support.acme_client import issued as acme_issued

    test = issued(alice, is_test=True)
    renewal = issued(alice, renewal_of=issued(alice))
    dns_zone.a(HOST)
    _, ordered, _ = acme_issued(register(alice), web_site)
    ordered.refresh_from_db()
    for certificate in (test, renewal, ordered):
        found = pki.certificate(certificate.certificate_pem.encode(), "DV-FINAL-CERTIFICATE")
        assert findings(found, settings) == [], certificate


@pytest.mark.parametrize("brand", list(Brand))
def test_the_ca_certificates_and_chains_of_every_brand_are_clean(settings, brand):
    root = CertificateAuthority.objects.get(brand=brand, kind=CAKind.ROOT, active=True)
    issuing = CertificateAuthority.objects.get(brand=brand, kind=CAKind.INTERMEDIATE, active=True)
    issuance.responder(issuing)
    issuing.refresh_from_db()
    root_pem, issuing_pem = root.certificate_pem.encode(), issuing.certificate_pem.encode()
    responder_pem = issuing.responder_pem.encode()
    assert findings(pki.certificate(root_pem, "ROOT-CA"), settings) == []
    assert findings(pki.certificate(issuing_pem, "INTERNAL-UNCONSTRAINED-TLS-CA"), settings) == []
    assert findings(pki.certificate(responder_pem, "OCSP-RESPONDER"), settings) == []
    assert pki.chain(root_pem, issuing_pem) == []
    assert pki.chain(issuing_pem, responder_pem) == []


def test_each_issuing_ca_to_leaf_pair_is_clean(alice):
    for brand in Brand:
        certificate = issued(alice, brand=brand)
        issuing = certificate.issuer.certificate_pem.encode()
        assert pki.chain(issuing, certificate.certificate_pem.encode()) == [], brand


def test_crls_with_every_reason_and_the_roots_crls_are_clean(alice, settings):
    for code in RevocationReason:
        certificate = issued(alice)
        certificate.run_transition("request_revocation", by=alice, reason="r", code=code)
        certificate.run_transition("approve_revocation", by=None)
    issuing = CertificateAuthority.objects.get(brand="aurora", kind=CAKind.INTERMEDIATE)
    der = issuance.refresh_crl(issuing)
    crl = x509.load_der_x509_crl(der)
    assert len(crl) == len(RevocationReason)
    assert findings(pki.crl(der), settings) == []
    for root in CertificateAuthority.objects.filter(kind=CAKind.ROOT):
        arl = issuance.refresh_crl(root)
        assert findings(pki.run("lint_crl", "-t", "ARL", "-p", "BR", document=arl), settings) == []


def ocsp_request(certificate: Certificate, nonce: bytes | None = None) -> bytes:
    leaf = x509.load_pem_x509_certificate(certificate.certificate_pem.encode())
    issuer = x509.load_pem_x509_certificate(certificate.issuer.certificate_pem.encode())
    builder = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, hashes.SHA1())
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def test_ocsp_responses_of_every_status_are_clean_and_echo_the_nonce(alice, settings):
    good = issued(alice)
    revoked = issued(alice)
    revoked.run_transition("request_revocation", by=alice, reason="r", code="key_compromise")
    revoked.run_transition("approve_revocation", by=None)
    unknown = issued(alice)
    Certificate.objects.filter(pk=unknown.pk).update(serial_number="1")
    statuses = {}
    for name, certificate in (("good", good), ("revoked", revoked), ("unknown", unknown)):
        der = issuance.answer_ocsp(ocsp_request(certificate, nonce=b"nonce-" + name.encode()))
        response = ocsp.load_der_ocsp_response(der)
        statuses[name] = response.certificate_status
        nonce = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        assert nonce == b"nonce-" + name.encode()
        assert findings(pki.ocsp(der), settings) == [], name
        plain = issuance.answer_ocsp(ocsp_request(certificate))
        assert findings(pki.ocsp(plain), settings) == [], name
    assert statuses == {
        "good": ocsp.OCSPCertStatus.GOOD,
        "revoked": ocsp.OCSPCertStatus.REVOKED,
        "unknown": ocsp.OCSPCertStatus.UNKNOWN,
    }
