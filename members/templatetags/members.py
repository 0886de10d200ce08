"""How a member appears everywhere: avatar, name and the expert badge.

Simple tags that build their few elements with ``format_html`` rather than
inclusion tags: a thread page shows fifty names, and rendering a template
for each name and each avatar was a fifth of the page's time.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from common import languages
from common.links import quick_reverse
from members.models import User

register = template.Library()

AVATAR_COLOURS = 8


def initials(user: User, *, name_shown: bool = True) -> str:
    """Up to two letters: the first of the first two words, ignoring (asides) and symbols.

    From the handle when the viewer may not see the name: the initials of a
    hidden name would give it away.
    """
    shown = user.name if name_shown else re.sub(r"[-_]", " ", user.handle)
    name = re.sub(r"\(.*?\)", " ", shown)
    words = re.findall(r"[^\W\d_][\w'\u2019.-]*", name)
    letters = "".join(word[0] for word in words[:2]) or "?"
    return letters.upper()


@register.simple_tag
def avatar(user: User, size: str = "small", name_shown: bool = True) -> SafeString:
    digest = hashlib.sha256(user.handle.encode()).digest()
    return format_html(
        '<span class="avatar avatar-{} avatar-c{}" aria-hidden="true">{}</span>',
        size,
        digest[0] % AVATAR_COLOURS,
        initials(user, name_shown=name_shown),
    )


@register.simple_tag(takes_context=True)
def member_name(context: template.Context, user: User, link: bool = True) -> SafeString:
    """Avatar, name (a link to the profile for a logged-in viewer) and badges."""
    viewer = context.get("user")
    if link and getattr(viewer, "is_authenticated", False):
        name = format_html(
            '<a href="{}"><bdi>{}</bdi></a>',
            quick_reverse("members:profile", user.handle),
            user.name,
        )
    else:
        name = format_html("<bdi>{}</bdi>", user.name)
    badges = []
    if user.is_expert:
        badges.append(
            format_html(
                ' <span class="badge badge-expert" title="{}">{}</span>',
                gettext("Expert: recognised by the moderators for their expertise"),
                gettext("Expert"),
            )
        )
    if user.is_moderator:
        badges.append(
            format_html(' <span class="badge badge-moderator">{}</span>', gettext("Moderator"))
        )
    return format_html(
        '<span class="member-name">{}{}{}</span>',
        avatar(user),
        name,
        mark_safe("".join(badges)),  # noqa: S308 - built by format_html
    )


@register.simple_tag(takes_context=True)
def author(context: template.Context, user: User | None) -> SafeString:
    """Who wrote something: the member's name, or "a former member" when the account is gone."""
    if user is None:
        return format_html(
            '<span class="member-name former-member">{}</span>', gettext("a former member")
        )
    return member_name(context, user)


@register.filter
def language_name(code: str) -> str:
    """A language's name in the interface language, for any code a member may choose."""
    return languages.language_name(code)


@register.filter
def bdi(value: object) -> SafeString:
    """Member-written text in its own bidi isolate: a right-to-left override in a
    name cannot reverse the timestamp or the words beside it."""
    return format_html("<bdi>{}</bdi>", value)


@register.filter
def at_handle(handle: str) -> SafeString:
    """``@handle`` in its own left-to-right isolate: a handle is Latin letters, and in an
    Arabic line its "@" would otherwise go to the other end ("joao@")."""
    return format_html('<span class="handle" dir="ltr">@{}</span>', handle)


@register.filter(expects_localtime=True)
def timestamp(value: date | None, format_name: str = "DATETIME_FORMAT") -> SafeString | str:
    """A date or time inside a sentence (``{% blocktranslate with when=…|timestamp %}``):
    a ``<time>`` element, in the interface language's format and in its own bidi
    isolate (site.css), as every other ``<time>`` of the pages."""
    if not value:
        return ""
    machine = iso(value) if isinstance(value, datetime) else value.isoformat()
    return format_html('<time datetime="{}">{}</time>', machine, date_format(value, format_name))


@register.simple_tag
def quick_url(name: str, *args: int | str) -> str:
    """``{% url %}`` for links repeated on every row of a page (see common.links)."""
    return quick_reverse(name, *args)


@register.filter(expects_localtime=True)
def iso(value: datetime) -> str:
    """A ``<time datetime>`` value: a valid HTML global date and time string.

    Seconds precision with the offset ("2026-03-01T09:30:00+00:00"). Django's
    ``|date:'c'`` and ``isoformat()`` keep the microseconds, which HTML allows
    only as up to three fraction digits; nobody needs the fraction of a second.
    Every template's ``datetime`` attribute goes through here.
    """
    return value.replace(microsecond=0).isoformat() if value else ""
