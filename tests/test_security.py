"""Web security: the deploy checks, the Content-Security-Policy, HTTPS-only cookies and HSTS,
login throttling, CSRF on every POST, and secrets kept out of error reports and logs."""

import datetime as dt
import io
import json
import logging
import os
import re
import secrets
import subprocess
import sys

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.core.signals import got_request_exception
from django.test import Client
from django.utils import timezone
from django.views.debug import ExceptionReporter

from certificates.ca import bundles, keystore
from tests.ca.helpers import issued
from tests.support.processes import ROOT
from tests.support.urlconf import routes
from tests.support.world import url_for

PRODUCTION = {
    "DEBUG": "0",
    "SCM_HTTPS": "1",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "SCM_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "scm.example.com",
    "DJANGO_SETTINGS_MODULE": "scm_console.settings",
}


def production_env(tmp_path) -> dict:
    env = {**os.environ, **PRODUCTION, "SQLITE_PATH": str(tmp_path / "production.sqlite3")}
    env.pop("DATABASE_URL", None)  # a throwaway SQLite file, whatever the suite runs on
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for their thread
    return env


def run_in_production(code: str, tmp_path) -> dict:
    """Run Python with the production environment (settings are read at import) on a
    fresh database, and return the JSON it prints last."""
    code = (
        "import django\ndjango.setup()\nfrom django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n" + code
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_production_settings_pass_the_deploy_check_without_warnings(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_over_https_cookies_are_secure_hsts_is_sent_and_http_redirects_except_crl_and_ocsp(
    tmp_path,
):
    found = run_in_production(
        """
import json
from certificates.services.issuance import init_ca
init_ca()
from django.conf import settings
from django.test import Client
c = Client(HTTP_HOST="scm.example.com")
plain = c.get("/accounts/login/")
tls = c.get("/accounts/login/", secure=True)
crl = c.get("/ca/aurora.crl")
ocsp = c.get("/ocsp/")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "hsts": tls.get("Strict-Transport-Security", ""),
    "csrf_cookie": {
        k: bool(v) for k, v in tls.cookies["csrftoken"].items() if k in ("secure", "httponly")
    },
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "crl": crl.status_code, "ocsp": ocsp.status_code,
}))
""",
        tmp_path,
    )
    assert found["plain"] == [301, "https://scm.example.com/accounts/login/"]
    assert found["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert found["csrf_cookie"] == {"secure": True, "httponly": True}
    assert found["session_secure"] and found["session_httponly"]
    # Relying parties fetch the CRL and OCSP over plain HTTP (BR §7.1.2.11): no redirect.
    assert found["crl"] != 301 and found["ocsp"] != 301


@pytest.mark.parametrize("path", ["/certificates/", "/accounts/login/", "/admin/login/", "/ca/"])
def test_every_page_carries_a_csp_without_unsafe_inline(alice_client, path):
    policy = alice_client.get(path)["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style[\s>]|\sstyle=|\son[a-z]+=", re.I)


def test_no_page_has_inline_scripts_styles_or_handlers(world):
    """What the policy would block, looked for in every page each person can open."""
    found = []
    for role in ("reader", "member", "administrator", "superuser"):
        client = Client()
        client.force_login(world["users"][role])
        for route in routes():
            response = client.get(url_for(route, world))
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                for match in INLINE.finditer(response.content.decode()):
                    found.append(f"{route.name} as {role}: {match.group(0)}")
    assert not found, "\n".join(found)


def test_the_fifth_wrong_password_locks_that_username_from_that_address(db, client):
    from tests.factories import UserFactory

    UserFactory(username="dora", password="right-horse-battery")
    UserFactory(username="erik", password="right-horse-battery")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(4):
            wrong = client.post("/accounts/login/", {"username": "dora", "password": "guess"})
            assert wrong.status_code == 200  # the form says the password is wrong
        fifth = client.post("/accounts/login/", {"username": "dora", "password": "guess"})
        assert fifth.status_code == 429
        locked = client.post(
            "/accounts/login/", {"username": "dora", "password": "right-horse-battery"}
        )
        assert locked.status_code == 429
        assert "Try again in 15 minutes, or" in locked.text
        admin = client.post("/admin/login/", {"username": "dora", "password": "guess"})
        assert admin.status_code == 429
        # Another username from the same address is not locked.
        other = client.post(
            "/accounts/login/", {"username": "erik", "password": "right-horse-battery"}
        )
        assert other.status_code == 302
        clock.shift(dt.timedelta(minutes=16))
        again = Client().post(
            "/accounts/login/", {"username": "dora", "password": "right-horse-battery"}
        )
        assert again.status_code == 302


def test_every_post_without_the_csrf_token_is_refused(world):
    """Every URL, POSTed by its owner without a token: 403. The OCSP responder is the one
    exception by design (relying parties POST DER requests, RFC 6960). The REST API reads
    no cookie at all: a browser's session is no credential there (401), so a forged
    cross-site POST carries none; nor does ACME, whose only credential is a signed JWS (415
    for anything else)."""
    exempt = {"ca:ocsp", "ca:ocsp-get"}
    missing = []
    for role in ("reader", "member", "administrator", "superuser"):
        client = Client(enforce_csrf_checks=True)
        client.force_login(world["users"][role])
        for route in routes():
            if route.name in exempt:
                continue
            response = client.post(url_for(route, world), {})
            if route.name.startswith("api:") and route.name not in ("api:schema", "api:docs"):
                if response.status_code != 401:
                    missing.append(f"{route.name} as {role}: {response.status_code}, not 401")
                continue
            if route.name.startswith("acme:"):
                if response.status_code not in (405, 415):
                    missing.append(f"{route.name} as {role}: {response.status_code}, not 415")
                continue
            if response.status_code not in (403, 405):
                missing.append(f"{route.name} as {role}: {response.status_code}")
    assert not missing, "\n".join(missing)


def test_htmx_posts_carry_the_token_from_the_page(alice_client, alice):
    """CSRF_COOKIE_HTTPONLY hides the cookie from scripts: htmx sends the page's token."""
    html = alice_client.get("/certificates/").text
    assert re.search(r'hx-headers=\'\{"X-CSRFToken": "[A-Za-z0-9]{64}"\}\'', html)


def test_an_error_report_never_shows_the_private_key(alice_client, alice, monkeypatch, settings):
    """What an error email to the admins would hold if building a bundle failed."""
    from certificates.services.applications import private_key_pem

    fake = b"-----BEGIN PRIVATE KEY-----\nQUIETFOXSECRETMATERIAL\n-----END PRIVATE KEY-----\n"
    certificate = issued(alice, csr_source="system", private_key=keystore.encrypt(fake))
    assert private_key_pem(certificate) == fake
    reports = []

    def report(sender, request, **kwargs):
        reporter = ExceptionReporter(request, *sys.exc_info())
        reports.append(reporter.get_traceback_text() + reporter.get_traceback_html())

    def broken(self, name, data, *args, **kwargs):
        raise RuntimeError("disk full")

    # Fails deep inside, in a standard-library frame that holds the key as an argument.
    monkeypatch.setattr(bundles.zipfile.ZipFile, "writestr", broken)
    got_request_exception.connect(report)
    try:
        client = Client(raise_request_exception=False)
        client.force_login(alice)
        response = client.get(f"/certificates/{certificate.pk}/download/nginx/")
    finally:
        got_request_exception.disconnect(report)
    assert response.status_code == 500
    assert reports and "disk full" in reports[0]
    assert "QUIETFOXSECRETMATERIAL" not in reports[0]
    assert re.search(r"key_pem</td>\s*<td class=\"code\"><pre>&#x27;\*+&#x27;", reports[0])
    assert "QUIETFOXSECRETMATERIAL" not in response.text


def test_validation_tokens_never_reach_the_log():
    stream = io.StringIO()
    handler = next(h for h in logging.getLogger().handlers if h.filters)
    previous = handler.setStream(stream)
    try:
        logging.getLogger("django.server").info(
            '"%s" %s %s', "GET /certificates/verify-email/eyJkIjo1fQ:1vX:abc/ HTTP/1.1", 200, 5
        )
        logging.getLogger("django.request").warning(
            "Bad Request: %s", "/certificates/verify-email/eyJkIjo1fQ:1vX:abc/"
        )
    finally:
        handler.setStream(previous)
    assert "eyJkIjo1fQ" not in stream.getvalue()
    assert stream.getvalue().count("/verify-email/[token]/") == 2


def test_pages_with_private_data_are_never_cached(world):
    """Every page a signed-in user gets, and the emailed-link page, says `private, no-store`;
    the CA's public pages (certificates, CRLs) may be cached."""
    cached = []
    # The API's schema and docs are the same for everyone, signed in or not, and read no
    # session (the API's own answers are private, no-store: every one carries a team's data).
    public = {"api:schema", "api:docs"}
    for role in ("reader", "administrator"):
        client = Client()
        client.force_login(world["users"][role])
        for route in routes():
            if route.name in public:
                continue
            response = client.get(url_for(route, world))
            directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
            if not {"private", "no-store"} <= directives:
                cached.append(
                    f"{route.name} as {role}: {response.status_code} "
                    f"{response.get('Cache-Control')}"
                )
    assert not cached, "\n".join(cached)
    link = Client().get("/certificates/verify-email/not-a-real-token/")
    assert {"private", "no-store"} <= {d.strip() for d in link["Cache-Control"].split(",")}
    public = Client().get("/ca/aurora/root.pem")
    assert "no-store" not in public.get("Cache-Control", "")


def test_refused_validation_tokens_are_redacted_from_every_log_debug_included(client, settings):
    """With DEBUG on, Django's own console handler prints "Bad Request: <path>" too."""
    from django.utils.log import configure_logging

    settings.DEBUG = True
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    streams = []
    try:
        for name in ["", "django", "django.request", "django.server"]:
            for handler in logging.getLogger(name).handlers:
                if isinstance(handler, logging.StreamHandler) and not type(
                    handler
                ).__module__.startswith("_pytest"):
                    stream = io.StringIO()
                    streams.append((handler, handler.setStream(stream), stream))
        response = client.get("/certificates/verify-email/eyJkIjo1fQ:1vXsecret:abc/")
        assert response.status_code == 400
    finally:
        for handler, previous, _ in streams:
            handler.setStream(previous)
    written = "".join(stream.getvalue() for _, _, stream in streams)
    assert "Bad Request: /certificates/verify-email/[token]/" in written
    assert "1vXsecret" not in written
