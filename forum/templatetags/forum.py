from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def lookup(mapping: dict, key: object) -> object:
    """mapping[key] in a template, or None."""
    return mapping.get(key) if mapping else None
