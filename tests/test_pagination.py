"""The one list reader (certificates/pagination.py) on real rows: which orderings a cursor can
follow (Keyset.of), the pages read() gives and their cursors both ways, rows inserted,
changed or deleted between page loads, equal sort values, cursors that are not ours, the
poll's (id, status, updated_at) of a page, and the bounded count and position."""

import base64
import datetime as dt
import json

import pytest
from django.db.models import F
from django.utils import timezone

from certificates import pagination
from certificates.models import AcmeNonce, Certificate, Record
from certificates.pagination import Keyset
from tests.factories import CertificateFactory, team_of

UPDATED = pagination.LIST_KEYSETS["updated"]  # ("-updated_at", "-id"): a time, then the id
NEWEST = pagination.LIST_KEYSETS["created"]  # ("-id",)


def made(owner, count: int, **kwargs) -> list[Certificate]:
    return [CertificateFactory(owner=owner, **kwargs) for _ in range(count)]


def walk(queryset, keyset: Keyset, size: int) -> list[list[int]]:
    """Follow next_cursor from the first page to the last; the ids on each page."""
    pages, after = [], ""
    while True:
        page = pagination.read(queryset, keyset, size, after=after)
        pages.append([row.pk for row in page.rows])
        if not (after := page.next_cursor):
            return pages


def ids(page: pagination.Page) -> list[int]:
    return [row.pk for row in page.rows]


def cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


# Keyset.of


def test_an_ordering_of_own_columns_is_a_keyset_up_to_its_first_unique_column():
    keyset = Keyset.of(Record, ("-at", "-id", "action"))
    assert keyset.keys == (("at", True), ("id", True))
    assert keyset.ordering == ("-at", "-id")
    assert keyset.backwards == ("at", "id")
    assert Keyset.of(Certificate, ("pk",)).keys == (("id", False),)
    assert Keyset.of(Certificate, ("domains_verified_at", "pk")).keys == (
        ("domains_verified_at", False),
        ("id", False),
    )


@pytest.mark.parametrize(
    "ordering",
    [
        ("-updated_at",),  # no unique column: rows that tie could be skipped or repeated
        ("name", "created_at"),
        ("team__name", "id"),  # a related model's column
        ("team", "id"),  # a relation, ordered by the related model's own ordering
        ("is_test", "id"),  # a column no cursor holds
        ("no_such_column", "id"),
        (F("updated_at").desc(), "id"),  # an expression
        (),
    ],
    ids=str,
)
def test_any_other_ordering_is_no_keyset(ordering):
    assert Keyset.of(Certificate, ordering) is None


def test_a_keyset_must_end_with_a_unique_column():
    with pytest.raises(ValueError, match="no keyset order"):
        Keyset(Certificate, [("updated_at", True)])
    with pytest.raises(ValueError, match="no keyset order"):
        Keyset(Certificate, [("is_test", True), ("id", True)])


def test_a_cursor_is_the_rows_values_as_base64url_json(alice):
    (certificate,) = made(alice, 1)
    assert NEWEST.encode(certificate) == cursor([certificate.pk])  # "WzQyXQ" is [42]
    assert NEWEST.decode(NEWEST.encode(certificate)) == [certificate.pk]
    # A time keeps its microseconds and its offset: the cursor names exactly this row.
    assert UPDATED.decode(UPDATED.encode(certificate)) == [
        certificate.updated_at,
        certificate.pk,
    ]


# read(): pages and cursors


def test_the_first_page_is_newest_first_with_a_cursor_to_the_next(alice):
    rows = made(alice, 5)
    page = pagination.read(Certificate.objects.all(), NEWEST, 3)
    assert ids(page) == [c.pk for c in reversed(rows)][:3]
    assert page.at_start and page.previous_cursor is None
    assert page.next_cursor == NEWEST.encode(page.rows[-1])


def test_a_list_that_fits_on_one_page_has_no_next_page(alice):
    made(alice, 3)
    page = pagination.read(Certificate.objects.all(), NEWEST, 3)
    assert len(page.rows) == 3 and page.next_cursor is None
    empty = pagination.read(Certificate.objects.none(), NEWEST, 3)
    assert (empty.rows, empty.next_cursor, empty.previous_cursor) == ([], None, None)


