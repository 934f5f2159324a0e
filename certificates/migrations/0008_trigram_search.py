"""Substring search by name or domain that uses an index on PostgreSQL: trigram GIN
indexes on the expressions Django's `icontains` compares (UPPER(column)). SQLite has no
trigram indexes; there the migration does nothing."""

from django.db import migrations

INDEXES = [
    ("certificates_certificate", "cert_name_trgm", "name"),
    ("certificates_certificate", "cert_primary_domain_trgm", "primary_domain"),
    ("certificates_domain", "domain_name_trgm", "name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, name, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _, name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("certificates", "0007_sort_keys")]

    operations = [migrations.RunPython(create, drop)]
