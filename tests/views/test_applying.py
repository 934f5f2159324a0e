"""The application form (SPEC §4): drafts, submission, every rule, and generated input."""

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.ca import csr as x509
from certificates.choices import CsrSource, DomainType, Status
from certificates.models import Organization
from certificates.services.applications import private_key_pem
from tests.factories import CertificateFactory, OrganizationFactory, make_csr, team_of
from tests.support.applying import CONTACTS, ORGANIZATION, form, fresh, url


def test_owner_sees_the_form(alice_client, alice):
    # Strangers (404) and anonymous visitors (the login): tests/test_authorization.py.
    certificate = fresh(alice)
    assert alice_client.get(url(certificate)).status_code == 200


def test_draft_saves_what_is_entered_without_submitting(alice_client, alice):
    certificate = fresh(alice)
    response = alice_client.post(
        url(certificate), form(submit=False, primary_domain="Shop.Example.com")
    )
    assert response.url == url(certificate)
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_APPLICATION
    assert certificate.domain_names == ["shop.example.com"]
    assert certificate.csr_pem == ""
    assert 'value="shop.example.com"' in alice_client.get(url(certificate)).text


def test_submit_with_a_generated_key_reaches_40_percent(alice_client, alice):
    certificate = fresh(alice)
    response = alice_client.post(url(certificate), form(primary_domain="www.example.com"))
    assert response.url == f"/certificates/{certificate.pk}/"
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION
    assert certificate.csr_source == CsrSource.SYSTEM
    csr = x509.load_csr(certificate.csr_pem)
    assert x509.csr_names(csr) == ["www.example.com"]
    # The key is stored encrypted, decrypts to the CSR's key, and is EC P-256 as chosen.
    stored = bytes(certificate.private_key)
    assert b"PRIVATE KEY" not in stored
    key = serialization.load_pem_private_key(private_key_pem(certificate), None)
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    assert key.public_key().public_bytes(serialization.Encoding.PEM, public) == (
        csr.public_key().public_bytes(serialization.Encoding.PEM, public)
    )
    assert x509.describe_key(csr) == "EC P-256"
    assert 'aria-valuenow="40"' in alice_client.get("/certificates/").text


def test_the_key_wording_names_who_may_download_it(alice_client, alice):
    """Found by a first-time user: "only you can download it", where every FullAccess
    member and Administrator of the team can."""
    page = alice_client.get(url(fresh(alice))).text
    assert "only you" not in page
    assert "every FullAccess member and Administrator of alice can download it" in page


def test_the_form_offers_no_acme_csr(alice_client, alice):
    """An ACME order's CSR comes from its client: the console's form offers only the two
    sources an applicant has, and refuses the third."""
    certificate = fresh(alice)
    assert 'value="acme"' not in alice_client.get(url(certificate)).text
    response = alice_client.post(
        url(certificate), form(primary_domain="www.example.com", csr_source="acme")
    )
    assert response.status_code == 400 and "Select a valid choice" in response.text
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_APPLICATION


def test_submit_with_a_pasted_csr(alice_client, alice):
    certificate = fresh(alice)
    pem = make_csr(["www.example.com"], "rsa2048")
    alice_client.post(
        url(certificate), form(primary_domain="www.example.com", csr_source="own", csr_text=pem)
    )
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION
    assert certificate.private_key is None
    assert x509.csr_names(x509.load_csr(certificate.csr_pem)) == ["www.example.com"]


def test_submit_with_an_uploaded_csr(alice_client, alice):
    certificate = fresh(alice)
    upload = SimpleUploadedFile("server.csr", make_csr(["www.example.com"]).encode())
    alice_client.post(
        url(certificate), form(primary_domain="www.example.com", csr_source="own", csr_file=upload)
    )
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION


def test_oversized_upload_is_refused_before_parsing(alice_client, alice, settings):
    certificate = fresh(alice)
    upload = SimpleUploadedFile("huge.csr", b"A" * (settings.SCM_MAX_CSR_BYTES + 1))
    response = alice_client.post(
        url(certificate), form(primary_domain="www.example.com", csr_source="own", csr_file=upload)
    )
    assert response.status_code == 400
    assert "a CSR is a few kilobytes" in response.text
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_APPLICATION