@pytest.mark.parametrize("sort", sorted(pagination.LIST_KEYSETS))
def test_the_next_cursors_walk_every_row_once_in_the_keysets_order(alice, sort):
    for index in range(7):
        CertificateFactory(owner=alice, issued=index % 3 == 0)
    keyset = pagination.LIST_KEYSETS[sort]
    everything = [c.pk for c in keyset.order(Certificate.objects.all())]
    pages = walk(Certificate.objects.all(), keyset, 3)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert sum(pages, []) == everything


def test_the_previous_cursor_goes_back_a_page(alice):
    made(alice, 8)
    everything = Certificate.objects.all()
    first = pagination.read(everything, NEWEST, 3)
    second = pagination.read(everything, NEWEST, 3, after=first.next_cursor)
    third = pagination.read(everything, NEWEST, 3, after=second.next_cursor)
    assert not second.at_start and second.previous_cursor == NEWEST.encode(second.rows[0])

    back = pagination.read(everything, NEWEST, 3, before=third.previous_cursor)
    assert ids(back) == ids(second)
    assert back.next_cursor == second.next_cursor
    assert back.previous_cursor == second.previous_cursor


def test_fewer_than_a_page_before_the_cursor_is_the_first_page_in_full(alice):
    made(alice, 6)
    everything = Certificate.objects.all()
    first = pagination.read(everything, NEWEST, 3)
    # Back from the first page's second row: one row lies before it, not a page.
    back = pagination.read(everything, NEWEST, 3, before=NEWEST.encode(first.rows[1]))
    assert ids(back) == ids(first)
    assert back.at_start and back.previous_cursor is None
    assert back.next_cursor == first.next_cursor


def test_an_offset_skips_rows_after_the_cursor(alice):
    made(alice, 7)
    everything = Certificate.objects.all()
    first = pagination.read(everything, NEWEST, 2)
    all_ids = [c.pk for c in NEWEST.order(everything)]
    skipped = pagination.read(everything, NEWEST, 2, after=first.next_cursor, offset=1)
    assert ids(skipped) == all_ids[3:5]
    assert not pagination.read(everything, NEWEST, 2, offset=1).at_start


def test_a_reversed_keyset_reads_the_other_way_with_the_same_cursors(alice):
    made(alice, 5)
    oldest_first = NEWEST.reversed()
    assert oldest_first.ordering == ("id",)
    everything = Certificate.objects.all()
    pages = walk(everything, oldest_first, 2)
    assert sum(pages, []) == sorted(c.pk for c in everything)


def test_by_ids_reads_the_same_page_as_reading_the_rows_at_once(alice):
    made(alice, 5)
    mine = Certificate.objects.all()
    plain = pagination.read(mine, UPDATED, 2)
    by_ids = pagination.read(mine, UPDATED, 2, fetch=pagination.by_ids(mine))
    assert (ids(by_ids), by_ids.next_cursor) == (ids(plain), plain.next_cursor)
    later = pagination.read(
        mine, UPDATED, 2, after=plain.next_cursor, fetch=pagination.by_ids(mine)
    )
    assert ids(later) == ids(pagination.read(mine, UPDATED, 2, after=plain.next_cursor))


def test_a_row_whose_key_is_null_ends_the_pages(alice):
    """A queue's date its state always sets: a row without it makes no cursor (None in a
    cursor would be no comparison at all)."""
    made(alice, 3)  # never issued: issued_at is NULL
    keyset = Keyset(Certificate, [("issued_at", False), ("id", False)])
    page = pagination.read(Certificate.objects.all(), keyset, 2)
    assert len(page.rows) == 2 and page.next_cursor is None


# Rows that come, change and go between page loads


