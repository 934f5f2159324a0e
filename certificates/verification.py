"""Domain control checks (SPEC §5) and the CAA check before issuance (RFC 8659).

Every check answers in words a non-expert can act on. The DNS resolver, the HTTP port and
whether private addresses may be contacted come from settings, so tests and the demo use
real servers on 127.0.0.1.
"""

import http.client
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
from django.conf import settings

FILE_PATH = "/.well-known/pki-validation/fileauth.txt"
MAX_FILE_BYTES = 1024
MAX_REDIRECTS = 2


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str


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


def check_txt(name: str, token: str) -> CheckResult:
    """Is there a TXT record `name` whose value is the token?"""
    try:
        answer = resolver().resolve(name, "TXT", raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return CheckResult(False, f"TXT record {name} not found (NXDOMAIN).")
    except dns.exception.Timeout:
        return CheckResult(False, f"The DNS lookup of {name} timed out.")
    except (dns.resolver.NoNameservers, dns.exception.DNSException) as error:
        return CheckResult(False, f"The DNS lookup of {name} failed: {_dns_reason(error)}.")
    values = [b"".join(record.strings).decode("utf-8", "replace") for record in answer]
    if not values:
        return CheckResult(False, f"{name} exists but has no TXT record.")
    if token in (value.strip() for value in values):
        return CheckResult(True, f"TXT record {name} found with the right value.")
    found = ", ".join(f"“{value[:60]}”" for value in values[:3])
    return CheckResult(False, f"TXT record {name} found but the value differs: it is {found}.")


def _dns_reason(error: Exception) -> str:
    text = str(error).split(":", 1)[0]
    return text if len(text) < 120 else type(error).__name__


def check_file(host: str, token: str) -> CheckResult:
    """Does http://host/.well-known/pki-validation/fileauth.txt contain the token?"""
    url = f"http://{host}{FILE_PATH}"
    for _ in range(MAX_REDIRECTS + 1):
        try:
            status, location, body = _http_get(host, urlsplit(url).path or "/")
        except _Refused as refused:
            return CheckResult(False, f"{url}: {refused}")
        if status in (301, 302, 303, 307, 308) and location:
            target = urlsplit(location)
            if target.hostname and target.hostname.lower() != host:
                return CheckResult(
                    False,
                    f"{url} redirects to another host ({target.hostname}); redirects are only "
                    "followed on the same host.",
                )
            url = f"http://{host}{target.path or '/'}"
            continue
        if status != 200:
            return CheckResult(False, f"HTTP {status} at {url}.")
        if body is None:
            return CheckResult(
                False,
                f"The file at {url} is larger than {MAX_FILE_BYTES} bytes; it should "
                "hold only the value shown.",
            )
        content = body.decode("utf-8", "replace").strip()
        if content == token:
            return CheckResult(True, f"File found at {url} with the right content.")
        return CheckResult(False, f"File found at {url} but its content differs: “{content[:60]}”.")
    return CheckResult(False, f"{url} redirects too many times.")


class _Refused(Exception):
    pass


def _http_get(host: str, path: str) -> tuple[int, str | None, bytes | None]:
    """GET over plain HTTP to the host's address (as the configured resolver sees it)."""
    address = _address_of(host)
    connection = http.client.HTTPConnection(
        address, settings.SCM_HTTP_VALIDATION_PORT, timeout=settings.SCM_HTTP_TIMEOUT
    )
    try:
        connection.request("GET", path, headers={"Host": host, "User-Agent": "SCM-Console-DCV"})
        response = connection.getresponse()
        body = response.read(MAX_FILE_BYTES + 1)
        too_big = len(body) > MAX_FILE_BYTES
        return response.status, response.getheader("Location"), None if too_big else body
    except TimeoutError:
        raise _Refused("the web server did not answer in time (timed out).") from None
    except ConnectionRefusedError:
        raise _Refused(f"connection refused on port {settings.SCM_HTTP_VALIDATION_PORT}.") from None
    except (OSError, http.client.HTTPException) as error:
        raise _Refused(f"the request failed ({type(error).__name__}).") from None
    finally:
        connection.close()


def _address_of(host: str) -> str:
    try:
        answer = resolver().resolve(host, "A")
    except dns.resolver.NXDOMAIN:
        raise _Refused(f"{host} does not exist in DNS (NXDOMAIN).") from None
    except dns.resolver.NoAnswer:
        raise _Refused(f"{host} has no IPv4 address (A record).") from None
    except dns.exception.Timeout:
        raise _Refused(f"the DNS lookup of {host} timed out.") from None
    except dns.exception.DNSException as error:
        raise _Refused(f"the DNS lookup of {host} failed: {_dns_reason(error)}.") from None
    address = answer[0].address
    ip = ipaddress.ip_address(address)
    if not settings.SCM_VALIDATION_ALLOW_PRIVATE and not ip.is_global:
        raise _Refused(f"{host} points to {address}, a private address the CA does not contact.")
    return address


def caa_refusal(names: list[str]) -> str | None:
    """Why CAA forbids this CA to issue for these names, or None when it may (RFC 8659)."""
    identities = {identity.lower() for identity in settings.SCM_CAA_IDENTITIES}
    for name in names:
        wildcard = name.startswith("*.")
        found = _relevant_caa(name.removeprefix("*."))
        if found is None:
            continue
        owner, records = found
        tag = "issuewild" if wildcard and any(r.tag == b"issuewild" for r in records) else "issue"
        issuers = [
            r.value.decode("ascii", "replace").split(";", 1)[0].strip().lower()
            for r in records
            if r.tag.decode("ascii", "replace").lower() == tag
        ]
        if not issuers:
            continue  # only iodef or other tags: no restriction
        if identities & set(issuers):
            continue
        allowed = ", ".join(sorted(i for i in issuers if i)) or "no CA at all"
        return (
            f"The CAA record of {owner} allows {allowed} to issue for {name}, not this CA. "
            f'Add “{owner}. CAA 0 {tag} "{sorted(identities)[0]}"” or remove the record.'
        )
    return None


def _relevant_caa(name: str) -> tuple[str, list] | None:
    """The CAA RRset found climbing from the name towards the root, or None."""
    labels = dns.name.from_text(name)
    while len(labels) > 1:
        try:
            answer = resolver().resolve(labels, "CAA", raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            answer = None
        # RFC 8659 §3: a lookup that fails (not "no records") must stop issuance.
        except dns.exception.Timeout:
            raise CAALookupFailed(f"The CAA lookup of {labels.to_text(True)} timed out.") from None
        except dns.exception.DNSException as error:
            raise CAALookupFailed(
                f"The CAA lookup of {labels.to_text(True)} failed: {_dns_reason(error)}."
            ) from None
        records = [r for r in answer or [] if r.rdtype == dns.rdatatype.CAA]
        if records:
            return labels.to_text(omit_final_dot=True), records
        labels = labels.parent()
    return None


class CAALookupFailed(Exception):
    """The CAA records could not be looked up; issuance must wait."""
