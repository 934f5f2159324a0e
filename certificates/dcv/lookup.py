"""What every domain check shares: its result in plain words, and the resolver (the one
SCM_DNS_RESOLVER names, so tests and the demo use real servers on 127.0.0.1)."""

from dataclasses import dataclass

import dns.exception
import dns.resolver
from django.conf import settings


@dataclass(frozen=True)
class CheckResult:
    """A check's outcome and what it found, in words a non-expert can act on; a failure's
    kind as ACME names its errors (dns, connection, unauthorized, incorrectResponse)."""

    ok: bool
    message: str
    problem: str = ""


def resolver() -> dns.resolver.Resolver:
    """The resolver checks use: SCM_DNS_RESOLVER (host:port) or the system's."""
    configured = settings.SCM_DNS_RESOLVER
    if not configured:
        found = dns.resolver.Resolver()
    else:
        host, _, port = configured.rpartition(":")
        found = dns.resolver.Resolver(configure=False)
        found.nameservers = [host.strip("[]")]
        found.port = int(port)
    found.lifetime = settings.SCM_DNS_TIMEOUT
    found.timeout = settings.SCM_DNS_TIMEOUT
    return found


def dns_reason(error: Exception) -> str:
    text = str(error).split(":", 1)[0]
    return text if len(text) < 120 else type(error).__name__
