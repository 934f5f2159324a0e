"""The demo's jobs for the task worker: the simulated CA's decision and the demo traffic's
ticks. Like the core's (certificates/tasks.py), each re-reads the state and does nothing
when there is nothing left to do; off unless the demo's settings turn them on."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from certificates.choices import Status
from certificates.exceptions import TransitionRefused
from certificates.models import Certificate
from demo import traffic


@task()
def simulated_ca(certificate_pk: int) -> str:
    """Demo only: the CA completes a withdrawal after a delay. Organizations wait for staff
    (the demo traffic's for its own staff member: demo/traffic.py), so that a visitor finds
    them at 70% in the review queue."""
    if not settings.SCM_SIMULATED_CA:
        return "simulated CA is off"
    certificate = Certificate.objects.get(pk=certificate_pk)
    if certificate.status != Status.WITHDRAWING:
        return "nothing to decide"
    try:
        certificate.run_transition("complete_withdrawal", by=None)
    except TransitionRefused as refused:
        return str(refused)
    return certificate.status


@task()
def demo_traffic_tick(turn: int) -> str:
    """Demo only (SCM_DEMO_TRAFFIC_SECONDS): one new application from the demo teams, the
    CA's staff working the traffic's queue; runs again after the interval."""
    seconds = settings.SCM_DEMO_TRAFFIC_SECONDS
    if not seconds:
        return "demo traffic is off"
    arrived = traffic.arrive(turn)
    worked = traffic.work_the_queues()
    demo_traffic_tick.using(run_after=timezone.now() + dt.timedelta(seconds=seconds)).enqueue(
        turn + 1
    )
    new = f"{arrived.name} ({arrived.get_status_display()})" if arrived else "no demo team"
    return "; ".join([new, *worked])


def schedule_demo_traffic() -> bool:
    """Start the demo traffic unless it is off or already running; True when it started."""
    from django_tasks_db.models import DBTaskResult

    if not settings.SCM_DEMO_TRAFFIC_SECONDS:
        return False
    waiting = DBTaskResult.objects.filter(task_path=f"{__name__}.demo_traffic_tick", status="READY")
    if waiting.exists():
        return False
    demo_traffic_tick.enqueue(0)
    return True
