"""Who is asking, by address: REMOTE_ADDR, or behind SCM_TRUSTED_PROXIES proxies the address
the outermost of them saw. Only those proxies' entries in X-Forwarded-For are believed (each
appends the address it was called from); anything further left was written by the client
and could say anything. Login limits (django-axes) count by this address."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's IP address as the trusted proxies report it (REMOTE_ADDR without any)."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.SCM_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < proxies:
        # Fewer entries than our proxies write: the request did not come through all of them
        # (or a proxy is misconfigured). The nearest one's own address is all we know.
        return remote
    found = hops[-proxies]
    try:
        return str(ipaddress.ip_address(found))
    except ValueError:  # a proxy writes addresses; anything else is not to be trusted
        return remote
