"""A DNS server for the demo, on 127.0.0.1: it plays every applicant who publishes the TXT
record asked of them, a little after submitting, and every ACME client's dns-01 record once
the client asked for the check. Never for production."""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone
from dnslib import QTYPE, RR, TXT, A
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from certificates.choices import DomainStatus, Method, Status
from certificates.dcv.txt import dns01_value
from certificates.models import Domain
from demo import traffic

PREFIX = "_dnsauth."
ACME_PREFIX = "_acme-challenge."


SEEDED = "demo-"  # seed_demo's certificates (the traffic's are live-…)


class DemoZone(BaseResolver):
    def __init__(self, delay: float) -> None:
        self.delay = delay

    def resolve(self, request: Any, handler: Any) -> Any:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        if qtype == "TXT" and name.startswith(PREFIX):
            for token in self.tokens(name.removeprefix(PREFIX)):
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(token), ttl=60))
        elif qtype == "TXT" and name.startswith(ACME_PREFIX):
            for value in self.acme_values(name.removeprefix(ACME_PREFIX)):
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=60))
        elif qtype == "A":
            reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A("127.0.0.1"), ttl=60))
        # Everything else, CAA included, exists with no records: no CAA restriction.
        return reply

    def tokens(self, base: str) -> list[str]:
        """The TXT values published for `base`: the demo traffic's and a visitor's."""
        close_old_connections()
        published_before = timezone.now() - timezone.timedelta(seconds=self.delay)
        names = [base, f"*.{base}"]
        try:
            tokens = (
                Domain.objects.filter(
                    name__in=names,
                    method=Method.DNS,
                    status=DomainStatus.PENDING,
                    certificate__status=Status.PENDING_DOMAIN_VERIFICATION,
                    certificate__submitted_at__lte=published_before,
                )
                .exclude(
                    # The seeded applications wait at 40% for their applicant (and for staff's
                    # Mark domains verified): a visitor finds them there at any moment.
                    certificate__name__startswith=SEEDED
                )
                .values_list("token", flat=True)
            )
            tokens = list(tokens)
        finally:
            close_old_connections()
        if base.startswith(f"{traffic.MISCONFIGURED}-"):
            # The demo traffic's applicant who copied the record with a typo.
            return [token[:-1] + ("x" if token[-1:] != "x" else "y") for token in tokens]
        return tokens

    def acme_values(self, base: str) -> list[str]:
        """What the ACME clients' dns-01 hooks would publish for this name."""
        close_old_connections()
        try:
            domains = Domain.objects.filter(
                name__in=[base, f"*.{base}"],
                method=Method.ACME_DNS,
                status=DomainStatus.PENDING,
                certificate__status=Status.PENDING_DOMAIN_VERIFICATION,
            ).select_related("certificate__acme_order__account")
            return [dns01_value(domain.key_authorization) for domain in domains]
        finally:
            close_old_connections()


class Command(BaseCommand):
    help = "Run the demo DNS server that publishes every pending TXT record (demo only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=15353)
        parser.add_argument(
            "--delay", type=float, default=10, help="seconds after submission the record appears"
        )

    def handle(self, *args: Any, port: int, delay: float, **options: Any) -> None:
        if not settings.DEBUG:
            self.stderr.write("demo_dns publishes anyone's validation records: DEBUG only.")
            return
        server = DNSServer(
            DemoZone(delay),
            address="127.0.0.1",
            port=port,
            logger=DNSLogger("-request,-reply,-truncated,-recv,-send,-data"),
        )
        server.start_thread()
        self.stdout.write(
            f"Demo DNS on 127.0.0.1:{port} (UDP), records appear {delay:g}s after submission."
        )
        try:
            while server.isAlive():
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
