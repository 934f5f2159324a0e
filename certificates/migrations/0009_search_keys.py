"""Search keys (certificates/prefixes.py) replace the trigram indexes of 0008: a search is a
range scan of (owner, key) on both databases. On PostgreSQL the key column is collated "C"
so that a range of keys is a range of bytes, as on SQLite."""

import importlib
from collections import defaultdict

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BATCH = 2000


def collate_bytewise(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE certificates_searchkey ALTER COLUMN "key" TYPE varchar(253) COLLATE "C"'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in ("cert_name_trgm", "cert_primary_domain_trgm", "domain_name_trgm"):
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def recreate_trigram_indexes(apps, schema_editor):
    importlib.import_module("certificates.migrations.0008_trigram_search").create(
        apps, schema_editor
    )


def fill(apps, schema_editor):
    from certificates.prefixes import keys_for

    Certificate = apps.get_model("certificates", "Certificate")
    Domain = apps.get_model("certificates", "Domain")
    SearchKey = apps.get_model("certificates", "SearchKey")
    last = 0
    while batch := list(
        Certificate.objects.filter(pk__gt=last)
        .order_by("pk")
        .values("pk", "owner_id", "name", "primary_domain")[:BATCH]
    ):
        last = batch[-1]["pk"]
        domains = defaultdict(list)
        for certificate_id, name in Domain.objects.filter(
            certificate__in=[row["pk"] for row in batch]
        ).values_list("certificate_id", "name"):
            domains[certificate_id].append(name)
        SearchKey.objects.bulk_create(
            SearchKey(owner_id=row["owner_id"], certificate_id=row["pk"], key=key)
            for row in batch
            for key in keys_for(row["name"], [row["primary_domain"], *domains[row["pk"]]])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0008_trigram_search"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=253)),
                (
                    "certificate",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="search_keys",
                        to="certificates.certificate",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["owner", "key", "certificate"], name="search_owner_key"),
                    models.Index(fields=["key", "certificate"], name="search_key"),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("certificate", "key"), name="search_key_unique")
                ],
            },
        ),
        migrations.RunPython(collate_bytewise, migrations.RunPython.noop),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(drop_trigram_indexes, recreate_trigram_indexes),
    ]
