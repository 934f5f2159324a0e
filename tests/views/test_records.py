"""Operation records (SPEC §9): who did what, when, to which certificate, newest first;
filters, keyset pages, the CSV export (streamed, in flat memory), and no way to change one."""

import csv
import datetime as dt
import io
import tracemalloc

import pytest
from django.test import Client
from django.utils import timezone

from certificates.models import Record
from teams.roles import Role
from tests.factories import CertificateFactory, MembershipFactory, UserFactory, team_of

RECORDS = "/records/"


def shown(response) -> list[int]:
    return [
        int(part.split('"')[0]) for part in response.content.decode().split('data-record="')[1:]
    ]


def many(team, count: int, *, start=None, actor_name="alice", action="download") -> list[Record]:
    start = start or timezone.now() - dt.timedelta(days=1)
    return Record.objects.bulk_create(
        Record(
            team=team,
            at=start + dt.timedelta(seconds=n),
            actor_name=actor_name,
            action=action,
            certificate_label=f"cert-{n} (ID {n})",
            detail=f"detail {n}",
        )
        for n in range(count)
    )


@pytest.fixture
def carol(alice):
    carol = UserFactory(username="carol")
    MembershipFactory(team=team_of(alice), user=carol, role=Role.READ_ONLY)
    client = Client()
    client.force_login(carol)
    return client


def test_what_people_do_is_recorded_with_who_when_and_the_outcome(alice_client, alice, carol):
    alice_client.post("/certificates/buy/", {"kind": "test", "brand": "aurora"})
    certificate = alice.certificates.get()
    alice_client.post(f"/certificates/{certificate.pk}/rename/", {"name": "Shop"})
    alice_client.post(
        f"/certificates/{certificate.pk}/apply/",
        {
            "primary_domain": "www.example.com",
            "csr_source": "system",
            "key_algorithm": "ec_p256",
            "save": "1",
        },
    )
    page = carol.get(RECORDS)  # a ReadOnly member reads them too
    assert page.status_code == 200
    records = list(Record.objects.filter(team=team_of(alice)).order_by("-at", "-id"))
    assert [(r.actor_name, r.action) for r in records] == [
        ("alice", "apply_saved"),
        ("alice", "rename"),
        ("alice", "buy"),
    ]
    assert shown(page) == [r.pk for r in records]
    assert "Renamed" in page.text and f"{certificate.name} → Shop" in page.text
    assert f'href="/certificates/{certificate.pk}/"' in page.text


def test_other_teams_records_are_never_shown(alice_client, bob):
    mine = many(team_of(UserFactory(username="alice")), 2)
    theirs = many(team_of(bob), 2)
    page = alice_client.get(RECORDS)
    assert set(shown(page)) == {r.pk for r in mine}
    assert not set(shown(page)) & {r.pk for r in theirs}
    csv_text = b"".join(alice_client.get(RECORDS, {"format": "csv"}).streaming_content)
    assert csv_text.decode().count("\n") == 3  # the header and alice's two


def test_filters_by_member_action_certificate_and_dates(alice_client, alice):
    team = team_of(alice)
    MembershipFactory(team=team, user=UserFactory(username="dave"))
    certificate = CertificateFactory(owner=alice)
    day = timezone.now().replace(hour=12) - dt.timedelta(days=10)
    by_dave = many(team, 3, actor_name="dave", start=day)
    renamed = many(team, 2, action="rename", start=day + dt.timedelta(days=2))
    about = Record.write(team_id=team.pk, action="rename", actor=alice, certificate=certificate)
    assert set(shown(alice_client.get(RECORDS, {"member": "dave"}))) == {r.pk for r in by_dave}
    assert set(shown(alice_client.get(RECORDS, {"action": "rename"}))) == {
        *(r.pk for r in renamed),
        about.pk,
    }
    assert shown(alice_client.get(RECORDS, {"certificate": certificate.pk})) == [about.pk]
    first_day = timezone.localdate(day).isoformat()
    only_day = alice_client.get(RECORDS, {"since": first_day, "until": first_day})
    assert set(shown(only_day)) == {r.pk for r in by_dave}
    csv_text = b"".join(
        alice_client.get(RECORDS, {"member": "dave", "format": "csv"}).streaming_content
    ).decode()
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0][:3] == ["time (UTC)", "member", "action"]
    assert {row[1] for row in rows[1:]} == {"dave"} and len(rows) == 4


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"since": "not a date"}, "Enter a valid date."),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "“To” is before “From”"),
        ({"until": "9999-12-31"}, "Pick a date before the year 9001."),
        ({"since": "0001-01-01"}, "Pick a date from 2000 on."),
        ({"certificate": "abc"}, "Enter a whole number."),
        ({"certificate": "99999999999999999999999"}, "less than or equal to"),
        ({"member": "mallory"}, "Select a valid choice."),
        ({"action": "drop_table"}, "Select a valid choice."),
        ({"after": "%%%not-a-cursor"}, ""),
    ],
)
def test_bad_filters_say_why_and_never_fail(alice_client, alice, query, said):
    many(team_of(alice), 3)
    page = alice_client.get(RECORDS, query)
    assert page.status_code == 200
    assert said in page.text
    assert len(shown(page)) == 3  # the invalid filter is left out; the others apply
    assert alice_client.get(RECORDS, {**query, "format": "csv"}).status_code == 200


