"""The REST API answers in its own shape everywhere under /v3/ (SCM's JSON error, never an
HTML page, DEBUG or not) and takes only what its OpenAPI document allows: no number or
string read as a boolean, no string read as a number, no unknown field ignored."""

import json

import pytest
from django.urls import get_resolver

from tests.factories import CertificateFactory

METHODS = ["get", "post", "put", "patch", "delete"]


def api_paths(pk: str) -> list[str]:
    """Every /v3/ route with its id replaced, from the URLconf itself: a route added later is
    tried too."""
    found = []
    for pattern in get_resolver().url_patterns:
        if str(pattern.pattern) != "v3/":
            continue
        for route in pattern.url_patterns:
            text = str(route.pattern)
            if "<int:pk>" in text:
                found.append("/v3/" + text.replace("<int:pk>", pk))
    return found


def assert_scm_json(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:200])
    assert response["Content-Type"] == "application/json"
    found = response.json()
    assert found["error_code"] == f"SCM.0{status}" and found["error_msg"]
    return found


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):
    settings.DEBUG = request.param  # the demo runs with DEBUG: Django's pages then differ


@pytest.mark.parametrize("pk", ["null,null", "abc", "1.5", "-1", "%20", "1e3", "١٢"])
def test_an_id_that_is_not_a_number_is_scm_json_404_on_every_route(api, debug, pk):
    paths = api_paths(pk)
    assert len(paths) >= 6
    for path in paths:
        for method in METHODS:
            assert_scm_json(getattr(api.client, method)(path, headers=api.headers), 404)


@pytest.mark.parametrize(
    "path", ["/v3/", "/v3/scm", "/v3/scm/certificates/", "/v3/scm/certificates/1/", "/v3/x/y"]
)
def test_any_other_path_under_v3_is_scm_json_404_with_or_without_a_token(api, client, debug, path):
    for method in METHODS:
        assert_scm_json(getattr(api.client, method)(path, headers=api.headers), 404)
        assert_scm_json(getattr(client, method)(path), 404)


def test_a_wrong_method_is_scm_json_405(api, debug):
    assert_scm_json(api.client.put("/v3/scm/certificates", headers=api.headers), 405)
    assert_scm_json(api.client.get("/v3/scm/certificates/1/apply", headers=api.headers), 405)


def test_an_accept_header_without_json_is_scm_json_406(api, debug):
    response = api.client.get(
        "/v3/scm/certificates", headers={**api.headers, "Accept": "text/html"}
    )
    assert_scm_json(response, 406)


def test_a_body_that_is_not_json_is_scm_json_415(api, debug):
    response = api.client.post(
        "/v3/scm/certificates", "a=b", content_type="text/plain", headers=api.headers
    )
    assert_scm_json(response, 415)


def test_a_body_over_the_limit_is_scm_json_413(api, debug, settings):
    body = json.dumps({"reason": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = api.client.post(
        "/v3/scm/certificates", body, content_type="application/json", headers=api.headers
    )
    assert_scm_json(response, 413)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"test": 0}, "test"),
        ({"test": 1}, "test"),
        ({"test": "true"}, "test"),
        ({"test": "yes"}, "test"),
        ({"test": None}, "test"),
        ({"quantity": "2"}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"additional_domains": "1"}, "additional_domains"),
        ({"type": 1}, "type"),
        ({"brand": True}, "brand"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_buying_refuses_what_the_schema_forbids(api, body, field):
    found = assert_scm_json(api.post("/v3/scm/certificates", body), 400)
    assert list(found["fields"]) == [field]
    assert api.get("/v3/scm/certificates").json()["total_count"] == 0  # nothing bought


def test_a_whole_number_written_with_a_fraction_is_the_number(api):
    assert api.post("/v3/scm/certificates", {"quantity": 2.0}).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"submit": 0},
        {"submit": "false"},
        {"domain": 5},
        {"sans": "www.example.com"},
        {"sans": [1]},
        {"csr": ["-----BEGIN"]},
        {"company_id": "1"},
        {"reason": "x"},
        {"contact_name": "x" * 101},
    ],
)
def test_applying_refuses_what_the_schema_forbids(api, alice, body):
    certificate = CertificateFactory(owner=alice, primary_domain="", organization=None)
    response = api.post(f"/v3/scm/certificates/{certificate.pk}/apply", body)
    assert list(assert_scm_json(response, 400)["fields"]) == list(body)


@pytest.mark.parametrize(
    ("step", "body"),
    [
        ("verify", {"now": True}),
        ("cancel-cert", {"reason": "x"}),
        ("revoke", {"reason": 5}),
        ("revoke", {"reason": "moved", "code": 1}),
        ("export", {"passphrase": 12345678}),
    ],
)
def test_the_steps_refuse_fields_and_types_they_do_not_take(api, alice, step, body):
    certificate = CertificateFactory(owner=alice, issued=True)
    response = api.post(f"/v3/scm/certificates/{certificate.pk}/{step}", body)
    assert_scm_json(response, 400)
    certificate.refresh_from_db()
    assert certificate.status == "issued"


def test_an_unknown_status_names_the_valid_ones(api):
    found = assert_scm_json(api.get("/v3/scm/certificates", {"status": "issued"}), 400)
    message = found["fields"]["status"][0]
    assert "“issued” is not one of:" in message
    for code in ("ALL", "PAID", "CHECKING", "ISSUED", "REVOKED", "EXPIRED"):
        assert code in message


def test_an_unknown_sort_names_the_valid_ones(api):
    found = assert_scm_json(api.get("/v3/scm/certificates", {"sort_key": "name"}), 400)
    assert "certExpiredTime, certStatus, certUpdateTime" in found["fields"]["sort_key"][0]


def test_the_openapi_document_closes_request_bodies_and_names_bearer(client):
    document = client.get("/v3/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["token"] == {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}
    assert schemes["bearer"]["type"] == "http" and schemes["bearer"]["scheme"] == "bearer"
    bodies = []
    for operations in document["paths"].values():
        for operation in operations.values():
            assert {"bearer": []} in operation["security"]
            for media in operation.get("requestBody", {}).get("content", {}).values():
                bodies.append(media["schema"]["$ref"].rsplit("/", 1)[-1])
    assert len(bodies) >= 4
    for name in bodies:
        assert document["components"]["schemas"][name]["additionalProperties"] is False


def test_a_bearer_token_works_as_the_schema_says(api):
    raw = api.headers["X-Auth-Token"]
    response = api.client.get("/v3/scm/certificates", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
