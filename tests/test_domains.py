"""Domain rules of SPEC §4: a table of known cases, then generated input."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.domains import normalise, special_words_in, split_domains, unicode_form

GOOD = [
    ("www.example.com", "www.example.com"),
    ("  WWW.Example.COM.  ", "www.example.com"),
    ("Bücher.example.de", "xn--bcher-kva.example.de"),
    ("xn--bcher-kva.example.de", "xn--bcher-kva.example.de"),
    ("日本.jp", "xn--wgv71a.jp"),
    ("shop.example.co.uk", "shop.example.co.uk"),
    ("example.co.uk", "example.co.uk"),
    ("my-site.github.io", "my-site.github.io"),
    ("a" * 63 + ".com", "a" * 63 + ".com"),
    (".".join(["a" * 63] * 3) + "." + "b" * 57 + ".com", None),  # 253 characters
]
WILDCARD_GOOD = [("*.example.com", "*.example.com"), ("*.example.co.uk", "*.example.co.uk")]
BAD = [
    ("", "Enter a domain name"),
    ("a..b.com", "empty label"),
    (".example.com", "empty label"),
    ("a" * 64 + ".com", "has 64 characters; a label may have at most 63"),
    (".".join(["a" * 63] * 3) + "." + "b" * 58 + ".com", "254 characters; at most 253"),
    ("under_score.com", "underscores are not allowed"),
    ("1.2.3.4", "is an IP address"),
    ("2001:db8::1", "is an IP address"),
    ("[::1]", "is an IP address"),
    ("localhost", "bare host name"),
    ("intranet", "bare host name"),
    ("co.uk", "is a public suffix"),
    ("com", "bare host name"),
    ("example.notatld", "not a top-level domain"),
    ("-start.example.com", "may not start or end with a hyphen"),
    ("end-.example.com", "may not start or end with a hyphen"),
    ("sp ace.example.com", "only letters, digits and hyphens"),
    ("xn--zz.example.com", "not a valid internationalised domain label"),
    ("*.example.com", "only wildcard certificates"),
    ("ex*ample.com", "whole left-most label"),
]
WILDCARD_BAD = [
    ("*.*.example.com", "whole left-most label"),
    ("www.*.example.com", "whole left-most label"),
    ("*.co.uk", "cannot cover a whole public suffix"),
    ("*.com", "cannot cover a whole public suffix"),
]


@pytest.mark.parametrize(("raw", "expected"), GOOD)
def test_good_domains_are_normalised(raw, expected):
    name = normalise(raw, wildcard_allowed=False)
    assert name == (expected or raw)


@pytest.mark.parametrize(("raw", "expected"), WILDCARD_GOOD)
def test_wildcards_for_wildcard_products(raw, expected):
    assert normalise(raw, wildcard_allowed=True) == expected


@pytest.mark.parametrize(("raw", "message"), BAD)
def test_bad_domains_are_refused_with_the_reason(raw, message):
    with pytest.raises(ValidationError) as refused:
        normalise(raw, wildcard_allowed=False)
    assert message in refused.value.messages[0]


@pytest.mark.parametrize(("raw", "message"), WILDCARD_BAD)
def test_bad_wildcards_are_refused_with_the_reason(raw, message):
    with pytest.raises(ValidationError) as refused:
        normalise(raw, wildcard_allowed=True)
    assert message in refused.value.messages[0]


def test_split_domains_accepts_lines_commas_and_spaces():
    assert split_domains(
        "a.example.com\nb.example.com, c.example.com;d.example.com  e.example.com"
    ) == [
        "a.example.com",
        "b.example.com",
        "c.example.com",
        "d.example.com",
        "e.example.com",
    ]


def test_unicode_form_reads_punycode_back():
    assert unicode_form("*.xn--bcher-kva.example.de") == "*.bücher.example.de"


def test_special_words_match_inside_names(settings):
    settings.SCM_SPECIAL_WORDS = ["bank", "pay", "live"]
    assert special_words_in(["pay.example.com", "mybank.example.org"]) == ["pay", "bank"]
    assert special_words_in(["www.example.com"]) == []


LOOK_ALIKES = {
    "раy.example.com": "pay",  # Cyrillic р and а
    "ρay-now.example.com": "pay",  # Greek rho
    "www.bɑnk.example.com": "bank",  # Latin alpha
    "my-bαnk.example.com": "bank",  # Greek alpha
    "1ive.example.com": "live",  # digit one for l
    "lіve.example.com": "live",  # Cyrillic і
    "ｐａｙ.example.com": "pay",  # fullwidth
    "paypa1.example.com": "pay",
}


@pytest.mark.parametrize(("typed", "word"), LOOK_ALIKES.items(), ids=list(LOOK_ALIKES))
def test_special_words_are_found_behind_look_alike_letters(settings, typed, word):
    settings.SCM_SPECIAL_WORDS = ["bank", "pay", "live"]
    assert special_words_in([typed]) == [word]
    # As the application stores it: the punycode of every label (the check reads it back).
    assert special_words_in([normalise(typed, wildcard_allowed=False)]) == [word]


def test_words_that_only_share_letters_are_not_special(settings):
    settings.SCM_SPECIAL_WORDS = ["bank", "pay", "live"]
    assert special_words_in(["p-a-y.example.com", "olive-oil.example", "b4nk.example.com"]) == [
        "live"
    ]
    assert special_words_in(["pa.y.example.com", "lve.example.com"]) == []


@settings(max_examples=300, deadline=None)
@given(
    before=st.text(alphabet="abcdefghijk0123456789-", max_size=10),
    after=st.text(alphabet="abcdefghijk0123456789-", max_size=10),
    word=st.sampled_from(["bank", "pay", "live"]),
    swaps=st.lists(st.booleans(), min_size=4, max_size=4),
)
def test_a_special_word_inside_any_label_is_found_in_any_look(before, after, word, swaps):
    # Each letter of the word may be written with a look-alike from another script.
    look_alike = {"a": "а", "p": "р", "y": "у", "i": "і", "e": "е", "k": "𝗄", "l": "1"}
    letters = [look_alike.get(c, c) if swap else c for c, swap in zip(word, swaps, strict=False)]
    label = before + "".join(letters) + after
    with django_settings(SCM_SPECIAL_WORDS=["bank", "pay", "live"]):
        assert word in special_words_in([f"{label}.example.com"])


# Generated input: any text, and text made of the characters domains are built from.
TOKENS = [*"abcxyz019-._*ÄéüЖ日本 \t:[]", "xn--", "com", "co.uk", "example", "pay"]
DOMAINISH = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(raw=st.one_of(st.text(max_size=300), DOMAINISH), wildcard=st.booleans())
def test_any_input_is_normalised_or_refused_in_words(raw, wildcard):
    try:
        name = normalise(raw, wildcard_allowed=wildcard)
    except ValidationError as refused:
        assert refused.messages and all(len(m) > 10 for m in refused.messages)
        return
    assert name.isascii() and name == name.lower()
    assert len(name) <= 253
    assert normalise(name, wildcard_allowed=wildcard) == name  # idempotent
