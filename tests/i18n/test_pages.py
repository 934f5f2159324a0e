"""Every page of the applicant's journey and the staff's admin reads in Thai and in
Simplified Chinese (SPEC §12): rendered in that language, no English word is left in what
a reader sees or hears (text, labels, placeholders, titles, what screen readers announce),
except the names the data brings (domains, people, organizations), the brands, and the
technical tokens every language writes in Latin letters (ACME, CSR, DNS, RSA…)."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from certificates.choices import CertificateType, Method, Status
from tests.ca.helpers import issued
from tests.factories import CertificateFactory, in_state, submitted

pytestmark = pytest.mark.django_db

LANGUAGES = ("th", "zh-hans")
# Written in Latin letters in every language: protocols, formats, products, units, and the
# language switcher's own "English".
TOKENS = {
    "ACME",
    "CSR",
    "CRL",
    "OCSP",
    "DNS",
    "TXT",
    "CAA",
    "HTTP",
    "HTTPS",
    "URL",
    "URLs",
    "API",
    "ID",
    "IDs",
    "PEM",
    "DER",
    "PFX",
    "PKCS",
    "JKS",
    "IIS",
    "Nginx",
    "Apache",
    "Tomcat",
    "RSA",
    "EC",
    "DV",
    "OV",
    "EV",
    "Pro",
    "SSL",
    "TLS",
    "CA",
    "UTC",
    "SCM",
    "Console",
    "Aurora",
    "Trust",
    "Boreal",
    "PKI",
    "Cedar",
    "SHA",
    "AES",
    "DES",
    "openssl",
    "certbot",
    "lego",
    "cert-manager",
    "Windows",
    "Server",
    "English",
    "IDN",
    "Unicode",
    "Basic",
    "http",
    "https",
    "FullAccess",
    "ReadOnly",
    "Administrator",
    "keytool",
    "JSON",
    "CSV",
    "X-Auth-Token",
    "Bearer",
    "curl",
    "GMT",
    "min",
}
# Terms of the trade that Thai writers of PKI texts keep in English, and proper names
# (the CA/Browser Forum's EV Guidelines, RFC 8555's External Account Binding).
TERMS = {
    "root",
    "Root",
    "intermediate",
    "keystore",
    "trust",
    "store",
    "Subject",
    "Key",
    "Browser",
    "Forum",
    "Guidelines",
    "External",
    "Account",
    "Binding",
}
FILE_NAME = re.compile(r"\S+\.(?:pem|crt|cer|key|pfx|jks|zip|txt|csv)\b")
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-label", "data-announce"}


class Seen(HTMLParser):
    """What a reader sees or hears of a page: text outside scripts, styles and code, and
    the attributes that are shown or spoken."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre", "textarea"):
            self.hidden += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre", "textarea"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def english_left(html: str, data_words: set[str]) -> list[str]:
    seen = Seen()
    seen.feed(html)
    left = []
    for part in seen.parts:
        part = FILE_NAME.sub("", part)  # chain.pem, root.pem: names, not words
        for word in re.findall(r"[A-Za-z][A-Za-z'-]{2,}", part):
            if word in TOKENS or word in TERMS or word.lower() in data_words or word.isupper():
                continue
            left.append(f"{word!r} in {part.strip()[:80]!r}")
    return left


def words_of(*texts: str) -> set[str]:
    return {word.lower() for text in texts for word in re.findall(r"[A-Za-z][A-Za-z'-]*", text)}


@pytest.fixture
def journey(alice, staff):
    """Alice's certificates in every state a page shows differently."""
    drafted = CertificateFactory(owner=alice, name="Shop", primary_domain="shop.example.com")
    pending = submitted(alice, name="Payments", primary_domain="pay.example.org")
    pending.domains.update(method=Method.DNS)
    organization = in_state(
        Status.PENDING_ORG_VERIFICATION, owner=alice, name="Corporate", ov=True, org=True
    )
    done = issued(alice, CertificateType.DV, name="Website")
    failed = in_state(Status.APPLICATION_FAILED, owner=alice, name="Old site")
    return {
        "drafted": drafted,
        "pending": pending,
        "organization": organization,
        "issued": done,
        "failed": failed,
    }


def data_words(journey, *users) -> set[str]:
    texts = [user.get_username() for user in users]
    for certificate in journey.values():
        certificate.refresh_from_db()
        texts += [certificate.name, certificate.applicant_name, certificate.team.name]
        texts += certificate.domain_names
        texts += [domain.txt_name for domain in certificate.domains.all()]
        if certificate.organization:
            organization = certificate.organization
            texts += [organization.legal_name, organization.state, organization.city]
            texts += [organization.country.name, organization.address]
        if certificate.issuer_id:
            texts.append(certificate.issuer.name)
    return words_of(*texts)


def pages_of(journey) -> list[str]:
    urls = ["/certificates/", "/certificates/?tab=test", "/certificates/buy/", "/records/"]
    urls += ["/overview/", "/teams/members/", "/teams/tokens/", "/teams/acme/"]
    urls += ["/accounts/password_change/"]
    for certificate in journey.values():
        urls.append(f"/certificates/{certificate.pk}/")
    urls.append(f"/certificates/{journey['drafted'].pk}/apply/")
    urls.append(f"/certificates/{journey['pending'].pk}/withdraw/")
    urls.append(f"/certificates/{journey['issued'].pk}/revoke/")
    urls.append(f"/certificates/{journey['issued'].pk}/renew/")
    urls.append(f"/certificates/{journey['issued'].pk}/rename/")
    urls.append("/ca/")
    return urls


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_applicants_pages_read_in_the_language(alice_client, alice, staff, journey, language):
    known = data_words(journey, alice, staff)
    found = {}
    for url in pages_of(journey):
        response = alice_client.get(url, headers={"Accept-Language": language})
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in response.text
        if left := english_left(response.text, known):
            found[url] = left[:8]
    assert not found, "\n".join(f"{url}: {line}" for url, lines in found.items() for line in lines)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_signed_out_pages_read_in_the_language(language):
    client = Client(headers={"Accept-Language": language})
    for url in ("/accounts/login/", "/accounts/password_reset/"):
        response = client.get(url)
        assert response.status_code == 200
        assert not english_left(response.text, set()), url


def test_the_check_finds_english(alice_client, alice, staff, journey):
    """The check can fail: the English pages are full of English."""
    known = data_words(journey, alice, staff)
    response = alice_client.get("/certificates/", headers={"Accept-Language": "en"})
    left = english_left(response.text, known)
    assert any("'Certificates'" in line for line in left)
