"""Domain names on an application (SPEC §4): normalise, check, and explain in plain words."""

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from urllib.parse import urlsplit

import icu
import idna
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from publicsuffixlist import PublicSuffixList

MAX_NAME = 253  # RFC 1035, without the trailing dot
MAX_LABEL = 63
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_SEPARATORS = re.compile(r"[\s,;]+")
_PORT = re.compile(r"^([^:\[\]]+):[0-9]{1,5}$")  # www.example.com:443 (not an IPv6 address)
# Top-level domains people mean when they mistype one (.con, .ogr): suggested first.
POPULAR_TLDS = [
    "com",
    "net",
    "org",
    "io",
    "co",
    "uk",
    "de",
    "fr",
    "nl",
    "eu",
    "info",
    "biz",
    "app",
    "dev",
    "cn",
    "jp",
    "th",
    "us",
    "ca",
    "au",
    "in",
    "me",
    "tv",
    "ai",
]


@cache
def _public_suffixes() -> PublicSuffixList:
    # The list ships inside the package: nothing is fetched at run time.
    return PublicSuffixList()


def split_domains(text: str) -> list[str]:
    """Domains typed one per line, or separated by commas, semicolons or spaces."""
    return [part for part in _SEPARATORS.split(text or "") if part]


def from_typed(raw: str) -> tuple[str, str]:
    """The domain in what someone typed or pasted, and a note when it was taken out of
    more: a pasted address (https://www.example.com/path), or a name with a port."""
    shown = (raw or "").strip()
    text = shown
    if "://" in text or text.startswith("//"):
        try:
            text = urlsplit(text if "://" in text else f"http:{text}").hostname or ""
        except ValueError:
            return shown, ""
    elif "/" in text:
        text = text.split("/", 1)[0]
    if (host := _PORT.match(text)) is not None:
        text = host.group(1)
    if text == shown or not text:
        return shown, ""
    return text, _("“%(typed)s” is an address: the domain in it, %(domain)s, is used.") % {
        "typed": shown[:80],
        "domain": text,
    }


def normalise(raw: str, *, wildcard_allowed: bool) -> str:
    """The ASCII (punycode) form of a domain, or ValidationError saying what to fix."""
    shown = raw.strip()
    name = shown.lower().rstrip(".")
    if not name:
        raise ValidationError(_("Enter a domain name, such as www.example.com."))
    if len(name) > 1000:
        raise ValidationError(_("That is far too long for a domain name (at most 253 characters)."))
    _refuse_ip_address(name, shown)
    wildcard = name.startswith("*.")
    if "*" in (name[2:] if wildcard else name):
        raise ValidationError(
            _("%(name)s: a wildcard may only be the whole left-most label, as in *.example.com.")
            % {"name": shown}
        )
    if wildcard and not wildcard_allowed:
        raise ValidationError(
            _(
                "%(name)s: only wildcard certificates can contain *. — remove it, or buy a "
                "wildcard certificate."
            )
            % {"name": shown}
        )
    host = name[2:] if wildcard else name
    if "_" in host:
        raise ValidationError(
            _("%(name)s: underscores are not allowed in host names.") % {"name": shown}
        )
    if ".." in host or host.startswith("."):
        raise ValidationError(
            _("%(name)s: has an empty label (two dots in a row).") % {"name": shown}
        )
    labels = [_to_ascii(label, shown) for label in host.split(".")]
    for label in labels:
        if len(label) > MAX_LABEL:
            raise ValidationError(
                _(
                    "%(name)s: the label “%(label)s…” has %(length)d characters; a label may "
                    "have at most %(most)d."
                )
                % {"name": shown, "label": label[:20], "length": len(label), "most": MAX_LABEL}
            )
        if not _LABEL.match(label):
            raise ValidationError(
                _(
                    "%(name)s: “%(label)s” may contain only letters, digits and hyphens, and may "
                    "not start or end with a hyphen."
                )
                % {"name": shown, "label": label}
            )
    ascii_name = ".".join(labels)
    if len(ascii_name) + (2 if wildcard else 0) > MAX_NAME:
        raise ValidationError(
            _("%(name)s: the name has %(length)d characters; at most %(most)d are allowed.")
            % {"name": shown, "length": len(ascii_name), "most": MAX_NAME}
        )
    _require_registrable(ascii_name, shown, wildcard)
    return f"*.{ascii_name}" if wildcard else ascii_name


