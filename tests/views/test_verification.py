"""The applicant's side of verification: instructions, Verify now, methods, the CA's calls."""

from django.core import mail

from certificates.choices import CallOutcome, DomainStatus, Status
from certificates.models import ContactAttempt
from tests.factories import CertificateFactory, submitted


def detail(certificate) -> str:
    return f"/certificates/{certificate.pk}/"


def test_details_show_exactly_what_to_create(alice_client, alice):
    certificate = submitted(alice, primary_domain="shop.example.com")
    domain = certificate.domains.get()
    html = alice_client.get(detail(certificate)).text
    assert "_dnsauth.shop.example.com" in html
    assert f'data-copy="{domain.token}"' in html
    assert "Not checked yet." in html


def test_verify_now_checks_at_once_and_shows_the_result(alice_client, alice, dns_zone):
    certificate = submitted(alice, primary_domain="shop.example.com")
    response = alice_client.post(f"{detail(certificate)}verify/")
    assert response.url == detail(certificate)
    page = alice_client.get(detail(certificate)).text
    assert "Not verified yet" in page
    assert "TXT record _dnsauth.shop.example.com not found (NXDOMAIN)." in page

    domain = certificate.domains.get()
    dns_zone.txt(domain.txt_name, domain.token)
    alice_client.post(f"{detail(certificate)}verify/")
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED
    assert "Every domain is verified." in alice_client.get(detail(certificate)).text


def test_verify_now_is_post_only_and_for_the_owner(alice_client, bob_client, alice):
    certificate = submitted(alice)
    assert alice_client.get(f"{detail(certificate)}verify/").status_code == 405
    assert bob_client.post(f"{detail(certificate)}verify/").status_code == 404


def test_verify_now_when_there_is_nothing_to_verify(alice_client, alice):
    certificate = CertificateFactory(owner=alice, issued=True)
    response = alice_client.post(f"{detail(certificate)}verify/")
    assert "There is nothing to verify now." in alice_client.get(response.url).text


def test_switching_to_email_sends_the_link(alice_client, alice):
    certificate = submitted(alice, ov=True, primary_domain="shop.example.com")
    domain = certificate.domains.get()
    response = alice_client.post(
        f"{detail(certificate)}domains/{domain.pk}/method/",
        {"method": "email", "email_address": "hostmaster@shop.example.com"},
    )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["hostmaster@shop.example.com"]
    html = alice_client.get(detail(certificate)).text
    assert "We emailed a confirmation link to <strong>hostmaster@shop.example.com</strong>" in html


def test_methods_the_product_does_not_allow_are_refused(alice_client, alice):
    certificate = submitted(alice, primary_domain="shop.example.com")  # DV: DNS only
    domain = certificate.domains.get()
    url = f"{detail(certificate)}domains/{domain.pk}/method/"
    response = alice_client.post(url, {"method": "file"})
    assert "File on the web server is not available for shop.example.com." in (
        alice_client.get(response.url).text
    )
    assert alice_client.post(url, {"method": "carrier-pigeon"}).status_code == 302
    domain.refresh_from_db()
    assert domain.method == "dns"


def test_email_only_to_the_allowed_addresses(alice_client, alice):
    certificate = submitted(alice, ov=True, primary_domain="shop.example.com")
    domain = certificate.domains.get()
    response = alice_client.post(
        f"{detail(certificate)}domains/{domain.pk}/method/",
        {"method": "email", "email_address": "me@attacker.example"},
    )
    said = alice_client.get(response.url).text
    assert "Choose one of the addresses offered for the validation email" in said
    assert "at shop.example.com or a parent domain up to example.com" in said
    assert mail.outbox == []


def test_email_is_offered_at_the_domain_and_each_parent_up_to_the_registrable_one(
    alice_client, alice
):
    """BR 3.2.2.4.4: the constructed addresses at the domain or a parent domain."""
    certificate = submitted(alice, ov=True, primary_domain="www.shop.example.co.uk")
    domain = certificate.domains.get()
    hosts = ["www.shop.example.co.uk", "shop.example.co.uk", "example.co.uk"]
    locals_ = ["admin", "administrator", "webmaster", "hostmaster", "postmaster"]
    assert domain.email_addresses == [f"{local}@{host}" for host in hosts for local in locals_]
    page = alice_client.get(detail(certificate)).text
    assert "<option>postmaster@example.co.uk</option>" in page
    assert "co.uk</option>" not in page.replace("example.co.uk</option>", "")
    response = alice_client.post(
        f"{detail(certificate)}domains/{domain.pk}/method/",
        {"method": "email", "email_address": "admin@example.co.uk"},
    )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["admin@example.co.uk"]


