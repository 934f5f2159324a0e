"""The ACME server's resources (RFC 8555 §7): each a short view that checks the signed
request (protocol.py), asks the console's services (services/acme.py) and answers with
the resource (resources.py) or a problem document. Validation and issuance are the task
worker's: a view only hands them over."""

import functools
import logging
from collections.abc import Callable

import josepy as jose
from cryptography import x509
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from certificates import ids
from certificates.acme import protocol, resources
from certificates.acme.protocol import Signed, url
from certificates.ca import csr as csr_tools
from certificates.choices import Method
from certificates.exceptions import AcmeRefused, Limited
from certificates.models import AcmeAccount, AcmeOrder, Certificate, Domain
from certificates.services import acme, acme_accounts, limits

logger = logging.getLogger(__name__)
ORDERS_PAGE = 100


def signed(key_from: str = "kid") -> Callable:
    """A view of a signed POST: verified, by a valid account unless `key_from` is "jwk";
    every answer gets the headers of protocol.finish(), every refusal a problem document."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @require_POST
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                if key_from != "kid":  # anyone may call it: no account is known yet
                    _count_anonymous(request)
                request_ = protocol.verify(request, key_from=key_from)
                if request_.account is not None:
                    acme_accounts.check_may_act(request_.account)
                response = view(request, request_, *args, **kwargs)
            except AcmeRefused as refused:
                return protocol.problem(request, refused)
            except Http404 as missing:
                return protocol.problem(request, AcmeRefused("notFound", str(missing)))
            except Exception:
                logger.exception("The ACME request %s failed", request.path)
                return protocol.problem(
                    request, AcmeRefused("serverInternal", "Something went wrong on our side.")
                )
            return protocol.finish(request, response)

        return wrapper

    return decorate


def _count_anonymous(request: HttpRequest) -> None:
    """Count a request made before any account is known against its address's limit
    (services/limits.py); past it, `rateLimited` with Retry-After."""
    try:
        limits.count_anonymous_acme_request(request.META.get("REMOTE_ADDR", ""))
    except Limited as limited:
        raise AcmeRefused.rate_limited(limited) from None


def limited(view: Callable) -> Callable:
    """An unsigned view anyone may call: within the anonymous rate limit."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            _count_anonymous(request)
        except AcmeRefused as refused:
            return protocol.problem(request, refused)
        return view(request, *args, **kwargs)

    return wrapper


