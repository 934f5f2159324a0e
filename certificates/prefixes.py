"""Search keys as text, without the database: the starts (prefixes) of words and labels the
list's search box matches. A certificate is found by the start of its name or of any of its
domains, or by the start of any word or label inside them ("shop" finds
www.acme-shop.com, "api" finds "Payments API"), case-insensitively.

Each certificate stores those starts as rows of SearchKey, so a search is a range scan of
one index, (team, key), whatever the size of the table: a substring search has to look at
every row of the applicant (or, through a trigram index, at every row sharing the term's
commonest trigrams), which grows with the table.
"""

from collections.abc import Iterable

from certificates.domains import unicode_form

# Keys and terms are compared byte by byte (SQLite's BINARY, PostgreSQL's "C" collation),
# so every key starting with a term lies in [term, term + HIGHEST).
HIGHEST = "\U0010ffff"
MAX_KEY_LENGTH = 253


def normalize(text: str) -> str:
    """The form terms and keys are compared in: trimmed, single-spaced, case-folded."""
    return " ".join(text.split()).casefold()


def starts(text: str) -> list[str]:
    """Every suffix of `text` that begins a word or a label: at the start, and at each
    letter or digit that follows something else (a dot, a hyphen, a space…)."""
    text = normalize(text)[:MAX_KEY_LENGTH]
    return [
        text[i:]
        for i, char in enumerate(text)
        if i == 0 or (char.isalnum() and not text[i - 1].isalnum())
    ]


def keys_for(name: str, domains: Iterable[str]) -> set[str]:
    """The keys of a certificate. An internationalised domain is found by either form:
    "bü" finds xn--bcher-kva.example through bücher.example, and "xn--b" finds it too."""
    texts = [name]
    for domain in domains:
        texts += {domain, unicode_form(domain)}
    return {key for text in texts for key in starts(text)}


def key_range(term: str) -> dict:
    """Lookups matching every key that starts with the (normalized) term."""
    term = normalize(term)[:MAX_KEY_LENGTH]
    return {"key__gte": term, "key__lt": term + HIGHEST}
