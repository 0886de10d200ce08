"""The site's icons: small SVG files in network/static/network/icons/, shown inline.

``{% icon "bell" %}`` writes an ``<svg>`` that uses the file's drawing, so the
icon takes the colour of the text around it (light and dark themes) and the
browser fetches each file once. Icons are decoration: the control that holds
one carries its own name (visible text or a visually hidden one).
"""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

ICONS = frozenset({"bell", "chevron-down", "close", "mark", "menu", "search", "user"})


@register.simple_tag
def icon(name: str, css_class: str = "") -> SafeString:
    if name not in ICONS:
        raise template.TemplateSyntaxError(f"no icon named {name!r}")
    return format_html(
        '<svg class="icon{}" viewBox="0 0 24 24" aria-hidden="true" focusable="false">'
        '<use href="{}#icon"></use></svg>',
        f" {css_class}" if css_class else "",
        static(f"network/icons/{name}.svg"),
    )
