"""Every shipped language is complete: no untranslated or fuzzy entry in a catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES if code != "en"])
def test_catalogue_is_complete(language: str) -> None:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    missing = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
    assert not missing, f"{language}: {len(missing)} untranslated, e.g. {missing[:3]}"
    assert not catalogue.fuzzy, f"{language}: the catalogue header is marked fuzzy"
