"""The README's "Using the API" walk-through, run verbatim with bash and curl against the
console under gunicorn, with a task worker and the demo's DNS server, as after `make run`:
the certificate reaches ISSUED through the API, the console's list shows it issued, and the
exported chain verifies with openssl."""

import os
import shutil
import subprocess

import pytest

from certificates.choices import Status
from certificates.models import Certificate
from teams.roles import Role
from teams.tokens import create_token
from tests.factories import UserFactory, team_of
from tests.support.processes import (
    Gunicorn,
    Visitor,
    readme_block,
    task_workers,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]


@pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("openssl")) and not os.environ.get("CI"),
    reason="the walk-through needs curl and openssl (CI installs them)",
)
def test_the_readmes_api_walkthrough_issues_and_exports_a_certificate(demo_dns, tmp_path):
    alice = UserFactory(username="alice")
    _, token = create_token(team_of(alice), "walkthrough", Role.FULL_ACCESS, by=alice)
    env = {"SCM_DNS_RESOLVER": demo_dns, "SCM_RECHECK_FIRST_SECONDS": "1", "SCM_AUTO_ISSUE_DV": "1"}
    server = Gunicorn(workers=2, **env)
    try:
        with task_workers(1, **env):
            ran = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", readme_block("api-walkthrough")],
                cwd=tmp_path,
                env={**os.environ, "SCM": f"http://127.0.0.1:{server.port}", "TOKEN": token},
                capture_output=True,
                text=True,
                timeout=300,
            )
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert "_dnsauth.api.northwind-demo.com" in ran.stdout
        assert ran.stdout.strip().splitlines()[-1] == "server.crt: OK", ran.stdout
        assert "CHECKING" in ran.stdout and "ISSUED" in ran.stdout
        certificate = Certificate.objects.get()
        assert certificate.status == Status.ISSUED
        visitor = Visitor(server.port, alice)
        page = visitor.get("/certificates/").body
        row = page.split(f'data-certificate-id="{certificate.pk}"')[1].split("</tr>")[0]
        assert "Issued" in row and "100%" in row, row
    finally:
        server.stop()
