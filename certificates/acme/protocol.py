"""What every ACME request and answer shares (RFC 8555 §6): the flattened JWS a client
POSTs, checked with josepy (one signature, a protected header with an asymmetric `alg`, a
nonce this server handed out and nobody used, the request's own URL, exactly one of `jwk`
and `kid`), problem documents, and the headers every answer carries."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import josepy as jose
from acme import jws as acme_jws
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from certificates import ids
from certificates.exceptions import AcmeRefused
from certificates.models import AcmeAccount, AcmeNonce

URN = "urn:ietf:params:acme:error:"
# Each error type's HTTP status (RFC 8555 §6.7); "conflict" is keyChange's 409 (§7.3.5).
STATUS = {
    "accountDoesNotExist": 400,
    "alreadyRevoked": 400,
    "badCSR": 400,
    "badNonce": 400,
    "badPublicKey": 400,
    "badRevocationReason": 400,
    "badSignatureAlgorithm": 400,
    "caa": 403,
    "conflict": 409,
    "externalAccountRequired": 400,
    "invalidContact": 400,
    "malformed": 400,
    "notFound": 404,
    "orderNotReady": 403,
    "rateLimited": 429,
    "rejectedIdentifier": 400,
    "serverInternal": 500,
    "unauthorized": 403,
    "unsupportedContact": 400,
    "unsupportedIdentifier": 400,
    "unsupportedMediaType": 415,
}
# Types with no URN of their own: the status says what happened.
GENERIC = {"conflict": "malformed", "notFound": "malformed", "unsupportedMediaType": "malformed"}
ALGORITHMS = {
    "RS256": jose.RS256,
    "RS384": jose.RS384,
    "RS512": jose.RS512,
    "PS256": jose.PS256,
    "PS384": jose.PS384,
    "PS512": jose.PS512,
    "ES256": jose.ES256,
    "ES384": jose.ES384,
    "ES512": jose.ES512,
}
KEY_TYPES = {"RS": jose.JWKRSA, "PS": jose.JWKRSA, "ES": jose.JWKEC}
MAX_BODY = 64 * 1024


def url(request: HttpRequest, name: str, *args: Any) -> str:
    """An absolute URL of this ACME server, as the client reached it."""
    return request.build_absolute_uri(reverse(f"acme:{name}", args=args))


def finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Headers of every ACME answer: a fresh nonce, the directory, never cached."""
    response["Replay-Nonce"] = AcmeNonce.fresh()
    index = f'<{url(request, "directory")}>;rel="index"'
    response["Link"] = f"{response['Link']}, {index}" if response.has_header("Link") else index
    response["Cache-Control"] = "no-store"
    return response


def problem(request: HttpRequest, refused: AcmeRefused) -> HttpResponse:
    """The problem document (RFC 7807) for a refusal."""
    kind = refused.problem
    body = {
        "type": URN + GENERIC.get(kind, kind),
        "detail": str(refused),
        "status": STATUS[kind],
    }
    if kind == "badSignatureAlgorithm":
        body["algorithms"] = sorted(ALGORITHMS)
    response = HttpResponse(
        json.dumps(body), status=STATUS[kind], content_type="application/problem+json"
    )
    if refused.retry_after:
        response["Retry-After"] = str(refused.retry_after)
    if refused.location:
        response["Location"] = refused.location
    return finish(request, response)


# What reading JSON, base64url or a JWS can raise on what a client sent: ValueError (bad JSON,
# base64, UTF-8), RecursionError (JSON nested thousands deep), josepy's errors, and
# TypeError, KeyError or AttributeError for a document of the wrong shape.
UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, RecursionError, jose.errors.Error)


@contextmanager
def reading(what: str) -> Iterator[None]:
    """Any failure to read what a client sent (the JWS, its header or payload, an inner JWS)
    is one `malformed` problem that names `what`."""
    try:
        yield
    except UNREADABLE:
        raise AcmeRefused("malformed", f"{what} cannot be read.") from None


def load_json(data: bytes | str, what: str) -> Any:
    """JSON a client sent; `malformed` naming `what` when it is not JSON this server reads."""
    with reading(what):
        return json.loads(data)


def thumbprint(jwk: jose.JWK) -> str:
    """RFC 7638 thumbprint (SHA-256), base64url."""
    return jose.b64encode(jwk.thumbprint()).decode("ascii")


@dataclass
class Signed:
    """A request whose signature verified: its payload, its key and, with `kid`, its account."""

    payload: bytes
    jwk: jose.JWK
    account: AcmeAccount | None
    header: dict

    def json(self) -> dict:
        """The payload as a JSON object; POST-as-GET (an empty payload) is refused."""
        value = load_json(self.payload, "The payload (JSON)")
        if not isinstance(value, dict):
            raise AcmeRefused("malformed", "The payload must be a JSON object.")
        return value

    @property
    def is_post_as_get(self) -> bool:
        return self.payload == b""


