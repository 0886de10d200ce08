"""Every URL pattern of the project, found by walking the resolver, and a way to fill it in.

Used by the tests that must cover every URL (security headers, the access
matrix): a URL added anywhere, by an app or a third-party package, shows up
here without anyone listing it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

_PATH_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full route (prefixes joined) and the key tests know it by."""

    key: str  # "namespace:name", or the route itself for unnamed patterns
    route: str  # e.g. "forum/<int:pk>/reply/" or "accounts/^confirm-email/(?P<key>...)/$"

    @property
    def parameters(self) -> list[str]:
        return [m["name"] for m in _PATH_PARAMETER.finditer(self.route)] + [
            m["name"] for m in _REGEX_GROUP.finditer(self.route)
        ]

    def fill(self, values: Mapping[str, object]) -> str:
        """The path with every parameter replaced by ``values[name]``."""
        path = _PATH_PARAMETER.sub(lambda m: str(values[m["name"]]), self.route)
        path = _REGEX_GROUP.sub(lambda m: str(values[m["name"]]), path)
        return "/" + path.replace("^", "").replace("$", "")


def _walk(patterns: list, prefix: str, namespace: str | None) -> Iterator[Route]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                key = f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                key = route
            yield Route(key=key, route=route)


def all_routes() -> list[Route]:
    """Every URL pattern of the root URLconf (each key once: the first pattern wins)."""
    routes: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns, "", None):
        routes.setdefault(route.key, route)
    return list(routes.values())
