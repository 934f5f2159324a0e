"""The file check (SPEC §5): http://<domain>/.well-known/pki-validation/fileauth.txt holds
the token; ACME's http-01 (§11) is the same check of /.well-known/acme-challenge/<token>
for the key authorization. One check has a hard total time limit (SCM_HTTP_TIMEOUT) over lookups,
redirects and reading, whatever the server sends; private and loopback addresses are
contacted only where SCM_VALIDATION_ALLOW_PRIVATE allows."""

import http.client
import io
import ipaddress
import socket
import time
from urllib.parse import quote, urljoin, urlsplit

import dns.exception
import dns.resolver
from django.conf import settings

from certificates import ids
from certificates.dcv.lookup import CheckResult, dns_reason, resolver

FILE_PATH = "/.well-known/pki-validation/fileauth.txt"
ACME_PATH = "/.well-known/acme-challenge/"
MAX_FILE_BYTES = 1024
MAX_REDIRECTS = 2
MAX_HEADER_BYTES = 16 * 1024


def check_file(host: str, token: str) -> CheckResult:
    """Does http://host/.well-known/pki-validation/fileauth.txt contain the token?"""
    return check_content(host, FILE_PATH, token)


def check_http01(host: str, token: str, key_authorization: str) -> CheckResult:
    """Does http://host/.well-known/acme-challenge/<token> hold the key authorization?"""
    return check_content(host, ACME_PATH + token, key_authorization)


def check_content(host: str, first_path: str, expected: str) -> CheckResult:
    """Does http://host<first_path> (after redirects on the same host) hold `expected`?

    The whole check — lookups, connections, redirects, reading — has a hard limit of
    SCM_HTTP_TIMEOUT seconds: a server that answers a byte at a time cannot hold it longer.
    Whatever the server sends, the answer is a CheckResult in plain words."""
    deadline = time.monotonic() + settings.SCM_HTTP_TIMEOUT
    path = first_path
    for _ in range(MAX_REDIRECTS + 1):
        url = _shown_url(host, path)
        try:
            status, location, body = _http_get(host, path, deadline)
        except _Refused as refused:
            return CheckResult(False, f"{url}: {refused}", refused.problem)
        if status in (301, 302, 303, 307, 308) and location is not None:
            try:
                path = _redirect_path(host, path, location)
            except _Refused as refused:
                return CheckResult(False, f"{url} {refused}", refused.problem)
            continue
        if status != 200:
            return CheckResult(False, f"HTTP {status} at {url}.", "unauthorized")
        if body is None:
            return CheckResult(
                False,
                f"The file at {url} is larger than {MAX_FILE_BYTES} bytes; it should "
                "hold only the value shown.",
                "incorrectResponse",
            )
        content = body.decode("utf-8", "replace").strip()
        if content == expected:
            return CheckResult(True, f"File found at {url} with the right content.")
        return CheckResult(
            False,
            f"File found at {url} but its content differs: “{_printable(content[:60])}”.",
            "incorrectResponse",
        )
    return CheckResult(
        False, f"{_shown_url(host, first_path)} redirects too many times.", "connection"
    )


class _Refused(Exception):
    problem = "connection"


class _Unresolved(_Refused):
    problem = "dns"


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else "\ufffd" for c in text)


def _shown_url(host: str, path: str) -> str:
    """A URL as a result message shows it: at most 120 characters of printable text."""
    url = _printable(f"http://{host}{path}")
    return url if len(url) <= 120 else url[:119] + "…"


def _redirect_path(host: str, path: str, location: str) -> str:
    """Where a redirect leads, as a path on the same host over plain HTTP (BR 3.2.2.4.18
    follows redirects; this CA follows them only on the host being validated)."""
    try:
        target = urlsplit(urljoin(f"http://{host}{path}", location.strip()))
        port = target.port
    except ValueError:
        raise _Refused(
            f"redirects to “{_printable(location[:60])}”, which is not a valid address."
        ) from None
    if target.scheme != "http":
        raise _Refused(
            f"redirects to {target.scheme or 'an address without a scheme'}; the file must be "
            "served over plain HTTP on the domain itself."
        )
    if (target.hostname or "").lower().rstrip(".") != host or port not in (
        None,
        settings.SCM_HTTP_VALIDATION_PORT,
    ):
        where = _printable((target.hostname or "")[:60])
        raise _Refused(
            f"redirects to another host ({where}); redirects are only followed on the same host."
        )
    wanted = target.path or "/"
    if target.query:
        wanted += "?" + target.query
    return quote(wanted, safe="/%:@!$&'()*+,;=-._~?")


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _Refused(_timed_out())
    return left


