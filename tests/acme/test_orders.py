"""Orders, authorizations, challenges, finalize, the certificate and revocation (RFC 8555
§7.4-7.6), each order a DV certificate of the team moving 40% → 90% → Issued; the refusals
each gets as a problem document; the account's rate limits."""

import datetime as dt

import pytest
from acme import challenges, errors, messages
from cryptography import x509
from django.test import Client
from django.utils import timezone

from certificates.choices import DomainStatus, Status
from certificates.models import Certificate, Domain, Record
from certificates.models.presenter import owner_steps, timeline
from certificates.models.rules import can_renew
from tests.support.acme_client import (
    BASE,
    HOST,
    b64_der,
    challenge_of,
    csr_for,
    deadline,
    issued,
    order_status,
    post_jws,
    publish_dns01,
    ready_order,
    register,
    run_tasks,
    serve_http01,
)

pytestmark = pytest.mark.django_db


def progress(certificate) -> int | None:
    certificate.refresh_from_db()
    return certificate.state.progress


def test_an_order_moves_40_90_issued_and_the_timeline_tells_each_step(alice, site, alice_client):
    client = register(alice)
    csr, _ = csr_for([HOST])
    order = client.acme.new_order(csr)
    certificate = Certificate.objects.get()
    assert order.body.status == messages.STATUS_PENDING
    assert progress(certificate) == 40
    (authorization,) = order.authorizations
    assert {type(c.chall) for c in authorization.body.challenges} == {
        challenges.HTTP01,
        challenges.DNS01,
    }
    challenge, response = serve_http01(site, authorization, client.key)
    answered = client.acme.answer_challenge(challenge, response)
    assert answered.body.status == messages.STATUS_PROCESSING
    # The request only hands the check to the worker: nothing was fetched yet.
    assert site.requests == []
    assert Domain.objects.get().status == DomainStatus.PENDING
    run_tasks()
    assert progress(certificate) == 90
    order = client.acme.poll_authorizations(order, deadline())
    assert order_status(client, order) == "ready"
    order = client.acme.begin_finalization(order)
    assert order.body.status == messages.STATUS_PROCESSING
    run_tasks()
    order = client.acme.poll_finalization(order, deadline())
    assert order.body.status == messages.STATUS_VALID
    assert progress(certificate) == 100
    page = alice_client.get(f"/certificates/{certificate.pk}/").text
    account = certificate.acme_order.account
    assert f"ACME account {account.pk} (ops@example.com)" in page
    assert "File found at http://shop.example.com/.well-known/acme-challenge/" in page
    assert "Ordered through ACME" in page and "CSR sent through ACME" in page
    actors = {entry.summary: entry.actor for entry in timeline(certificate)}
    assert actors["Application submitted"] == account.label  # not the key's maker
    assert actors["Certificate issued"] == "the CA"
    listed = alice_client.get("/certificates/").text
    row = listed.split(f'data-certificate-id="{certificate.pk}"')[1].split("</tr>")[0]
    assert f"ACME account {account.pk}" in row and "Issued" in row


def test_the_certificate_is_a_pem_chain_of_leaf_and_issuing_ca(alice, site, web):
    client = register(alice)
    order, certificate, key = issued(client, site)
    chain = x509.load_pem_x509_certificates(order.fullchain_pem.encode())
    assert [c.subject for c in chain[1:]] == [chain[0].issuer]
    assert chain[0].public_key().public_numbers() == key.public_key().public_numbers()
    download = post_jws(
        web,
        f"/acme/cert/{certificate.pk}",
        None,
        client.key,
        kid=client.account.uri,
    )
    assert download["Content-Type"] == "application/pem-certificate-chain"


def test_a_wildcard_offers_dns01_only(alice, dns_zone):
    client = register(alice)
    csr, _ = csr_for(["*.example.com"])
    order = client.acme.new_order(csr)
    (authorization,) = order.authorizations
    assert [type(c.chall) for c in authorization.body.challenges] == [challenges.DNS01]
    assert authorization.body.wildcard is True
    assert authorization.body.identifier.value == "example.com"
    challenge, response = publish_dns01(dns_zone, authorization, client.key)
    client.acme.answer_challenge(challenge, response)
    run_tasks()
    client.acme.poll_authorizations(order, deadline())
    assert order_status(client, order) == "ready"
    order = client.acme.begin_finalization(order)
    run_tasks()
    chain = client.acme.poll_finalization(order, deadline()).fullchain_pem
    leaf = x509.load_pem_x509_certificate(chain.encode())
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["*.example.com"]
    assert Certificate.objects.get().domain_type == "wildcard"


