"""The real certbot (PyPI, in a virtualenv of its own) against the console under gunicorn and
a task worker on 127.0.0.1, as the README's "Using ACME" tells a user to run it: http-01
with --standalone on a port the console is told to use, dns-01 with --manual and hooks that
publish into the test DNS server, a wildcard, renew --force-renewal and revoke. Every
certificate is checked with `openssl verify` against the brand's root, and its row in the
console list."""

import json
import subprocess
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certificates.choices import CsrSource, Status
from certificates.models import Certificate
from tests.factories import UserFactory, team_of
from tests.support.acme_client import key_with_a_leading_dash
from tests.support.processes import Gunicorn, Visitor, certbot_bin, free_port, task_workers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]

HOOK = """#!/bin/sh
# certbot's --manual-auth-hook: publish the dns-01 value in the test DNS server.
echo "$CERTBOT_VALIDATION" >> "{spool}/_acme-challenge.$CERTBOT_DOMAIN"
"""
CLEANUP = """#!/bin/sh
rm -f "{spool}/_acme-challenge.$CERTBOT_DOMAIN"
"""


@pytest.fixture(scope="module")
def certbot() -> Path:
    return certbot_bin()


@pytest.fixture
def console(settings, dns_zone):
    """gunicorn and a task worker; http-01 is checked on `http_port` (certbot's)."""
    http_port = free_port()
    server = Gunicorn(workers=2)
    with task_workers(
        1, SCM_HTTP_VALIDATION_PORT=str(http_port), SCM_ACME_RETRY_SECONDS="1", SCM_CHECK_CAA="1"
    ):
        yield server, http_port
    server.stop()
    assert "Traceback" not in server.log(), server.log()


class Certbot:
    def __init__(self, binary: Path, home: Path, server: Gunicorn) -> None:
        self.binary, self.home = binary, home
        self.directory = f"http://127.0.0.1:{server.port}/acme/directory"
        self.commands: list[str] = []

    def __call__(self, *args: str) -> subprocess.CompletedProcess:
        command = [
            str(self.binary),
            *args,
            "--config-dir",
            str(self.home / "config"),
            "--work-dir",
            str(self.home / "work"),
            "--logs-dir",
            str(self.home / "logs"),
            "--non-interactive",
        ]
        self.commands.append(" ".join(args))
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr + self.log()
        return done

    def log(self) -> str:
        log = self.home / "logs" / "letsencrypt.log"
        return log.read_text()[-4000:] if log.exists() else ""

    def live(self, name: str) -> Path:
        return self.home / "config" / "live" / name


def fetch(server: Gunicorn, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=30) as answer:
        return answer.read()


def openssl_verify(server: Gunicorn, live: Path, tmp_path: Path, *extra: str) -> str:
    root = tmp_path / "root.pem"
    root.write_bytes(fetch(server, "/ca/aurora/root.pem"))
    done = subprocess.run(
        [
            "openssl",
            "verify",
            "-CAfile",
            str(root),
            "-untrusted",
            str(live / "chain.pem"),
            *extra,
            str(live / "cert.pem"),
        ],
        capture_output=True,
        text=True,
    )
    return (done.stdout + done.stderr).strip()


def serial_of(live: Path) -> str:
    leaf = x509.load_pem_x509_certificate((live / "cert.pem").read_bytes())
    return format(leaf.serial_number, "x")


def listed(server: Gunicorn, user, certificate: Certificate) -> bool:
    page = Visitor(server.port, user).get("/certificates/").body
    return certificate.name in page


@pytest.fixture
def alice_eab():
    alice = UserFactory(username="alice")
    key, hmac = key_with_a_leading_dash(team_of(alice), alice)
    return alice, key.key_id, hmac


