"""The REST API's certificate endpoints (SPEC §10): SCM's field names and status codes, the
console's rules through the same services, the token's team and role, SCM's error shape."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certificates.choices import Status
from certificates.models import Certificate, Record
from teams.roles import Role
from tests.api.conftest import token_for
from tests.ca.helpers import issued, system_key_certificate
from tests.factories import CertificateFactory

LIST = "/v3/scm/certificates"


def one(pk: int) -> str:
    return f"{LIST}/{pk}"


def test_the_list_is_the_teams_in_scms_shape(alice, bob, api):
    mine = CertificateFactory(owner=alice, domain=True, primary_domain="shop.example.com")
    CertificateFactory(owner=bob)
    CertificateFactory(owner=alice, deleted=True)
    answer = api.get(LIST)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    found = answer.json()
    assert found["total_count"] == 1 and not found["total_count_capped"]
    [row] = found["certificates"]
    assert row["id"] == mine.pk and row["domain"] == "shop.example.com"
    assert row["status"] == "CHECKING" and row["progress"] == 40
    assert row["status_text"] == "Pending domain name verification"
    assert row["type"] == "DV_SSL_CERT_BASIC" and row["domain_type"] == "SINGLE_DOMAIN"
    for field in (
        "sans",
        "signature_algorithm",
        "brand",
        "domain_count",
        "wildcard_count",
        "validity_period",
        "expire_time",
        "name",
    ):
        assert field in row, field


def test_limit_offset_and_the_cursor_walk_every_row_once(alice, api):
    made = [CertificateFactory(owner=alice) for _ in range(7)]
    newest_first = [c.pk for c in reversed(made)]
    assert [r["id"] for r in api.get(LIST, {"limit": 3, "offset": 2}).json()["certificates"]] == (
        newest_first[2:5]
    )
    seen, cursor = [], ""
    while True:
        page = api.get(LIST, {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [r["id"] for r in page["certificates"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == newest_first


def test_a_deep_offset_says_to_use_the_cursor(api):
    answer = api.get(LIST, {"offset": 5000})
    assert answer.status_code == 400
    body = answer.json()
    assert body["error_code"] == "SCM.0400" and "cursor" in body["fields"]["offset"][0]


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 51}, "limit"),
        ({"sort_key": "name"}, "sort_key"),
        ({"sort_dir": "UP"}, "sort_dir"),
        ({"status": "issued"}, "status"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_bad_list_parameters_are_400s_naming_the_field(api, query, said):
    answer = api.get(LIST, query)
    assert answer.status_code == 400 and said in answer.json()["fields"]


def test_status_search_and_sort_as_the_console(alice, api):
    issued_one = CertificateFactory(owner=alice, issued=True, primary_domain="api.shop.example")
    CertificateFactory(owner=alice, domain=True, primary_domain="www.other.example")
    by_status = api.get(LIST, {"status": "ISSUED"}).json()["certificates"]
    assert [r["id"] for r in by_status] == [issued_one.pk]
    assert [r["id"] for r in api.get(LIST, {"search": "shop"}).json()["certificates"]] == [
        issued_one.pk
    ]
    ascending = api.get(LIST, {"sort_key": "certStatus", "sort_dir": "ASC"}).json()
    descending = api.get(LIST, {"sort_key": "certStatus", "sort_dir": "DESC"}).json()
    assert [r["id"] for r in ascending["certificates"]] == [
        r["id"] for r in reversed(descending["certificates"])
    ]


def test_detail_shows_the_records_to_create_and_the_timeline(alice, api):
    certificate = CertificateFactory(owner=alice, domain=True, primary_domain="shop.example.com")
    body = api.get(one(certificate.pk)).json()
    [record] = body["authentification"]
    domain = certificate.domains.get()
    assert record == {
        "domain": "shop.example.com",
        "status": "pending",
        "record_type": "TXT",
        "record_name": domain.txt_name,
        "record_value": domain.token,
        "last_check": "",
    }
    assert "timeline" in body and body["not_after"] is None


def test_domains_status_says_what_the_consoles_domains_card_says(alice, api, validator):
    """Issued certificates' domains are verified, a stopped application's not-verified,
    never a lasting "pending"."""
    issued = CertificateFactory(owner=alice, issued=True, domains=["api.example.com"])
    statuses = [d["status"] for d in api.get(one(issued.pk)).json()["authentification"]]
    assert statuses == ["verified", "verified"]

    refused = CertificateFactory(owner=alice, domain=True, domains=["api.example.com"])
    refused.domains.filter(name="api.example.com").update(status="failed")
    refused.run_transition("reject", by=validator, reason="Not proven in time.")
    body = api.get(one(refused.pk)).json()["authentification"]
    assert {d["domain"]: d["status"] for d in body} == {
        refused.primary_domain: "not-verified",
        "api.example.com": "failed",
    }


def test_another_teams_certificate_is_404_in_scms_shape(bob, api):
    theirs = CertificateFactory(owner=bob, issued=True)
    for answer in (
        api.get(one(theirs.pk)),
        api.post(f"{one(theirs.pk)}/revoke", {"reason": "x"}),
        api.post(f"{one(theirs.pk)}/export"),
        api.delete(one(theirs.pk)),
    ):
        assert answer.status_code == 404 and answer.json()["error_code"] == "SCM.0404"


def test_buy_apply_and_submit_through_the_console_rules(alice, api):
    bought = api.post(LIST, {"type": "DV_SSL_CERT_BASIC", "quantity": 2})
    assert bought.status_code == 201
    first, _ = bought.json()["certificate_ids"]
    refused = api.post(f"{one(first)}/apply", {"domain": "https://www.example.com/path"})
    assert refused.status_code == 200  # a pasted address becomes its domain, as on the form
    assert refused.json()["domain"] == "www.example.com"
    assert refused.json()["status"] == "CHECKING"
    assert Certificate.objects.get(pk=first).status == Status.PENDING_DOMAIN_VERIFICATION


def test_form_errors_come_back_under_the_apis_field_names(alice, api):
    [pk] = api.post(LIST, {"type": "DV_SSL_CERT_BASIC"}).json()["certificate_ids"]
    answer = api.post(f"{one(pk)}/apply", {"domain": "not a domain"})
    assert answer.status_code == 400
    body = answer.json()
    assert "domain" in body["fields"] and body["error_msg"].startswith("Some fields are not valid")
    assert Certificate.objects.get(pk=pk).status == Status.PENDING_APPLICATION


def test_a_refused_step_is_409_with_the_models_reason(alice, api):
    certificate = CertificateFactory(owner=alice, issued=True)
    answer = api.post(f"{one(certificate.pk)}/cancel-cert")
    assert answer.status_code == 409 and answer.json()["error_code"] == "SCM.0409"
    assert "Nothing was changed." in answer.json()["error_msg"]
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED


def test_revoke_and_delete_take_the_console_steps(alice, api):
    certificate = CertificateFactory(owner=alice, issued=True)
    revoked = api.post(
        f"{one(certificate.pk)}/revoke", {"reason": "Key lost", "code": "key_compromise"}
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "REVOKING"
    certificate.refresh_from_db()
    assert certificate.status == Status.REVOKING and certificate.revocation_reason == "Key lost"
    failed = CertificateFactory(owner=alice, failed=True)
    assert api.delete(one(failed.pk)).status_code == 200
    assert Certificate.objects.get(pk=failed.pk).status == Status.DELETED
    assert api.get(one(failed.pk)).status_code == 404
    steps = Record.objects.filter(action__in=["request_revocation", "discard"])
    assert set(steps.values_list("actor_name", flat=True)) == {"API token pipeline"}
    assert Record.objects.get(action="token_created").actor_name == "alice"


def test_export_gives_the_pems_and_the_key_encrypted_with_a_passphrase(alice, api):
    certificate = system_key_certificate(alice)
    plain = api.post(f"{one(certificate.pk)}/export").json()
    leaf = x509.load_pem_x509_certificate(plain["certificate"].encode())
    key = serialization.load_pem_private_key(plain["private_key"].encode(), password=None)
    assert leaf.public_key().public_numbers() == key.public_key().public_numbers()
    assert plain["entire_certificate"] == plain["certificate"] + plain["certificate_chain"]
    locked = api.post(f"{one(certificate.pk)}/export", {"passphrase": "correct horse"}).json()
    assert "ENCRYPTED PRIVATE KEY" in locked["private_key"]
    opened = serialization.load_pem_private_key(
        locked["private_key"].encode(), password=b"correct horse"
    )
    assert opened.public_key().public_numbers() == key.public_key().public_numbers()
    assert Record.objects.filter(action="export").count() == 2


def test_readonly_exports_no_key_and_acts_on_nothing(alice, reader_api):
    certificate = system_key_certificate(alice)
    exported = reader_api.post(f"{one(certificate.pk)}/export").json()
    assert exported["private_key"] is None and "BEGIN CERTIFICATE" in exported["certificate"]
    for answer in (
        reader_api.post(LIST, {"type": "DV_SSL_CERT_BASIC"}),
        reader_api.post(f"{one(certificate.pk)}/revoke", {"reason": "x"}),
        reader_api.delete(one(certificate.pk)),
    ):
        assert answer.status_code == 403
        assert "This needs the FullAccess role" in answer.json()["error_msg"]


def test_an_own_csr_certificate_exports_without_a_key(alice, api):
    certificate = issued(alice)
    assert api.post(f"{one(certificate.pk)}/export").json()["private_key"] is None


@pytest.mark.parametrize(
    ("send", "status", "code"),
    [
        ({"headers": {}}, 401, "SCM.0401"),
        ({"headers": {"X-Auth-Token": "scm_not-a-token"}}, 401, "SCM.0401"),
        ({"headers": {"Authorization": "Bearer scm_nope"}}, 401, "SCM.0401"),
    ],
)
def test_without_a_good_token_it_is_401(db, client, send, status, code):
    answer = client.get(LIST, headers=send["headers"])
    assert answer.status_code == status and answer.json()["error_code"] == code
    assert answer["WWW-Authenticate"].startswith("Bearer")


def test_errors_are_json_for_every_kind_of_bad_request(alice, api):
    headers = api.headers
    client = api.client
    wrong_method = client.put(LIST, headers=headers)
    assert wrong_method.status_code == 405 and wrong_method.json()["error_code"] == "SCM.0405"
    not_json = client.post(
        LIST, "type=DV", content_type="application/x-www-form-urlencoded", headers=headers
    )
    assert not_json.status_code == 415 and not_json.json()["error_code"] == "SCM.0415"
    broken = client.post(LIST, "{not json", content_type="application/json", headers=headers)
    assert broken.status_code == 400 and broken.json()["error_code"] == "SCM.0400"
    too_big = client.post(
        LIST,
        '{"x": "' + "a" * (2 * 1024 * 1024) + '"}',
        content_type="application/json",
        headers=headers,
    )
    assert too_big.status_code == 413 and too_big.json()["error_code"] == "SCM.0413"
    nowhere = client.get("/v3/scm/nothing-here", headers=headers)
    assert nowhere.status_code == 404 and nowhere.json()["error_code"] == "SCM.0404"


def test_the_test_certificate_quota_is_a_409(alice, api, settings):
    settings.SCM_TEST_CERTIFICATE_QUOTA = 1
    assert api.post(LIST, {"test": True}).status_code == 201
    refused = api.post(LIST, {"test": True})
    assert refused.status_code == 409 and "test" in refused.json()["error_msg"].lower()


def test_a_token_for_another_team_sees_that_team_only(alice, bob):
    from tests.factories import team_of

    CertificateFactory(owner=bob)
    _, bobs = token_for(bob, Role.READ_ONLY, team=team_of(bob))
    assert bobs.get(LIST).json()["total_count"] == 1


def test_verify_now_checks_the_records_and_is_rate_limited(alice, api, dns_zone, settings):
    from tests.factories import submitted

    settings.SCM_VERIFY_NOW_SECONDS = 60
    certificate = submitted(alice, primary_domain="shop.example.com")
    first = api.post(f"{one(certificate.pk)}/verify")
    assert first.status_code == 200 and first.json()["status"] == "CHECKING"
    assert "not found (NXDOMAIN)" in first.json()["authentification"][0]["last_check"]
    again = api.post(f"{one(certificate.pk)}/verify")
    assert again.status_code == 429 and 1 <= int(again["Retry-After"]) <= 60
    settings.SCM_VERIFY_NOW_SECONDS = 0
    domain = certificate.domains.get()
    dns_zone.txt(domain.txt_name, domain.token)
    verified = api.post(f"{one(certificate.pk)}/verify")
    assert verified.status_code == 200 and verified.json()["status"] == "ISSUING"
    nothing = api.post(f"{one(certificate.pk)}/verify")
    assert nothing.status_code == 409 and nothing.json()["error_msg"] == (
        "There is nothing to verify now."
    )


def test_sans_on_a_single_domain_certificate_are_refused_not_dropped(alice, api):
    [pk] = api.post(LIST, {"type": "DV_SSL_CERT_BASIC"}).json()["certificate_ids"]
    answer = api.post(f"{one(pk)}/apply", {"domain": "www.example.com", "sans": ["a.example.com"]})
    assert answer.status_code == 400
    assert answer.json()["fields"]["sans"] == [
        "Only multiple-domain certificates have sans; this one is single domain."
    ]
    [multi] = api.post(
        LIST, {"type": "DV_SSL_CERT_BASIC", "domain_type": "MULTI_DOMAIN", "additional_domains": 2}
    ).json()["certificate_ids"]
    applied = api.post(
        f"{one(multi)}/apply", {"domain": "www.example.com", "sans": ["a.example.com"]}
    )
    assert applied.status_code == 200 and applied.json()["sans"] == ["a.example.com"]


def test_the_count_is_bounded_like_the_consoles(alice, api, monkeypatch):
    from certificates import pagination

    monkeypatch.setattr(pagination, "COUNT_LIMIT", 3)
    for _ in range(5):
        CertificateFactory(owner=alice)
    first = api.get(LIST, {"limit": 2}).json()
    assert (first["total_count"], first["total_count_capped"]) == (3, True)
    second = api.get(LIST, {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert (second["total_count"], second["total_count_capped"]) == (3, True)
    past = api.get(LIST, {"limit": 2, "offset": 10}).json()
    assert past["certificates"] == [] and past["total_count_capped"]
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 10)
    exact = api.get(LIST, {"limit": 2, "status": "PAID"}).json()
    assert (exact["total_count"], exact["total_count_capped"]) == (5, False)
