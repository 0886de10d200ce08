"""What the network's email says in its headers, and who it comes from.

Email is read on shared devices, previewed on lock screens and kept by mail
providers, so it carries no member-written text at all: a notification email
names the kind of event and links to it ("New reply in a thread you follow"),
never a title, a name or a post. Nothing member-written reaches a header
either, so a name with a line break cannot add one (or make the outbox fail).

A member in discreet mode (members/discreet.py) gets subjects without the
site's name and a sender without a display name.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# The From header follows the discreet-mode rule, which allauth's account email
# shares (members/adapter.py).
from members.discreet import sender_for as sender_for
from notifications import kinds

# A member (settings.AUTH_USER_MODEL); these read only ``discreet_mode``.
Member = AbstractBaseUser

# For a notification whose kind no app declares any more (the app was removed).
UNKNOWN_KIND = _("You have a new notification")


def notification_summary(kind: str) -> str:
    """The words that stand for a notification in email, in the active language: the
    summary its app registered, which is also the subject (notifications/kinds.py)."""
    if not kinds.is_registered(kind):
        return str(UNKNOWN_KIND)
    return str(kinds.get(kind).summary)


def one_line(text: str) -> str:
    """Text safe for a header: every control or separator character becomes a space."""
    return " ".join("".join(" " if not c.isprintable() else c for c in text).split())


def subject_for(member: Member, subject: str) -> str:
    """A subject line: ``[site] subject``, without the site's name in discreet mode."""
    subject = one_line(subject)
    if not member.discreet_mode:
        subject = f"[{one_line(settings.SITE_NAME)}] {subject}"
    return subject[:300]


def digest_subject(member: Member, count: int) -> str:
    return subject_for(
        member,
        ngettext("%(count)d new notification", "%(count)d new notifications", count)
        % {"count": count},
    )


def link_for_email(url: str) -> str:
    """A notification's address without the slug that a member-written title made.

    ``/forum/12/names-of-the-officers/#post-40`` becomes ``/forum/12/#post-40``:
    any address whose view takes a ``slug`` next to a ``pk`` answers without it
    (every such page has a short form), so no title reaches a mailbox in a link.
    """
    path, hash_sign, fragment = url.partition("#")
    try:
        match = resolve(path)
    except Resolver404:
        return url
    slug = match.kwargs.get("slug")
    if not slug or "pk" not in match.kwargs:
        return url
    short = path.replace(f"/{slug}/", "/", 1)
    try:
        resolve(short)
    except Resolver404:
        return url
    return short + hash_sign + fragment
