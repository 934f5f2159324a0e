"""The API answers in the language a client asks for (SPEC §12): its errors' messages follow
Accept-Language, and say which language they are in; codes and field names stay English.
Whether a message reads in Thai is the catalogues' check (tests/i18n/)."""

import re

import pytest

from tests.api.test_certificates import LIST, one


def asking(language: str) -> dict:
    return {"Accept-Language": language}


@pytest.mark.parametrize("language", ["th", "zh-hans"])
def test_a_validation_error_says_its_language_and_keeps_its_shape(api, language):
    answer = api.post(LIST, {"quantity": 0, "brand": "NOPE"}, **asking(language))
    assert answer.status_code == 400 and answer["Content-Language"] == language
    found = answer.json()
    assert found["error_code"] == "SCM.0400"
    assert set(found["fields"]) == {"quantity", "brand"}  # the API's field names
    assert all(isinstance(m, str) and m for ms in found["fields"].values() for m in ms)
    assert isinstance(found["error_msg"], str) and "quantity" in found["error_msg"]


def test_a_404_says_its_language_and_keeps_its_shape(api):
    answer = api.get(one(999_999), **asking("th"))
    assert answer.status_code == 404 and answer["Content-Language"] == "th"
    found = answer.json()
    assert found["error_code"] == "SCM.0404" and "999999" in found["error_msg"]


def test_a_path_no_endpoint_serves_says_its_language(api):
    answer = api.get("/v3/scm/nowhere", **asking("th"))
    assert answer.status_code == 404 and answer["Content-Language"] == "th"
    assert answer.json()["error_code"] == "SCM.0404"


def test_english_stays_the_default_and_reads_as_before(api):
    answer = api.post(LIST, {"quantity": 0})
    assert answer.status_code == 400 and answer["Content-Language"] == "en"
    assert answer.json()["fields"]["quantity"] == [
        "Ensure this value is greater than or equal to 1."
    ]


def test_a_refused_choice_names_the_value_and_the_choices_in_any_language(api):
    """The choice field's message is translated when it is raised, not at import: its
    placeholders are filled in either way."""
    for language in ("en", "th"):
        answer = api.post(LIST, {"brand": "NOPE"}, **asking(language))
        [message] = answer.json()["fields"]["brand"]
        assert "NOPE" in message and "AURORA" in message and "{" not in message


@pytest.mark.parametrize("language", ["th", "zh-hans"])
def test_the_error_message_reads_in_the_language_asked_for(api, language):
    """With the catalogues in place, the same 404 reads otherwise in Thai and in Chinese:
    its words come from the catalogue, the certificate's ID and the team's name stay as
    they are."""
    english = api.get(one(999_999)).json()["error_msg"]
    translated = api.get(one(999_999), **asking(language)).json()["error_msg"]
    assert translated != english and "999999" in translated
    words = translated.replace("999999", "").replace("alice", "")  # alice's own team
    assert not re.search(r"[A-Za-z]{4,}", words), translated
