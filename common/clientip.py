"""Which address a request comes from: one rule for our limits and allauth's.

allauth counts logins and sign-ups by ``members.adapter.get_client_ip``, our
own limits (network.ratelimit) by the same function, so X-Forwarded-For is
believed only behind ``TRUSTED_PROXY_COUNT`` proxies of ours, for both. It
knows no app: it reads a request or an ASGI scope and the setting.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For behind our proxies.

    With ``TRUSTED_PROXY_COUNT`` = 0 (the default) X-Forwarded-For is ignored:
    anyone can send it. With N proxies of ours in front, each appends the
    address it received the request from, so the entry N places from the right
    was written by our outermost proxy; entries to its left came from the
    client and are never used. None when no valid address is known.
    """
    return _client_ip(request.META.get("REMOTE_ADDR", ""), request.headers.get("x-forwarded-for"))


def socket_client_ip(scope: dict[str, Any]) -> str | None:
    """The client's address of a WebSocket handshake, by the same rule as ``client_ip``."""
    # Read the header ourselves: daphne's --proxy-headers puts the *leftmost*
    # X-Forwarded-For entry into scope["client"], which the client chose.
    client = scope.get("client") or ("", 0)
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", [])
        if name.lower() == b"x-forwarded-for"
    ]
    return _client_ip(str(client[0]), ",".join(forwarded) or None)


def _client_ip(remote_addr: str, forwarded_for: str | None) -> str | None:
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0 and forwarded_for:
        entries = forwarded_for.split(",")
        # Fewer entries than proxies: the request did not come through all of
        # them (e.g. a health check); the peer's own address is then the truth.
        if len(entries) >= count:
            address = _clean_ip(entries[-count])
            if address:
                return address
    return _clean_ip(remote_addr)


def _clean_ip(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.split(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
