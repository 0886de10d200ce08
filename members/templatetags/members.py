"""How a member appears everywhere: avatar, name and the expert badge."""

from __future__ import annotations

import hashlib
import re

from django import template

from members.models import User

register = template.Library()

AVATAR_COLOURS = 8


def initials(user: User) -> str:
    """Up to two letters: the first of the first two words, ignoring (asides) and symbols."""
    name = re.sub(r"\(.*?\)", " ", user.name)
    words = re.findall(r"[^\W\d_][\w'\u2019.-]*", name)
    letters = "".join(word[0] for word in words[:2]) or "?"
    return letters.upper()


@register.inclusion_tag("members/includes/avatar.html")
def avatar(user: User, size: str = "small") -> dict:
    digest = hashlib.sha256(user.handle.encode()).digest()
    return {"initials": initials(user), "colour": digest[0] % AVATAR_COLOURS, "size": size}


@register.inclusion_tag("members/includes/member_name.html", takes_context=True)
def member_name(context: template.Context, user: User, link: bool = True) -> dict:
    viewer = context.get("user")
    return {
        "member": user,
        "link": link and getattr(viewer, "is_authenticated", False),
    }
