"""The application form (certificates/forms/applying.py ApplicationForm), bound to real
certificates: what a valid application cleans to and hands the service, the notes on what was
read differently from how it was typed, and each message an applicant can get, on its field.
(The organization entered on it: test_applying_organization.py; through the page, with the
saving: tests/views/test_applying*.py.)"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from certificates.ca import csr as x509
from certificates.choices import CsrSource, DomainType, KeyAlgorithm
from certificates.forms import ApplicationForm
from tests.factories import OrganizationFactory, make_csr
from tests.support.applying import CONTACTS, form, fresh

REQUIRED = "This field is required."
PHONE = "Enter the number in international format, such as +44 20 7946 0000."


def bound(certificate, *, submitting: bool = True, files=None, too_large=frozenset(), **fields):
    application = ApplicationForm(
        form(submit=submitting, **fields),
        files,
        instance=certificate,
        submitting=submitting,
        too_large=too_large,
    )
    application.is_valid()
    return application


def own(csr: str, **fields) -> dict:
    return {"csr_source": "own", "csr_text": csr, **fields}


# A valid application


def test_a_dv_application_cleans_to_what_the_service_saves(alice):
    application = bound(fresh(alice), primary_domain=" WWW.Example.COM. ")
    assert application.is_valid(), application.errors
    assert application.cleaned_data == {
        "primary_domain": "www.example.com",
        "csr_source": "system",
        "key_algorithm": "ec_p256",
        "csr_text": "",
        "csr_file": None,
    }
    handed = application.application(organization=None)
    assert (handed.primary_domain, handed.additional_domains) == ("www.example.com", [])
    assert (handed.csr_source, handed.key_algorithm) == (CsrSource.SYSTEM, KeyAlgorithm.EC_P256)
    assert (handed.csr_pem, handed.organization, handed.contacts) == ("", None, {})
    assert application.notes == []


def test_a_dv_form_asks_for_no_organization_or_contacts_and_one_domain(alice):
    fields = set(ApplicationForm(instance=fresh(alice)).fields)
    assert fields == {"primary_domain", "csr_source", "key_algorithm", "csr_text", "csr_file"}
    multiple = ApplicationForm(instance=fresh(alice, domain_type=DomainType.MULTIPLE))
    assert "additional_domains" in multiple.fields


def test_a_multiple_domain_application_keeps_its_domains_in_order_in_ascii(alice):
    certificate = fresh(alice, domain_type=DomainType.MULTIPLE, additional_domain_slots=3)
    application = bound(
        certificate,
        primary_domain="www.example.com",
        additional_domains="Bücher.example.de, API.example.com\n\n",
    )
    assert application.is_valid(), application.errors
    assert application.cleaned_data["additional_domains"] == [
        "xn--bcher-kva.example.de",
        "api.example.com",
    ]


def test_an_ov_application_hands_over_its_organization_and_contacts(alice):
    organization = OrganizationFactory(owner=alice)
    application = bound(
        fresh(alice, ov=True),
        primary_domain="www.example.com",
        organization=str(organization.pk),
        **CONTACTS,
    )
    assert application.is_valid(), application.errors
    assert application.cleaned_data["organization"] == organization
    handed = application.application(organization)
    assert handed.organization == organization
    assert handed.contacts == {
        **CONTACTS,
        "applicant_phone": "+442079460001",  # E.164, however it was typed
        "technical_phone": "+12025550123",
    }


def test_an_own_csr_is_kept_as_pem_and_its_names_checked(alice):
    pem = make_csr(["www.example.com"], "rsa2048")
    application = bound(fresh(alice), primary_domain="www.example.com", **own(f"\n {pem} \n"))
    assert application.is_valid(), application.errors
    assert x509.csr_names(x509.load_csr(application.cleaned_data["csr_pem"])) == ["www.example.com"]
    assert application.application(None).csr_pem == application.cleaned_data["csr_pem"]


def test_an_uploaded_csr_counts_like_a_pasted_one(alice):
    upload = SimpleUploadedFile("server.csr", make_csr(["www.example.com"]).encode())
    application = bound(
        fresh(alice), primary_domain="www.example.com", csr_source="own", files={"csr_file": upload}
    )
    assert application.is_valid(), application.errors
    assert application.cleaned_data["csr_pem"].startswith("-----BEGIN CERTIFICATE REQUEST-----")


def test_a_draft_needs_nothing_but_what_is_entered_must_be_valid(alice):
    draft = bound(fresh(alice, ov=True), submitting=False, csr_source="own")
    assert draft.is_valid(), draft.errors
    assert draft.application(None).primary_domain == ""
    wrong = bound(fresh(alice), submitting=False, primary_domain="bad_name.example.com")
    assert wrong.errors == {
        "primary_domain": ["bad_name.example.com: underscores are not allowed in host names."]
    }


# What was read differently from how it was typed


def test_a_pasted_address_is_read_as_its_domain_with_a_note(alice):
    application = bound(fresh(alice), primary_domain="https://shop.example.com:8443/cart")
    assert application.cleaned_data["primary_domain"] == "shop.example.com"
    assert application.notes == [
        "“https://shop.example.com:8443/cart” is an address: the domain in it, "
        "shop.example.com, is used."
    ]


def test_a_csr_fills_in_the_domains_the_fields_leave_out(alice):
    certificate = fresh(alice, domain_type=DomainType.MULTIPLE, additional_domain_slots=2)
    pem = make_csr(["www.example.com", "api.example.com", "cdn.example.com"])
    application = bound(certificate, **own(pem, primary_domain="www.example.com"))
    assert application.is_valid(), application.errors
    assert application.cleaned_data["additional_domains"] == ["api.example.com", "cdn.example.com"]
    assert application.notes == ["Filled in from your CSR: api.example.com, cdn.example.com."]
    # The fields show what is applied for when the form is shown again.
    assert application.data["additional_domains"] == "api.example.com\ncdn.example.com"


def test_a_csr_fills_in_the_primary_domain_too(alice):
    application = bound(fresh(alice), **own(make_csr(["shop.example.com"])))
    assert application.is_valid(), application.errors
    assert application.cleaned_data["primary_domain"] == "shop.example.com"
    assert application.notes == ["Filled in from your CSR: shop.example.com."]


def test_a_csr_naming_more_than_the_certificate_covers_fills_in_nothing(alice):
    certificate = fresh(alice, domain_type=DomainType.MULTIPLE, additional_domain_slots=1)
    pem = make_csr(["www.example.com", "api.example.com", "cdn.example.com"])
    application = bound(
        certificate, **own(pem, primary_domain="www.example.com", additional_domains="")
    )
    assert set(application.errors) == {"csr_text", "additional_domains"}
    assert application.errors["additional_domains"] == ["Enter at least one additional domain."]
    assert application.notes == []


def test_the_special_words_are_those_of_the_domains_entered(alice):
    certificate = fresh(alice, domain_type=DomainType.MULTIPLE, additional_domain_slots=2)
    application = bound(
        certificate, primary_domain="pay.example.com", additional_domains="www.example.com"
    )
    assert application.special_words() == ["pay"]
    assert ApplicationForm(instance=certificate).special_words() == []  # nothing entered yet


# Each message an applicant can get


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("example.com", "A wildcard certificate covers *.example.com: start the domain with *."),
        ("*.com", "*.com: a wildcard cannot cover a whole public suffix such as com."),
    ],
)
def test_a_wildcard_certificate_needs_a_wildcard_name(alice, typed, message):
    application = bound(fresh(alice, domain_type=DomainType.WILDCARD), primary_domain=typed)
    assert application.errors == {"primary_domain": [message]}
    assert bound(
        fresh(alice, domain_type=DomainType.WILDCARD), primary_domain="*.example.com"
    ).is_valid()


def test_a_wildcard_on_another_certificate_is_refused(alice):
    application = bound(fresh(alice), primary_domain="*.example.com")
    assert application.errors == {
        "primary_domain": [
            "*.example.com: only wildcard certificates can contain *. — remove it, or buy a "
            "wildcard certificate."
        ]
    }


@pytest.mark.parametrize(
    ("slots", "typed", "messages"),
    [
        (
            2,
            "a.example.com\nb.example.com\nc.example.com",
            ["This certificate covers 2 additional domains; remove 1."],
        ),
        (
            1,
            "a.example.com\nb.example.com",
            ["This certificate covers 1 additional domain; remove 1."],
        ),
        (3, "a.example.com\nA.example.com", ["Listed twice: a.example.com."]),
        (3, "www.example.com", ["www.example.com is already the primary domain."]),
        (3, "", ["Enter at least one additional domain."]),
        (
            3,
            "bad_name.example.com\n10.0.0.1",
            [
                "bad_name.example.com: underscores are not allowed in host names.",
                "10.0.0.1 is an IP address; certificates here are for domain names such as "
                "www.example.com.",
            ],
        ),
    ],
)
def test_each_mistake_in_the_additional_domains(alice, slots, typed, messages):
    certificate = fresh(alice, domain_type=DomainType.MULTIPLE, additional_domain_slots=slots)
    application = bound(certificate, primary_domain="www.example.com", additional_domains=typed)
    assert application.errors == {"additional_domains": messages}


def test_submitting_needs_the_primary_domain(alice):
    application = bound(fresh(alice))
    assert application.errors == {
        "primary_domain": ["Enter the primary domain, such as www.example.com."]
    }


def test_submitting_an_ov_application_needs_the_applicants_contact(alice):
    application = bound(fresh(alice, ov=True), primary_domain="www.example.com")
    message = "Required to submit: the CA contacts the applicant."
    assert application.errors == {
        "applicant_name": [message],
        "applicant_email": [message],
        "applicant_phone": [message],
    }


@pytest.mark.parametrize("phone", ["12345", "not a number", "+44 20"])
def test_a_phone_number_that_cannot_be_read_is_explained(alice, phone):
    contacts = {**CONTACTS, "technical_phone": phone}
    application = bound(fresh(alice, ov=True), primary_domain="www.example.com", **contacts)
    assert application.errors == {"technical_phone": [PHONE]}


def test_only_the_teams_organizations_can_be_picked(alice, bob):
    theirs = OrganizationFactory(owner=bob)
    for picked in (str(theirs.pk), "١"):  # another team's; an id in Arabic-Indic digits
        application = bound(
            fresh(alice, ov=True),
            primary_domain="www.example.com",
            organization=picked,
            **CONTACTS,
        )
        assert application.errors == {
            "organization": [
                "Select a valid choice. That choice is not one of the available choices."
            ]
        }


@pytest.mark.parametrize(
    ("csr", "message"),
    [
        (lambda: "", "Paste your CSR or upload it, or let us generate one."),
        (lambda: make_csr(["other.example.org"]), "other.example.org, which is not in this"),
        (lambda: make_csr(["www.example.com"], "rsa1024"), "at least 2048"),
        (lambda: "garbage", "not a certificate signing request"),
    ],
)
def test_an_own_csr_that_cannot_be_used_says_why(alice, csr, message):
    application = bound(fresh(alice), primary_domain="www.example.com", **own(csr()))
    assert list(application.errors) == ["csr_text"]
    assert message in application.errors["csr_text"][0]


def test_a_draft_with_no_csr_yet_is_fine(alice):
    draft = bound(fresh(alice), submitting=False, primary_domain="www.example.com", **own(""))
    assert draft.is_valid(), draft.errors
    assert draft.cleaned_data["csr_pem"] == ""


def test_a_csr_that_is_too_long_is_refused_before_it_is_read(alice, settings):
    settings.SCM_MAX_CSR_BYTES = 4096
    application = bound(fresh(alice), primary_domain="www.example.com", **own("A" * 4097))
    assert application.errors == {"csr_text": ["That is too long for a CSR (at most 4 KB)."]}


def test_an_upload_that_is_too_large_is_refused_before_it_is_read(alice, settings):
    settings.SCM_MAX_CSR_BYTES = 4096
    upload = SimpleUploadedFile("huge.csr", b"A" * 5000)
    application = bound(
        fresh(alice), primary_domain="www.example.com", csr_source="own", files={"csr_file": upload}
    )
    assert application.errors == {
        "csr_file": [
            "That file has 5,000 bytes; a CSR is a few kilobytes (at most 4 KB). Upload the "
            ".csr file."
        ]
    }


def test_an_upload_cut_off_on_its_way_in_is_refused(alice, settings):
    """uploads.too_large(): the request's body was past the limit, so the file never came."""
    settings.SCM_MAX_CSR_BYTES = 4096
    application = bound(
        fresh(alice), primary_domain="www.example.com", csr_source="own", too_large={"csr_file"}
    )
    assert application.errors == {
        "csr_file": [
            "That file is larger than 4 KB; a CSR is a few kilobytes. Upload the .csr file."
        ]
    }


