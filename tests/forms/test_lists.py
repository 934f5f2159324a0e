"""The list's query string (certificates/forms/lists.py): ListFilterForm.parse() reads each
value as the form's field cleans it, with the default for anything invalid or missing, and
apply() keeps the rows those values name."""

import pytest
from django.http import QueryDict

from certificates.choices import Status
from certificates.forms import ListFilterForm
from certificates.models import Certificate
from tests.factories import CertificateFactory, team_of

DEFAULTS = {"tab": "all", "status": "", "q": "", "sort": "created", "after": "", "before": ""}


def parsed(query: str) -> dict:
    return ListFilterForm.parse(QueryDict(query))


def test_nothing_asked_is_every_default():
    assert parsed("") == DEFAULTS


def test_each_value_asked_for_is_read():
    values = parsed("tab=ssl&status=issued&q=++shop+&sort=expiry&after=WzQyXQ&before=WzFd")
    assert values == {
        "tab": "ssl",
        "status": "issued",
        "q": "shop",  # stripped
        "sort": "expiry",
        "after": "WzQyXQ",
        "before": "WzFd",
    }


ASKED = {"tab": "test", "status": "issued", "q": "shop", "sort": "status", "after": "WzQyXQ"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("tab", "expired"),
        ("status", "deleted"),  # deleted certificates are never listed
        ("status", "nonsense"),
        ("sort", "-id"),
        ("q", "a" * 254),  # longer than any domain name
        ("q", "shop\x00"),  # a NUL, which no database column takes
        ("after", "A" * 501),
        ("before", "A" * 501),
    ],
)
def test_an_invalid_value_falls_back_to_its_default_alone(name, value):
    query = QueryDict(mutable=True)
    query.update({**ASKED, name: value})
    assert ListFilterForm.parse(query) == {**DEFAULTS, **ASKED, name: DEFAULTS[name]}


def test_parse_reads_as_the_bound_form_cleans():
    query = QueryDict("tab=test&status=pending_application&q=+www+&sort=updated&after=x")
    form = ListFilterForm(query)
    assert form.is_valid(), form.errors
    assert ListFilterForm.parse(query) == {**form.cleaned_data, "before": ""}
    invalid = ListFilterForm(QueryDict("tab=expired&sort=-id"))
    assert set(invalid.errors) == {"tab", "sort"}


def test_the_status_choices_are_every_listed_state():
    choices = dict(ListFilterForm.base_fields["status"].choices)
    assert choices.pop("") == "All statuses"
    assert choices == {s.value: s.label for s in Status if s != Status.DELETED}


@pytest.fixture
def rows(alice):
    """alice's team: an SSL certificate issued, an SSL one in application, a test one."""
    shop = CertificateFactory(owner=alice, issued=True, primary_domain="shop.example.com")
    blog = CertificateFactory(owner=alice, primary_domain="blog.example.com")
    trial = CertificateFactory(owner=alice, is_test=True, primary_domain="trial.example.com")
    return {"shop": shop, "blog": blog, "trial": trial}


def kept(alice, query: str) -> set[str]:
    team = team_of(alice)
    queryset = ListFilterForm.apply(Certificate.objects.all(), parsed(query), team=team)
    return {c.primary_domain.split(".")[0] for c in queryset}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"shop", "blog", "trial"}),
        ("tab=ssl", {"shop", "blog"}),
        ("tab=test", {"trial"}),
        ("status=issued", {"shop"}),
        ("status=pending_application", {"blog", "trial"}),
        ("tab=ssl&status=pending_application", {"blog"}),
        ("q=shop", {"shop"}),
        ("q=example", {"shop", "blog", "trial"}),
        ("q=blog&tab=test", set()),
        ("status=nonsense", {"shop", "blog", "trial"}),  # the default: every state
    ],
)
def test_apply_keeps_the_rows_the_values_name(alice, rows, query, expected):
    assert kept(alice, query) == expected


def test_a_search_for_an_id_finds_that_certificate(alice, rows):
    assert kept(alice, f"q={rows['blog'].pk}") == {"blog"}


def test_a_search_with_a_team_finds_only_that_teams_certificates(alice, bob, rows):
    CertificateFactory(owner=bob, primary_domain="shop.bob.example")
    values = parsed("q=shop")
    everyone = Certificate.objects.all()
    found = ListFilterForm.apply(everyone, values, team=team_of(alice))
    assert [c.primary_domain for c in found] == ["shop.example.com"]
    anywhere = ListFilterForm.apply(everyone, values)
    assert {c.primary_domain for c in anywhere} == {"shop.example.com", "shop.bob.example"}
