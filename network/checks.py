"""System checks that stop a process which would run with weaker defences than it should.

- The Content-Security-Policy (always, in development too): its middleware is
  installed and wraps every response, and the policy allows scripts only from
  this site or a per-request nonce, no inline script or eval, no plugins, no
  <base>, no framing by other sites, forms only to this site.
- With DEBUG off: the channel layer and the cache are shared between processes
  (Redis). In-memory ones would make rate limits count per process and let a
  notification miss every socket held by another process.
  ``ALLOW_IN_MEMORY_BACKENDS`` opts out, for a single-process server only.

Errors fail ``manage.py check`` and every management command that runs checks
(runserver, migrate, run_outbox). gunicorn and daphne run no checks, so
network/wsgi.py and network/asgi.py call ``exit_on_check_errors`` in production.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

SELF, NONE = "'self'", "'none'"
SECURITY_HEADERS_MIDDLEWARE = "network.middleware.SecurityHeadersMiddleware"
# Middlewares that may answer without calling the rest of the chain: the CSP
# and the security headers must come before them to reach those answers too.
ANSWERING_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
]
# Exit status when a server refuses to start: gunicorn's "worker failed to
# boot", which makes gunicorn stop instead of starting the worker again.
CHECK_FAILED_EXIT_STATUS = 3


def _is_nonce(source: object) -> bool:
    from csp.constants import NONCE

    return source is NONCE or (isinstance(source, str) and source.startswith("'nonce-"))


def policy_problems(directives: dict[str, Any]) -> list[str]:
    """What is wrong with a CSP, given as django-csp's DIRECTIVES (directive -> sources)."""

    def sources(name: str) -> list[Any] | None:
        value = directives.get(name)
        if value is None:
            return None
        return [value] if isinstance(value, str) else list(value)

    problems = []
    default = sources("default-src")
    if default is None:
        problems.append("default-src is missing: anything not named would be allowed")
    for name in ["script-src", "script-src-elem", "script-src-attr"]:
        allowed = sources(name)
        if allowed is None:
            if name == "script-src":
                allowed = default or []
            else:
                continue  # falls back to script-src, checked above
        bad = [s for s in allowed if s not in {SELF, NONE} and not _is_nonce(s)]
        if bad:
            problems.append(
                f"{name} allows {' '.join(map(str, bad))}: scripts may come only from "
                "'self' or a per-request nonce"
            )
    for name, expected in [
        ("object-src", [NONE]),
        ("base-uri", [NONE]),
        ("frame-ancestors", [NONE]),
        ("form-action", [SELF]),
    ]:
        if sources(name) != expected:
            problems.append(f"{name} must be {' '.join(expected)}, is {sources(name)}")
    connect = sources("connect-src") or default or []
    if SELF not in connect:
        problems.append("connect-src must include 'self' (live.js opens this site's socket)")
    wide = [s for s in connect if s in {"*", "http:", "https:", "ws:", "wss:", "data:", "blob:"}]
    if wide:
        problems.append(f"connect-src allows any host: {' '.join(wide)}")
    return problems


def _middleware_class(path: str) -> type | None:
    try:
        return import_string(path)
    except ImportError:
        return None


@checks.register(checks.Tags.security)
def check_content_security_policy(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    from csp.middleware import CSPMiddleware

    errors: list[checks.CheckMessage] = []
    middleware = list(settings.MIDDLEWARE)
    csp_positions = [
        index
        for index, path in enumerate(middleware)
        if isinstance(cls := _middleware_class(path), type) and issubclass(cls, CSPMiddleware)
    ]
    if not csp_positions:
        errors.append(
            checks.Error(
                "No Content-Security-Policy middleware in MIDDLEWARE.",
                hint="Add network.middleware.ContentSecurityPolicyMiddleware first in MIDDLEWARE.",
                id="network.E001",
            )
        )
    if SECURITY_HEADERS_MIDDLEWARE not in middleware:
        errors.append(
            checks.Error(
                f"{SECURITY_HEADERS_MIDDLEWARE} is not in MIDDLEWARE.",
                hint="It sets Permissions-Policy and Cross-Origin-Resource-Policy.",
                id="network.E002",
            )
        )
    answering = [middleware.index(path) for path in ANSWERING_MIDDLEWARE if path in middleware]
    wrapping = list(csp_positions)
    if SECURITY_HEADERS_MIDDLEWARE in middleware:
        wrapping.append(middleware.index(SECURITY_HEADERS_MIDDLEWARE))
    if answering and any(position > min(answering) for position in wrapping):
        errors.append(
            checks.Error(
                "The Content-Security-Policy and security-header middlewares come after a "
                "middleware that answers by itself (HTTPS redirect, static files): those "
                "answers would go out without the headers.",
                hint="Put them first in MIDDLEWARE.",
                id="network.E003",
            )
        )
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    directives = policy.get("DIRECTIVES")
    if not directives:
        errors.append(
            checks.Error(
                "CONTENT_SECURITY_POLICY has no DIRECTIVES: no policy would be sent.",
                id="network.E004",
            )
        )
    else:
        errors.extend(
            checks.Error(f"Content-Security-Policy: {problem}.", id="network.E004")
            for problem in policy_problems(directives)
        )
    if policy.get("EXCLUDE_URL_PREFIXES"):
        errors.append(
            checks.Error(
                "CONTENT_SECURITY_POLICY excludes URL prefixes: those pages would have no policy.",
                id="network.E004",
            )
        )
    return errors


def _backend_is(path: str, *kinds: str) -> bool:
    try:
        backend = import_string(path)
    except ImportError:
        return False
    return any(issubclass(backend, import_string(kind)) for kind in kinds)


@checks.register(checks.Tags.caches)
def check_shared_backends(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    if settings.DEBUG or settings.ALLOW_IN_MEMORY_BACKENDS:
        return []
    errors: list[checks.CheckMessage] = []
    hint = (
        "Set REDIS_URL. Only a server that runs as one single process may set "
        "ALLOW_IN_MEMORY_BACKENDS=true instead."
    )
    layer = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
    if _backend_is(layer, "channels.layers.InMemoryChannelLayer"):
        errors.append(
            checks.Error(
                "The channel layer is in memory while DEBUG is off: notifications would "
                "not reach sockets held by other processes.",
                hint=hint,
                id="network.E005",
            )
        )
    cache = settings.CACHES.get("default", {}).get("BACKEND", "")
    if _backend_is(
        cache,
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    ):
        errors.append(
            checks.Error(
                "The cache is local to the process (or a dummy) while DEBUG is off: rate "
                "limits and two-factor replay checks would not be shared between processes.",
                hint=hint,
                id="network.E006",
            )
        )
    return errors


def serious(messages: Iterable[checks.CheckMessage]) -> list[checks.CheckMessage]:
    return [m for m in messages if m.is_serious() and not m.is_silenced()]


def exit_on_check_errors() -> None:
    """For servers that run no checks themselves (gunicorn, daphne): refuse to start.

    Production only; ``runserver`` checks by itself while developing.
    """
    if settings.DEBUG:
        return
    errors = serious(checks.run_checks(include_deployment_checks=True))
    if errors:
        lines = "\n".join(f"  {error}" for error in errors)
        print(f"System check failed, not starting:\n{lines}", file=sys.stderr)
        raise SystemExit(CHECK_FAILED_EXIT_STATUS)
