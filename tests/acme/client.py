"""An ACME client for the protocol tests: the `acme` library's own ClientV2 (what certbot
uses) talking to the console through Django's test client, with accounts made from EAB keys
as a team member makes them, and the task worker's jobs run in-process on demand."""

import datetime as dt
from dataclasses import dataclass

import josepy as jose
import requests
from acme import challenges, client, messages
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from certificates.ca import csr as x509
from certificates.choices import KeyAlgorithm
from certificates.services import acme as acme_service
from teams.services import own_team

BASE = "http://testserver"
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
