"""Domains as an applicant types them on the application form: special words behind
look-alike letters, a pasted address read as its domain, a mistyped top-level domain."""

from certificates.choices import Status
from tests.support.applying import form, fresh, url


def test_look_alike_special_words_go_to_manual_review_and_wait_for_staff(
    alice_client, alice, htmx_headers, dns_zone
):
    from django_tasks_db.models import DBTaskResult

    from certificates.services import domain_checks

    typed = "раy.example.com"  # Cyrillic р and а: reads as "pay"
    certificate = fresh(alice)
    check = f"/certificates/{certificate.pk}/apply/check/"
    warned = alice_client.get(check, {"primary_domain": typed}, headers=htmx_headers)
    assert "Manual review" in warned.text and "“pay”" in warned.text
    response = alice_client.post(url(certificate), form(primary_domain=typed))
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.manual_review
    assert certificate.primary_domain.startswith("xn--")
    domain = certificate.domains.get()
    dns_zone.txt(domain.txt_name, domain.token)
    domain_checks.check_domain(domain.pk, force=True)
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED
    assert not DBTaskResult.objects.filter(task_path__endswith=".issue").exists()


def test_a_pasted_address_becomes_its_domain_with_a_note(alice_client, alice, htmx_headers):
    certificate = fresh(alice)
    check = f"/certificates/{certificate.pk}/apply/check/"
    pasted = "https://www.example.com/path?x=1"
    said = alice_client.get(check, {"primary_domain": pasted}, headers=htmx_headers).text
    assert "the domain in it, www.example.com, is used." in said
    assert 'class="error"' not in said
    response = alice_client.post(url(certificate), form(primary_domain=pasted), follow=True)
    assert response.status_code == 200
    assert "the domain in it, www.example.com, is used." in response.text
    certificate.refresh_from_db()
    assert certificate.primary_domain == "www.example.com"


def test_a_mistyped_top_level_domain_gets_a_suggestion(alice_client, alice):
    certificate = fresh(alice)
    response = alice_client.post(url(certificate), form(primary_domain="www.example.con"))
    assert response.status_code == 400
    assert "“.con” is not a top-level domain on the public list. Did you mean www.example.com?" in (
        response.text
    )
