"""Real servers on 127.0.0.1 for verification tests: DNS (dnslib) and HTTP (stdlib)."""

import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from dnslib import AAAA, CAA, QTYPE, RCODE, RR, TXT, A, DNSError
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class Zone(BaseResolver):
    """An authoritative-looking zone the test edits as it goes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.records: dict[tuple[str, str], list[RR]] = {}
            self.silent: set[str] = set()  # names never answered: the resolver times out
            self.failing: set[str] = set()  # names answered SERVFAIL
            self.slow: dict[str, float] = {}  # name -> seconds before the answer
            self.queries: Counter[tuple[str, str]] = Counter()
            # TXT values other processes publish: a file per name, a value per line (the
            # certbot hooks of tests/acme/test_certbot.py write here).
            self.spool: Path | None = None

    def add(self, name: str, rtype: str, rdata) -> None:
        with self.lock:
            key = (name.lower().rstrip("."), rtype)
            self.records.setdefault(key, []).append(RR(name, getattr(QTYPE, rtype), rdata=rdata))

    def txt(self, name: str, value: str) -> None:
        self.add(name, "TXT", TXT(value))

    def a(self, name: str, address: str = "127.0.0.1") -> None:
        self.add(name, "A", A(address))

    def caa(self, name: str, tag: str, value: str) -> None:
        self.add(name, "CAA", CAA(0, tag, value))

    def clear(self, name: str) -> None:
        with self.lock:
            for key in [k for k in self.records if k[0] == name]:
                del self.records[key]

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        rtype = QTYPE[request.q.qtype]
        self.queries[(name, rtype)] += 1
        if name in self.silent:
            raise DNSError(f"{name} is silent")  # dnslib sends nothing back
        if name in self.failing:
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        time.sleep(self.slow.get(name, 0))
        with self.lock:
            answers = self.records.get((name, rtype), []) + self._spooled(name, rtype)
            exists = bool(answers) or any(
                key[0] == name or key[0].endswith("." + name) for key in self.records
            )
        for record in answers:
            reply.add_answer(record)
        if not answers and not exists:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply

    def _spooled(self, name: str, rtype: str) -> list[RR]:
        if self.spool is None or rtype != "TXT" or not (self.spool / name).is_file():
            return []
        values = (self.spool / name).read_text().split()
        return [RR(name, QTYPE.TXT, rdata=TXT(value)) for value in values]


def start_dns() -> tuple[Zone, DNSServer, int]:
    zone = Zone()
    server = DNSServer(
        zone,
        address="127.0.0.1",
        port=0,
        logger=DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data"),
    )
    server.start_thread()
    return zone, server, server.server.server_address[1]


class Site:
    """What the test web server answers: (host, path) → (status, headers, body)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.routes: dict[tuple[str, str], tuple[int, dict, bytes]] = {}
        self.requests: list[tuple[str, str]] = []

    def serve(self, host: str, path: str, body: bytes, status: int = 200, **headers) -> None:
        self.routes[(host, path)] = (status, headers, body)


def start_http(site: Site) -> tuple[ThreadingHTTPServer, int]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").split(":")[0]
            site.requests.append((host, self.path))
            status, headers, body = site.routes.get((host, self.path), (404, {}, b"not found"))
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key.replace("_", "-"), value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


class RawServer:
    """A TCP server on 127.0.0.1 that answers each connection with `answer(connection)`:
    for web servers that misbehave in ways a real HTTP server library would not (a byte at
    a time, odd headers, an open connection after the answer)."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sent = 0
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)  # the request
                self.answer(self, connection)
            except OSError:
                pass  # the client gave up

    def send(self, connection: socket.socket, data: bytes) -> None:
        connection.sendall(data)
        self.sent += len(data)

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()


__all__ = ["AAAA", "RawServer", "Site", "Zone", "start_dns", "start_http"]