def _json(body: dict, status: int = 200, **headers: str) -> JsonResponse:
    response = JsonResponse(body, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


@csrf_exempt
@require_http_methods(["GET", "HEAD"])
@limited
def directory(request: HttpRequest) -> HttpResponse:
    body = {
        "newNonce": url(request, "new-nonce"),
        "newAccount": url(request, "new-account"),
        "newOrder": url(request, "new-order"),
        "revokeCert": url(request, "revoke-cert"),
        "keyChange": url(request, "key-change"),
        "meta": {
            "externalAccountRequired": True,
            "website": request.build_absolute_uri("/"),
        },
    }
    return protocol.finish(request, JsonResponse(body))


@csrf_exempt
@require_http_methods(["GET", "HEAD"])
@limited
def new_nonce(request: HttpRequest) -> HttpResponse:
    """HEAD: 200, GET: 204 (RFC 8555 §7.2); the nonce is in Replay-Nonce."""
    return protocol.finish(request, HttpResponse(status=200 if request.method == "HEAD" else 204))


@signed(key_from="jwk")
def new_account(request: HttpRequest, signed: Signed) -> HttpResponse:
    payload = signed.json()
    thumbprint = protocol.thumbprint(signed.jwk)
    existing = AcmeAccount.objects.filter(thumbprint=thumbprint).first()
    if existing is not None:
        return _existing_account(request, existing)
    if payload.get("onlyReturnExisting"):
        raise AcmeRefused("accountDoesNotExist", "No account has this key.")
    contact = acme_accounts.clean_contact(payload.get("contact"))
    if payload.get("termsOfServiceAgreed") is not True:
        raise AcmeRefused("malformed", "Agree to the terms of service (termsOfServiceAgreed).")
    key = _bound_key(request, payload.get("externalAccountBinding"), signed.jwk)
    account, made = acme_accounts.register(
        key, jwk=signed.jwk.to_json(), thumbprint=thumbprint, contact=contact
    )
    if not made:  # a request racing this one registered the key first
        return _existing_account(request, account)
    return _json(
        resources.account_json(request, account),
        201,
        Location=url(request, "account", account.pk),
    )


def _existing_account(request: HttpRequest, account: AcmeAccount) -> HttpResponse:
    """newAccount for a key that has an account: that account (RFC 8555 §7.3.1)."""
    if account.status != AcmeAccount.VALID:
        raise AcmeRefused("unauthorized", "The account with this key is deactivated.")
    return _json(
        resources.account_json(request, account), Location=url(request, "account", account.pk)
    )


def _bound_key(request: HttpRequest, binding: object, jwk: jose.JWK):
    """The EAB key that signed this binding of the account key (RFC 8555 §7.3.4)."""
    if binding is None:
        raise AcmeRefused(
            "externalAccountRequired",
            "This server needs External Account Binding: make an ACME key on your team's "
            "ACME page in the console and pass its key ID and HMAC key to the client.",
        )
    inner, header = protocol.inner_jws(binding, protocol.HMAC_ALGORITHMS)
    key = acme_accounts.binding_key(header.get("kid"))
    if "nonce" in header:
        raise AcmeRefused("malformed", "The binding is signed with HS256 (and has no nonce).")
    if header.get("url") != url(request, "new-account"):
        raise AcmeRefused("unauthorized", "The binding's url is not the newAccount URL.")
    with protocol.reading("The External Account Binding's payload, the account key (JWK),"):
        bound = jose.JWK.from_json(protocol.load_json(inner.payload, "The binding's payload"))
    try:
        valid = bound == jwk and inner.verify(jose.JWKOct(key=acme_accounts.hmac_key(key)))
    except Exception:  # josepy and cryptography raise several kinds for a bad signature
        valid = False
    if not valid:
        raise AcmeRefused(
            "unauthorized", "The External Account Binding does not verify with this account key."
        )
    return key


@signed()
def account(request: HttpRequest, signed: Signed, pk: int) -> HttpResponse:
    account = signed.account
    if account.pk != pk:
        raise AcmeRefused("unauthorized", "This is not your account.")
    if not signed.is_post_as_get:
        payload = signed.json()
        if "contact" in payload:
            acme_accounts.update_contact(account, acme_accounts.clean_contact(payload["contact"]))
        if payload.get("status") == "deactivated":
            acme_accounts.deactivate(account)
        elif "status" in payload:
            raise AcmeRefused("malformed", "An account's status can only become deactivated.")
    return _json(resources.account_json(request, account))


@signed()
def key_change(request: HttpRequest, signed: Signed) -> HttpResponse:
    inner, header = protocol.inner_jws(signed.json())
    if "jwk" not in header:
        raise AcmeRefused("malformed", "The inner JWS is signed by the new key, with its jwk.")
    if "nonce" in header:
        raise AcmeRefused("malformed", "A keyChange's inner JWS has no nonce (RFC 8555 §7.3.5).")
    if header.get("url") != signed.header["url"]:
        raise AcmeRefused("unauthorized", "The inner JWS's url differs from the outer one's.")
    new_key = protocol._key_from_header(header)
    with protocol.reading("The inner JWS's payload, with the account and its old key (JWK),"):
        payload = protocol.load_json(inner.payload, "The inner JWS's payload")
        old_key = jose.JWK.from_json(payload["oldKey"])
    try:
        valid = inner.verify(new_key)
    except Exception:  # josepy and cryptography raise several kinds for a bad signature
        valid = False
    if not valid:
        raise AcmeRefused("malformed", "The inner JWS does not verify with the new key.")
    if payload.get("account") != signed.header["kid"] or old_key != signed.jwk:
        raise AcmeRefused("unauthorized", "The inner JWS names another account or old key.")
    acme_accounts.change_key(
        signed.account,
        jwk=new_key.to_json(),
        thumbprint=protocol.thumbprint(new_key),
        location=url(request, "account", 0)[:-1] + "{}",
    )
    return _json(resources.account_json(request, signed.account))


@signed()
def orders(request: HttpRequest, signed: Signed, pk: int) -> HttpResponse:
    if signed.account.pk != pk:
        raise AcmeRefused("unauthorized", "These are not your orders.")
    after = ids.number(request.GET.get("after", "0"), lowest=0)
    if after is None:
        raise AcmeRefused("malformed", "after must be an order id, in the digits 0-9.")
    found = acme.orders_of(signed.account, after, ORDERS_PAGE + 1)
    response = _json({"orders": [url(request, "order", i) for i in found[:ORDERS_PAGE]]})
    if len(found) > ORDERS_PAGE:
        after_url = f"{url(request, 'orders', pk)}?after={found[ORDERS_PAGE - 1]}"
        response["Link"] = f'<{after_url}>;rel="next"'
    return response


@signed()
def new_order(request: HttpRequest, signed: Signed) -> HttpResponse:
    payload = signed.json()
    if "notBefore" in payload or "notAfter" in payload:
        raise AcmeRefused("malformed", "notBefore and notAfter are not supported: leave them out.")
    order = acme.new_order(signed.account, payload.get("identifiers"))
    return _order_response(request, order, 201)


def _order_of(signed: Signed, pk: int) -> AcmeOrder:
    order = (
        AcmeOrder.objects.select_related("certificate")
        .filter(pk=pk, account=signed.account)
        .first()
    )
    if order is None:
        raise Http404("This account has no such order.")
    return order


def _order_response(request: HttpRequest, order: AcmeOrder, status: int = 200) -> HttpResponse:
    domains = list(order.certificate.domains.all())
    body = resources.order_json(request, order, domains)
    headers = {"Location": url(request, "order", order.pk)}
    if body["status"] == "processing":
        headers["Retry-After"] = "1"
    return _json(body, status, **headers)


@signed()
def order(request: HttpRequest, signed: Signed, pk: int) -> HttpResponse:
    return _order_response(request, _order_of(signed, pk))


@signed()
def finalize(request: HttpRequest, signed: Signed, pk: int) -> HttpResponse:
    order = _order_of(signed, pk)
    csr = signed.json().get("csr")
    try:
        der = jose.b64decode(csr) if isinstance(csr, str) else b""
    except Exception:
        der = b""
    if not der:
        raise AcmeRefused("badCSR", "csr must be the CSR's DER in base64url.")
    order.certificate = acme.finalize(order, der)
    return _order_response(request, order)


def _domain_of(signed: Signed, pk: int) -> tuple[Domain, AcmeOrder]:
    domain = (
        Domain.objects.select_related("certificate__acme_order")
        .filter(pk=pk, certificate__acme_order__account=signed.account)
        .first()
    )
    if domain is None:
        raise Http404("This account has no such authorization.")
    return domain, domain.certificate.acme_order


@signed()
def authorization(request: HttpRequest, signed: Signed, pk: int) -> HttpResponse:
    domain, order = _domain_of(signed, pk)
    if not signed.is_post_as_get:
        payload = signed.json()
        if payload.get("status") == "deactivated":
            raise AcmeRefused("malformed", "Authorizations cannot be deactivated here.")
    body = resources.authorization_json(request, domain, order)
    headers = {"Retry-After": "1"} if body["status"] == "pending" else {}
    return _json(body, **headers)


@signed()
def challenge(request: HttpRequest, signed: Signed, pk: int, kind: str) -> HttpResponse:
    domain, order = _domain_of(signed, pk)
    method = {"http-01": Method.ACME_HTTP, "dns-01": Method.ACME_DNS}.get(kind)
    if method not in domain.allowed_methods():
        raise Http404("This authorization has no such challenge.")
    if not signed.is_post_as_get:
        signed.json()  # {} asks for the check
        acme.start_challenge(domain, method)
        domain.refresh_from_db()
    body = resources.challenge_json(request, domain, method)
    headers = {"Link": f'<{url(request, "authz", domain.pk)}>;rel="up"'}
    if body["status"] == "processing":
        headers["Retry-After"] = "1"
    return _json(body, **headers)


@signed()
def certificate(request: HttpRequest, signed: Signed, pk: int) -> HttpResponse:
    found = (
        Certificate.objects.select_related("issuer")
        .filter(pk=pk, acme_order__account=signed.account)
        .exclude(certificate_pem="")
        .first()
    )
    if found is None:
        raise Http404("This account has no such certificate.")
    chain = found.certificate_pem.strip() + "\n" + found.issuer.certificate_pem.strip() + "\n"
    return HttpResponse(chain, content_type="application/pem-certificate-chain")


@signed(key_from="either")
def revoke_cert(request: HttpRequest, signed: Signed) -> HttpResponse:
    payload = signed.json()
    with protocol.reading("certificate, the certificate's DER in base64url,"):
        der = jose.b64decode(payload.get("certificate") or "")
        presented = x509.load_der_x509_certificate(der)
    found = Certificate.objects.filter(serial_number=format(presented.serial_number, "x"))
    if signed.account is not None:
        found = found.filter(team_id=signed.account.team_id)
    target = next((c for c in found if csr_tools.der_of(c.certificate_pem) == der), None)
    if target is None:
        raise AcmeRefused("unauthorized", "This account or key may not revoke this certificate.")
    if signed.account is None and not csr_tools.same_key(presented.public_key(), signed.jwk.key):
        raise AcmeRefused("unauthorized", "The request is not signed by the certificate's key.")
    acme.revoke(target, payload.get("reason"), account=signed.account)
    return HttpResponse(status=200)
