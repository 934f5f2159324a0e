from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "teams"
    verbose_name = _("Teams")

    def ready(self) -> None:
        # The team a user works in, and the language they saved, are remembered in their
        # session from the moment they log in.
        from teams import languages, session  # noqa: F401
