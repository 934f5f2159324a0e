"""How the console logs: everything once to the console, through a filter that redacts
tokens (scm_console/log_filters.py), and errors mailed to the admins when DEBUG is off."""


def config(level: str) -> dict:
    """The LOGGING setting, the root and runserver's request lines at this level."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "redact_tokens": {"()": "scm_console.log_filters.RedactTokens"},
            "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
            # Django's own two handlers, redacted too: its console handler prints "Bad Request:
            # /…/verify-email/<token>/" under DEBUG, and error emails quote the path.
            "mail_admins": {
                "class": "django.utils.log.AdminEmailHandler",
                "level": "ERROR",
                "filters": ["require_debug_false", "redact_tokens"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Replaces Django's default for its loggers (an unfiltered console handler with
            # DEBUG on); everything reaches the console once, through the redacting filter.
            "django": {"handlers": ["console", "mail_admins"], "level": "INFO", "propagate": False},
            "django.db.backends": {"level": "INFO"},
            "axes": {"level": "WARNING"},
            # runserver's request lines, through the same filtered handler
            "django.server": {
                "handlers": ["console"],
                "level": level,
                "propagate": False,
            },
        },
    }
