"""Issuance with the built-in CA (SPEC §6), checked with openssl and real TLS handshakes."""

import shutil
import socket
import ssl
import subprocess
import threading
from unittest import mock

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.contrib.auth import get_user_model
from django.test import Client

from certificates.choices import CertificateType, KeyAlgorithm, Status
from certificates.exceptions import TransitionRefused
from certificates.models import Certificate, CertificateAuthority, Record, StateChange
from certificates.models.records import DOWNLOADS
from tests.ca.helpers import (
    KEYS,
    POLICY,
    ca_files,
    download,
    issued,
    openssl,
    system_key_certificate,
)
from tests.factories import CertificateFactory


@pytest.mark.parametrize("product", list(CertificateType))
@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
def test_openssl_verifies_every_type_and_key_algorithm(alice, tmp_path, product, algorithm):
    certificate = issued(alice, product, KEYS[algorithm])
    root, chain = ca_files(tmp_path)
    leaf = tmp_path / "server.crt"
    leaf.write_text(certificate.certificate_pem)

    verified = openssl(
        "verify",
        "-x509_strict",
        "-purpose",
        "sslserver",
        "-CAfile",
        str(root),
        "-untrusted",
        str(chain),
        str(leaf),
    )
    assert verified.strip() == f"{leaf}: OK"

    text = openssl("x509", "-in", str(leaf), "-noout", "-text")
    assert "DNS:www.example.com, DNS:api.example.com" in text
    assert "TLS Web Server Authentication" in text
    assert f"Policy: {POLICY[product]}" in text
    assert "CA:FALSE" in text
    assert "X509v3 Authority Key Identifier" in text
    assert "X509v3 Subject Key Identifier" not in text  # NOT RECOMMENDED (BR §7.1.2.7.6)
    assert "OCSP - URI:http://127.0.0.1:8000/ocsp/" in text
    assert "URI:http://127.0.0.1:8000/ca/aurora.crl" in text
    subject = text.split("Subject:", 1)[1].splitlines()[0]
    # No commonName (BR: NOT RECOMMENDED; EV Guidelines: deprecated): names are in the SAN,
    # which is critical where the subject is empty (DV, RFC 5280 §4.2.1.6).
    assert "CN =" not in subject
    san_critical = "X509v3 Subject Alternative Name: critical" in text
    if product == CertificateType.DV:
        assert subject.strip() == "" and san_critical
    else:
        assert not san_critical
        assert (
            "O = Northwind Traders Ltd" in subject
            and "C = GB" in subject
            and "L = London" in subject
        )
    if product in (CertificateType.EV, CertificateType.EV_PRO):
        assert "businessCategory = Private Organization" in subject
        assert "jurisdictionC = GB" in subject
        assert f"serialNumber = {certificate.organization.registration_number}" in subject
    else:
        assert "businessCategory" not in subject
    # digitalSignature only, RSA keys too (BR §7.1.2.7.11: keyEncipherment NOT RECOMMENDED).
    key_usage = text.split("X509v3 Key Usage: critical", 1)[1].splitlines()[1].strip()
    assert key_usage == "Digital Signature"


def test_serial_numbers_are_random_and_long(alice):
    serials = [int(issued(alice).serial_number, 16) for _ in range(5)]
    assert len(set(serials)) == 5
    assert all(serial.bit_length() > 64 for serial in serials)


def test_issue_without_a_ca_is_refused_and_changes_nothing(alice):
    CertificateAuthority.objects.update(active=False)
    certificate = CertificateFactory(owner=alice, ready=True)
    with pytest.raises(TransitionRefused, match="run `manage.py init_ca`"):
        certificate.run_transition("issue", by=None)
    certificate.refresh_from_db()
    assert (certificate.status, certificate.certificate_pem) == (Status.TO_BE_ISSUED, "")


def test_an_exception_after_signing_leaves_nothing_behind_and_a_retry_issues_once(alice):
    certificate = CertificateFactory(owner=alice, ready=True)
    with (
        mock.patch.object(Record, "save", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError, match="boom"),
    ):
        certificate.run_transition("issue", by=None)

    stored = Certificate.objects.get(pk=certificate.pk)
    assert (stored.status, stored.certificate_pem, stored.serial_number) == (
        Status.TO_BE_ISSUED,
        "",
        "",
    )
    assert certificate.status == Status.TO_BE_ISSUED  # the instance forgot the attempt too

    certificate.run_transition("issue", by=None)
    stored.refresh_from_db()
    assert stored.status == Status.ISSUED and stored.certificate_pem
    assert list(
        StateChange.objects.filter(certificate=stored).values_list("action", flat=True)
    ) == ["issue"]


