"""The CA staff's admin: certificates with their decisions, the work queues of each duty,
the transition log and the CA certificates. Each module registers its own admins."""

from certificates.admin import acme, authorities, certificates, log, queues  # noqa: F401 - registers
