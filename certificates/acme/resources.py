"""The ACME objects as JSON (RFC 8555 §7.1): account, order, authorization, challenge, read
off the console's rows (an order is a certificate, an authorization one of its domains)."""

import datetime as dt

from django.http import HttpRequest

from certificates.acme.protocol import URN, url
from certificates.choices import DomainStatus, Method
from certificates.models import AcmeAccount, AcmeOrder, Domain, authorization_status

TYPES = {Method.ACME_HTTP: "http-01", Method.ACME_DNS: "dns-01"}


def stamp(moment) -> str:
    """RFC 3339 in UTC, as ACME clients read it."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def account_json(request: HttpRequest, account: AcmeAccount) -> dict:
    return {
        "status": account.status,
        "contact": account.contact,
        "termsOfServiceAgreed": True,
        "orders": url(request, "orders", account.pk),
    }


def order_json(request: HttpRequest, order: AcmeOrder, domains: list[Domain]) -> dict:
    status = order.status
    body = {
        "status": status,
        "expires": stamp(order.expires_at),
        "identifiers": order.identifiers,
        "authorizations": [url(request, "authz", domain.pk) for domain in domains],
        "finalize": url(request, "finalize", order.pk),
    }
    certificate = order.certificate
    if status == "valid":
        body["certificate"] = url(request, "certificate", certificate.pk)
        body["notBefore"] = stamp(certificate.not_before)
        body["notAfter"] = stamp(certificate.not_after)
    if status == "invalid":
        body["error"] = {
            "type": URN + _failure_type(domains),
            "detail": certificate.failure_reason or "The order expired before it was completed.",
        }
    return body


def _failure_type(domains: list[Domain]) -> str:
    failed = [d for d in domains if d.status == DomainStatus.FAILED and d.last_problem]
    return failed[0].last_problem if failed else "unauthorized"


def authorization_json(request: HttpRequest, domain: Domain, order: AcmeOrder) -> dict:
    body = {
        "identifier": {"type": "dns", "value": domain.base_name},
        "status": authorization_status(domain, order),
        "expires": stamp(order.expires_at),
        "challenges": [
            challenge_json(request, domain, method) for method in domain.allowed_methods()
        ],
    }
    if domain.name.startswith("*."):
        body["wildcard"] = True
    return body


def challenge_status(domain: Domain, method: str) -> str:
    if domain.method != method or not domain.challenge_started:
        return "pending"
    return {DomainStatus.VERIFIED: "valid", DomainStatus.FAILED: "invalid"}.get(
        domain.status, "processing"
    )


def challenge_json(request: HttpRequest, domain: Domain, method: str) -> dict:
    status = challenge_status(domain, method)
    body = {
        "type": TYPES[method],
        "url": url(request, "challenge", domain.pk, TYPES[method]),
        "status": status,
        "token": domain.token,
    }
    if status == "valid":
        body["validated"] = stamp(domain.verified_at)
    if domain.method == method and domain.last_problem:
        # The last check's result: the reason it failed, or why it is tried again.
        body["error"] = {
            "type": URN + domain.last_problem,
            "detail": domain.last_result,
            "status": 403,
        }
    return body
