"""What each role may do with the team's certificates (SPEC §9), page by page: ReadOnly sees
everything live and changes nothing, downloads the certificate and chain but never a key;
FullAccess acts like the buyer; a role changed meanwhile counts at once."""

import io
import zipfile

import pytest

from certificates.choices import Status
from certificates.models import Certificate, Record
from teams.models import Membership
from teams.roles import Role
from tests.factories import CertificateFactory, MembershipFactory, UserFactory, team_of
from tests.support.pages import client_for

LIST = "/certificates/"


@pytest.fixture
def team(alice):
    team = team_of(alice)
    MembershipFactory(team=team, user=UserFactory(username="dave"), role=Role.FULL_ACCESS)
    MembershipFactory(team=team, user=UserFactory(username="carol"), role=Role.READ_ONLY)
    return team


@pytest.fixture
def carol(team):
    return client_for(Membership.objects.get(team=team, user__username="carol").user)


@pytest.fixture
def dave(team):
    return client_for(Membership.objects.get(team=team, user__username="dave").user)


def files_in(response) -> set[str]:
    return set(zipfile.ZipFile(io.BytesIO(response.content)).namelist())


def test_readonly_sees_the_teams_list_without_a_button_to_act(alice, team, carol):
    pending = CertificateFactory(owner=alice)
    issued = CertificateFactory(owner=alice, issued=True)
    page = carol.get(LIST)
    assert f'data-certificate-id="{pending.pk}"' in page.text
    assert f'data-certificate-id="{issued.pk}"' in page.text
    for label in ("Buy certificate", ">Test certificate<", ">Apply<", ">Request revocation<"):
        assert label not in page.text, label
    alice_page = client_for(alice).get(LIST).text
    assert ">Apply<" in alice_page and ">Request revocation<" in alice_page  # with buttons


def test_readonly_details_show_no_step_and_no_key_download(alice, team, carol):
    from tests.ca.helpers import system_key_certificate

    certificate = system_key_certificate(alice)
    page = carol.get(f"/certificates/{certificate.pk}/")
    assert page.status_code == 200
    for label in (">Rename<", ">Request revocation<", ">Renew<", "Verify now"):
        assert label not in page.text, label
    assert "Your role downloads the certificate and its chain, never the private key" in page.text
    assert 'title="Needs the private key, which your role does not download"' in page.text


def test_readonly_downloads_certificate_and_chain_but_never_the_key(alice, team, carol, dave):
    from tests.ca.helpers import system_key_certificate

    certificate = system_key_certificate(alice)
    for server in ("nginx", "apache", "other"):
        response = carol.get(f"/certificates/{certificate.pk}/download/{server}/")
        assert response.status_code == 200, server
        assert not any(name.endswith(".key") for name in files_in(response)), server
    for server in ("iis", "tomcat"):
        refused = carol.get(f"/certificates/{certificate.pk}/download/{server}/", follow=True)
        assert "which your role does not download" in refused.text
        assert refused.headers["Content-Type"].startswith("text/html")
    full = dave.get(f"/certificates/{certificate.pk}/download/nginx/")
    assert "server.key" in files_in(full)
    records = Record.objects.filter(action="download").order_by("at", "id")
    assert [(r.actor_name, r.detail) for r in records][-1] == (
        "dave",
        "Nginx bundle, with the private key",
    )
    assert ("carol", "Nginx bundle, without the private key") in [
        (r.actor_name, r.detail) for r in records
    ]


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("withdraw/", {}),
        ("delete/", {}),
        ("apply/", {"primary_domain": "x.example.com", "submit": "1"}),
        ("rename/", {"name": "Taken over"}),
        ("verify/", {}),
        ("renew/", {}),
    ],
)
def test_readonly_is_refused_every_step_with_the_role_it_needs(alice, team, carol, url, data):
    certificate = CertificateFactory(owner=alice, domain=True)
    before = Certificate.objects.values().get(pk=certificate.pk)
    response = carol.post(f"/certificates/{certificate.pk}/{url}", data)
    assert response.status_code == 403
    assert "This needs the FullAccess role in alice; yours is ReadOnly." in response.text
    assert Certificate.objects.values().get(pk=certificate.pk) == before
    assert not Record.objects.filter(actor_name="carol").exists()


def test_readonly_cannot_buy(team, carol):
    assert carol.get("/certificates/buy/").status_code == 403
    response = carol.post("/certificates/buy/", {"kind": "test", "brand": "aurora"})
    assert response.status_code == 403
    assert not Certificate.objects.filter(team=team).exists()


def test_fullaccess_acts_like_the_buyer_and_is_named_in_the_records(alice, team, dave):
    certificate = CertificateFactory(owner=alice, domain=True)
    response = dave.post(f"/certificates/{certificate.pk}/withdraw/")
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Status.WITHDRAWING
    record = Record.objects.get(certificate=certificate, action="withdraw")
    assert (record.actor_name, record.source, record.target) == (
        "dave",
        Status.PENDING_DOMAIN_VERIFICATION,
        Status.WITHDRAWING,
    )
    bought = dave.post("/certificates/buy/", {"kind": "test", "brand": "aurora"})
    assert bought.status_code == 302
    new = Certificate.objects.filter(team=team, is_test=True).get()
    assert new.owner.username == "dave"  # the member who bought it


def test_a_role_taken_away_counts_at_once(alice, team, dave):
    certificate = CertificateFactory(owner=alice, domain=True)
    assert ">Withdraw<" in dave.get(f"/certificates/{certificate.pk}/").text
    Membership.objects.filter(team=team, user__username="dave").update(role=Role.READ_ONLY)
    # dave's session still says FullAccess; the database decides.
    assert ">Withdraw<" not in dave.get(f"/certificates/{certificate.pk}/").text
    assert dave.post(f"/certificates/{certificate.pk}/withdraw/").status_code == 403
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION


def test_the_poll_refreshes_readonly_members_like_the_buyer(alice, team, carol, htmx_headers):
    certificate = CertificateFactory(owner=alice, domain=True)
    page = carol.get(LIST).text
    assert 'hx-trigger="every' in page
    fp = page.split("fp=")[1].split('"')[0]
    assert carol.get(LIST, {"fp": fp}, headers=htmx_headers).status_code == 204
    certificate.run_transition("verify_domains", by=None)
    changed = carol.get(LIST, {"fp": fp}, headers=htmx_headers)
    assert changed.status_code == 200
    assert f'data-certificate-id="{certificate.pk}"' in changed.text
    assert ">Withdraw<" not in changed.text


def test_the_list_costs_readonly_the_same_queries(alice, team, carol, django_assert_num_queries):
    for _ in range(3):
        CertificateFactory(owner=alice, domain=True)
    carol.get(LIST)  # the session learns the team
    with django_assert_num_queries(4):  # session, user, rows (with the role), count
        assert carol.get(LIST).status_code == 200
