"""Which language a page is in (teams/languages.py): the saved choice, else the browser's
Accept-Language, else English; the header's switcher saves it."""

import pytest
from django.test import Client

from teams.models import Profile

pytestmark = pytest.mark.django_db


def html_lang(response) -> str:
    text = response.content.decode()
    start = text.index('<html lang="') + len('<html lang="')
    return text[start : text.index('"', start)]


def sign_in(client: Client, headers: dict | None = None) -> None:
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "demo"}, headers=headers or {}
    )
    assert response.status_code == 302, response.content


def switch(client: Client, code: str, next_url: str = "/certificates/"):
    return client.post("/accounts/language/", {"language": code, "next": next_url})


def test_english_without_a_choice_or_a_browser_preference(alice_client):
    response = alice_client.get("/certificates/")
    assert html_lang(response) == "en"
    assert response.headers["Content-Language"] == "en"
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("th-TH,th;q=0.9,en;q=0.5", "th"),
        ("zh-CN,zh;q=0.9", "zh-hans"),
        ("zh-Hans", "zh-hans"),
        ("fr-FR,fr;q=0.9", "en"),  # a language the console does not speak
        ("de;q=0.9,th;q=0.8", "th"),
    ],
)
def test_the_browser_preference_chooses_among_the_three(alice_client, header, expected):
    response = alice_client.get("/certificates/", headers={"Accept-Language": header})
    assert html_lang(response) == expected


def test_the_login_page_follows_the_browser_too():
    response = Client().get("/accounts/login/", headers={"Accept-Language": "th"})
    assert html_lang(response) == "th"


def test_switching_saves_the_choice_and_goes_back(alice_client, alice):
    response = switch(alice_client, "th", "/records/")
    assert response.status_code == 302 and response.headers["Location"] == "/records/"
    assert Profile.objects.get(user=alice).language == "th"
    # The saved choice wins over the browser's preference.
    page = alice_client.get("/certificates/", headers={"Accept-Language": "zh-CN"})
    assert html_lang(page) == "th"


def test_the_saved_choice_follows_the_user_to_another_device(alice):
    first = Client()
    first.force_login(alice)
    switch(first, "zh-hans")
    other = Client()
    sign_in(other)
    page = other.get("/certificates/", headers={"Accept-Language": "th"})
    assert html_lang(page) == "zh-hans"


def test_a_user_who_never_chose_gets_the_browser_language_at_each_sign_in(alice):
    client = Client()
    sign_in(client)
    assert html_lang(client.get("/certificates/", headers={"Accept-Language": "th"})) == "th"
    assert not Profile.objects.filter(user=alice).exists()


def test_a_visitor_keeps_the_choice_in_a_cookie():
    client = Client()
    response = switch(client, "th", "/accounts/login/")
    assert response.cookies["django_language"].value == "th"
    assert html_lang(client.get("/accounts/login/")) == "th"


def test_an_unknown_language_changes_nothing(alice_client, alice):
    switch(alice_client, "th")
    response = switch(alice_client, "xx-klingon")
    assert response.status_code == 302
    assert Profile.objects.get(user=alice).language == "th"
    assert html_lang(alice_client.get("/certificates/")) == "th"


def test_the_switch_never_sends_anyone_to_another_site(alice_client):
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        assert switch(alice_client, "th", target).headers["Location"] == "/"


def test_the_switch_needs_a_post_with_csrf(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get("/accounts/language/").status_code == 405
    assert client.post("/accounts/language/", {"language": "th"}).status_code == 403
    assert not Profile.objects.filter(user=alice).exists()


def test_the_header_offers_each_language_in_its_own_words(alice_client):
    text = alice_client.get("/certificates/").content.decode()
    for code, name in (("en", "English"), ("zh-hans", "简体中文"), ("th", "ไทย")):
        assert f'value="{code}" lang="{code}"' in text and f">{name}</button>" in text
    assert 'value="en" lang="en" aria-current="true" disabled>' in text


def test_acme_speaks_english_to_every_client(client):
    """ACME's problem documents stay English whatever the client's Accept-Language."""
    response = client.post(
        "/acme/new-account",
        b"{}",
        content_type="application/jose+json",
        headers={"Accept-Language": "th"},
    )
    assert response.status_code == 400
    assert response.headers["Content-Language"] == "en"
    assert response.json()["type"].startswith("urn:ietf:params:acme:error:")
