"""Every transition log entry and download record into the operation records (0028), row
for row, none lost: each was written with its twin record in one transaction. A state
change's twin has the same certificate, step and time: it gains the acting user (staff
too, for the CA's audit; the team still sees "the CA"). A download's twin is the same
user's download (or export) record of that certificate written closest in time: it gains
the server and the key. A row without a twin (written before the records existed) becomes
a record of its own."""

import datetime as dt

from django.conf import settings
from django.db import migrations

BATCH = 2000
CA = "the CA"
OWNER_STEPS = {"submit", "withdraw", "edit", "request_revocation", "discard"}
DOWNLOADS = ("download", "export")
TWIN_WITHIN = dt.timedelta(seconds=5)


def _label(certificate):
    return f"{certificate.name} (ID {certificate.pk})"


def steps_into_records(apps, schema_editor):
    TransitionLog = apps.get_model("certificates", "TransitionLog")
    Record = apps.get_model("certificates", "Record")
    last = 0
    while True:
        entries = list(
            TransitionLog.objects.filter(pk__gt=last)
            .select_related("certificate", "actor")
            .order_by("pk")[:BATCH]
        )
        if not entries:
            return
        last = entries[-1].pk
        twins = {}
        for record in Record.objects.filter(
            certificate_id__in={e.certificate_id for e in entries},
            action__in={e.transition for e in entries},
            at__in={e.at for e in entries},
        ):
            twins.setdefault((record.certificate_id, record.action, record.at), record)
        matched, missing = [], []
        for entry in entries:
            username = entry.actor.username if entry.actor else ""
            twin = twins.pop((entry.certificate_id, entry.transition, entry.at), None)
            if twin is not None:
                twin.actor_id, twin.actor_username = entry.actor_id, username
                matched.append(twin)
                continue
            by_member = entry.transition in OWNER_STEPS and entry.actor is not None
            missing.append(
                Record(
                    team_id=entry.certificate.team_id,
                    at=entry.at,
                    actor_id=entry.actor_id,
                    actor_name=username if by_member else CA,
                    actor_username=username,
                    action=entry.transition,
                    certificate_id=entry.certificate_id,
                    certificate_label=_label(entry.certificate),
                    source=entry.source,
                    target=entry.target,
                    detail=entry.reason,
                )
            )
        Record.objects.bulk_update(matched, ["actor", "actor_username"])
        Record.objects.bulk_create(missing)


def downloads_into_records(apps, schema_editor):
    DownloadRecord = apps.get_model("certificates", "DownloadRecord")
    Record = apps.get_model("certificates", "Record")
    last = 0
    while True:
        downloads = list(
            DownloadRecord.objects.filter(pk__gt=last)
            .select_related("certificate", "user")
            .order_by("pk")[:BATCH]
        )
        if not downloads:
            return
        last = downloads[-1].pk
        earliest = min(d.at for d in downloads) - TWIN_WITHIN
        latest = max(d.at for d in downloads) + TWIN_WITHIN
        candidates: dict[tuple[int, int], list] = {}
        for record in Record.objects.filter(
            certificate_id__in={d.certificate_id for d in downloads},
            action__in=DOWNLOADS,
            server="",
            at__range=(earliest, latest),
        ).order_by("at", "pk"):
            candidates.setdefault((record.certificate_id, record.actor_id), []).append(record)
        matched, missing = [], []
        for download in downloads:
            near = [
                r
                for r in candidates.get((download.certificate_id, download.user_id), [])
                if abs(r.at - download.at) <= TWIN_WITHIN
            ]
            if near:
                twin = min(near, key=lambda r: abs(r.at - download.at))
                candidates[download.certificate_id, download.user_id].remove(twin)
                twin.server, twin.with_key = download.server, download.with_key
                matched.append(twin)
                continue
            username = download.user.username
            missing.append(
                Record(
                    team_id=download.certificate.team_id,
                    at=download.at,
                    actor_id=download.user_id,
                    actor_name=username,
                    actor_username=username,
                    action="download",
                    certificate_id=download.certificate_id,
                    certificate_label=_label(download.certificate),
                    detail=f"{download.get_server_display()} bundle, "
                    f"{'with' if download.with_key else 'without'} the private key",
                    server=download.server,
                    with_key=download.with_key,
                )
            )
        Record.objects.bulk_update(matched, ["server", "with_key"])
        Record.objects.bulk_create(missing)


def actors_by_name(apps, schema_editor):
    """Every other record with an actor keeps the actor's username too."""
    Record = apps.get_model("certificates", "Record")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    for user in User.objects.filter(pk__in=Record.objects.values("actor_id")).iterator():
        Record.objects.filter(actor_id=user.pk, actor_username="").update(
            actor_username=user.username
        )


def forwards(apps, schema_editor):
    steps_into_records(apps, schema_editor)
    downloads_into_records(apps, schema_editor)
    actors_by_name(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0028_one_log"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # Backwards leaves the records as they are: the old tables come back empty.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