def test_the_validation_email_names_the_organization_and_the_consoles_own_address(
    alice_client, alice, settings
):
    from tests.factories import OrganizationFactory

    settings.SCM_PUBLIC_URL = "http://127.0.0.1:8200"  # make run PORT=8200
    settings.ALLOWED_HOSTS = ["*"]  # a Host of the sender's choosing reaches the view

    organization = OrganizationFactory(owner=alice, legal_name="Northwind Traders Ltd")
    certificate = submitted(
        alice, ov=True, primary_domain="shop.example.com", organization=organization
    )
    domain = certificate.domains.get()
    alice_client.post(
        f"{detail(certificate)}domains/{domain.pk}/method/",
        {"method": "email", "email_address": "admin@shop.example.com"},
        HTTP_HOST="attacker.example",  # the link must not follow the request's Host
    )
    body = mail.outbox[-1].body
    assert body.startswith(
        "Northwind Traders Ltd (United Kingdom) asked for an SSL certificate (OV)"
    )
    assert "http://127.0.0.1:8200/certificates/verify-email/" in body
    assert "attacker.example" not in body


def test_the_cas_calls_are_shown_to_the_applicant(alice_client, alice, validator):
    certificate = CertificateFactory(
        owner=alice, ov=True, org=True, applicant_phone="+442079460000"
    )
    ContactAttempt.objects.create(
        certificate=certificate,
        number="+442079460000",
        outcome=CallOutcome.NO_ANSWER,
        staff=validator,
    )
    html = alice_client.get(detail(certificate)).text
    assert "The CA will call <strong>+44 20 7946 0000</strong>" in html
    assert "The CA called +44 20 7946 0000 at " in html
    assert "no answer — make sure you can be reached." in html


def test_verified_domains_show_their_result(alice_client, alice, dns_zone):
    certificate = submitted(alice, domains=["api.example.com"])
    primary = certificate.domains.first()
    dns_zone.txt(primary.txt_name, primary.token)
    alice_client.post(f"{detail(certificate)}verify/")
    html = alice_client.get(detail(certificate)).text
    assert f"TXT record {primary.txt_name} found with the right value." in html
    assert certificate.domains.filter(status=DomainStatus.VERIFIED).count() == 1


def test_verify_now_hands_what_it_has_no_time_for_to_the_worker(
    alice_client, alice, dns_zone, settings
):
    """Each check may take SCM_HTTP_TIMEOUT; the request as a whole takes about one: the
    domains left when that time is spent are checked by the worker at once."""
    from django_tasks_db.models import DBTaskResult

    settings.SCM_HTTP_TIMEOUT = 0.5
    settings.SCM_DNS_TIMEOUT = 0.4
    names = ["a.example.com", "b.example.com", "c.example.com"]
    certificate = submitted(alice, primary_domain="www.example.com", domains=names)
    for name in ["www.example.com", *names]:
        dns_zone.silent.add(f"_dnsauth.{name}")  # every lookup waits its whole timeout
    DBTaskResult.objects.all().delete()
    response = alice_client.post(f"{detail(certificate)}verify/")
    assert response.status_code == 302
    checked = certificate.domains.filter(last_checked_at__isnull=False).count()
    handed = DBTaskResult.objects.filter(task_path__endswith=".check_domain").count()
    assert checked >= 1 and handed >= 1 and checked + handed == 4
    page = alice_client.get(detail(certificate)).text
    assert f"{handed} more domains are being checked in the background." in page


def test_an_emailed_link_stops_working_once_the_domain_uses_another_method(
    alice_client, alice, client
):
    import re

    certificate = submitted(alice, ov=True, primary_domain="shop.example.com")
    domain = certificate.domains.get()
    url = f"{detail(certificate)}domains/{domain.pk}/method/"
    alice_client.post(url, {"method": "email", "email_address": "admin@shop.example.com"})
    link = re.search(r"http://\S+/verify-email/\S+/", mail.outbox[-1].body).group(0)
    path = link.removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
    alice_client.post(url, {"method": "dns"})
    refused = client.post(path)
    assert refused.status_code == 400
    domain.refresh_from_db()
    assert domain.status == DomainStatus.PENDING


def test_the_email_link_page_shows_nothing_private_of_the_applicant(alice_client, alice, client):
    import re

    certificate = submitted(alice, ov=True, primary_domain="shop.example.com")
    certificate.rename("Secret project Falcon", by=alice)
    domain = certificate.domains.get()
    url = f"{detail(certificate)}domains/{domain.pk}/method/"
    alice_client.post(url, {"method": "email", "email_address": "admin@shop.example.com"})
    link = re.search(r"http://\S+/verify-email/\S+/", mail.outbox[-1].body).group(0)
    page = client.get(link.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    assert "shop.example.com" in page.text
    assert "Falcon" not in page.text and "alice" not in page.text
