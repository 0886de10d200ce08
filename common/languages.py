"""Languages: the ones a member may say they speak, named in the interface
language, and the site's language for texts written once for everyone.

Django names about ninety languages (``global_settings.LANGUAGES``, translated
by its own catalogues); members speak many more (isiZulu, Wolof, ...). The list
is ISO 639-1 as Unicode CLDR knows it (through Babel, already installed to
compile our catalogues) plus the few ISO 639-2/3 codes Django names. A
language Django names keeps Django's translated name, so what members saw
before stays as it was; any other takes CLDR's name in the interface language,
then the English one, then the code itself: naming a language never fails
(``django.utils.translation.get_language_info`` raises for codes Django does
not know, which is what made two demo profiles answer 500).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from babel import Locale, UnknownLocaleError
from django.conf import global_settings, settings
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, override, to_locale

_DJANGO_NAMES = {code: name for code, name in global_settings.LANGUAGES if "-" not in code}
_ENGLISH = Locale("en").languages

LANGUAGE_CODES: frozenset[str] = frozenset(
    {code for code in _ENGLISH if len(code) == 2} | set(_DJANGO_NAMES)
)


@functools.cache
def _cldr_names(interface_language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(to_locale(interface_language)).languages)
    except (UnknownLocaleError, ValueError):
        return {}


def language_name(code: str, interface_language: str | None = None) -> str:
    """``code``'s name in ``interface_language`` (default: the active one)."""
    return _language_name(code, interface_language or get_language() or "en")


# A name depends only on the two codes and the catalogues, which a process
# never reloads: lists that name the languages of hundreds of rows ask once.
@functools.lru_cache(maxsize=8192)
def _language_name(code: str, interface_language: str) -> str:
    if code in _DJANGO_NAMES:
        with override(interface_language):
            return gettext(_DJANGO_NAMES[code])
    name = _cldr_names(interface_language).get(code)
    return capfirst(name or _ENGLISH.get(code) or code)


def _sort_key(name: str) -> str:
    # "Égyptien" among the E's, not after "Zoulou".
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@functools.cache
def languages_named_in(interface_language: str | None) -> tuple[tuple[str, str], ...]:
    """Every language a member may choose, as (code, name), sorted by name."""
    named = ((code, language_name(code, interface_language)) for code in LANGUAGE_CODES)
    return tuple(sorted(named, key=lambda item: _sort_key(item[1])))


P = ParamSpec("P")
R = TypeVar("R")


def in_site_language(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` in ``settings.LANGUAGE_CODE``, whoever's request it runs in.

    Notification texts are stored once, in the site's language, whatever the
    language of the member who acted (forum and lessons services). The
    setting is read at each call, so ``override_settings`` holds in tests.
    """

    @functools.wraps(function)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        with translation.override(settings.LANGUAGE_CODE):
            return function(*args, **kwargs)

    return wrapped