def test_a_failing_challenge_is_retried_then_passes(alice, site, settings):
    settings.SCM_ACME_RETRY_SECONDS = 0  # re-checks are due at once
    client = register(alice)
    csr, _ = csr_for([HOST])
    order = client.acme.new_order(csr)
    (authorization,) = order.authorizations
    challenge = challenge_of(authorization, challenges.HTTP01)
    response, validation = challenge.response_and_validation(client.key)
    client.acme.answer_challenge(challenge, response)
    run_tasks(rounds=1)  # the first check: nothing served yet
    domain = Domain.objects.get()
    assert (domain.status, domain.checks, domain.last_problem) == ("pending", 1, "unauthorized")
    polled, _ = client.acme.poll(authorization)
    http01 = challenge_of(polled, challenges.HTTP01)
    assert http01.status == messages.STATUS_PROCESSING
    assert http01.error.code == "unauthorized" and "HTTP 404" in http01.error.detail
    site.serve(HOST, challenge.chall.path, validation.encode())
    run_tasks()
    assert Domain.objects.get().status == DomainStatus.VERIFIED
    client.acme.poll_authorizations(order, deadline())
    assert order_status(client, order) == "ready"
    results = Record.objects.filter(action="acme_challenge").order_by("pk")
    assert [("HTTP 404" in r.detail, "right content" in r.detail) for r in results] == [
        (True, False),
        (False, True),
    ]


def test_a_challenge_that_keeps_failing_invalidates_the_order(alice, site, settings):
    settings.SCM_ACME_RETRY_SECONDS = 0
    client = register(alice)
    csr, _ = csr_for([HOST])
    order = client.acme.new_order(csr)
    (authorization,) = order.authorizations
    challenge = challenge_of(authorization, challenges.HTTP01)
    site.serve(HOST, challenge.chall.path, b"not the key authorization")
    response, _ = challenge.response_and_validation(client.key)
    client.acme.answer_challenge(challenge, response)
    run_tasks()
    assert Domain.objects.get().checks == settings.SCM_ACME_VALIDATION_ATTEMPTS
    with pytest.raises(errors.ValidationError) as failed:
        client.acme.poll_authorizations(order, deadline())
    (invalid,) = failed.value.failed_authzrs
    assert invalid.body.status == messages.STATUS_INVALID
    error = challenge_of(invalid, challenges.HTTP01).error
    assert error.code == "incorrectResponse" and "content differs" in error.detail
    certificate = Certificate.objects.get()
    assert certificate.status == Status.APPLICATION_FAILED
    assert "4 checks of its ACME challenge" in certificate.failure_reason
    body = post_jws(
        Client(),
        f"/acme/order/{certificate.acme_order.pk}",
        None,
        client.key,
        kid=client.account.uri,
    ).json()
    assert body["status"] == "invalid"
    assert body["error"]["type"] == "urn:ietf:params:acme:error:incorrectResponse"


def test_a_challenge_asked_twice_is_checked_once(alice, site, web):
    client = register(alice)
    csr, _ = csr_for([HOST])
    order = client.acme.new_order(csr)
    (authorization,) = order.authorizations
    challenge, response = serve_http01(site, authorization, client.key)
    client.acme.answer_challenge(challenge, response)
    client.acme.answer_challenge(challenge, response)
    run_tasks()
    assert len(site.requests) == 1


def test_identifiers_follow_the_console_domain_rules(alice, web):
    client = register(alice)
    kid = client.account.uri

    def order(*identifiers):
        return post_jws(
            web, "/acme/new-order", {"identifiers": list(identifiers)}, client.key, kid=kid
        )

    assert order({"type": "ip", "value": "192.0.2.1"}).problem == "unsupportedIdentifier"
    refused = order({"type": "dns", "value": "localhost"})
    assert refused.problem == "rejectedIdentifier"
    assert order({"type": "dns", "value": "192.0.2.1"}).problem == "rejectedIdentifier"
    assert order().problem == "malformed"
    assert order({"type": "dns"}).problem == "malformed"
    assert not Certificate.objects.exists()
    not_before = post_jws(
        web,
        "/acme/new-order",
        {"identifiers": [{"type": "dns", "value": HOST}], "notBefore": "2027-01-01T00:00:00Z"},
        client.key,
        kid=kid,
    )
    assert not_before.problem == "malformed"


def test_special_words_go_to_manual_review_after_finalize(alice, dns_zone, web_site):
    dns_zone.a("pay.example.com")
    client = register(alice)
    csr, _ = csr_for(["pay.example.com"])
    order = client.acme.new_order(csr)
    (authorization,) = order.authorizations
    challenge, response = serve_http01(web_site, authorization, client.key)
    client.acme.answer_challenge(challenge, response)
    run_tasks()
    order = client.acme.poll_authorizations(order, deadline())
    order = client.acme.begin_finalization(order)
    run_tasks()
    certificate = Certificate.objects.get()
    assert certificate.manual_review and certificate.status == Status.TO_BE_ISSUED
    assert order.body.status == messages.STATUS_PROCESSING  # staff will decide


def test_finalize_before_the_challenges_pass_is_not_ready(alice, web):
    client = register(alice)
    csr, _ = csr_for([HOST])
    order = client.acme.new_order(csr)
    response = post_jws(
        web,
        order.body.finalize.removeprefix(BASE),
        {"csr": b64_der(csr)},
        client.key,
        kid=client.account.uri,
    )
    assert (response.status_code, response.problem) == (403, "orderNotReady")


