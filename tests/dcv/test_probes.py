"""Domain checks against real servers on 127.0.0.1 (SPEC §5): each result in plain words."""

import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates import exceptions
from certificates.dcv import caa, http, lookup, txt
from certificates.models import Domain
from tests.support.servers import RawServer

TOKEN = "abcdefghijklmnopqrstuvwxyz234567abcdefgh"
FILE = "/.well-known/pki-validation/fileauth.txt"


def test_txt_with_the_right_value_passes(dns_zone):
    dns_zone.txt("_dnsauth.shop.example.com", "unrelated")
    dns_zone.txt("_dnsauth.shop.example.com", TOKEN)
    result = txt.check_txt("_dnsauth.shop.example.com", TOKEN)
    assert result == lookup.CheckResult(
        True, "TXT record _dnsauth.shop.example.com found with the right value."
    )


@pytest.mark.parametrize(
    ("setup", "message", "problem"),
    [
        (
            lambda z: z.txt("_dnsauth.shop.example.com", "old-token"),
            "TXT record _dnsauth.shop.example.com found but the value differs: it is “old-token”.",
            "incorrectResponse",
        ),
        (
            lambda z: z.a("_dnsauth.shop.example.com"),
            "_dnsauth.shop.example.com exists but has no TXT record.",
            "incorrectResponse",
        ),
        (
            lambda z: z.a("www.example.com"),
            "TXT record _dnsauth.shop.example.com not found (NXDOMAIN).",
            "dns",
        ),
    ],
    ids=["wrong-value", "missing-name", "nxdomain"],
)
def test_txt_failures_each_say_what_is_wrong(dns_zone, setup, message, problem):
    setup(dns_zone)
    result = txt.check_txt("_dnsauth.shop.example.com", TOKEN)
    assert result == lookup.CheckResult(False, message, problem)


def test_txt_lookup_that_times_out_says_so(dns_zone, settings):
    settings.SCM_DNS_TIMEOUT = 0.3
    dns_zone.silent.add("_dnsauth.shop.example.com")
    result = txt.check_txt("_dnsauth.shop.example.com", TOKEN)
    assert result == lookup.CheckResult(
        False, "The DNS lookup of _dnsauth.shop.example.com timed out.", "dns"
    )


def test_caa_for_another_ca_stops_issuance(dns_zone, settings):
    settings.SCM_CAA_IDENTITIES = ["scm-console.example"]
    dns_zone.caa("example.com", "issue", "other-ca.example")
    refusal = caa.caa_refusal(["www.example.com"])
    assert refusal.startswith(
        "The CAA record of example.com allows other-ca.example to issue for www.example.com"
    )
    assert 'CAA 0 issue "scm-console.example"' in refusal


@pytest.mark.parametrize(
    ("records", "names"),
    [
        ([], ["www.example.com"]),
        ([("example.com", "issue", "scm-console.example; account=1")], ["www.example.com"]),
        ([("example.com", "iodef", "mailto:security@example.com")], ["www.example.com"]),
        (
            [
                ("example.com", "issue", "other.example"),
                ("example.com", "issuewild", "scm-console.example"),
            ],
            ["*.example.com"],
        ),
        (
            [
                ("www.example.com", "issue", "scm-console.example"),
                ("example.com", "issue", "x.example"),
            ],
            ["www.example.com"],
        ),
    ],
    ids=["none", "ours", "iodef-only", "issuewild-for-wildcard", "closest-wins"],
)
def test_caa_that_allows_this_ca(dns_zone, records, names):
    for owner, tag, value in records:
        dns_zone.caa(owner, tag, value)
    dns_zone.a("www.example.com")
    assert caa.caa_refusal(names) is None


def test_caa_with_an_empty_issuer_forbids_everyone(dns_zone):
    dns_zone.caa("example.com", "issue", ";")
    assert "allows no CA at all" in caa.caa_refusal(["example.com"])


def test_caa_lookup_that_times_out_blocks_issuance(dns_zone, settings):
    settings.SCM_DNS_TIMEOUT = 0.3
    dns_zone.silent.add("www.example.com")
    with pytest.raises(exceptions.CAALookupFailed, match="www.example.com timed out"):
        caa.caa_refusal(["www.example.com"])


def test_caa_lookup_that_fails_blocks_issuance_and_says_why(dns_zone):
    dns_zone.failing.add("example.com")
    with pytest.raises(exceptions.CAALookupFailed) as refused:
        caa.caa_refusal(["www.example.com"])
    assert str(refused.value) == (
        "The CAA lookup of example.com failed: "
        "All nameservers failed to answer the query example.com. IN CAA."
    )


def test_txt_lookup_that_fails_says_why(dns_zone):
    dns_zone.failing.add("_dnsauth.shop.example.com")
    result = txt.check_txt("_dnsauth.shop.example.com", TOKEN)
    assert not result.ok
    assert result.message.startswith("The DNS lookup of _dnsauth.shop.example.com failed: ")


def test_file_with_the_right_content_passes(web_site, dns_zone):
    dns_zone.a("shop.example.com")
    web_site.serve("shop.example.com", FILE, f"{TOKEN}\n".encode())
    result = http.check_file("shop.example.com", TOKEN)
    assert result.ok
    assert web_site.requests == [("shop.example.com", FILE)]


