"""Schemathesis over every operation of /v3/openapi.json, in-process (WSGI): generated
requests, valid (positive) and not (negative: wrong types, values out of range, unknown
fields, missing required ones), each checked for server errors, status codes and content
types the schema names, responses that conform to it, and that every request the schema
forbids is refused with a 4xx (negative_data_rejection). The number of cases is printed."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from certificates.choices import Status
from teams.roles import Role
from tests.api.conftest import token_for
from tests.ca.helpers import system_key_certificate
from tests.factories import CertificateFactory

schema = schemathesis.openapi.from_wsgi("/v3/openapi.json", get_wsgi_application())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
CASES = {"count": 0, "negative": 0}
# Server errors, documented status codes and content types, responses that conform, and
# what the schema forbids refused. (Not positive_data_acceptance: a well-formed domain may
# still be refused by the console's rules, a 400 in words.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="module", autouse=True)
def _keep_the_test_database_open():
    """A WSGI request ends by closing the database connection (Django's request_finished);
    the test client does not, and neither may these requests, inside a test's transaction."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def world(alice):
    """A team with certificates in the states the operations act on, and an
    Administrator's token."""
    ids = [system_key_certificate(alice).pk]
    for state in (
        Status.PENDING_APPLICATION,
        Status.PENDING_DOMAIN_VERIFICATION,
        Status.APPLICATION_FAILED,
        Status.ISSUED,
        Status.REVOKING,
    ):
        ids.append(CertificateFactory(owner=alice, status=state).pk)
    token, api = token_for(alice, Role.ADMINISTRATOR)
    return {"headers": api.headers, "ids": ids}


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_its_schema_says(case, world, settings_for_api):
    CASES["count"] += 1
    CASES["negative"] += bool(case.meta and case.meta.generation.mode.is_negative)
    pk = (case.path_parameters or {}).get("id")
    if isinstance(pk, int) and pk % 7:
        # Most cases name one of the team's certificates (in each state), the rest any
        # number (another team's or none: 404): random ids alone would almost never reach
        # a real certificate, and the steps' code would go untried.
        case.path_parameters["id"] = world["ids"][pk % len(world["ids"])]
    case.call_and_validate(headers=world["headers"], checks=CHECKS)


@pytest.fixture
def settings_for_api(settings):
    settings.SCM_API_REQUESTS_PER_MINUTE = 1_000_000  # generated cases are many
    settings.SCM_DOWNLOADS_PER_HOUR = 1_000_000
    settings.SCM_VERIFY_NOW_SECONDS = 0