@pytest.mark.parametrize(
    ("csr", "message"),
    [
        (lambda: make_csr(["other.example.org"]), "other.example.org, which is not in this"),
        (lambda: make_csr(["www.example.com"], "rsa1024"), "at least 2048"),
        (lambda: "garbage", "not a certificate signing request"),
        (lambda: "", "Paste your CSR or upload it"),
    ],
)
def test_bad_own_csr_is_refused_and_nothing_is_saved(alice_client, alice, csr, message):
    certificate = fresh(alice)
    response = alice_client.post(
        url(certificate), form(primary_domain="www.example.com", csr_source="own", csr_text=csr())
    )
    assert response.status_code == 400
    assert message in response.text
    assert "Nothing was saved: please fix" in response.text
    certificate.refresh_from_db()
    assert (certificate.status, certificate.primary_domain) == (Status.PENDING_APPLICATION, "")


@pytest.mark.parametrize(
    ("slots", "additional", "message"),
    [
        (2, "a.example.com\nb.example.com\nc.example.com", "covers 2 additional domains; remove 1"),
        (3, "a.example.com\na.example.com", "Listed twice: a.example.com"),
        (3, "www.example.com", "www.example.com is already the primary domain"),
        (3, "", "Enter at least one additional domain"),
        (3, "ok.example.com\nbad_name.example.com", "underscores are not allowed"),
    ],
)
def test_multiple_domain_rules(alice_client, alice, slots, additional, message):
    certificate = fresh(alice, domain_type=DomainType.MULTIPLE, additional_domain_slots=slots)
    response = alice_client.post(
        url(certificate), form(primary_domain="www.example.com", additional_domains=additional)
    )
    assert response.status_code == 400
    assert message in response.text


def test_multiple_domains_are_normalised_and_kept_in_order(alice_client, alice):
    certificate = fresh(alice, domain_type=DomainType.MULTIPLE, additional_domain_slots=3)
    alice_client.post(
        url(certificate),
        form(
            primary_domain="www.example.com",
            additional_domains="Bücher.example.de, API.example.com",
        ),
    )
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION
    assert certificate.domain_names == [
        "www.example.com",
        "xn--bcher-kva.example.de",
        "api.example.com",
    ]
    assert x509.csr_names(x509.load_csr(certificate.csr_pem)) == certificate.domain_names
    assert "bücher.example.de" in alice_client.get(f"/certificates/{certificate.pk}/").text


def test_wildcard_product_needs_a_wildcard_name(alice_client, alice):
    certificate = fresh(alice, domain_type=DomainType.WILDCARD)
    refused = alice_client.post(url(certificate), form(primary_domain="example.com"))
    assert "A wildcard certificate covers *.example.com" in refused.text
    alice_client.post(url(certificate), form(primary_domain="*.example.com"))
    certificate.refresh_from_db()
    assert certificate.domain_names == ["*.example.com"]


def test_wildcard_on_a_single_domain_product_is_refused(alice_client, alice):
    certificate = fresh(alice)
    response = alice_client.post(url(certificate), form(primary_domain="*.example.com"))
    assert "only wildcard certificates can contain *." in response.text


def test_ov_application_with_a_new_organization_and_contacts(alice_client, alice):
    certificate = fresh(alice, ov=True)
    response = alice_client.post(
        url(certificate), form(primary_domain="www.example.com", **ORGANIZATION, **CONTACTS)
    )
    assert response.status_code == 302, response.text
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION
    organization = Organization.objects.get(team=team_of(alice))
    assert certificate.organization == organization
    # Stored in E.164, however they were typed.
    assert Organization.objects.values_list("phone", flat=True).get() == "+442079460000"
    stored = type(certificate).objects.values_list("applicant_phone", "technical_phone")
    assert stored.get(pk=certificate.pk) == ("+442079460001", "+12025550123")

    # The next application picks the saved organization.
    second = fresh(alice, ov=True)
    assert "Contoso Ltd" in alice_client.get(url(second)).text
    alice_client.post(
        url(second),
        form(primary_domain="shop.example.com", organization=organization.pk, **CONTACTS),
    )
    second.refresh_from_db()
    assert (second.status, second.organization) == (
        Status.PENDING_DOMAIN_VERIFICATION,
        organization,
    )


def test_ov_submit_names_every_missing_piece(alice_client, alice):
    certificate = fresh(alice, ov=True)
    response = alice_client.post(url(certificate), form(primary_domain="www.example.com"))
    assert response.status_code == 400
    assert response.text.count("This field is required") >= 7  # the organization's fields
    # Once beside each field, once in the summary at the top, which links to the field.
    assert response.text.count("Required to submit: the CA contacts the applicant.") == 6
    for field in ("applicant_name", "applicant_email", "applicant_phone"):
        assert f'<a href="#id_{field}">' in response.text


