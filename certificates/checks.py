"""System checks: `manage.py check` and `check --deploy` explain configuration mistakes."""

from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from certificates import ids


@register()
def key_encryption_key_is_valid(app_configs: Any, **kwargs: Any) -> list:
    key = settings.SCM_KEY_ENCRYPTION_KEY
    if not key:
        return []
    try:
        Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return [
            Error(
                "SCM_KEY_ENCRYPTION_KEY is not a Fernet key.",
                hint="Make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'",
                id="scm.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def key_encryption_key_is_set(app_configs: Any, **kwargs: Any) -> list:
    if settings.SCM_KEY_ENCRYPTION_KEY:
        return []
    return [
        Warning(
            "SCM_KEY_ENCRYPTION_KEY is not set: private keys are encrypted with a key derived "
            "from SECRET_KEY.",
            hint="Set SCM_KEY_ENCRYPTION_KEY to its own Fernet key, kept apart from SECRET_KEY.",
            id="scm.W001",
        )
    ]


@register()
def dns_resolver_is_host_and_port(app_configs: Any, **kwargs: Any) -> list:
    configured = settings.SCM_DNS_RESOLVER
    host, _, port = configured.rpartition(":")
    if configured and not (host and ids.number(port, lowest=0, highest=65535) is not None):
        return [
            Error(
                f"SCM_DNS_RESOLVER is {configured!r}; it must be host:port.",
                hint="For example 127.0.0.1:53, or leave it unset for the system resolver.",
                id="scm.E002",
            )
        ]
    return []