@pytest.mark.parametrize("sort", ["created", "updated"])
def test_a_row_inserted_between_page_loads_never_appears_twice_or_pushes_one_out(alice, sort):
    keyset = pagination.LIST_KEYSETS[sort]
    made(alice, 7)
    everything = Certificate.objects.all()
    before = [c.pk for c in keyset.order(everything)]
    first = pagination.read(everything, keyset, 3)
    newcomer = CertificateFactory(owner=alice)  # newest, and most recently updated
    rest = []
    after = first.next_cursor
    while after:
        page = pagination.read(everything, keyset, 3, after=after)
        rest += ids(page)
        after = page.next_cursor
    seen = ids(first) + rest
    assert len(seen) == len(set(seen))
    assert seen == before  # every row that was there, once, in order
    assert newcomer.pk not in seen  # it is on the first page, when that is loaded again
    assert pagination.read(everything, keyset, 3).rows[0] == newcomer


def test_a_row_changed_after_its_page_was_read_is_not_shown_again(alice):
    made(alice, 6)
    everything = Certificate.objects.all()
    first = pagination.read(everything, UPDATED, 3)
    shown = first.rows[-1]
    shown.name = "renamed"
    shown.save()  # now the most recently updated of all
    second = pagination.read(everything, UPDATED, 3, after=first.next_cursor)
    assert shown.pk not in ids(second)
    assert set(ids(first)) | set(ids(second)) == set(everything.values_list("pk", flat=True))


def test_the_row_a_cursor_was_made_from_may_be_gone(alice):
    rows = made(alice, 6)
    everything = Certificate.objects.all()
    first = pagination.read(everything, UPDATED, 3)
    expected = ids(pagination.read(everything, UPDATED, 3, after=first.next_cursor))
    first.rows[-1].delete()
    assert ids(pagination.read(everything, UPDATED, 3, after=first.next_cursor)) == expected
    assert len(expected) == 3 and rows[0].pk in expected


def test_equal_sort_values_are_ordered_by_the_tiebreak_and_none_is_skipped(alice):
    rows = made(alice, 7)
    same = timezone.now() - dt.timedelta(hours=1)
    Certificate.objects.filter(pk__in=[c.pk for c in rows[1:6]]).update(updated_at=same)
    everything = Certificate.objects.all()

    pages = walk(everything, UPDATED, 2)

    seen = sum(pages, [])
    tied = sorted((c.pk for c in rows[1:6]), reverse=True)
    assert seen == [rows[6].pk, rows[0].pk, *tied]
    back = pagination.read(everything, UPDATED, 2, before=cursor([same.isoformat(), tied[3]]))
    assert ids(back) == tied[1:3]  # the two before it among the ties, by id


# Cursors that are not ours


def deep(depth: int) -> str:
    return base64.urlsafe_b64encode(b"[" * depth + b"]" * depth).decode().rstrip("=")


FORGED = {
    "empty": "",
    "not base64": "%%%",
    "not json": "bm9wZQ",  # "nope"
    "not a list": cursor({"id": 1}),
    "too few values": cursor([1]),
    "too many values": cursor(["2024-01-01T00:00:00+00:00", 1, 2]),
    "not a time": cursor(["yesterday", 1]),
    "a time without offset": cursor(["2024-01-01T00:00:00", 1]),
    "past year 9999 in UTC": cursor(["9999-12-31T23:59:59-05:00", 1]),
    "before year 1 in UTC": cursor(["0001-01-01T00:00:00+05:00", 1]),
    "an id past 64 bits": cursor(["2024-01-01T00:00:00+00:00", 2**63]),
    "an id of 0": cursor(["2024-01-01T00:00:00+00:00", 0]),
    "a negative id": cursor(["2024-01-01T00:00:00+00:00", -1]),
    "a fractional id": cursor(["2024-01-01T00:00:00+00:00", 1.5]),
    "a boolean id": cursor(["2024-01-01T00:00:00+00:00", True]),
    "a string id": cursor(["2024-01-01T00:00:00+00:00", "1"]),
    "a null": cursor([None, 1]),
    "nested deep": deep(100_000),
    "bytes that are no text": base64.urlsafe_b64encode(b"\xff\xfe[1]").decode(),
}


