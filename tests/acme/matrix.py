"""The ACME part of the authorization matrix (tests/test_authorization.py): the team's ACME
page and what it posts (FullAccess members' and Administrators'), and the ACME resources,
to which a console session is nothing."""

import josepy as jose

from certificates.services import acme_accounts
from tests.api.matrix import MEMBERS
from tests.support.acme_client import new_key

ACME_PAGES = {"teams:acme", "teams:acme-key-delete", "teams:acme-account-deactivate"}
# ACME resources anyone may GET (the rest are signed POSTs).
OPEN = {"acme:directory", "acme:new-nonce"}


def acme_world(team, member, owner) -> tuple:
    """For the authorization matrix: an unused ACME key of the team (made by `member`), an
    account made with another (by `owner`), and both HMAC keys, which no page may show."""
    unused, unused_hmac = acme_accounts.create_key(team, by=member)
    bound, bound_hmac = acme_accounts.create_key(team, by=owner)
    key = new_key().public_key()
    account, _ = acme_accounts.register(
        bound,
        jwk=key.to_json(),
        thumbprint=jose.b64encode(key.thumbprint()).decode(),
        contact=["mailto:quentin.quietfox@example.com"],
    )
    return unused, account, [unused_hmac, bound_hmac]


def acme_values(name: str, world: dict) -> dict:
    """What the URL of this route names: the key, the account, a challenge."""
    if name == "teams:acme-key-delete":
        return {"pk": world["acme_key"].pk}
    if name == "teams:acme-account-deactivate" or name.startswith("acme:"):
        return {"pk": world["acme_account"].pk, "kind": "http-01"}
    return {}


def designed_for_acme(name: str, method: str, status: int) -> bool:
    """The open resources answer anyone; the signed ones refuse a request that is not a JWS
    (415), and the wrong method (405)."""
    if name in OPEN:
        return status in (200, 204) if method == "get" else status == 405
    return status == (405 if method == "get" else 415)


def designed_for_acme_page(name: str, role: str, status: int, allowed: set) -> bool:
    if role == "reader":
        return status in (403, 405)
    if name != "teams:acme" and role not in MEMBERS:
        return status in (404, 405)  # another team's key or account: not theirs to see
    if name == "teams:acme-key-delete":
        return status in allowed | {404}  # deleted already (an earlier request): 404
    return status in allowed