def parse_jws(body: bytes, algorithms: dict = ALGORITHMS) -> tuple[acme_jws.JWS, dict]:
    """A flattened JWS of one signature, signed with one of `algorithms`, and its protected
    header as JSON."""
    if len(body) > MAX_BODY:
        raise AcmeRefused("malformed", f"The request is larger than {MAX_BODY} bytes.")
    what = "The request, a flattened JWS with a protected header,"
    with reading(what):
        document = json.loads(body)
        if not isinstance(document, dict) or "signatures" in document:
            raise ValueError
        header = json.loads(jose.b64decode(document["protected"]))
        if not isinstance(header, dict):
            raise ValueError
    if "header" in document:
        raise AcmeRefused("malformed", "The JWS must have no unprotected header (§6.2).")
    alg = header.get("alg")
    if alg not in algorithms:
        raise AcmeRefused(
            "badSignatureAlgorithm", f"The signature algorithm {str(alg)[:20]!r} is not accepted."
        )
    with reading("The JWS"):
        signed = acme_jws.JWS.from_json(document)
    return signed, header


def _key_from_header(header: dict) -> jose.JWK:
    try:
        key = jose.JWK.from_json(header["jwk"])
    except Exception:
        raise AcmeRefused("badPublicKey", "The jwk in the protected header is not a key.") from None
    if not isinstance(key, jose.JWKRSA | jose.JWKEC):
        raise AcmeRefused("badPublicKey", "The account key must be an RSA or EC key.")
    return key.public_key()


def verify(request: HttpRequest, *, key_from: str = "either") -> Signed:
    """Check the request as RFC 8555 §6.2-6.5 asks, in that order; the nonce is used up
    whatever else is wrong. `key_from`: "jwk" (newAccount, revokeCert by key), "kid" (all
    others) or "either" (revokeCert)."""
    if request.content_type != "application/jose+json":
        raise AcmeRefused(
            "unsupportedMediaType", "ACME requests are application/jose+json (RFC 8555 §6.2)."
        )
    signed, header = parse_jws(request.body)
    if not AcmeNonce.redeem(header.get("nonce")):
        raise AcmeRefused("badNonce", "The nonce is not one this server handed out, or was used.")
    alg = header["alg"]
    if header.get("url") != request.build_absolute_uri():
        raise AcmeRefused(
            "unauthorized", "The url in the protected header is not the URL of this request."
        )
    has_jwk, has_kid = "jwk" in header, "kid" in header
    if has_jwk == has_kid:
        raise AcmeRefused("malformed", "The protected header needs exactly one of jwk and kid.")
    if has_kid and key_from == "jwk":
        raise AcmeRefused("malformed", "This request is signed with the account's jwk, not a kid.")
    if has_jwk and key_from == "kid":
        raise AcmeRefused("malformed", "This request is signed with the account's kid, not jwk.")
    account = None
    if has_kid:
        account = _account_of(request, header["kid"])
        key = jose.JWK.from_json(account.jwk)
    else:
        key = _key_from_header(header)
    if not isinstance(key, KEY_TYPES[alg[:2]]):
        raise AcmeRefused("badSignatureAlgorithm", f"{alg} does not go with this key's type.")
    try:
        valid = signed.verify(key)
    except Exception:
        valid = False
    if not valid:
        raise AcmeRefused("malformed", "The JWS signature does not verify.")
    return Signed(payload=signed.payload, jwk=key, account=account, header=header)


def _account_of(request: HttpRequest, kid: Any) -> AcmeAccount:
    prefix = url(request, "account", 0)[:-1]
    pk = ids.number(kid.removeprefix(prefix)) if isinstance(kid, str) else None
    if pk is None or not kid.startswith(prefix):
        raise AcmeRefused("accountDoesNotExist", "The kid is not an account URL of this server.")
    account = AcmeAccount.objects.select_related("binding__created_by").filter(pk=pk).first()
    if account is None:
        raise AcmeRefused("accountDoesNotExist", "There is no such account.")
    return account


HMAC_ALGORITHMS = {"HS256": jose.HS256, "HS384": jose.HS384, "HS512": jose.HS512}


def inner_jws(value: Any, algorithms: dict = ALGORITHMS) -> tuple[jose.JWS, dict]:
    """A JWS inside a payload (keyChange; externalAccountBinding, with HMAC_ALGORITHMS),
    and its header."""
    with reading("The inner JWS"):
        body = json.dumps(value).encode()
    return parse_jws(body, algorithms)