def test_a_csr_that_does_not_match_the_order_is_bad(alice, site, web, dns_zone):
    client = register(alice)
    order = ready_order(client, site)

    def finalize(csr_pem):
        return post_jws(
            web,
            order.body.finalize.removeprefix(BASE),
            {"csr": b64_der(csr_pem)},
            client.key,
            kid=client.account.uri,
        )

    other, _ = csr_for(["other.example.com"])
    assert finalize(other).problem == "badCSR"
    more, _ = csr_for([HOST, "www.example.com"])
    assert "not in this application" in finalize(more).json()["detail"]
    garbage = post_jws(
        web,
        order.body.finalize.removeprefix(BASE),
        {"csr": "AAAA"},
        client.key,
        kid=client.account.uri,
    )
    assert garbage.problem == "badCSR"
    assert Certificate.objects.get().csr_pem == ""
    from tests.support.acme_client import csr_with_key

    assert finalize(csr_with_key([HOST], client.key.key)).problem == "badCSR"  # the account's
    right, _ = csr_for([HOST])
    assert finalize(right).status_code == 200
    assert finalize(right).problem == "orderNotReady"  # once only


def test_another_accounts_order_authorization_and_certificate_are_not_found(alice, bob, site, web):
    mine = register(alice)
    order, certificate, _ = issued(mine, site)
    theirs = register(bob)
    authz = order.authorizations[0].uri.removeprefix(BASE)
    for path in (order.uri.removeprefix(BASE), authz, f"/acme/cert/{certificate.pk}"):
        response = post_jws(web, path, None, theirs.key, kid=theirs.account.uri)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/problem+json"


def test_the_orders_list_pages_with_a_next_link(alice, web, monkeypatch):
    from certificates.acme import views

    monkeypatch.setattr(views, "ORDERS_PAGE", 2)
    client = register(alice)
    for number in range(3):
        client.acme.new_order(csr_for([f"s{number}.example.com"])[0])
    path = f"{client.account.uri.removeprefix(BASE)}/orders"
    first = post_jws(web, path, None, client.key, kid=client.account.uri)
    assert len(first.json()["orders"]) == 2
    next_url = first["Link"].split(";")[0].strip("<>")
    second = post_jws(web, next_url.removeprefix(BASE), None, client.key, kid=client.account.uri)
    assert len(second.json()["orders"]) == 1
    assert 'rel="next"' not in second["Link"]


def test_renewal_is_a_new_order_for_the_same_names(alice, site):
    client = register(alice)
    issued(client, site)
    issued(client, site)
    rows = Certificate.objects.order_by("pk")
    assert [row.status for row in rows] == [Status.ISSUED, Status.ISSUED]
    assert rows[0].serial_number != rows[1].serial_number
    # Not in the console: the client renews (no button; the step refuses in words).
    from certificates.exceptions import NotRenewable
    from certificates.services.renewals import renew

    assert not can_renew(rows[0]) and "Renew" not in [
        label for _, label in owner_steps(rows[0], "administrator")
    ]
    with pytest.raises(NotRenewable, match="renewed by its ACME client"):
        renew(rows[0], by=alice)


def test_the_client_library_sees_an_expired_order_as_invalid(alice, web, settings):
    client = register(alice)
    order = client.acme.new_order(csr_for([HOST])[0])
    from certificates.models import AcmeOrder

    AcmeOrder.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    body = post_jws(
        web, order.uri.removeprefix(BASE), None, client.key, kid=client.account.uri
    ).json()
    assert body["status"] == "invalid"
    authz = post_jws(
        web,
        order.authorizations[0].uri.removeprefix(BASE),
        None,
        client.key,
        kid=client.account.uri,
    ).json()
    assert authz["status"] == "expired"


def test_the_list_labels_acme_rows_in_one_more_query(alice, alice_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import CertificateFactory

    CertificateFactory.create_batch(3, owner=alice)
    alice_client.get("/certificates/")  # the session's team, remembered
    with CaptureQueriesContext(connection) as console_only:
        alice_client.get("/certificates/")
    client = register(alice)
    for number in range(3):
        client.acme.new_order(csr_for([f"s{number}.example.com"])[0])
    with CaptureQueriesContext(connection) as mixed:
        page = alice_client.get("/certificates/").text
    assert page.count("data-acme-account=") == 3
    assert len(mixed) == len(console_only) + 1


def test_the_daily_job_closes_orders_left_undone_and_forgets_old_nonces(alice, site):
    import time_machine

    from certificates import tasks
    from certificates.models import AcmeNonce

    client = register(alice)
    waiting = client.acme.new_order(csr_for(["a.example.com"])[0])  # never answered
    ready_order(client, site)  # its challenges passed; never finalized
    assert waiting and Certificate.objects.filter(status=Status.TO_BE_ISSUED).count() == 1
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        result = tasks.daily_maintenance.call()
    assert "2 ACME orders closed" in result
    assert {row.status for row in Certificate.objects.all()} == {Status.APPLICATION_FAILED}
    assert "did not complete it within 7 days" in Certificate.objects.first().failure_reason
    assert not AcmeNonce.objects.exists()
