"""The move to teams (migrations 0017-0019), run on rows made before it: every user with
certificates gets a team of their own as its Administrator, and nothing is lost."""

import pytest

from tests.support.migrations import latest, migrate

BEFORE = [("certificates", "0016_covering_sort_indexes")]

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_owner_gets_a_team_of_their_own_and_keeps_everything():
    old = migrate(BEFORE)
    User = old.get_model("auth", "User")
    Certificate = old.get_model("certificates", "Certificate")
    Organization = old.get_model("certificates", "Organization")
    SearchKey = old.get_model("certificates", "SearchKey")
    ValidationEmail = old.get_model("certificates", "ValidationEmail")
    alice = User.objects.create(username="alice")
    bob = User.objects.create(username="bob")
    User.objects.create(username="nobody")  # owns nothing: gets a team at first login
    northwind = Organization.objects.create(
        owner=alice, legal_name="Northwind", country="GB", registration_number="1", phone="+1"
    )
    theirs = [
        Certificate.objects.create(owner=alice, name="a1", organization=northwind),
        Certificate.objects.create(owner=alice, name="a2"),
        Certificate.objects.create(owner=bob, name="b1"),
    ]
    for certificate in theirs:
        SearchKey.objects.create(owner_id=certificate.owner_id, certificate=certificate, key="k")
    ValidationEmail.objects.create(owner=bob, address="admin@b.example")

    new = migrate(latest())
    Team = new.get_model("teams", "Team")
    Membership = new.get_model("teams", "Membership")
    Certificate = new.get_model("certificates", "Certificate")
    members = set(Membership.objects.values_list("team__name", "user__username", "role"))
    assert members == {("alice", "alice", "administrator"), ("bob", "bob", "administrator")}
    teams = dict(Team.objects.values_list("name", "pk"))
    assert dict(Certificate.objects.values_list("name", "team_id")) == {
        "a1": teams["alice"],
        "a2": teams["alice"],
        "b1": teams["bob"],
    }
    assert dict(Certificate.objects.values_list("name", "owner__username")) == {
        "a1": "alice",
        "a2": "alice",
        "b1": "bob",
    }
    Organization = new.get_model("certificates", "Organization")
    assert Organization.objects.get().team_id == teams["alice"]
    SearchKey = new.get_model("certificates", "SearchKey")
    assert sorted(SearchKey.objects.values_list("certificate__name", "team__name")) == [
        ("a1", "alice"),
        ("a2", "alice"),
        ("b1", "bob"),
    ]
    ValidationEmail = new.get_model("certificates", "ValidationEmail")
    assert ValidationEmail.objects.get().team_id == teams["bob"]
