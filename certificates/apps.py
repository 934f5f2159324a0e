from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class CertificatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certificates"
    verbose_name = "Certificates"

    def ready(self) -> None:
        # Imported for its side effect: the system checks.
        from certificates import checks  # noqa: F401

        post_migrate.connect(_staff_groups, sender=self)


def _staff_groups(**kwargs: Any) -> None:
    """The staff groups with every permission they list, after each migrate: a model added
    later (the operation records) has its permissions only once migrate has run to the end,
    after the data migration that first made the groups."""
    from certificates.staff_groups import ensure_staff_groups

    ensure_staff_groups(apps)
