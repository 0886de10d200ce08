"""Template tags for pages of other apps that show a Follow button (a profile)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model

from notifications import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def is_following(context: template.Context, target: Model) -> bool:
    """Whether the member viewing the page follows ``target``: ``{% is_following
    member as is_following %}``. False for visitors and for the member themself."""
    user: Any = context.get("user")
    if user is None or not user.is_authenticated or not user.is_member or user.pk == target.pk:
        return False
    return selectors.is_following(follower=user, target=target)
