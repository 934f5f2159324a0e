"""Twenty ACME clients at once (the `acme` library, as certbot uses it) against gunicorn with
several workers and two task workers on one database: each registers with its own EAB key,
orders, answers http-01, finalizes and downloads; 20 certificates, no duplicate serial, no
5xx, nonces never accepted twice. Prints the orders per second measured."""

import datetime as dt
import http.client
import json
import threading
import time

import pytest
from acme import client, messages
from cryptography import x509

from certificates.choices import Status
from certificates.models import Certificate
from certificates.services.acme_accounts import create_key
from tests.factories import UserFactory, team_of
from tests.support.acme_client import csr_for, jose_sign, new_key
from tests.support.processes import Gunicorn, at_once, task_workers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]
CLIENTS = 20


def one_client(port: int, kid: str, hmac: str, name: str, site, statuses: list) -> str:
    key = new_key()
    net = client.ClientNetwork(key, alg=client.jose.ES256, user_agent="parallel")
    net.session.hooks["response"].append(lambda r, *a, **k: statuses.append(r.status_code))
    directory = client.ClientV2.get_directory(f"http://127.0.0.1:{port}/acme/directory", net)
    acme = client.ClientV2(directory, net)
    binding = messages.ExternalAccountBinding.from_data(
        account_public_key=key.public_key(), kid=kid, hmac_key=hmac, directory=directory
    )
    acme.new_account(
        messages.NewRegistration.from_data(
            email=f"{name.split('.')[0]}@example.com",
            terms_of_service_agreed=True,
            external_account_binding=binding,
        )
    )
    order = acme.new_order(csr_for([name])[0])
    for authorization in order.authorizations:
        challenge = next(c for c in authorization.body.challenges if c.chall.typ == "http-01")
        response, validation = challenge.response_and_validation(key)
        site.serve(name, challenge.chall.path, validation.encode())
        acme.answer_challenge(challenge, response)
    deadline = dt.datetime.now() + dt.timedelta(seconds=120)
    return acme.poll_and_finalize(order, deadline).fullchain_pem


def test_twenty_clients_ordering_at_once_get_twenty_certificates(web_site, dns_zone):
    alice = UserFactory(username="alice")
    keys = [create_key(team_of(alice), by=alice) for _ in range(CLIENTS)]
    names = [f"p{number}.example.com" for number in range(CLIENTS)]
    for name in names:
        dns_zone.a(name)
    server = Gunicorn(workers=4)
    statuses: list[int] = []
    chains: dict[int, str] = {}
    failures: list[str] = []
    try:
        with task_workers(2, SCM_ACME_RETRY_SECONDS="1"):

            def run(number: int) -> None:
                key, hmac = keys[number]
                try:
                    chains[number] = one_client(
                        server.port, key.key_id, hmac, names[number], web_site, statuses
                    )
                except Exception as error:  # reported below with the others
                    failures.append(f"{names[number]}: {error!r}")

            threads = [threading.Thread(target=run, args=(n,)) for n in range(CLIENTS)]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=180)
            elapsed = time.monotonic() - started
    finally:
        server.stop()
    assert not failures, "\n".join(failures)
    assert "Traceback" not in server.log(), server.log()
    assert len(chains) == CLIENTS
    assert not [status for status in statuses if status >= 500]
    serials = {
        x509.load_pem_x509_certificate(chain.encode()).serial_number for chain in chains.values()
    }
    assert len(serials) == CLIENTS
    rows = Certificate.objects.filter(acme_order__isnull=False)
    assert rows.count() == CLIENTS and {row.status for row in rows} == {Status.ISSUED}
    assert sorted(rows.values_list("primary_domain", flat=True)) == sorted(names)
    print(
        json.dumps(
            {
                "acme_parallel": {
                    "clients": CLIENTS,
                    "seconds": round(elapsed, 2),
                    "orders_per_second": round(CLIENTS / elapsed, 2),
                    "requests": len(statuses),
                    "bad_nonce_retries": statuses.count(400),
                }
            }
        )
    )


def _call(port: int, method: str, path: str, body: str | None = None) -> tuple[int, dict, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body, {"Content-Type": "application/jose+json"})
        answer = connection.getresponse()
        data = answer.read()
        return answer.status, dict(answer.getheaders()), json.loads(data) if data else {}
    finally:
        connection.close()


def test_a_nonce_is_accepted_once_across_processes():
    """Two gunicorn servers on one database, the same nonce sent to both at once: one takes
    it (and answers the request), the other refuses it as badNonce. Five times over."""
    servers = [Gunicorn(workers=2) for _ in range(2)]
    try:
        for _ in range(5):
            key = new_key()
            _, headers, _ = _call(servers[0].port, "HEAD", "/acme/new-nonce")
            nonce = headers["Replay-Nonce"]
            payload = json.dumps({"onlyReturnExisting": True}).encode()
            bodies = [
                jose_sign(payload, key, client.jose.ES256, nonce,
                          f"http://127.0.0.1:{server.port}/acme/new-account", None)
                for server in servers
            ]  # fmt: skip
            answers = at_once(
                [
                    lambda s=server, b=body: _call(s.port, "POST", "/acme/new-account", b)
                    for server, body in zip(servers, bodies, strict=True)
                ]
            )
            kinds = sorted(body["type"].rsplit(":", 1)[1] for _, _, body in answers)
            # The key has no account: the request that got the nonce says so.
            assert kinds == ["accountDoesNotExist", "badNonce"], answers
    finally:
        for server in servers:
            server.stop()