def test_certonly_standalone_renew_and_revoke(certbot, console, dns_zone, alice_eab, tmp_path):
    server, http_port = console
    alice, kid, hmac = alice_eab
    dns_zone.a("web.example.com")
    run = Certbot(certbot, tmp_path, server)
    run(
        "certonly", "--standalone", "--preferred-challenges", "http",
        "--http-01-port", str(http_port), "--http-01-address", "127.0.0.1",
        "-d", "web.example.com", "--server", run.directory,
        "--eab-kid", kid, f"--eab-hmac-key={hmac}",
        "--email", "ops@example.com", "--agree-tos",
    )  # fmt: skip
    live = run.live("web.example.com")
    assert openssl_verify(server, live, tmp_path) == f"{live / 'cert.pem'}: OK"
    first = Certificate.objects.get(serial_number=serial_of(live))
    assert (first.status, first.csr_source) == (Status.ISSUED, CsrSource.ACME)
    assert first.acme_order.account.contact == ["mailto:ops@example.com"]
    assert listed(server, alice, first)

    run("renew", "--force-renewal", "--no-random-sleep-on-renew")
    assert openssl_verify(server, live, tmp_path) == f"{live / 'cert.pem'}: OK"
    renewed = Certificate.objects.get(serial_number=serial_of(live))
    assert renewed.pk != first.pk and renewed.status == Status.ISSUED
    assert renewed.acme_order.account == first.acme_order.account  # no new registration

    run("revoke", "--cert-name", "web.example.com", "--reason", "superseded",
        "--server", run.directory, "--no-delete-after-revoke")  # fmt: skip
    renewed.refresh_from_db()
    assert renewed.status == Status.REVOKED
    crl = x509.load_der_x509_crl(fetch(server, "/ca/aurora.crl"))
    crl_pem = tmp_path / "aurora.crl.pem"
    crl_pem.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    checked = openssl_verify(server, live, tmp_path, "-crl_check", "-CRLfile", str(crl_pem))
    assert "certificate revoked" in checked, checked
    ocsp = subprocess.run(
        ["openssl", "ocsp", "-issuer", str(live / "chain.pem"), "-cert", str(live / "cert.pem"),
         "-url", f"http://127.0.0.1:{server.port}/ocsp/", "-noverify"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert ": revoked" in ocsp.stdout, ocsp.stdout + ocsp.stderr
    print(json.dumps({"certbot": run.commands}))


def test_manual_dns01_with_hooks_and_a_wildcard(certbot, console, dns_zone, alice_eab, tmp_path):
    server, _ = console
    alice, kid, hmac = alice_eab
    spool = tmp_path / "spool"
    spool.mkdir()
    dns_zone.spool = spool
    dns_zone.a("example.com")  # the zone exists
    hooks = {}
    for name, text in (("auth.sh", HOOK), ("cleanup.sh", CLEANUP)):
        hooks[name] = tmp_path / name
        hooks[name].write_text(text.format(spool=spool))
        hooks[name].chmod(0o755)
    run = Certbot(certbot, tmp_path, server)
    manual = (
        "--manual", "--preferred-challenges", "dns",
        "--manual-auth-hook", str(hooks["auth.sh"]),
        "--manual-cleanup-hook", str(hooks["cleanup.sh"]),
        "--server", run.directory,
    )  # fmt: skip
    run("certonly", *manual, "-d", "dns.example.com", "--eab-kid", kid,
        f"--eab-hmac-key={hmac}", "--register-unsafely-without-email", "--agree-tos")  # fmt: skip
    live = run.live("dns.example.com")
    assert openssl_verify(server, live, tmp_path) == f"{live / 'cert.pem'}: OK"
    run("certonly", *manual, "-d", "*.wild.example.com", "-d", "wild.example.com",
        "--cert-name", "wild")  # fmt: skip
    wild = run.live("wild")
    assert openssl_verify(server, wild, tmp_path) == f"{wild / 'cert.pem'}: OK"
    leaf = x509.load_pem_x509_certificate((wild / "cert.pem").read_bytes())
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sorted(names.get_values_for_type(x509.DNSName)) == [
        "*.wild.example.com",
        "wild.example.com",
    ]
    row = Certificate.objects.get(serial_number=serial_of(wild))
    assert row.domain_type == "wildcard" and row.status == Status.ISSUED
    assert listed(server, alice, row)
    assert not list(spool.iterdir())  # the cleanup hook ran
    print(json.dumps({"certbot": run.commands}))
