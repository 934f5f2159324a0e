"""The DNS TXT check (SPEC §5): a record `_dnsauth.<domain>` holding the token (or, for
ACME's dns-01, `_acme-challenge.<domain>` holding the key authorization's digest)."""

import base64
import hashlib

import dns.exception
import dns.resolver

from certificates.dcv.lookup import CheckResult, dns_reason, resolver


def check_txt(name: str, token: str) -> CheckResult:
    """Is there a TXT record `name` whose value is the token?"""
    try:
        answer = resolver().resolve(name, "TXT", raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return CheckResult(False, f"TXT record {name} not found (NXDOMAIN).", "dns")
    except dns.exception.Timeout:
        return CheckResult(False, f"The DNS lookup of {name} timed out.", "dns")
    except (dns.resolver.NoNameservers, dns.exception.DNSException) as error:
        return CheckResult(False, f"The DNS lookup of {name} failed: {dns_reason(error)}.", "dns")
    values = [b"".join(record.strings).decode("utf-8", "replace") for record in answer]
    if not values:
        return CheckResult(False, f"{name} exists but has no TXT record.", "incorrectResponse")
    if token in (value.strip() for value in values):
        return CheckResult(True, f"TXT record {name} found with the right value.")
    found = ", ".join(f"“{value[:60]}”" for value in values[:3])
    return CheckResult(
        False, f"TXT record {name} found but the value differs: it is {found}.", "incorrectResponse"
    )


def dns01_value(key_authorization: str) -> str:
    """The TXT value of a dns-01 challenge (RFC 8555 §8.4): the key authorization's SHA-256,
    base64url."""
    digest = hashlib.sha256(key_authorization.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
