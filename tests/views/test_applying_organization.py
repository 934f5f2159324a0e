"""The organization on an OV/EV application (SPEC §4): the team's verified one picked
first, and countries under the names people use."""

from django.utils import timezone

from tests.factories import CertificateFactory, OrganizationFactory, team_of


def url(certificate) -> str:
    return f"/certificates/{certificate.pk}/apply/"


def fresh_ov(owner):
    return CertificateFactory(owner=owner, ov=True, primary_domain="", organization=None)


def test_an_ov_form_starts_with_the_teams_verified_organization(alice_client, alice, bob):
    """Found by a first-time user: the OV form defaulted to "A new organization" although
    the team had a verified one."""
    OrganizationFactory(owner=alice, legal_name="Unverified Ltd")
    verified = OrganizationFactory(
        owner=alice, legal_name="Verified Ltd", verified_at=timezone.now()
    )
    OrganizationFactory(owner=bob, legal_name="Theirs Ltd", verified_at=timezone.now())
    page = alice_client.get(url(fresh_ov(alice))).text
    assert f'<option value="{verified.pk}" selected>' in page
    assert "Theirs Ltd" not in page


def test_without_a_verified_organization_the_form_asks_for_a_new_one(alice_client, alice):
    OrganizationFactory(owner=alice, legal_name="Unverified Ltd")
    page = alice_client.get(url(fresh_ov(alice))).text
    assert '<option value="" selected>A new organization (enter it below)</option>' in page


def test_an_organization_already_chosen_stays_chosen(alice_client, alice):
    chosen = OrganizationFactory(owner=alice, legal_name="Chosen Ltd")
    OrganizationFactory(owner=alice, legal_name="Verified Ltd", verified_at=timezone.now())
    certificate = fresh_ov(alice)
    type(certificate).objects.filter(pk=certificate.pk).update(organization=chosen)
    page = alice_client.get(url(certificate)).text
    assert f'<option value="{chosen.pk}" selected>' in page


def test_countries_have_the_names_people_use(alice_client, alice):
    """Found by a first-time user: 'Naoero' and 'Bahamas (The)' in the country list."""
    page = alice_client.get(url(fresh_ov(alice))).text
    assert '<option value="NR">Nauru</option>' in page
    assert '<option value="BS">Bahamas</option>' in page
    assert "Naoero" not in page and "Bahamas (The)" not in page

    organization = OrganizationFactory(team=team_of(alice), country="BS")
    certificate = CertificateFactory(owner=alice, ov=True, domain=True, organization=organization)
    details = alice_client.get(f"/certificates/{certificate.pk}/").text
    assert " · Bahamas · " in details
