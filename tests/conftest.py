import sys

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client

from certificates.staff_groups import ensure_staff_groups
from tests.factories import UserFactory
from tests.support.browsing import browser, no_csp_violations, people  # noqa: F401 - fixtures
from tests.support.follow_ups import follow_ups  # noqa: F401 - fixture
from tests.support.pages import client_for
from tests.support.world import world  # noqa: F401 - fixture (the URL-by-person tests)


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SCM_POLL_INTERVAL = 0.3
    # Rate limits are tested on their own (test_limits.py); elsewhere they would only
    # make tests that press a button twice depend on the clock.
    settings.SCM_VERIFY_NOW_SECONDS = 0
    settings.SCM_EMAIL_RESEND_SECONDS = 0
    settings.SCM_EMAIL_ADDRESS_SECONDS = 0
    settings.SCM_EMAILS_PER_HOUR = 10_000
    settings.SCM_ACME_ANONYMOUS_PER_MINUTE = 0


def _staff(username: str, *groups: str):
    # A transactional test (browser, races) starts from a flushed database: the groups
    # made by the data migration are gone, so make sure they exist.
    ensure_staff_groups(apps)
    user = UserFactory(username=username, is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def staff(db):
    """Staff in all three groups, like the demo's."""
    return _staff("staff", "Validation", "Issuance", "Revocation")


@pytest.fixture
def validator(db):
    return _staff("val", "Validation")


@pytest.fixture
def issuer(db):
    return _staff("iss", "Issuance")


@pytest.fixture
def revoker(db):
    return _staff("rev", "Revocation")


@pytest.fixture
def alice_client(alice) -> Client:
    return client_for(alice)


@pytest.fixture
def bob_client(bob) -> Client:
    return client_for(bob)


@pytest.fixture
def staff_client(staff) -> Client:
    return client_for(staff)


@pytest.fixture
def htmx_headers() -> dict[str, str]:
    return {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _no_rows_kept_from_another_test():
    """The list's row cache (views/lists.py) lives in the process: each test starts empty."""
    from django.core.cache import caches

    caches["rows"].clear()


@pytest.fixture(autouse=True)
def _no_outside_lookups(settings):
    # Issuance looks up CAA in DNS; tests that need it point a real local server at it.
    settings.SCM_CHECK_CAA = False
    settings.SCM_SIMULATED_CA = False


@pytest.fixture(scope="session")
def _dns_server():
    from tests.support.servers import start_dns

    zone, server, port = start_dns()
    yield zone, port
    server.stop()


@pytest.fixture(scope="session")
def _web_server():
    from tests.support.servers import Site, start_http

    site = Site()
    server, port = start_http(site)
    yield site, port
    server.shutdown()
    server.server_close()


@pytest.fixture
def dns_zone(settings, _dns_server):
    """A real DNS server on 127.0.0.1, empty at the start of each test, used as resolver.

    Answers take milliseconds, but a busy CI machine can stall one for longer than a
    tight timeout, so the resolver waits 5 s; tests of silent names set a short timeout.
    """
    zone, port = _dns_server
    zone.reset()
    settings.SCM_DNS_RESOLVER = f"127.0.0.1:{port}"
    settings.SCM_DNS_TIMEOUT = 5
    return zone


@pytest.fixture
def web_site(settings, dns_zone, _web_server):
    """A real HTTP server on 127.0.0.1; names resolve to it through dns_zone."""
    site, port = _web_server
    site.reset()
    settings.SCM_HTTP_VALIDATION_PORT = port
    settings.SCM_HTTP_TIMEOUT = 5  # answers take milliseconds; no test waits for this one
    settings.SCM_VALIDATION_ALLOW_PRIVATE = True
    return site


@pytest.fixture(autouse=True)
def _built_in_ca(request):
    """Every test with a database gets the built-in CA, as `make run` creates it."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
    elif "db" in request.fixturenames or marker:
        request.getfixturevalue("db")
    else:
        return
    from certificates.services.issuance import init_ca

    init_ca()


def pytest_terminal_summary(terminalreporter) -> None:
    """How many requests schemathesis generated (tests/api/test_schema.py), when it ran."""
    schema_test = sys.modules.get("tests.api.test_schema")
    if schema_test is not None and schema_test.CASES["count"]:
        terminalreporter.write_line(
            f"schemathesis: {schema_test.CASES['count']} generated cases over every operation"
            f" of /v3/openapi.json, {schema_test.CASES['negative']} of them negative"
        )
