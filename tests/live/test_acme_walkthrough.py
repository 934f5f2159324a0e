"""The README's "Using ACME" block, run verbatim with bash and the real certbot (PyPI, in a
virtualenv of its own) against the console under gunicorn, with a task worker and the demo's
DNS server, as after `make run`: an ACME key made as alice, certonly by http-01 and by
dns-01 with a wildcard, openssl verify, renew, revoke; the rows in alice's list."""

import os
import subprocess

import pytest

from certificates.choices import CsrSource, Status
from certificates.models import Certificate
from tests.factories import UserFactory, team_of
from tests.support.acme_client import key_with_a_leading_dash
from tests.support.processes import (
    Gunicorn,
    Visitor,
    certbot_bin,
    free_port,
    readme_block,
    task_workers,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]


def test_the_readmes_certbot_commands_issue_renew_and_revoke(demo_dns, tmp_path):  # noqa: F811
    certbot = certbot_bin()
    alice = UserFactory(username="alice")
    key, hmac = key_with_a_leading_dash(team_of(alice), alice)
    http_port = free_port()
    env = {"SCM_DNS_RESOLVER": demo_dns, "SCM_CHECK_CAA": "1", "SCM_ACME_RETRY_SECONDS": "1"}
    # The block's own default puts certbot's files in var/certbot/ of the directory it runs
    # in, never /etc/letsencrypt: here tmp_path, with no cli.ini to help.
    home = tmp_path / "var" / "certbot"
    server = Gunicorn(workers=2, SCM_HTTP_VALIDATION_PORT=str(http_port), **env)
    try:
        with task_workers(1, SCM_HTTP_VALIDATION_PORT=str(http_port), **env):
            ran = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", readme_block("acme-walkthrough")],
                cwd=tmp_path,
                env={
                    **os.environ,
                    "PATH": f"{certbot.parent}:{os.environ['PATH']}",
                    "XDG_CONFIG_HOME": str(tmp_path / "xdg"),  # no cli.ini there
                    "SCM": f"http://127.0.0.1:{server.port}",
                    "KEY_ID": key.key_id,
                    "HMAC_KEY": hmac,
                    "HTTP_PORT": str(http_port),
                },
                capture_output=True,
                text=True,
                timeout=300,
            )
        log = home / "logs" / "letsencrypt.log"
        assert ran.returncode == 0, ran.stdout + ran.stderr + (log.read_text()[-3000:])
        live = f"{home}/config/live"
        assert f"{live}/www.northwind-demo.com/cert.pem: OK" in ran.stdout
        assert f"{live}/northwind-demo.com/cert.pem: OK" in ran.stdout
        rows = {
            row.pk: row for row in Certificate.objects.filter(csr_source=CsrSource.ACME)
        }  # fmt: skip
        statuses = sorted(row.status for row in rows.values())
        # www: issued, renewed (then revoked); the wildcard: issued and renewed.
        assert statuses == sorted([Status.ISSUED, Status.REVOKED, Status.ISSUED, Status.ISSUED]), (
            statuses
        )
        wildcard = [row for row in rows.values() if row.domain_type == "wildcard"]
        assert {row.primary_domain for row in wildcard} == {"northwind-demo.com"}
        page = Visitor(server.port, alice).get("/certificates/").body
        for row in rows.values():
            assert f'data-certificate-id="{row.pk}"' in page
    finally:
        server.stop()
