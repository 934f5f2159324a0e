"""An own CSR on the application form (SPEC §4): the domains it names are filled in where
the fields leave them out, on submission and, with htmx, as soon as it is pasted."""

from certificates.choices import DomainType, Status
from tests.factories import CertificateFactory, make_csr


def url(certificate, tail: str = "") -> str:
    return f"/certificates/{certificate.pk}/apply/{tail}"


def multiple(owner, slots: int = 2):
    return CertificateFactory(
        owner=owner,
        primary_domain="",
        domain_type=DomainType.MULTIPLE,
        additional_domain_slots=slots,
    )


def own(csr: str, *, submit: bool = True, **fields) -> dict:
    data = {"csr_source": "own", "key_algorithm": "rsa2048", "csr_text": csr, **fields}
    data["submit" if submit else "save"] = "1"
    return data


def test_a_csr_naming_both_domains_fills_them_in(alice_client, alice):
    """Found by a first-time user: a CSR that names both domains was refused until both
    were typed again."""
    certificate = multiple(alice)
    csr = make_csr(["www.example.com", "example.com"])
    response = alice_client.post(url(certificate), own(csr), follow=True)
    assert response.redirect_chain[-1][0] == f"/certificates/{certificate.pk}/"
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION
    assert certificate.domain_names == ["www.example.com", "example.com"]
    assert "Filled in from your CSR: www.example.com, example.com." in response.text


def test_the_names_the_fields_leave_out_are_added_after_the_typed_ones(alice_client, alice):
    certificate = multiple(alice)
    csr = make_csr(["www.example.com", "example.com", "api.example.com"])
    alice_client.post(url(certificate), own(csr, primary_domain="www.example.com"))
    certificate.refresh_from_db()
    assert certificate.domain_names == ["www.example.com", "example.com", "api.example.com"]


def test_a_csr_naming_more_than_the_certificate_covers_is_refused_as_it_was(alice_client, alice):
    single = CertificateFactory(owner=alice, primary_domain="")
    csr = make_csr(["www.example.com", "example.com"])
    response = alice_client.post(url(single), own(csr))
    assert response.status_code == 400
    assert "The CSR names example.com, which is not in this application." in response.text
    single.refresh_from_db()
    assert (single.status, single.domain_names) == (Status.PENDING_APPLICATION, [])


def test_without_a_csr_the_domains_are_still_required(alice_client, alice):
    response = alice_client.post(url(multiple(alice)), own(""))
    assert response.status_code == 400
    assert "Enter the primary domain" in response.text
    assert "Enter at least one additional domain." in response.text


def test_pasting_a_csr_fills_the_domain_fields_and_saves_nothing(alice_client, alice, htmx_headers):
    certificate = multiple(alice)
    csr = make_csr(["www.example.com", "example.com"])
    response = alice_client.post(
        url(certificate, "csr/"), own(csr, submit=False), headers=htmx_headers
    )
    assert response.status_code == 200
    assert response.text.strip().startswith('<div id="domains">')
    assert 'value="www.example.com"' in response.text
    assert ">\nexample.com</textarea>" in response.text
    assert "Filled in from your CSR: www.example.com, example.com." in response.text
    certificate.refresh_from_db()
    assert certificate.domain_names == [] and certificate.csr_pem == ""


def test_a_pasted_csr_that_cannot_be_used_says_why(alice_client, alice, htmx_headers):
    certificate = multiple(alice)
    response = alice_client.post(
        url(certificate, "csr/"), own("not a csr", submit=False), headers=htmx_headers
    )
    assert response.status_code == 200
    assert "data-csr-error>This is not a certificate signing request" in response.text


def test_the_csr_check_is_a_post_of_the_teams_members_only(
    alice_client, bob_client, alice, htmx_headers
):
    certificate = multiple(alice)
    assert alice_client.get(url(certificate, "csr/")).status_code == 405
    csr = make_csr(["www.example.com"])
    assert bob_client.post(url(certificate, "csr/"), own(csr)).status_code == 404
    submitted = CertificateFactory(owner=alice, domain=True)
    assert (
        alice_client.post(url(submitted, "csr/"), own(csr), headers=htmx_headers).status_code == 409
    )
