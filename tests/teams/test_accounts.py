"""The accounts pages: the lockout in words, staff lifting sign-in locks, and the password
change and reset in the console's own look."""

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client

from certificates.templatetags.console import duration
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _lock_out(client: Client, username: str) -> None:
    for _ in range(5):
        client.post("/accounts/login/", {"username": username, "password": "guess"})


def test_lockout_says_how_long_in_words_and_links_to_a_reset(client):
    UserFactory(username="dora")
    _lock_out(client, "dora")
    locked = client.post("/accounts/login/", {"username": "dora", "password": "demo"})
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Too many failed sign-ins. Try again in 15 minutes, or" in text
    assert "PT15M" not in text and "administrator" not in text
    assert 'href="/accounts/password_reset/"' in text


def test_staff_groups_see_and_lift_sign_in_locks_in_the_admin(client, validator):
    UserFactory(username="dora")
    _lock_out(client, "dora")
    attempt = AccessAttempt.objects.get(username="dora")
    staff = Client()
    staff.force_login(validator)  # Validation only, not a superuser

    assert staff.get("/admin/axes/accessattempt/").status_code == 200
    assert "dora" in staff.get("/admin/axes/accessattempt/").content.decode()
    deleted = staff.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not AccessAttempt.objects.filter(username="dora").exists()
    signed_in = client.post("/accounts/login/", {"username": "dora", "password": "demo"})
    assert signed_in.status_code == 302


def test_login_page_offers_a_password_reset(client):
    page = client.get("/accounts/login/").content.decode()
    assert '<a href="/accounts/password_reset/">Forgot your password?</a>' in page


def test_password_change_is_the_consoles_page_and_changes_it(alice_client, alice):
    page = alice_client.get("/accounts/password_change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'href="/certificates/"' in text and "/admin/" not in text
    assert "css/console.css" in text

    refused = alice_client.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": "x", "new_password2": "x"},
    )
    assert refused.status_code == 200
    assert "data-error-summary" in refused.content.decode()

    changed = alice_client.post(
        "/accounts/password_change/",
        {
            "old_password": "demo",
            "new_password1": "violet-harbour-91",
            "new_password2": "violet-harbour-91",
        },
    )
    assert changed.status_code == 302
    done = alice_client.get(changed["Location"]).content.decode()
    assert "Password changed" in done and "/admin/" not in done
    alice.refresh_from_db()
    assert alice.check_password("violet-harbour-91")


def test_password_reset_by_email_sets_a_new_password_and_lifts_the_lock(client, settings):
    settings.SCM_PUBLIC_URL = "https://scm.example.com"
    dora = UserFactory(username="dora", email="dora@example.com")
    _lock_out(client, "dora")

    sent = client.post("/accounts/password_reset/", {"email": "dora@example.com"})
    assert sent.status_code == 302
    assert "Check your email" in client.get(sent["Location"]).content.decode()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    assert link.startswith("https://scm.example.com/accounts/reset/")  # not the Host header

    path = link.split("/accounts/", 1)[1]
    form = client.get(f"/accounts/{path}", follow=True)
    assert "Choose a new password" in form.content.decode()
    set_it = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "violet-harbour-91", "new_password2": "violet-harbour-91"},
    )
    assert set_it.status_code == 302
    assert "Sign in" in client.get(set_it["Location"]).content.decode()
    dora.refresh_from_db()
    assert dora.check_password("violet-harbour-91")
    signed_in = client.post(
        "/accounts/login/", {"username": "dora", "password": "violet-harbour-91"}
    )
    assert signed_in.status_code == 302  # the lock went with the reset


def test_password_reset_answers_alike_for_an_unknown_address(client):
    sent = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert sent.status_code == 302
    assert sent["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("span", "words"),
    [
        (dt.timedelta(minutes=15), "15 minutes"),
        (dt.timedelta(hours=1), "1 hour"),
        (dt.timedelta(hours=2, minutes=30), "2 hours 30 minutes"),
        (dt.timedelta(seconds=20), "1 minute"),
        (None, "a while"),
    ],
)
def test_a_cool_off_reads_in_words(span, words):
    assert duration(span) == words
