"""An ACME client for the protocol tests: the `acme` library's own ClientV2 (what certbot
uses) talking to the console through Django's test client, with accounts made from EAB keys
as a team member makes them, and the task worker's jobs run in-process on demand; JWS made
by hand where the library sends no such thing (an EAB binding, a keyChange's inner JWS), and
an account made at the service boundary (account_of)."""

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from unittest import mock

import josepy as jose
import requests
from acme import challenges, client, messages
from acme import jws as acme_jws
from cryptography import x509 as crypto_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from certificates.ca import csr as x509
from certificates.choices import KeyAlgorithm
from certificates.models import Certificate
from certificates.services import acme_accounts as acme_service
from teams.services import own_team

BASE = "http://testserver"
HOST = "shop.example.com"
DIRECTORY = f"{BASE}/acme/directory"


class DjangoAdapter(requests.adapters.BaseAdapter):
    """requests → Django's test client (no sockets): what the server answers is real."""

    def __init__(self) -> None:
        super().__init__()
        self.client = Client()

    def send(self, request, **kwargs):
        path = request.path_url
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        content_type = headers.pop("Content-Type", "")
        answer = self.client.generic(
            request.method,
            path,
            data=request.body or b"",
            content_type=content_type,
            headers={k: v for k, v in headers.items() if k.lower() != "host"},
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = requests.structures.CaseInsensitiveDict(answer.headers)
        response._content = answer.content
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


def new_key() -> jose.JWK:
    return jose.JWKEC(key=ec.generate_private_key(ec.SECP256R1()))


def network(key: jose.JWK, account=None) -> client.ClientNetwork:
    alg = jose.ES256 if isinstance(key, jose.JWKEC) else jose.RS256
    net = client.ClientNetwork(key, account=account, alg=alg, user_agent="scm-tests")
    net.session.mount(BASE, DjangoAdapter())
    return net


@dataclass
class Acme:
    """A registered client: `acme` is the library's ClientV2, `key` its account key."""

    acme: client.ClientV2
    key: jose.JWK
    account: messages.RegistrationResource


def eab_for(user, team=None) -> tuple[str, str]:
    key, hmac = acme_service.create_key(team or own_team(user).team, by=user)
    return key.key_id, hmac


def register(user, *, email: str = "ops@example.com", key: jose.JWK | None = None) -> Acme:
    key = key or new_key()
    net = network(key)
    directory = client.ClientV2.get_directory(DIRECTORY, net)
    acme = client.ClientV2(directory, net)
    kid, hmac = eab_for(user)
    binding = messages.ExternalAccountBinding.from_data(
        account_public_key=key.public_key(), kid=kid, hmac_key=hmac, directory=directory
    )
    registration = messages.NewRegistration.from_data(
        email=email, terms_of_service_agreed=True, external_account_binding=binding
    )
    account = acme.new_account(registration)
    return Acme(acme, key, account)


def csr_for(names: list[str], algorithm: KeyAlgorithm = KeyAlgorithm.EC_P256):
    """(CSR PEM bytes, private key) naming these domains."""
    key = x509.generate_private_key(algorithm)
    return x509.csr_pem(x509.build_csr(key, names)).encode(), key


def csr_with_key(names: list[str], key) -> bytes:
    """A CSR for these names with this (private) key, such as an account's."""
    return x509.csr_pem(x509.build_csr(getattr(key, "_wrapped", key), names)).encode()


def key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def challenge_of(authorization, kind: type):
    return next(c for c in authorization.body.challenges if isinstance(c.chall, kind))


def serve_http01(web_site, authorization, key: jose.JWK):
    """Put the http-01 answer on the test web server; the challenge body."""
    challenge = challenge_of(authorization, challenges.HTTP01)
    response, validation = challenge.response_and_validation(key)
    web_site.serve(
        authorization.body.identifier.value, challenge.chall.path, validation.encode("ascii")
    )
    return challenge, response


def publish_dns01(dns_zone, authorization, key: jose.JWK):
    challenge = challenge_of(authorization, challenges.DNS01)
    response, validation = challenge.response_and_validation(key)
    dns_zone.txt(
        challenge.chall.validation_domain_name(authorization.body.identifier.value), validation
    )
    return challenge, response


def run_tasks(rounds: int = 20) -> list[str]:
    """Run the worker's due jobs in this process (as `manage.py task_worker` would) until
    none is due; their return values."""
    done = []
    for _ in range(rounds):
        ready = list(DBTaskResult.objects.ready().order_by("enqueued_at"))
        if not ready:
            break
        for job in ready:
            DBTaskResult.objects.filter(pk=job.pk).update(
                status="SUCCESSFUL", finished_at=timezone.now()
            )
            args = job.args_kwargs
            done.append(job.task.call(*args["args"], **args["kwargs"]))
    return done


def deadline(seconds: float = 10) -> dt.datetime:
    return dt.datetime.now() + dt.timedelta(seconds=seconds)


def fresh_nonce(django_client: Client) -> str:
    return django_client.head("/acme/new-nonce")["Replay-Nonce"]


def post_jws(
    django_client: Client,
    path: str,
    payload: dict | bytes | None,
    key: jose.JWK,
    *,
    kid: str | None = None,
    nonce: str | None = None,
    url: str | None = None,
    alg: jose.JWASignature | None = None,
    content_type: str = "application/jose+json",
):
    """POST a JWS signed as a client would (or, with the overrides, as one should not); the
    Django response, with .problem: the problem document's type without its URN, or ""."""
    body = payload if isinstance(payload, bytes) else b"" if payload is None else _dumps(payload)
    alg = alg or (jose.ES256 if isinstance(key, jose.JWKEC) else jose.RS256)
    signed = jose_sign(body, key, alg, nonce or fresh_nonce(django_client), url or BASE + path, kid)
    response = django_client.post(path, signed, content_type=content_type)
    kind = response.json().get("type", "") if "problem" in response.get("Content-Type", "") else ""
    response.problem = kind.removeprefix("urn:ietf:params:acme:error:")
    return response


def jose_sign(body: bytes, key, alg, nonce: str, url: str, kid: str | None) -> str:
    from acme import jws as acme_jws

    return acme_jws.JWS.sign(
        body, key=key, alg=alg, nonce=jose.decode_b64jose(nonce), url=url, kid=kid
    ).json_dumps()


def _dumps(payload: dict) -> bytes:
    import json

    return json.dumps(payload).encode()


def account_url(registered: "Acme") -> str:
    return registered.account.uri


def issued(client, site, names=(HOST,)):
    """An order for these names, proven by http-01 and issued; (order, certificate row)."""
    csr, key = csr_for(list(names))
    order = client.acme.new_order(csr)
    for authorization in order.authorizations:
        challenge, response = serve_http01(site, authorization, client.key)
        client.acme.answer_challenge(challenge, response)
    run_tasks()
    order = client.acme.poll_authorizations(order, deadline())
    order = client.acme.begin_finalization(order)
    run_tasks()
    order = client.acme.poll_finalization(order, deadline())
    return order, Certificate.objects.get(acme_order__pk=int(order.uri.rsplit("/", 1)[1])), key


def order_status(client, order) -> str:
    """The order's status as the server says it now (the library's poll_authorizations
    updates the authorizations only)."""
    body = post_jws(
        Client(), order.uri.removeprefix(BASE), None, client.key, kid=client.account.uri
    ).json()
    return body["status"]


def b64_der(csr_pem: bytes) -> str:
    der = crypto_x509.load_pem_x509_csr(csr_pem).public_bytes(serialization.Encoding.DER)
    return jose.b64encode(der).decode()


def ready_order(client, site):
    csr, _ = csr_for([HOST])
    order = client.acme.new_order(csr)
    for authorization in order.authorizations:
        challenge, response = serve_http01(site, authorization, client.key)
        client.acme.answer_challenge(challenge, response)
    run_tasks()
    return client.acme.poll_authorizations(order, deadline())


def key_with_a_leading_dash(team, by):
    """An EAB key whose HMAC key starts with "-", as one in 64 do (base64url of a first byte
    0xf8-0xfb): certbot read "--eab-hmac-key -…" as a missing argument (found by a CI run),
    so the commands the console gives say --eab-hmac-key=…, and the tests use such a key."""
    real = secrets.token_bytes
    with mock.patch.object(secrets, "token_bytes", lambda n: b"\xf8" + real(n - 1)):
        key, hmac = acme_service.create_key(team, by=by)
    assert hmac.startswith("-")
    return key, hmac


def binding(key: jose.JWK, kid: str, hmac: str, url: str = f"{BASE}/acme/new-account") -> dict:
    """An externalAccountBinding JWS, as RFC 8555 §7.3.4 makes it."""
    return acme_jws.JWS.sign(
        json.dumps(key.public_key().to_json()).encode(),
        key=jose.JWKOct(key=jose.b64decode(hmac)),
        alg=jose.HS256,
        nonce=None,
        kid=kid,
        url=url,
    ).to_json()


def key_change_jws(new: jose.JWK, account: str, old: jose.JWK) -> dict:
    """The inner JWS of a keyChange (RFC 8555 §7.3.5), signed by the new key."""
    return acme_jws.JWS.sign(
        json.dumps({"account": account, "oldKey": old.public_key().to_json()}).encode(),
        key=new,
        alg=jose.ES256,
        nonce=None,
        url=f"{BASE}/acme/key-change",
    ).to_json()


def thumbprint_of(key: jose.JWK) -> str:
    return jose.b64encode(key.thumbprint()).decode()


def account_of(user, *, key: jose.JWK | None = None, contact=("mailto:ops@example.com",)):
    """An ACME account (of this account key) made with an EAB key `user` made in their own
    team, at the service boundary (no request)."""
    binding, _ = acme_service.create_key(own_team(user).team, by=user)
    public = (key or new_key()).public_key()
    account, _ = acme_service.register(
        binding, jwk=public.to_json(), thumbprint=thumbprint_of(public), contact=list(contact)
    )
    return account
