"""Every shipped language is complete.

Two ways a string can reach a member untranslated: the catalogue has the entry but
no translation (or a fuzzy one), or the code has a string that never reached the
catalogue (``make makemessages`` was not run after it was added). The second is
found by extracting the strings from the code and templates the way
``makemessages`` does (Django's own template-to-gettext step, Babel's Python
extractor with Django's keywords) and comparing them with each catalogue.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.template import templatize

BASE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = BASE_DIR / "locale"
SHIPPED = [code for code, _ in settings.LANGUAGES if code != "en"]

# What the Makefile's makemessages leaves out (--ignore), and what holds no code.
SKIPPED_DIRS = {".venv", "var", "tests", "locale", "node_modules", "__pycache__"}
# Django's makemessages keywords (xgettext --keyword=...), in Babel's notation.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
    # The vocabulary's marker (common.catalogue; the project's makemessages adds it).
    "pgettext_noop": ((1, "c"), 2),
}


def _source_files() -> Iterator[Path]:
    for path in sorted(BASE_DIR.rglob("*")):
        relative = path.relative_to(BASE_DIR)
        if any(part in SKIPPED_DIRS or part.startswith(".") for part in relative.parts[:-1]):
            continue
        if path.is_file() and path.suffix in {".py", ".html", ".txt"}:
            yield path


def _strings_in_code() -> dict[tuple[str | None, str], str]:
    """(context, msgid) -> where it is, for every translatable string in the code."""
    found: dict[tuple[str | None, str], str] = {}
    for path in _source_files():
        text = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            if "{% load i18n" not in text and "{%load i18n" not in text:
                continue
            # One line per template line (for line numbers); its strings are
            # repr()s, never spanning lines, so dropping indentation is safe and
            # keeps Python's tokenizer from tripping on the template's own.
            text = "\n".join(
                line.lstrip() for line in templatize(text, origin=str(path)).splitlines()
            )
        messages = extract("python", io.BytesIO(text.encode("utf-8")), keywords=KEYWORDS)
        for lineno, message, _comments, context in messages:
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault((context, msgid), f"{path.relative_to(BASE_DIR)}:{lineno}")
    return found


@pytest.fixture(scope="module")
def strings_in_code() -> dict[tuple[str | None, str], str]:
    return _strings_in_code()


def _catalogue(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        return read_po(handle)


def test_languages_are_shipped() -> None:
    """README promises these; each has a catalogue (checked below)."""
    assert {"nl", "fr", "es", "ar"} <= set(SHIPPED)


@pytest.mark.parametrize("language", SHIPPED)
def test_catalogue_is_complete(language: str) -> None:
    catalogue = _catalogue(language)
    missing = [
        m.id
        for m in catalogue
        if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
    ]
    assert not missing, f"{language}: {len(missing)} untranslated, e.g. {missing[:3]}"
    assert not catalogue.fuzzy, f"{language}: the catalogue header is marked fuzzy"


@pytest.mark.parametrize("language", SHIPPED)
def test_every_string_in_the_code_is_in_the_catalogue(
    language: str, strings_in_code: dict[tuple[str | None, str], str]
) -> None:
    catalogue = _catalogue(language)
    known = {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalogue}
    missing = sorted(
        f"{where}: {msgid!r}"
        for (context, msgid), where in strings_in_code.items()
        if (context, msgid) not in known
    )
    assert not missing, (
        f"{language}: {len(missing)} strings are not in the catalogue "
        f"(run make makemessages and translate them), e.g. {missing[:5]}"
    )


def test_extraction_finds_the_strings_of_code_and_templates(
    strings_in_code: dict[tuple[str | None, str], str],
) -> None:
    """The check above is only as good as the extraction: it must see both kinds."""
    assert (None, "Change language") in strings_in_code  # {% translate %} in base.html
    assert (None, "Your browser's language") in strings_in_code  # gettext_lazy in forms
    assert len(strings_in_code) > 500


@pytest.mark.parametrize("language", SHIPPED)
def test_plural_forms_match_the_language(language: str) -> None:
    """Every plural form is there; Arabic has six (zero, one, two, few, many, other)."""
    catalogue = _catalogue(language)
    if language == "ar":
        assert catalogue.num_plurals == 6
    for message in catalogue:
        if isinstance(message.id, tuple) and message.id[0]:
            assert len(message.string) == catalogue.num_plurals, message.id