def test_staff_without_the_issuance_permission_cannot_issue(alice, validator, revoker):
    certificate = CertificateFactory(owner=alice, ready=True)
    for user in (validator, revoker, alice):
        with pytest.raises(TransitionRefused, match="not allowed"):
            certificate.run_transition("issue", by=user)
    assert Certificate.objects.get(pk=certificate.pk).certificate_pem == ""


# Downloads


@pytest.mark.parametrize(
    ("server", "files"),
    [
        ("apache", {"server.crt", "chain.crt", "server.key"}),
        ("nginx", {"server.crt", "server.key"}),
        ("iis", {"server.pfx", "keystorePass.txt"}),
        ("tomcat", {"keystore.p12", "keystorePass.txt"}),
        ("other", {"server.pem", "chain.pem", "server.key"}),
    ],
)
def test_bundles_hold_the_files_of_their_server(alice_client, alice, server, files):
    certificate = system_key_certificate(alice)
    assert set(download(alice_client, certificate, server)) == files
    assert certificate.records.get(action__in=DOWNLOADS).server == server


def test_own_csr_bundles_have_no_key_and_no_keystore(alice_client, alice):
    certificate = issued(alice)
    assert set(download(alice_client, certificate, "nginx")) == {"server.crt"}
    response = alice_client.get(f"/certificates/{certificate.pk}/download/iis/")
    assert response.status_code == 302
    assert "IIS needs a keystore with the private key" in alice_client.get(response.url).text


def test_pfx_opens_with_its_password(alice_client, alice, tmp_path):
    certificate = system_key_certificate(alice, "rsa2048")
    files = download(alice_client, certificate, "iis")
    password = files["keystorePass.txt"].decode().strip()
    key, leaf, extra = pkcs12.load_key_and_certificates(files["server.pfx"], password.encode())
    assert leaf.serial_number == int(certificate.serial_number, 16)
    assert len(extra) == 1 and key is not None
    (tmp_path / "server.pfx").write_bytes(files["server.pfx"])
    openssl("pkcs12", "-in", str(tmp_path / "server.pfx"), "-passin", f"pass:{password}", "-noout")
    wrong = openssl(
        "pkcs12",
        "-in",
        str(tmp_path / "server.pfx"),
        "-passin",
        "pass:wrong",
        "-noout",
        check=False,
    )
    assert "invalid password" in wrong.lower() or "mac verify failure" in wrong.lower()


def test_keystore_passwords_paste_into_any_command_line():
    """keytool read a password starting with "-J" as a JVM option and failed (CI, stop 35)."""
    from certificates.ca.bundles import keystore_password

    passwords = {keystore_password() for _ in range(2000)}
    assert len(passwords) == 2000
    assert all(p.isascii() and p.isalnum() and len(p) == 24 for p in passwords)


def test_tomcat_keystore_loads_with_its_password(alice_client, alice, tmp_path):
    certificate = system_key_certificate(alice)
    files = download(alice_client, certificate, "tomcat")
    password = files["keystorePass.txt"].decode().strip()
    store = tmp_path / "keystore.p12"
    store.write_bytes(files["keystore.p12"])
    key, leaf, _ = pkcs12.load_key_and_certificates(store.read_bytes(), password.encode())
    assert key is not None and leaf is not None
    keytool = shutil.which("keytool")
    if keytool:  # the JDK's own loader, as Tomcat uses it
        listed = subprocess.run(
            [
                keytool,
                "-list",
                "-keystore",
                str(store),
                "-storetype",
                "PKCS12",
                "-storepass",
                password,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert listed.returncode == 0, listed.stdout + listed.stderr
        assert "tomcat, " in listed.stdout and "PrivateKeyEntry" in listed.stdout


def serve_tls(certfile, keyfile):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                with context.wrap_socket(connection, server_side=True) as tls:
                    tls.sendall(b"hello")
            except (ssl.SSLError, OSError):
                pass

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1], stop


def handshake(port: int, root, hostname: str) -> bytes:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(root)
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=hostname) as tls,
    ):
        return tls.recv(5)


