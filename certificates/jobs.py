"""Background jobs that outlive their worker."""

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def requeue_abandoned() -> int:
    """Put back in the queue the jobs marked running for longer than any job takes
    (SCM_TASK_TIMEOUT_SECONDS): their worker died. Returns how many."""
    limit = timezone.now() - dt.timedelta(seconds=settings.SCM_TASK_TIMEOUT_SECONDS)
    count = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=limit
    ).update(status=TaskResultStatus.READY, started_at=None)
    if count:
        logger.warning("Re-queued %d job(s) left running by a worker that stopped.", count)
    return count
