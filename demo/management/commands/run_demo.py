"""`make run`: the demo's DNS server, the task worker and the web server together; Ctrl-C
or SIGTERM stops all three. Quiet by default (no line per task or request, so the banner
stays in sight); `-v 2` shows everything."""

import os
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from certificates.management.processes import Child, stop, stop_on_sigterm, supervise, task_worker
from demo.tasks import schedule_demo_traffic


class Command(BaseCommand):
    help = "Serve the demo: DNS on 127.0.0.1, the task worker and the development server."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--dns-port", type=int, default=15353)

    def handle(self, *args: Any, addr: str, dns_port: int, verbosity: int, **options: Any) -> None:
        stop_on_sigterm()
        env = dict(os.environ)
        if verbosity < 2:
            # Warnings and errors only: each poll's request line and each task's would
            # scroll the banner away within a minute.
            env["LOG_LEVEL"] = "WARNING"
        manage = [sys.executable, "manage.py"]
        dns = Child([*manage, "demo_dns", "--port", str(dns_port)], env=env)
        children = [dns.start()]
        try:
            time.sleep(1)  # let it bind before the seed asks it about CAA
            call_command("seed_demo", verbosity=verbosity)
            call_command("expire_certificates", schedule=True)
            if schedule_demo_traffic():
                self.stdout.write(
                    f"Demo traffic: a new application every "
                    f"{settings.SCM_DEMO_TRAFFIC_SECONDS} s (make run DEMO_TRAFFIC=0 stops it)."
                )
            worker = task_worker(env)
            worker.argv += ["-v", str(max(verbosity - 1, 0))]
            children.append(worker.start())
            children.append(Child([*manage, "runserver", addr], env=env).start())
            self.stdout.write(self.banner(addr, dns_port))
        except KeyboardInterrupt:
            stop(children)  # interrupted while seeding: don't leave the DNS behind
            return
        except BaseException:
            stop(children)  # the seed failed: don't leave the DNS behind
            raise
        supervise(children)

    def banner(self, addr: str, dns_port: int) -> str:
        host = addr.split(":")[0]
        return (
            f"\nSCM Console demo on http://{addr}/\n"
            f"  applicants: alice, dave, carol, bob · CA staff: staff at http://{addr}/admin/"
            f" · password: demo\n"
            f"  a simulated CA moves the demo traffic along; emails land in var/mail/\n"
            f"  Ctrl-C stops the web server, the worker and the demo DNS ({host}:{dns_port});"
            f" -v 2 shows every request and task.\n"
        )