@pytest.mark.parametrize("server", ["nginx", "apache"])
def test_a_tls_client_trusting_only_the_root_accepts_each_name(
    alice_client, alice, tmp_path, server
):
    certificate = system_key_certificate(alice)
    files = download(alice_client, certificate, server)
    chain = files["server.crt"] + files.get("chain.crt", b"")  # Apache: SSLCertificateChainFile
    (tmp_path / "fullchain.pem").write_bytes(chain)
    (tmp_path / "server.key").write_bytes(files["server.key"])
    root, _ = ca_files(tmp_path)
    port, stop = serve_tls(tmp_path / "fullchain.pem", tmp_path / "server.key")
    try:
        for name in ("www.example.com", "api.example.com"):
            assert handshake(port, root, name) == b"hello"
        with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
            handshake(port, root, "other.example.org")
    finally:
        stop.set()


def test_strangers_cannot_download(bob_client, alice):
    certificate = system_key_certificate(alice)
    assert bob_client.get(f"/certificates/{certificate.pk}/download/nginx/").status_code == 404
    assert not certificate.records.filter(action__in=DOWNLOADS).exists()


def test_only_issued_certificates_download(alice_client, alice):
    certificate = CertificateFactory(owner=alice, ready=True)
    response = alice_client.get(f"/certificates/{certificate.pk}/download/nginx/")
    assert response.status_code == 302
    assert "Only issued certificates can be downloaded." in alice_client.get(response.url).text


def test_unknown_server_type_is_404(alice_client, alice):
    certificate = system_key_certificate(alice)
    assert alice_client.get(f"/certificates/{certificate.pk}/download/caddy/").status_code == 404


# The CA itself


def test_ca_keys_are_encrypted_at_rest_and_roots_are_self_signed(db, tmp_path):
    for authority in CertificateAuthority.objects.all():
        assert b"PRIVATE KEY" not in bytes(authority.private_key)
    root, chain = ca_files(tmp_path, "cedar")
    assert openssl("verify", "-CAfile", str(root), str(chain)).strip().endswith(": OK")
    text = openssl("x509", "-in", str(root), "-noout", "-text")
    # No pathLenConstraint on a root (BR §7.1.2.1.4: NOT RECOMMENDED); the issuing CA has 0.
    assert "CA:TRUE\n" in text and "pathlen" not in text
    assert "Certificate Sign, CRL Sign" in text
    issuing = openssl("x509", "-in", str(chain), "-noout", "-text")
    assert "CA:TRUE, pathlen:0" in issuing
    assert "URI:http://127.0.0.1:8000/ca/cedar/root.crl" in issuing  # the root's CRL
    assert "CA Issuers - URI:http://127.0.0.1:8000/ca/cedar/root.der" in issuing


def test_ca_pages_are_public(client, db):
    assert "Aurora Trust Root CA R1" in client.get("/ca/").text
    root = client.get("/ca/aurora/root.pem")
    assert root["Content-Type"] == "application/x-pem-file"
    assert (
        x509.load_pem_x509_certificate(root.content)
        .subject.rfc4514_string()
        .startswith("CN=Aurora")
    )
    assert client.get("/ca/aurora/chain.pem").status_code == 200
    assert client.get("/ca/unknown/root.pem").status_code == 404
    assert client.get("/ca/aurora/issuer.der").status_code == 200


def test_the_admin_never_shows_ca_keys(staff_client, db):
    authority = CertificateAuthority.objects.first()
    page = staff_client.get(f"/admin/certificates/certificateauthority/{authority.pk}/change/")
    assert page.status_code == 200
    assert "private_key" not in page.text and "PRIVATE KEY" not in page.text


def test_only_superusers_rotate_the_ca(staff_client, db):
    changelist = "/admin/certificates/certificateauthority/"
    assert 'value="rotate"' not in staff_client.get(changelist).text
    ids = [str(pk) for pk in CertificateAuthority.objects.values_list("pk", flat=True)]
    staff_client.post(changelist, {"action": "rotate", "_selected_action": ids})
    assert CertificateAuthority.objects.filter(active=True).count() == 6
    assert CertificateAuthority.objects.count() == 6  # nothing rotated

    superuser = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client = Client()
    client.force_login(superuser)
    assert 'value="rotate"' in client.get(changelist).text
    client.post(changelist, {"action": "rotate", "_selected_action": ids})
    assert CertificateAuthority.objects.count() == 12
    assert CertificateAuthority.objects.filter(active=True).count() == 6
