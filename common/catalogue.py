"""Texts that ship as data but are shown translated: the seed vocabulary.

The topic vocabulary and the reference standards are rows in the database,
written once in English by ``load_vocabulary`` (slugs, names, titles: the
canonical text every language shares). Their translations are catalogue
entries like any other string, keyed by that English text under a context
("topic name", "provision title", ...): the data files mark each text with
``pgettext_noop``, ``make makemessages`` extracts it (the project's
``makemessages`` command adds the keyword), translators translate it with
the rest of the interface, and ``translated`` looks it up when a page shows it.

Keyed by the text, not by the slug, on purpose: a topic a member proposes, or
a name or description a moderator rewrites, has no entry and is shown as
written, instead of a translation of something it no longer says.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import pgettext


def pgettext_noop(context: str, message: str) -> str:
    """Mark ``message`` for the catalogue under ``context``; return it untranslated."""
    return message


def translated(context: str, text: str) -> str:
    """``text`` in the interface language when the catalogue has it, else as written."""
    return pgettext(context, text) if text else text


def sort_key(text: str) -> tuple[str, str]:
    """Alphabetical order for names shown in any language: case and accents aside
    ("Éducation" beside "Education", not after "Zone"), ties as written."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char)), text