@pytest.mark.parametrize(
    ("setup", "message", "problem"),
    [
        (
            lambda s: s.serve("shop.example.com", FILE, b"something else"),
            "File found at http://shop.example.com/.well-known/pki-validation/fileauth.txt but "
            "its content differs: “something else”.",
            "incorrectResponse",
        ),
        (
            lambda s: None,
            "HTTP 404 at http://shop.example.com/.well-known/pki-validation/fileauth.txt.",
            "unauthorized",
        ),
        (
            lambda s: s.serve(
                "shop.example.com", FILE, b"", 302, Location="http://evil.example.net/x"
            ),
            "http://shop.example.com/.well-known/pki-validation/fileauth.txt redirects to another "
            "host (evil.example.net); redirects are only followed on the same host.",
            "connection",
        ),
        (
            lambda s: s.serve("shop.example.com", FILE, TOKEN.encode() * 100),
            "The file at http://shop.example.com/.well-known/pki-validation/fileauth.txt is "
            "larger than 1024 bytes; it should hold only the value shown.",
            "incorrectResponse",
        ),
    ],
    ids=["wrong-content", "404", "redirect-elsewhere", "oversized"],
)
def test_file_failures_each_say_what_is_wrong(web_site, dns_zone, setup, message, problem):
    dns_zone.a("shop.example.com")
    setup(web_site)
    result = http.check_file("shop.example.com", TOKEN)
    assert result == lookup.CheckResult(False, message, problem)
    assert all(host == "shop.example.com" for host, _ in web_site.requests)


def test_redirect_on_the_same_host_is_followed(web_site, dns_zone):
    dns_zone.a("shop.example.com")
    web_site.serve("shop.example.com", FILE, b"", 301, Location="/validation.txt")
    web_site.serve("shop.example.com", "/validation.txt", TOKEN.encode())
    assert http.check_file("shop.example.com", TOKEN).ok


def test_private_addresses_are_refused_unless_allowed(web_site, dns_zone, settings):
    settings.SCM_VALIDATION_ALLOW_PRIVATE = False
    dns_zone.a("shop.example.com")
    result = http.check_file("shop.example.com", TOKEN)
    assert "points to 127.0.0.1, a private address the CA does not contact" in result.message
    assert web_site.requests == []


def test_name_without_an_address(web_site, dns_zone):
    result = http.check_file("nowhere.example.com", TOKEN)
    assert "nowhere.example.com does not exist in DNS (NXDOMAIN)" in result.message


def test_closed_port_is_explained(dns_zone, settings):
    settings.SCM_VALIDATION_ALLOW_PRIVATE = True
    settings.SCM_HTTP_VALIDATION_PORT = 9  # discard: nothing listens on 127.0.0.1:9
    dns_zone.a("shop.example.com")
    result = http.check_file("shop.example.com", TOKEN)
    assert "connection refused on port 9" in result.message


@pytest.fixture
def raw_site(settings, dns_zone):
    """A misbehaving web server for shop.example.com: the test says what it sends."""
    servers = []

    def start(answer) -> RawServer:
        server = RawServer(answer)
        servers.append(server)
        settings.SCM_HTTP_VALIDATION_PORT = server.port
        settings.SCM_VALIDATION_ALLOW_PRIVATE = True
        dns_zone.a("shop.example.com")
        return server

    yield start
    for server in servers:
        server.stop()


def check_in_a_thread(host: str = "shop.example.com") -> list:
    """Run the check where a test can wait for it: [] while it runs, [result] once done."""
    done: list = []
    thread = threading.Thread(target=lambda: done.append(http.check_file(host, TOKEN)))
    thread.start()
    thread.join(timeout=20)
    return done


def test_a_server_dripping_bytes_cannot_hold_a_check_past_its_limit(raw_site, settings):
    settings.SCM_HTTP_TIMEOUT = 1

    def drip(server, connection) -> None:
        while not server.stopped.is_set():
            server.send(connection, b"H")
            time.sleep(0.05)

    server = raw_site(drip)
    done = check_in_a_thread()
    assert done, "the check was still running: it has no overall time limit"
    (result,) = done
    assert not result.ok
    assert "did not answer within the check's limit of 1 s (timed out)" in result.message
    assert server.sent < 200  # it stopped reading at the limit


def test_a_server_that_keeps_the_connection_open_is_read_by_its_length(raw_site, settings):
    settings.SCM_HTTP_TIMEOUT = 60  # the answer is complete long before this

    def keep_open(server, connection) -> None:
        body = TOKEN.encode()
        server.send(
            connection,
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body),
        )
        server.stopped.wait(30)

    raw_site(keep_open)
    done = check_in_a_thread()
    assert done and done[0].ok


def test_headers_without_end_are_refused(raw_site):
    def endless_headers(server, connection) -> None:
        server.send(connection, b"HTTP/1.1 200 OK\r\n")
        for _ in range(2000):
            server.send(connection, b"X-Filler: " + b"x" * 50 + b"\r\n")

    raw_site(endless_headers)
    result = http.check_file("shop.example.com", TOKEN)
    assert "more than 16384 bytes of headers" in result.message


location_values = st.one_of(
    st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
        max_size=300,
    ),
    st.sampled_from(
        [
            "http://[::1",
            "http://shop.example.com:99999/x",
            "http://shop.example.com:abc/",
            "//shop.example.com/x",
            "https://shop.example.com/x",
            "ftp://shop.example.com/",
            "../../../x y",
            "http://shop.example.com/" + "a" * 3000,
            "http://SHOP.EXAMPLE.COM./ok",
            "/%00%0d%0a",
            "javascript:alert(1)",
            "",
        ]
    ),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(location=location_values, status=st.sampled_from([301, 302, 303, 307, 308]))
def test_any_redirect_gets_a_result_that_fits_its_column(raw_site, location, status):
    """Whatever a server puts in Location, the check answers in words, within 500 characters."""

    def redirect(server, connection) -> None:
        head = f"HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
        server.send(connection, head.encode("latin-1"))

    server = raw_site(redirect)
    try:
        result = http.check_file("shop.example.com", TOKEN)
    finally:
        server.stop()
    assert not result.ok
    assert 10 < len(result.message) <= Domain._meta.get_field("last_result").max_length
