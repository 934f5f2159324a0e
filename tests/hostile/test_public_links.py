"""Links that leave the console (emails, the ACME directory to paste elsewhere) start with
SCM_PUBLIC_URL, never the request's Host: whoever sends a request chooses its Host, and a
mailed link to their server would carry the token in it (Host header poisoning)."""

import re
from pathlib import Path

from django.core import mail

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
# Reading the request's own address is right only where the protocol answers the client in
# the terms it used: ACME's resource URLs and the JWS `url` check (RFC 8555 §6.4).
MAY_READ_THE_HOST = {"certificates/acme/protocol.py", "certificates/acme/views.py"}
HOST_READERS = re.compile(
    r"build_absolute_uri|get_host\(|get_current_site|RequestSite|HTTP_HOST|SERVER_NAME"
)


def test_no_link_is_built_from_the_request_host_outside_acme():
    """The class, not the case: a new view or email that reads the Host fails here."""
    found = []
    for package in ("certificates", "teams", "scm_console"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            if name in MAY_READ_THE_HOST or "/migrations/" in name:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if HOST_READERS.search(line):
                    found.append(f"{name}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_password_reset_link_is_on_the_public_url_whatever_the_host(client, db, settings):
    settings.SCM_PUBLIC_URL = "https://console.example.com"
    settings.ALLOWED_HOSTS = ["*"]  # as a careless deployment would have it
    UserFactory(username="dora", email="dora@example.com")
    response = client.post(
        "/accounts/password_reset/", {"email": "dora@example.com"}, HTTP_HOST="attacker.example"
    )
    assert response.status_code == 302
    body = mail.outbox[-1].body
    assert "https://console.example.com/accounts/reset/" in body
    assert "attacker.example" not in body + mail.outbox[-1].subject


def test_the_acme_page_names_the_public_directory(alice_client, alice, settings):
    settings.SCM_PUBLIC_URL = "https://console.example.com"
    settings.ALLOWED_HOSTS = ["*"]
    page = alice_client.get("/teams/acme/", HTTP_HOST="attacker.example")
    assert page.status_code == 200
    assert "https://console.example.com/acme/directory" in page.text
    assert "attacker.example" not in page.text