def _timed_out() -> str:
    return (
        f"the web server did not answer within the check's limit of "
        f"{settings.SCM_HTTP_TIMEOUT:g} s (timed out)."
    )


def _http_get(host: str, path: str, deadline: float) -> tuple[int, str | None, bytes | None]:
    """GET over plain HTTP to the host's address (as the configured resolver sees it),
    reading at most the headers and MAX_FILE_BYTES + 1 bytes of body before the deadline."""
    address = _address_of(host, deadline)
    port = settings.SCM_HTTP_VALIDATION_PORT
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: SCM-Console-DCV\r\n"
        "Accept: */*\r\nConnection: close\r\n\r\n"
    ).encode("ascii")
    received = bytearray()
    try:
        with socket.create_connection((address, port), timeout=_remaining(deadline)) as sock:
            sock.settimeout(_remaining(deadline))
            sock.sendall(request)
            while not _enough(received):
                sock.settimeout(_remaining(deadline))
                chunk = sock.recv(4096)
                if not chunk:
                    break
                received += chunk
    except TimeoutError:  # each wait was given what was left of the check's time
        raise _Refused(_timed_out()) from None
    except ConnectionRefusedError:
        raise _Refused(f"connection refused on port {port}.") from None
    except OSError as error:
        raise _Refused(f"the request failed ({type(error).__name__}).") from None
    return _parse(bytes(received))


def _enough(received: bytearray) -> bool:
    """Enough read to judge the answer: the headers, then the body the headers announce
    (a server may keep the connection open after it), or one byte more than allowed."""
    end = received.find(b"\r\n\r\n")
    if end < 0:
        if len(received) > MAX_HEADER_BYTES:
            raise _Refused(f"the web server sent more than {MAX_HEADER_BYTES} bytes of headers.")
        return False
    body = len(received) - end - 4
    if body > MAX_FILE_BYTES:
        return True
    head = bytes(received[:end]).split(b"\r\n", 1)
    status = head[0].split(maxsplit=2)[1:2]
    if status and status[0] in (b"204", b"304"):
        return True
    headers = http.client.parse_headers(
        io.BytesIO(head[1] + b"\r\n\r\n" if len(head) > 1 else b"\r\n")
    )
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        return received.endswith(b"0\r\n\r\n")
    length = ids.number(headers.get("Content-Length", "").strip(), lowest=0)
    return length is not None and body >= length


class _Received:
    """What http.client reads a response from: the bytes already received."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def makefile(self, mode: str) -> io.BytesIO:
        return io.BytesIO(self.data)


def _parse(data: bytes) -> tuple[int, str | None, bytes | None]:
    if not data:
        raise _Refused("the web server closed the connection without answering.")
    response = http.client.HTTPResponse(_Received(data))  # type: ignore[arg-type]
    try:
        response.begin()
        try:
            body = response.read(MAX_FILE_BYTES + 1)
        except http.client.IncompleteRead as cut:
            body = cut.partial  # we stop reading once we know enough
    except (http.client.HTTPException, ValueError):
        raise _Refused("the web server's answer is not valid HTTP.") from None
    location = response.getheader("Location")
    return response.status, location, None if len(body) > MAX_FILE_BYTES else body


def _address_of(host: str, deadline: float | None = None) -> str:
    try:
        found = resolver()
        if deadline is not None:
            found.lifetime = min(found.lifetime, _remaining(deadline))
        answer = found.resolve(host, "A")
    except dns.resolver.NXDOMAIN:
        raise _Unresolved(f"{host} does not exist in DNS (NXDOMAIN).") from None
    except dns.resolver.NoAnswer:
        raise _Unresolved(f"{host} has no IPv4 address (A record).") from None
    except dns.exception.Timeout:
        raise _Unresolved(f"the DNS lookup of {host} timed out.") from None
    except dns.exception.DNSException as error:
        raise _Unresolved(f"the DNS lookup of {host} failed: {dns_reason(error)}.") from None
    address = answer[0].address
    ip = ipaddress.ip_address(address)
    if not settings.SCM_VALIDATION_ALLOW_PRIVATE and not ip.is_global:
        raise _Refused(f"{host} points to {address}, a private address the CA does not contact.")
    return address
