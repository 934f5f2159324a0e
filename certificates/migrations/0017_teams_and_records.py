"""Teams (SPEC §9), step 1 of 3: the team columns, empty for now, and the operation records."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

STATUSES = [
    ("pending_application", "Pending application"),
    ("pending_domain_verification", "Pending domain name verification"),
    ("pending_org_verification", "Pending organization verification"),
    ("to_be_issued", "To be issued"),
    ("issued", "Issued"),
    ("withdrawing", "CA verifying (application withdrawal)"),
    ("application_failed", "Application failed"),
    ("revoking", "Revocation under review"),
    ("revoked", "Revoked"),
    ("expired", "Expired"),
    ("deleted", "Deleted"),
]


def team(related_name: str, **extra) -> models.ForeignKey:
    return models.ForeignKey(
        null=True,
        on_delete=extra.pop("on_delete", django.db.models.deletion.PROTECT),
        related_name=related_name,
        to="teams.team",
        **extra,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0016_covering_sort_indexes"),
        ("teams", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(model_name="certificate", name="team", field=team("certificates")),
        migrations.AddField(model_name="organization", name="team", field=team("organizations")),
        migrations.AddField(
            model_name="searchkey",
            name="team",
            field=team("+", on_delete=django.db.models.deletion.CASCADE, db_index=False),
        ),
        migrations.AddField(
            model_name="validationemail",
            name="team",
            field=team("+", on_delete=django.db.models.deletion.CASCADE),
        ),
        migrations.CreateModel(
            name="Record",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("actor_name", models.CharField(max_length=150)),
                ("action", models.CharField(max_length=40)),
                ("certificate_label", models.CharField(blank=True, max_length=100)),
                ("source", models.CharField(blank=True, choices=STATUSES, max_length=40)),
                ("target", models.CharField(blank=True, choices=STATUSES, max_length=40)),
                ("detail", models.TextField(blank=True)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty when the CA (staff or the system) did it.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "certificate",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="records",
                        to="certificates.certificate",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="records",
                        to="teams.team",
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-id"],
                "indexes": [
                    models.Index(fields=["-at", "-id"], name="record_at"),
                    models.Index(fields=["team", "-at", "-id"], name="record_team"),
                    models.Index(fields=["team", "actor_name", "-at", "-id"], name="record_actor"),
                    models.Index(fields=["team", "action", "-at", "-id"], name="record_action"),
                    models.Index(
                        fields=["team", "certificate", "-at", "-id"], name="record_certificate"
                    ),
                ],
            },
        ),
    ]
