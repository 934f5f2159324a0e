from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certificates"
    verbose_name = "Certificates"

    def ready(self) -> None:
        # Imported for their side effects: system checks and state_entered receivers.
        from certificates import checks, workflow  # noqa: F401
