"""One operation log (migrations 0028-0030), run on rows made before it: every transition
log entry and download record ends in the records, row for row, and none is lost."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.support.migrations import latest, migrate

BEFORE = [("certificates", "0027_legacy_pfx_download")]

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_log_entry_and_download_is_one_record_afterwards():
    old = migrate(BEFORE)
    User = old.get_model("auth", "User")
    Team = old.get_model("teams", "Team")
    Certificate = old.get_model("certificates", "Certificate")
    TransitionLog = old.get_model("certificates", "TransitionLog")
    DownloadRecord = old.get_model("certificates", "DownloadRecord")
    Record = old.get_model("certificates", "Record")
    alice = User.objects.create(username="alice")
    grace = User.objects.create(username="grace", is_staff=True)
    team = Team.objects.create(name="Northwind")
    certificate = Certificate.objects.create(owner=alice, team=team, name="shop")
    label = f"shop (ID {certificate.pk})"
    at = timezone.now() - dt.timedelta(days=3)
    later = at + dt.timedelta(hours=1)

    def twin(action, when, actor=None, actor_name="the CA", **facts):
        return Record.objects.create(
            team=team, at=when, actor=actor, actor_name=actor_name, action=action,
            certificate=certificate, certificate_label=label, **facts,
        )  # fmt: skip

    # alice submitted (both rows); grace verified the domains (the record says "the CA");
    # a rejection from before the records existed (no twin).
    for name, source, target, actor, when in [
        ("submit", "pending_application", "pending_domain_verification", alice, at),
        ("verify_domains", "pending_domain_verification", "to_be_issued", grace, later),
    ]:
        TransitionLog.objects.create(
            certificate=certificate, transition=name, source=source, target=target,
            actor=actor, at=when, reason="by hand" if actor == grace else "",
        )  # fmt: skip
        twin(
            name, when, actor=alice if actor == alice else None,
            actor_name="alice" if actor == alice else "the CA", source=source, target=target,
            detail="by hand" if actor == grace else "",
        )  # fmt: skip
    TransitionLog.objects.create(
        certificate=certificate, transition="reject", source="to_be_issued",
        target="application_failed", actor=grace, at=later + dt.timedelta(hours=1),
        reason="Not found.",
    )  # fmt: skip
    # Two downloads by alice, each with its record written a moment later; one by an API
    # export; and one from before the records (no twin).
    for server, with_key, seconds in [("nginx", False, 10), ("iis", True, 20)]:
        when = later + dt.timedelta(seconds=seconds)
        DownloadRecord.objects.create(
            certificate=certificate, user=alice, server=server, with_key=with_key, at=when
        )
        twin("download", when + dt.timedelta(milliseconds=3), actor=alice, actor_name="alice")
    DownloadRecord.objects.create(
        certificate=certificate, user=alice, server="apache", with_key=False, at=at
    )
    twin("rename", later, actor=alice, actor_name="alice", detail="a → shop")

    new = migrate(latest())
    Record = new.get_model("certificates", "Record")
    steps = Record.objects.exclude(target="").order_by("at")
    assert list(
        steps.values_list("action", "actor__username", "actor_username", "actor_name", "detail")
    ) == [  # fmt: skip
        ("submit", "alice", "alice", "alice", ""),
        ("verify_domains", "grace", "grace", "the CA", "by hand"),
        ("reject", "grace", "grace", "the CA", "Not found."),
    ]
    downloads = Record.objects.filter(action="download").order_by("at")
    assert list(downloads.values_list("server", "with_key", "actor_username")) == [
        ("apache", False, "alice"),
        ("nginx", False, "alice"),
        ("iis", True, "alice"),
    ]
    assert downloads.first().detail == "Apache bundle, without the private key"
    assert Record.objects.count() == 3 + 3 + 1  # steps, downloads, the rename
    assert Record.objects.get(action="rename").actor_username == "alice"
    tables = new.get_model("certificates", "Certificate")._meta.app_config
    assert not {"transitionlog", "downloadrecord"} & set(tables.models)
