"""The demo's simulated CA (SCM_SIMULATED_CA): it completes withdrawals after a delay, as
the CA would (organizations wait for staff: services/demo_traffic.py plays the traffic's).
Outside the core, so it listens to state_entered instead of being a follow-up
(certificates/workflow.py), for any sender."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone

from certificates import tasks
from certificates.choices import Status
from certificates.models import state_entered

DECIDES = frozenset({Status.WITHDRAWING})


@receiver(state_entered)
def decide_later(certificate: Any, **kwargs: Any) -> None:
    """Queue the simulated CA's decision on a certificate that now waits for one."""
    if settings.SCM_SIMULATED_CA and certificate.status in DECIDES:
        delay = dt.timedelta(seconds=settings.SCM_SIMULATED_CA_DELAY_SECONDS)
        tasks.simulated_ca.using(run_after=timezone.now() + delay).enqueue(certificate.pk)
