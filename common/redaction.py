"""What stands where text was taken out, and taking purged text out of every copy.

The placeholders are stored (in posts, titles, notifications), so they are
written in the site's language whoever acts. They know no app: the forum, the
lessons and the account-wide deletion (network.privacy) all write them.

``scrub_purged_text`` runs when a moderator purges a version of a post or a
lesson: the purged words may be quoted elsewhere (a title in notifications,
in emails, in audit details). Each app that keeps such copies registers a
scrubber (``add_scrubber``) at start-up: members its audit log
(members/apps.py), notifications its notifications and its outbox (installed
by network/apps.py, the composition root). A new app that quotes titles adds
its own scrubber; nothing here changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from django.conf import settings
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from common import fragments


def removed_placeholder() -> str:
    """What stands where removed text was, in the site's language (it is stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("[removed at the author's request]")


def former_member_name() -> str:
    """Who stands where a deleted account's name was, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("a former member")


def purged_placeholder() -> str:
    """What stands where purged text was, in the site's language (it is stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("[removed by a moderator]")


def redact(text: str, phrases: Iterable[str], placeholder: str) -> str:
    for phrase in phrases:
        text = text.replace(phrase, placeholder)
    return text


class Scrubber(Protocol):
    """Replace ``phrases`` with ``placeholder`` in one app's copies; links that start
    with ``url_prefix`` and match ``slugged`` (the old slug) are cut back to the prefix."""

    def __call__(
        self, *, phrases: list[str], placeholder: str, url_prefix: str, slugged: re.Pattern[str]
    ) -> object: ...


_scrubbers: dict[str, Scrubber] = {}


def add_scrubber(name: str, scrubber: Scrubber) -> None:
    """Register ``scrubber`` under ``name`` (registering a name again replaces it)."""
    _scrubbers[name] = scrubber


def scrubbers() -> dict[str, Scrubber]:
    return dict(_scrubbers)


def scrub_purged_text(*, phrases: Iterable[str], url_prefix: str) -> None:
    """Take purged text out of every copy the network made of it; in the purge's transaction.

    ``phrases`` are the purged words that other rows may quote: a title, which
    notification texts, email subjects and bodies and audit details quote
    (they never carry the text of a post or a lesson). Each becomes the
    placeholder. ``url_prefix`` is the object's short URL ("/forum/12/"):
    links to it with a slug made of the old title are cut back to it. The
    rendered-fragment store is emptied in every process, and the search
    indexes are the callers' (they index only the current text).
    """
    phrases = sorted({p for p in phrases if p.strip()}, key=len, reverse=True)
    if phrases:
        placeholder = purged_placeholder()
        # Only the slugs the purged titles made (as the models make them: 60
        # characters at most); /lessons/12/co-author/ and the like stay.
        slugs = {slugify(p)[:60].strip("-") for p in phrases} - {""}
        alternatives = "|".join(re.escape(slug) for slug in sorted(slugs, key=len, reverse=True))
        slugged = re.compile(re.escape(url_prefix) + f"(?:{alternatives or '(?!)'})(?:-thread)?/")
        for scrubber in _scrubbers.values():
            scrubber(
                phrases=phrases, placeholder=placeholder, url_prefix=url_prefix, slugged=slugged
            )
    fragments.forget_everything()
