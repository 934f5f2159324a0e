"""Django's account views, with one change: the password reset email's link starts with
SCM_PUBLIC_URL. Django builds it from the request's Host, which whoever asks for the reset
chooses: a link to their own server, mailed to the victim, would carry the reset token."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import views


class PasswordResetView(views.PasswordResetView):
    def form_valid(self, form):
        """Send the reset email with the console's own address in its link."""
        public = urlsplit(settings.SCM_PUBLIC_URL)
        self.extra_email_context = {
            **(self.extra_email_context or {}),
            "domain": public.netloc,
            "site_name": public.hostname,
            "protocol": public.scheme,
        }
        return super().form_valid(form)
