"""`make run`: the demo's DNS server, the task worker and the web server together; Ctrl-C
stops all three."""

import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from certificates.management.processes import Child, stop, supervise, task_worker
from certificates.tasks import schedule_demo_traffic


class Command(BaseCommand):
    help = "Serve the demo: DNS on 127.0.0.1, the task worker and the development server."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--dns-port", type=int, default=15353)

    def handle(self, *args: Any, addr: str, dns_port: int, **options: Any) -> None:
        manage = [sys.executable, "manage.py"]
        children = [Child([*manage, "demo_dns", "--port", str(dns_port)]).start()]
        try:
            time.sleep(1)  # let it bind before the seed asks it about CAA
            call_command("seed_demo")
            call_command("expire_certificates", schedule=True)
            if schedule_demo_traffic():
                self.stdout.write(
                    f"Demo traffic: a new application every "
                    f"{settings.SCM_DEMO_TRAFFIC_SECONDS} s (make run DEMO_TRAFFIC=0 stops it)."
                )
            children.append(task_worker().start())
            children.append(Child([*manage, "runserver", addr]).start())
            host = addr.split(":")[0]
            self.stdout.write(
                f"\nSCM Console demo on http://{addr}/\n"
                f"  applicants: alice, bob · CA staff: staff at http://{addr}/admin/ · "
                f"password: demo\n"
                f"  a simulated CA moves applications along; emails land in var/mail/\n"
                f"  Ctrl-C stops the web server, the worker and the demo DNS ({host}:{dns_port}).\n"
            )
        except BaseException:
            stop(children)  # the seed failed or was interrupted: don't leave the DNS behind
            raise
        supervise(children)
