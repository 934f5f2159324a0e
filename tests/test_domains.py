"""Domain rules of SPEC §4: a table of known cases, then generated input."""

import pytest
from django.core.exceptions import ValidationError
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