def _refuse_ip_address(name: str, shown: str) -> None:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return
    raise ValidationError(
        _(
            "%(name)s is an IP address; certificates here are for domain names such as "
            "www.example.com."
        )
        % {"name": shown}
    )


def _to_ascii(label: str, shown: str) -> str:
    if label.isascii() and not label.startswith("xn--"):
        return label
    try:
        if label.isascii():  # already punycode: it must decode to a valid label
            idna.decode(label)
            return label
        return idna.encode(label, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise ValidationError(
            _("%(name)s: “%(label)s” is not a valid internationalised domain label (%(error)s).")
            % {"name": shown, "label": label, "error": error}
        ) from None


def _require_registrable(name: str, shown: str, wildcard: bool) -> None:
    psl = _public_suffixes()
    suffix = psl.publicsuffix(name, accept_unknown=False)
    if wildcard and suffix == name:
        raise ValidationError(
            _("%(name)s: a wildcard cannot cover a whole public suffix such as %(suffix)s.")
            % {"name": shown, "suffix": name}
        )
    if "." not in name:
        raise ValidationError(
            _("%(name)s is a bare host name; use a registered domain such as %(host)s.example.com.")
            % {"name": shown, "host": name}
        )
    if suffix is None:
        tld = unicode_form(name.rsplit(".", 1)[-1])
        hint = ""
        if close := _close_tld(name.rsplit(".", 1)[-1]):
            hint = " " + _("Did you mean %(name)s?") % {"name": f"{name.rsplit('.', 1)[0]}.{close}"}
        raise ValidationError(
            _("%(name)s: “.%(tld)s” is not a top-level domain on the public list.")
            % {"name": shown, "tld": tld}
            + hint
        )
    if suffix == name:
        raise ValidationError(
            _("%(name)s: %(suffix)s is a public suffix, not a domain someone can register.")
            % {"name": shown, "suffix": name}
        )


def _close_tld(typed: str) -> str | None:
    """The top-level domain a typo most likely meant: one edit away (a letter wrong,
    missing, extra, or two swapped), a popular one first (".con" → com, ".ogr" → org)."""
    for candidates in (POPULAR_TLDS, _top_level_domains()):
        close = [tld for tld in candidates if _edits(typed, tld) == 1]
        if close:  # of equally close ones, the same length (a wrong letter) wins
            return min(close, key=lambda tld: (len(tld) != len(typed), candidates.index(tld)))
    return None


def _edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    previous2, previous = [], list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


@cache
def _top_level_domains() -> list[str]:
    # publicsuffixlist has no public way to list its suffixes; without it, popular ones only.
    suffixes = getattr(_public_suffixes(), "_publicsuffix", ())
    return sorted({s for s in suffixes if "." not in s and s.isascii()})


def registrable(name: str) -> str:
    """The registrable domain a name belongs to (www.shop.example.co.uk → example.co.uk)."""
    return _public_suffixes().privatesuffix(name.removeprefix("*.")) or name.removeprefix("*.")


def unicode_form(name: str) -> str:
    """How a punycode name reads to people (xn--bcher-kva.example → bücher.example)."""
    if "xn--" not in name:
        return name
    prefix = "*." if name.startswith("*.") else ""
    try:
        return prefix + idna.decode(name.removeprefix("*."))
    except idna.IDNAError:
        return name


@cache
def _spoof_checker() -> icu.SpoofChecker:
    # Checking is thread-safe on one checker (ICU's const functions); building one is not free.
    return icu.SpoofChecker()


def skeleton(text: str) -> str:
    """What text looks like, for comparing: its UTS #39 skeleton, taken after the NFKC
    case folding IDNA applies to labels and case-folded again, so look-alike letters
    compare equal ("раy" in Cyrillic, "ρay" in Greek and "pay" all fold to "pay")."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _spoof_checker().getSkeleton(0, folded).casefold()


def special_words_in(names: Iterable[str]) -> list[str]:
    """The configured special words that any of these names contains (manual review),
    also when spelled with letters that only look like them: each word's skeleton is
    looked for in the skeleton of the Unicode form of every label."""
    words = [(word, skeleton(word)) for word in settings.SCM_SPECIAL_WORDS]
    found: list[str] = []
    for name in names:
        labels = [skeleton(unicode_form(label)) for label in name.split(".")]
        found.extend(
            word
            for word, folded in words
            if word not in found and any(folded in label for label in labels)
        )
    return found
