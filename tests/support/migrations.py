"""Migrations run on rows made before them: migrate the test database to a state (the app
registry as it was there, to make old rows with), and the newest state to come back to. The
data-migration tests of tests/models/ share it."""

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets: list[tuple[str, str]]) -> Apps:
    """Migrate to `targets`; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest() -> list[tuple[str, str]]:
    """The newest migration of every app."""
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
