"""One operation log (issue 28): the records gain what the transition log and the download
records kept (the acting user, kept by name after the user goes; a download's server and
key), and the transition log becomes a view of them (StateChange). 0029 moves the rows,
0030 drops the old tables."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0027_legacy_pfx_download"),
        ("teams", "0003_invitations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="StateChange",
            fields=[],
            options={
                "verbose_name": "transition log entry",
                "verbose_name_plural": "transition log",
                "ordering": ["at", "id"],
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("certificates.record",),
        ),
        migrations.AddField(
            model_name="record",
            name="actor_username",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.AddField(
            model_name="record",
            name="server",
            field=models.CharField(
                blank=True,
                choices=[
                    ("apache", "Apache"),
                    ("nginx", "Nginx"),
                    ("iis", "IIS"),
                    ("iis-legacy", "IIS (Windows Server 2016 and older)"),
                    ("tomcat", "Tomcat"),
                    ("other", "Other"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="record",
            name="with_key",
            field=models.BooleanField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="record",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                help_text="Who did it (a member or a staff member); empty for the system, or once the user is deleted.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="record",
            index=models.Index(
                condition=models.Q(("target", ""), _negated=True),
                fields=["-at", "-id"],
                name="record_state_change",
            ),
        ),
        migrations.AddIndex(
            model_name="record",
            index=models.Index(fields=["target", "-at", "-id"], name="record_target"),
        ),
        migrations.AddIndex(
            model_name="record",
            index=models.Index(fields=["certificate", "at"], name="record_certificate_at"),
        ),
        migrations.AddIndex(
            model_name="record",
            index=models.Index(fields=["actor", "action", "at"], name="record_actor_action"),
        ),
    ]