@pytest.mark.parametrize("direction", ["after", "before"])
@pytest.mark.parametrize("token", FORGED.values(), ids=FORGED.keys())
def test_a_cursor_that_is_not_ours_is_the_first_page(alice, token, direction):
    made(alice, 4)
    everything = Certificate.objects.all()
    first = pagination.read(everything, UPDATED, 3)
    page = pagination.read(everything, UPDATED, 3, **{direction: token})
    assert ids(page) == ids(first)
    assert page.at_start and page.next_cursor == first.next_cursor
    assert UPDATED.decode(token) is None


def test_numbers_are_held_to_what_their_column_holds():
    rank = pagination.LIST_KEYSETS["status"]  # a small unsigned integer, then the id
    assert rank.decode(cursor([32767, 1])) == [32767, 1]
    assert rank.decode(cursor([32768, 1])) is None
    assert rank.decode(cursor([-1, 1])) is None
    assert NEWEST.decode(cursor([2**63 - 1])) == [2**63 - 1]
    assert NEWEST.decode(cursor([5.0])) is None  # encode() writes a JSON integer


def test_a_text_key_is_held_to_its_length():
    by_value = Keyset(AcmeNonce, [("value", True)])
    assert by_value.decode(cursor(["x" * 43])) == ["x" * 43]
    assert by_value.decode(cursor(["x" * 44])) is None
    assert by_value.decode(cursor([43])) is None


# The poll's states of a page


@pytest.mark.parametrize("sort", ["created", "updated", "expiry", "status"])
def test_a_poll_reads_exactly_the_rows_of_the_page_it_came_from(alice, sort):
    from certificates.views.lists import stamp

    for index in range(7):
        CertificateFactory(owner=alice, issued=index % 2 == 0)
    mine = Certificate.objects.of_team(team_of(alice).pk, alice.pk)
    keyset = pagination.LIST_KEYSETS[sort]
    first = pagination.read(mine, keyset, 3)
    second = pagination.read(mine, keyset, 3, after=first.next_cursor)
    back = pagination.read(mine, keyset, 3, before=second.previous_cursor)
    short_back = pagination.read(mine, keyset, 3, before=keyset.encode(first.rows[1]))
    for page, where in [
        (first, {}),
        (second, {"after": first.next_cursor}),
        (back, {"before": second.previous_cursor}),
        (short_back, {"before": keyset.encode(first.rows[1])}),
    ]:
        expected = [(c.pk, c.status, stamp(c.updated_at)) for c in page.rows]
        states = pagination.page_states(mine, keyset, 3, **where)
        assert [(pk, status, stamp(at)) for pk, status, at in states] == expected


# Counting and position


def test_the_count_stops_past_its_limit(alice, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 4)
    made(alice, 6)
    assert pagination.bounded_count(Certificate.objects.all()) == 5  # "more than 4"
    three = Certificate.objects.order_by("pk").values_list("pk", flat=True)[:3]
    assert pagination.bounded_count(Certificate.objects.filter(pk__in=list(three))) == 3
    assert pagination.bounded_count(Certificate.objects.none()) == 0


def test_a_page_knows_where_it_starts_up_to_the_limit(alice, monkeypatch):
    made(alice, 9)
    everything = Certificate.objects.all()
    first = pagination.read(everything, NEWEST, 3)
    second = pagination.read(everything, NEWEST, 3, after=first.next_cursor)
    third = pagination.read(everything, NEWEST, 3, after=second.next_cursor)
    assert pagination.start_of(everything, NEWEST, first) == 1
    assert pagination.start_of(everything, NEWEST, second) == 4
    assert pagination.start_of(everything, NEWEST, third) == 7
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 5)
    assert pagination.start_of(everything, NEWEST, second) == 4
    assert pagination.start_of(everything, NEWEST, third) is None  # six rows before it


def test_the_position_reads_as_a_person_says_it():
    limit = pagination.COUNT_LIMIT
    assert pagination.position(21, 20, 53) == "21–40 of 53"
    assert pagination.position(1, 20, limit + 1) == "1–20 of more than 1,000"
    assert pagination.position(1, 20, 100_000, exact=True) == "1–20 of 100,000"
    assert pagination.position(None, 20, limit + 1) == "20 past the first 1,000"
    assert pagination.position(None, 20, 100_000, exact=True) == (
        "20 past the first 1,000 of 100,000"
    )
    assert pagination.position(1, 0, 0) == ""
