"""The catalogues are complete (SPEC §12): every string the console marks for translation
has a Simplified Chinese and a Thai translation, none fuzzy, and the compiled .mo files
are those of the .po files. `make messages` gathers and compiles them."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

# GNU gettext reads and writes the catalogues; a machine without it skips these tests, CI
# (which installs it) fails instead.
pytestmark = pytest.mark.skipif(
    shutil.which("msgfmt") is None and not os.environ.get("CI"),
    reason="needs GNU gettext (apt-get install gettext)",
)
ROOT = Path(settings.BASE_DIR)
LOCALES = ("zh_Hans", "th")
# What `make messages` leaves out (Makefile MESSAGES_IGNORE), and the catalogues themselves.
IGNORED = [".venv", "tests", "bench", "scripts", "staticfiles", "var", "docs", "node_modules"]


def catalogue(locale: str, root: Path = ROOT / "locale") -> Path:
    return root / locale / "LC_MESSAGES" / "django.po"


BEFORE: dict[str, bytes] = {}  # the committed catalogues as the check found them
# What makemessages reads: the sources `make messages` reads (Makefile MESSAGES_IGNORE).
SOURCES = ("certificates", "teams", "demo", "scm_console", "templates")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """The catalogues as makemessages writes them today from the code and templates. It
    runs on a copy of the sources, with a copy of the catalogues: makemessages writes to the
    locale/ folder next to what it reads, and the committed one must stay as it is."""
    copy = tmp_path_factory.mktemp("sources")
    for folder in SOURCES:
        shutil.copytree(
            ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
        )
    out = copy / "locale"
    for locale in LOCALES:
        BEFORE[locale] = catalogue(locale).read_bytes()
        catalogue(locale, out).parent.mkdir(parents=True)
        shutil.copy(catalogue(locale), catalogue(locale, out))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(copy)
        patch.setattr(settings, "LOCALE_PATHS", [out])
        call_command(
            "makemessages",
            locale=list(LOCALES),
            ignore_patterns=IGNORED,
            no_obsolete=True,
            verbosity=0,
        )
    return out


def test_the_committed_catalogues_are_left_as_they_are(fresh):
    """Gathering the strings writes to the copy only."""
    assert all(catalogue(locale, fresh).exists() for locale in LOCALES)
    assert {locale: catalogue(locale).read_bytes() for locale in LOCALES} == BEFORE


def entries(path: Path) -> dict[tuple[str, str], list[str]]:
    """{(context, msgid): [msgstr, ...]} of a .po file, the header and obsolete entries left
    out (the plural forms' translations in order)."""
    found: dict[tuple[str, str], list[str]] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            if line.startswith('"'):
                fields[key] += line[1:-1]
                continue
            key, _space, value = line.partition(" ")
            fields[key] = value[1:-1]
        if fields.get("msgid"):
            strings = [v for k, v in sorted(fields.items()) if k.startswith("msgstr")]
            found[(fields.get("msgctxt", ""), fields["msgid"])] = strings
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_every_marked_string_has_a_translation(fresh, locale):
    """Each msgid the code and templates use today is in the committed catalogue and
    translated: a string marked since the last `make messages` fails, as does one left
    untranslated."""
    committed = entries(catalogue(locale))
    wanted = entries(catalogue(locale, fresh))
    missing = sorted(msgid for msgid in wanted if msgid not in committed)
    assert not missing, f"not in locale/{locale} (run `make messages`): {missing[:20]}"
    untranslated = sorted(msgid for msgid in wanted if not all(committed[msgid]))
    assert not untranslated, f"untranslated in locale/{locale}: {untranslated[:20]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_nothing_is_fuzzy_or_untranslated(locale):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalogue(locale))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip()
    assert "translated message" in statistics
    assert "fuzzy" not in statistics and "untranslated" not in statistics, statistics


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalogue_is_the_current_one(tmp_path, locale):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(compiled), str(catalogue(locale))], check=True)
    committed = catalogue(locale).with_suffix(".mo")
    assert committed.read_bytes() == compiled.read_bytes(), "run `make messages`"


def test_the_reader_sees_every_entry(tmp_path):
    """The check above can fail: it reads contexts, continued lines and plurals, and an
    empty translation is one."""
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgctxt "DNS record"\nmsgid "Type"\nmsgstr "ชนิด"\n\n'
        'msgid ""\n"Two "\n"lines"\nmsgstr ""\n\n'
        'msgid "%(n)d day"\nmsgid_plural "%(n)d days"\nmsgstr[0] "%(n)d วัน"\n',
        encoding="utf-8",
    )
    assert entries(po) == {
        ("DNS record", "Type"): ["ชนิด"],
        ("", "Two lines"): [""],
        ("", "%(n)d day"): ["%(n)d วัน"],
    }
