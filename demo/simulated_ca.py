"""The demo's simulated CA (SCM_SIMULATED_CA): it completes withdrawals after a delay, as
the CA would (organizations wait for staff: demo/traffic.py plays the traffic's). Outside
the core, so it listens to the certificates' state_entered signal, for any sender, instead
of being one of the follow-ups (certificates/workflow.py); demo/apps.py connects it."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone

from certificates.choices import Status
from certificates.models import state_entered
from demo import tasks

DECIDES = frozenset({Status.WITHDRAWING})


@receiver(state_entered)
def decide_later(certificate: Any, **kwargs: Any) -> None:
    """Queue the simulated CA's decision on a certificate that now waits for one."""
    if settings.SCM_SIMULATED_CA and certificate.status in DECIDES:
        delay = dt.timedelta(seconds=settings.SCM_SIMULATED_CA_DELAY_SECONDS)
        tasks.simulated_ca.using(run_after=timezone.now() + delay).enqueue(certificate.pk)


@contextmanager
def deciding_nothing() -> Iterator[None]:
    """The simulated CA queues no decision meanwhile (seed_demo: visitors decide the seeded
    withdrawals)."""
    simulating, settings.SCM_SIMULATED_CA = settings.SCM_SIMULATED_CA, False
    try:
        yield
    finally:
        settings.SCM_SIMULATED_CA = simulating
