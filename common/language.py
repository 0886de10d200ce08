"""Texts written once for everyone are written in the site's language."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.utils import translation

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