def test_keyset_pages_neither_repeat_nor_skip(alice_client, alice, django_assert_max_num_queries):
    team = team_of(alice)
    all_records = many(team, 120)
    seen, url = [], RECORDS
    while url:
        page = alice_client.get(url)
        seen += shown(page)
        if 'rel="next"' not in page.text:
            break
        link = page.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
        url = RECORDS + link.replace("&amp;", "&")
        many(team, 1, start=timezone.now())  # new records arrive at the top meanwhile
    expected = [r.pk for r in sorted(all_records, key=lambda r: (r.at, r.pk), reverse=True)]
    assert seen == expected
    with django_assert_max_num_queries(5):  # session, user, membership, members, records
        alice_client.get(RECORDS)


def test_the_page_costs_the_same_queries_for_1_and_50_records(alice_client, alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    team = team_of(alice)
    many(team, 1)
    with CaptureQueriesContext(connection) as one:
        alice_client.get(RECORDS)
    many(team, 60)
    with CaptureQueriesContext(connection) as fifty:
        assert len(shown(alice_client.get(RECORDS))) == 50
    assert len(one) == len(fifty)


def test_csv_cells_never_run_as_formulas(alice_client, alice):
    Record.write(
        team_id=team_of(alice).pk,
        action="rename",
        actor=alice,
        detail='=HYPERLINK("http://evil.example","x")',
    )
    response = alice_client.get(RECORDS, {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="alice-records.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][-1] == '\'=HYPERLINK("http://evil.example","x")'


def _csv_peak(client) -> tuple[int, int]:
    """Rows streamed, and the peak of Python memory allocated while streaming them."""
    response = client.get(RECORDS, {"format": "csv"})
    tracemalloc.start()
    rows = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return rows, peak


def test_the_csv_streams_in_memory_that_does_not_grow_with_the_records(alice_client, alice):
    """Five times the records, about the same memory: the export holds a chunk of rows at a
    time (two while the next is fetched), whatever their number; one list of all of them
    would take five times as much (bench/records.py measures a worker streaming a million)."""
    team = team_of(alice)
    many(team, 6_000)
    small = _csv_peak(alice_client)
    many(team, 24_000, start=timezone.now() - dt.timedelta(days=3))
    large = _csv_peak(alice_client)
    assert (small[0], large[0]) == (6_000, 30_000)
    assert large[1] < small[1] * 1.3, (small, large)


def test_records_are_never_changed_or_deleted(alice, staff_client):
    record = many(team_of(alice), 1)[0]
    record.detail = "rewritten"
    with pytest.raises(ValueError, match="never changed"):
        record.save()
    with pytest.raises(ValueError, match="never deleted"):
        record.delete()
    admin = f"/admin/certificates/record/{record.pk}"
    assert staff_client.get(f"{admin}/delete/").status_code == 403
    assert staff_client.post(f"{admin}/change/", {"detail": "x"}).status_code == 403
    assert staff_client.get("/admin/certificates/record/add/").status_code == 403
    assert Record.objects.get(pk=record.pk).detail == "detail 0"


def test_a_deep_page_starts_its_index_scan_at_the_cursor(alice):
    """An older page reads the team's index from the cursor on: `at` bounded on its own, not
    only inside the keyset's OR (which no index can start at, so the whole team's newer
    records would be walked first)."""
    from django.db import connection

    from certificates.views.records import NEWEST_FIRST

    team = team_of(alice)
    rows = many(team, 300)
    many(team_of(UserFactory(username="zed")), 300)  # another team's, in the same range
    cursor_row = rows[100]
    values = NEWEST_FIRST.decode(NEWEST_FIRST.encode(cursor_row))
    deep = Record.objects.filter(team=team).filter(NEWEST_FIRST.beyond(values))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE certificates_record")
            cursor.execute("SET LOCAL enable_seqscan = off")  # a small table: scanned, sorted
            cursor.execute("SET LOCAL enable_sort = off")
        else:
            cursor.execute("ANALYZE")
        plan = deep.order_by("-at", "-id")[:51].explain()
    if connection.vendor == "postgresql":
        assert "record_team" in plan and "Index Cond: ((team_id = " in plan, plan
        assert "(at <= " in plan.split("Index Cond:")[1].splitlines()[0], plan
    else:
        assert "record_team (team_id=? AND at<?)" in plan, plan
    assert [r.pk for r in deep.order_by("-at", "-id")] == [r.pk for r in reversed(rows[:100])]


def test_bad_filters_are_not_called_unsaved_changes(alice_client, alice):
    page = alice_client.get(RECORDS, {"certificate": "abc"})
    assert "These filters could not be used; the others apply:" in page.text
    assert "Nothing was saved" not in page.text