@pytest.mark.parametrize("phone", ["12345", "not a number", "+44 20"])
def test_bad_phone_numbers_are_explained(alice_client, alice, phone):
    certificate = fresh(alice, ov=True)
    data = form(
        primary_domain="www.example.com", **ORGANIZATION, **{**CONTACTS, "applicant_phone": phone}
    )
    response = alice_client.post(url(certificate), data)
    assert response.status_code == 400
    assert "international format, such as +44 20 7946 0000" in response.text


def test_an_organization_entered_twice_is_refused(alice_client, alice):
    OrganizationFactory(owner=alice, country="GB", registration_number="01234567")
    certificate = fresh(alice, ov=True)
    response = alice_client.post(
        url(certificate), form(primary_domain="www.example.com", **ORGANIZATION, **CONTACTS)
    )
    assert response.status_code == 400
    assert "Your team already saved this organization" in response.text


def test_other_applicants_organizations_cannot_be_picked(alice_client, alice, bob):
    theirs = OrganizationFactory(owner=bob)
    certificate = fresh(alice, ov=True)
    response = alice_client.post(
        url(certificate), form(primary_domain="www.example.com", organization=theirs.pk, **CONTACTS)
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.text


def test_special_word_sets_manual_review(alice_client, alice):
    certificate = fresh(alice)
    alice_client.post(url(certificate), form(primary_domain="pay.example.com"))
    certificate.refresh_from_db()
    assert certificate.manual_review
    assert "Manual review — this can take longer" in alice_client.get("/certificates/").text


def test_check_while_typing_warns_and_explains(alice_client, alice, htmx_headers):
    certificate = fresh(alice)
    check = f"/certificates/{certificate.pk}/apply/check/"
    warned = alice_client.get(check, {"primary_domain": "pay.example.com"}, headers=htmx_headers)
    assert warned.status_code == 200
    assert warned.text.strip().startswith('<div id="domain-check"')
    assert "Manual review" in warned.text and "“pay”" in warned.text
    wrong = alice_client.get(check, {"primary_domain": "a..b.com"}, headers=htmx_headers)
    assert "empty label" in wrong.text and "Manual review" not in wrong.text
    certificate.refresh_from_db()
    assert certificate.primary_domain == ""  # checking saves nothing


def test_submitted_application_cannot_be_edited(alice_client, alice):
    certificate = CertificateFactory(owner=alice, domain=True, primary_domain="www.example.com")
    response = alice_client.post(url(certificate), form(primary_domain="evil.example.com"))
    assert response.url == f"/certificates/{certificate.pk}/"
    certificate.refresh_from_db()
    assert certificate.primary_domain == "www.example.com"
    assert "withdraw it to change it" in alice_client.get(response.url).text


def test_failed_application_is_edited_and_resubmitted(alice_client, alice, validator):
    certificate = CertificateFactory(owner=alice, primary_domain="", organization=None)
    alice_client.post(url(certificate), form(primary_domain="www.example.com"))
    certificate.refresh_from_db()
    certificate.run_transition("reject", by=validator, reason="Domain is not yours.")

    edit = alice_client.post(f"/certificates/{certificate.pk}/edit/")
    assert edit.url == url(certificate)
    alice_client.post(url(certificate), form(primary_domain="shop.example.com"))

    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION
    assert x509.csr_names(x509.load_csr(certificate.csr_pem)) == ["shop.example.com"]
    assert "Domain is not yours." in alice_client.get(f"/certificates/{certificate.pk}/").text


TEXT = st.one_of(
    st.text(max_size=120),
    st.lists(
        st.sampled_from([*"ab.-_*é日 ", "xn--", "example", "com", "co.uk", "pay"]), max_size=30
    ).map("".join),
)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    primary=TEXT,
    additional=TEXT,
    csr_text=st.one_of(st.just(""), st.text(max_size=200)),
    own=st.booleans(),
    submit=st.booleans(),
    domain_type=st.sampled_from(list(DomainType)),
)
def test_any_application_input_gets_an_answer_not_a_500(
    alice_client, alice, primary, additional, csr_text, own, submit, domain_type
):
    certificate = fresh(alice, domain_type=domain_type, additional_domain_slots=3)
    data = form(
        submit=submit,
        primary_domain=primary,
        additional_domains=additional,
        csr_source="own" if own else "system",
        csr_text=csr_text,
    )
    response = alice_client.post(url(certificate), data)
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert 'class="error"' in response.text
