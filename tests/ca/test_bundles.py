"""The keystores of the download bundles (SPEC §6): the IIS PFX in AES-256 and, for Windows
Server 2016 and older, in 3DES with a SHA-1 MAC, each opened by openssl; and what the
details page offers when the applicant kept their key."""

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.ca.helpers import download, issued, openssl, system_key_certificate


def pfx_info(tmp_path, files: dict[str, bytes], *extra: str) -> str:
    """What openssl reads of the bundle's PFX with its password (it fails the test if it
    cannot open it)."""
    store = tmp_path / "server.pfx"
    store.write_bytes(files["server.pfx"])
    password = files["keystorePass.txt"].decode().strip()
    return openssl(
        "pkcs12", "-in", str(store), "-passin", f"pass:{password}", "-info", "-nokeys",
        "-nocerts", *extra,
    )  # fmt: skip


def test_the_iis_pfx_is_aes_256_under_a_sha_256_mac(alice_client, alice, tmp_path):
    files = download(alice_client, system_key_certificate(alice), "iis")
    info = pfx_info(tmp_path, files)
    assert "MAC: sha256" in info
    assert "PBES2, PBKDF2, AES-256-CBC" in info
    assert "3DES" not in info and "TripleDES" not in info


def test_the_legacy_pfx_is_3des_under_a_sha_1_mac_for_old_windows(alice_client, alice, tmp_path):
    certificate = system_key_certificate(alice, "rsa2048")
    files = download(alice_client, certificate, "iis-legacy")
    assert set(files) == {"server.pfx", "keystorePass.txt"}
    info = pfx_info(tmp_path, files)
    assert "MAC: sha1" in info
    assert "pbeWithSHA1And3-KeyTripleDES-CBC" in info
    assert "AES" not in info
    # openssl's legacy mode (how old software reads a PFX) opens it too.
    assert "pbeWithSHA1And3-KeyTripleDES-CBC" in pfx_info(tmp_path, files, "-legacy")
    password = files["keystorePass.txt"].decode().strip().encode()
    key, leaf, chain = pkcs12.load_key_and_certificates(files["server.pfx"], password)
    assert key is not None and len(chain) == 1
    assert leaf.serial_number == int(certificate.serial_number, 16)
    assert certificate.records.get(action="download").server == "iis-legacy"


def test_the_details_page_offers_both_pfx_for_a_key_the_console_made(alice_client, alice):
    certificate = system_key_certificate(alice)
    page = alice_client.get(f"/certificates/{certificate.pk}/").text
    assert f'href="/certificates/{certificate.pk}/download/iis/">IIS</a>' in page
    assert (
        f'href="/certificates/{certificate.pk}/download/iis-legacy/">'
        "IIS (Windows Server 2016 and older)</a>"
    ) in page
    assert "Windows Server 2016 and older import only the legacy one (3DES, SHA-1)" in page


def test_no_keystore_is_offered_for_a_key_the_applicant_kept(alice_client, alice):
    """Found by a first-time user: IIS and Tomcat were offered for an own CSR, and only sent
    them back to the page."""
    certificate = issued(alice)
    page = alice_client.get(f"/certificates/{certificate.pk}/").text
    for server, label in (("iis", "IIS"), ("iis-legacy", "IIS ("), ("tomcat", "Tomcat")):
        assert f"/download/{server}/" not in page, server
        assert f">{label}" not in page, server
    assert f'href="/certificates/{certificate.pk}/download/other/">Other</a>' in page
    assert "so the console has no keystore for IIS or Tomcat" in page
    assert "openssl pkcs12 -export -in server.pem -certfile chain.pem -inkey your.key" in page


@pytest.mark.parametrize("server", ["iis", "iis-legacy", "tomcat"])
def test_a_keystore_asked_for_anyway_says_why_not(alice_client, alice, server):
    certificate = issued(alice)
    response = alice_client.get(f"/certificates/{certificate.pk}/download/{server}/", follow=True)
    assert "needs a keystore with the private key, and you generated the key" in response.text
    assert not certificate.records.filter(action="download").exists()
