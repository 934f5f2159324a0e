from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = "Demo"

    def ready(self) -> None:
        # Imported for its side effect: the simulated CA's state_entered receiver (it acts
        # only while SCM_SIMULATED_CA is on).
        from demo import simulated_ca  # noqa: F401
