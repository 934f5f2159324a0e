"""Password guessing, slowed two ways (django-axes): the fifth failed login for one username
from one address locks that pair (axes' own lockout), and SCM_LOGIN_FAILURES_PER_ADDRESS
failed logins from one address, whatever the usernames, lock that address, so that trying
one password on many accounts (spraying) is slowed as much as many on one."""

import datetime as dt

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


class LoginLimits(AxesDatabaseHandler):
    def is_locked(self, request, credentials: dict | None = None) -> bool:
        """Locked for this username and address, or for the address across usernames."""
        if super().is_locked(request, credentials):
            return True
        return _address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        """Record the failure (axes); a locked address is answered as a locked pair is."""
        super().user_login_failed(sender, credentials, request, **kwargs)
        # axes marks the request for its lockout page only when the pair's limit is reached.
        marked = request is None or getattr(request, "axes_locked_out", False)
        if not marked and _address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials


def _address_locked(request) -> bool:
    found = address_failures(getattr(request, "axes_ip_address", None))
    return found >= settings.SCM_LOGIN_FAILURES_PER_ADDRESS


def address_failures(address: str | None) -> int:
    """Failed logins from this address within the cool-off, for every username."""
    if not address:
        return 0
    since = timezone.now() - dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
    found = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
    return found.aggregate(total=Sum("failures_since_start"))["total"] or 0
