"""Which pages may open a WebSocket to this site: the Origin check of every socket.

A browser sends every handshake the site's cookies, whichever page opened
it, so the Origin header is what stops another site from reading a member's
notifications (cross-site WebSocket hijacking). An origin is a scheme, a host
and a port, and all three are compared: ``http://host`` is not
``https://host``, and another service on ``host:8081`` is not this site.

The rule is Django's own for form posts (``CsrfViewMiddleware``), so a page
whose forms the site accepts may open a socket and no other:

- the socket's own origin: the scheme it came in on (``wss`` is https;
  ``X-Forwarded-Proto`` counts only when ``TRUST_X_FORWARDED_PROTO`` set
  ``SECURE_PROXY_SSL_HEADER``) with the ``Host`` header, when that host is in
  ``ALLOWED_HOSTS``. This is what a development server on any host:port
  needs, and a browser cannot forge the Host of the page's own request;
- ``SITE_URL`` and ``CSRF_TRUSTED_ORIGINS`` (``https://*.example.org`` as
  Django reads it): behind a proxy that terminates TLS or rewrites the Host
  (the nginx of ``deploy/`` sends ``$host``, without the port), the public
  origin comes from settings.

No Origin header at all is refused (browsers always send one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]
Origin = tuple[str, str, int]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _parse(url: str) -> Origin | None:
    """(scheme, host, port) of an origin or URL, the default port filled in; None if invalid."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _header(scope: Scope, name: bytes) -> str | None:
    values = [value for key, value in scope.get("headers", []) if key.lower() == name]
    if len(values) != 1:  # absent, or sent twice: nothing to trust
        return None
    return values[0].decode("latin-1")


def _scheme(scope: Scope) -> str:
    if scope.get("scheme") in {"wss", "https"}:
        return "https"
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, secure_value = proxy_header
        header = name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin-1")
        value = _header(scope, header)
        if value is not None and value.split(",")[0].strip() == secure_value:
            return "https"
    return "http"


def _own_origin(scope: Scope) -> Origin | None:
    """The origin the socket was opened on, when its Host is one this site serves."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _ = split_domain_port(host.lower())
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]  # as Django's own get_host()
    if not domain or not validate_host(domain, allowed):
        return None
    return _parse(f"{_scheme(scope)}://{host}")


def _configured_match(origin: Origin, patterns: Iterable[str]) -> bool:
    scheme, host, port = origin
    for pattern in patterns:
        if "*" in pattern:
            # "https://*.example.org[:port]": that scheme and port, any subdomain.
            wildcard = _parse(pattern.replace("*", "wildcard", 1))
            if wildcard is None:
                continue
            w_scheme, w_host, w_port = wildcard
            suffix = w_host.removeprefix("wildcard")
            if (w_scheme, w_port) == (scheme, port) and is_same_domain(host, suffix):
                return True
        elif _parse(pattern) == origin:
            return True
    return False


def origin_allowed(scope: Scope) -> bool:
    """Whether the handshake's Origin is this site's (scheme, host and port)."""
    header = _header(scope, b"origin")
    origin = _parse(header) if header else None
    if origin is None:
        return False
    if origin == _own_origin(scope):
        return True
    return _configured_match(origin, [settings.SITE_URL, *settings.CSRF_TRUSTED_ORIGINS])


class OriginValidator:
    """Refuses (HTTP 403 at the handshake) a WebSocket from any other origin."""

    def __init__(self, application: ASGIApp) -> None:
        self.application = application

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