@pytest.mark.parametrize(
    ("field", "value"), [("csr_source", "acme"), ("key_algorithm", "rsa512"), ("csr_source", "")]
)
def test_a_csr_source_or_key_not_offered_is_refused(alice, field, value):
    application = bound(fresh(alice), primary_domain="www.example.com", **{field: value})
    assert list(application.errors) == [field]


# What the form starts with


def test_an_unbound_form_shows_what_was_saved(alice):
    certificate = fresh(alice, domain_type=DomainType.MULTIPLE, additional_domain_slots=2)
    certificate.set_domains("xn--bcher-kva.example.de", ["api.example.com"])
    initial = ApplicationForm(instance=certificate).initial
    assert initial["primary_domain"] == "bücher.example.de"
    assert initial["additional_domains"] == "api.example.com"
    assert initial["csr_text"] == certificate.csr_pem  # an own CSR is shown again


def test_an_ov_form_starts_with_the_teams_most_recently_verified_organization(alice):
    now = timezone.now()
    OrganizationFactory(owner=alice, verified_at=now - dt.timedelta(days=30))
    latest = OrganizationFactory(owner=alice, verified_at=now - dt.timedelta(days=1))
    OrganizationFactory(owner=alice)  # never verified
    assert ApplicationForm(instance=fresh(alice, ov=True)).initial["organization"] == latest.pk
