"""The accounts pages beyond signing in: Django's own password change and reset views with
the console's templates, the reset link built on SCM_PUBLIC_URL (never the request's Host),
and a reset that also lifts the sign-in lock the lockout page sends people here about."""

from urllib.parse import urlsplit

from axes.utils import reset as reset_sign_in_locks
from django.conf import settings
from django.contrib.auth import views as auth
from django.http import HttpResponse

RESET_DAYS = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


class PasswordResetView(auth.PasswordResetView):
    @property
    def extra_email_context(self) -> dict:  # read per request: settings may change
        """The console's own address for the email, never the request's Host."""
        public = urlsplit(settings.SCM_PUBLIC_URL)
        return {
            "public_url": settings.SCM_PUBLIC_URL.rstrip("/"),
            # Django's own names too, should a template use them.
            "domain": public.netloc,
            "site_name": public.hostname,
            "protocol": public.scheme,
        }


class PasswordResetDoneView(auth.PasswordResetDoneView):
    extra_context = {"reset_days": RESET_DAYS}


class PasswordResetConfirmView(auth.PasswordResetConfirmView):
    def form_valid(self, form) -> HttpResponse:
        """Set the password, then forget the failed sign-ins that locked this username."""
        response = super().form_valid(form)
        reset_sign_in_locks(username=form.user.get_username())
        return response
