"""What the CA tests share: the key of each algorithm, the policy of each product, openssl,
the brand's CA files, a certificate issued by the system and the files of its download."""

import io
import subprocess
import zipfile

from cryptography.hazmat.primitives import serialization

from certificates.ca import keystore
from certificates.choices import CertificateType, CsrSource, KeyAlgorithm, Status
from certificates.models import Certificate, CertificateAuthority
from tests.factories import CertificateFactory, OrganizationFactory, fixture_key, make_csr

KEYS = {
    KeyAlgorithm.RSA_2048: "rsa2048",
    KeyAlgorithm.RSA_3072: "rsa3072",
    KeyAlgorithm.RSA_4096: "rsa4096",
    KeyAlgorithm.EC_P256: "ec_p256",
    KeyAlgorithm.EC_P384: "ec_p384",
}
POLICY = {
    CertificateType.DV: "2.23.140.1.2.1",
    CertificateType.OV: "2.23.140.1.2.2",
    CertificateType.OV_PRO: "2.23.140.1.2.2",
    CertificateType.EV: "2.23.140.1.1",
    CertificateType.EV_PRO: "2.23.140.1.1",
}


def openssl(*args: str, check: bool = True) -> str:
    done = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=30)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def ca_files(tmp_path, brand: str = "aurora"):
    root = CertificateAuthority.objects.get(brand=brand, kind="root", active=True)
    issuing = CertificateAuthority.objects.get(brand=brand, kind="intermediate", active=True)
    (tmp_path / "root.pem").write_text(root.certificate_pem)
    (tmp_path / "chain.pem").write_text(issuing.certificate_pem)
    return tmp_path / "root.pem", tmp_path / "chain.pem"


def issued(owner, product=CertificateType.DV, key="ec_p256", **kwargs) -> Certificate:
    """An application at 90% with a CSR from a checked-in key, then issued by the system."""
    domains = kwargs.pop("domains", ["api.example.com"])
    primary = kwargs.pop("primary_domain", "www.example.com")
    if product != CertificateType.DV:
        kwargs.setdefault(
            "organization", OrganizationFactory(owner=owner, legal_name="Northwind Traders Ltd")
        )
    certificate = CertificateFactory(
        owner=owner,
        certificate_type=product,
        primary_domain=primary,
        domains=domains,
        csr_pem=make_csr([primary, *domains], key),
        status=Status.TO_BE_ISSUED,
        **kwargs,
    )
    certificate.run_transition("issue", by=None)
    return certificate


def system_key_certificate(owner, algorithm="ec_p256") -> Certificate:
    """Issued from a key the console holds (as when the system generated it)."""
    key = fixture_key(algorithm)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return issued(
        owner, key=algorithm, csr_source=CsrSource.SYSTEM, private_key=keystore.encrypt(pem)
    )


def download(client, certificate, server: str) -> dict[str, bytes]:
    """The files of the certificate's bundle for this server, as its download serves them."""
    response = client.get(f"/certificates/{certificate.pk}/download/{server}/")
    assert response.status_code == 200, response.content[:200]
    assert (
        response["Content-Disposition"] == f'attachment; filename="{certificate.name}_{server}.zip"'
    )
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
