"""The rate limit of the ACME endpoints anyone may call, before any account is known
(directory, new-nonce, newAccount, revokeCert): SCM_ACME_ANONYMOUS_PER_MINUTE requests a
minute from one address, counted in the cache, so that a flood costs no database write.
With the default per-process cache each web process counts on its own; a shared cache
(CACHES) makes it one count. Past it: `rateLimited` with Retry-After."""

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django.utils import timezone

from certificates.exceptions import AcmeRefused


def check_anonymous(request: HttpRequest) -> None:
    """Count this request against its address's minute; `rateLimited` past the limit."""
    limit = settings.SCM_ACME_ANONYMOUS_PER_MINUTE
    if not limit:
        return
    now = timezone.now()
    address = request.META.get("REMOTE_ADDR", "")
    key = f"acme-anonymous:{address}:{int(now.timestamp()) // 60}"
    cache = caches["default"]
    cache.add(key, 0, timeout=120)
    try:
        made = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.add(key, 1, timeout=120)
        made = 1
    if made > limit:
        raise AcmeRefused(
            "rateLimited",
            f"More than {limit} requests a minute from {address} to this ACME server's "
            "directory, nonces, newAccount and revokeCert: try again in a minute.",
            retry_after=60 - now.second,
        )
