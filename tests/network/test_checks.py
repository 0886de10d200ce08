"""The system checks refuse a process with a weak Content-Security-Policy or in-memory backends.

The check functions are called with altered settings; the start-up refusal is
proven on real processes (manage.py, gunicorn, daphne), the way an operator
would meet it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from csp.constants import NONCE

from network import checks
from tests.servers import REPO_ROOT, free_port

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "-random-enough-for-a-test-0123456789abcdef",
    "ALLOWED_HOSTS": "network.example",
    "DATABASE_URL": "postgresql://network:pw@db.internal:5432/network",
    "REDIS_URL": "redis://redis.internal:6379/0",
}
WITHOUT_REDIS = {key: value for key, value in PRODUCTION.items() if key != "REDIS_URL"}


def ids(messages: list) -> list[str]:
    return [message.id for message in messages]


# --- Content-Security-Policy -----------------------------------------------------------


def test_the_configured_policy_passes() -> None:
    assert checks.check_content_security_policy() == []


def test_a_missing_csp_middleware_is_an_error(settings) -> None:
    settings.MIDDLEWARE = [
        path
        for path in settings.MIDDLEWARE
        if path != "network.middleware.ContentSecurityPolicyMiddleware"
    ]
    assert ids(checks.check_content_security_policy()) == ["network.E001"]


def test_django_csp_own_middleware_counts(settings) -> None:
    settings.MIDDLEWARE = [
        "csp.middleware.CSPMiddleware" if path.endswith("ContentSecurityPolicyMiddleware") else path
        for path in settings.MIDDLEWARE
    ]
    assert checks.check_content_security_policy() == []


def test_a_missing_security_headers_middleware_is_an_error(settings) -> None:
    settings.MIDDLEWARE = [
        path for path in settings.MIDDLEWARE if path != checks.SECURITY_HEADERS_MIDDLEWARE
    ]
    assert ids(checks.check_content_security_policy()) == ["network.E002"]


def test_csp_after_whitenoise_is_an_error(settings) -> None:
    """Static files and the HTTPS redirect would go out without a policy."""
    csp = "network.middleware.ContentSecurityPolicyMiddleware"
    middleware = [path for path in settings.MIDDLEWARE if path != csp]
    settings.MIDDLEWARE = [*middleware, csp]
    assert ids(checks.check_content_security_policy()) == ["network.E003"]


STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"script-src": ["'self'", "'unsafe-inline'"]}, "script-src allows 'unsafe-inline'"),
        ({"script-src": ["'self'", "'unsafe-eval'"]}, "script-src allows 'unsafe-eval'"),
        ({"script-src": ["'self'", "https:"]}, "script-src allows https:"),
        ({"script-src": ["'self'", "cdn.example.org"]}, "script-src allows cdn.example.org"),
        ({"script-src-attr": ["'unsafe-hashes'"]}, "script-src-attr allows 'unsafe-hashes'"),
        ({"script-src": None, "default-src": ["*"]}, "script-src allows *"),
        ({"default-src": None}, "default-src is missing"),
        ({"frame-ancestors": None}, "frame-ancestors must be 'none'"),
        ({"frame-ancestors": ["'self'"]}, "frame-ancestors must be 'none'"),
        ({"object-src": ["'self'"]}, "object-src must be 'none'"),
        ({"base-uri": None}, "base-uri must be 'none'"),
        ({"form-action": ["'self'", "https:"]}, "form-action must be 'self'"),
        ({"connect-src": ["sockets.example.org"]}, "connect-src must include 'self'"),
        ({"connect-src": ["'self'", "wss:"]}, "connect-src allows any host: wss:"),
    ],
)
def test_a_weakened_policy_is_an_error(settings, change: dict, problem: str) -> None:
    directives = {**STRICT, **change}
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {name: value for name, value in directives.items() if value is not None}
    }
    errors = checks.check_content_security_policy()
    assert ids(errors) == ["network.E004"]
    assert problem in errors[0].msg


def test_scripts_with_a_per_request_nonce_are_allowed(settings) -> None:
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**STRICT, "script-src": ["'self'", NONCE]}}
    assert checks.check_content_security_policy() == []


def test_no_policy_or_excluded_pages_are_errors(settings) -> None:
    settings.CONTENT_SECURITY_POLICY = {}
    assert ids(checks.check_content_security_policy()) == ["network.E004"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": STRICT, "EXCLUDE_URL_PREFIXES": ["/admin"]}
    assert ids(checks.check_content_security_policy()) == ["network.E004"]


# --- Shared backends in production -----------------------------------------------------

IN_MEMORY = {
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    "CHANNEL_LAYERS": {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}},
}
REDIS = {
    "CACHES": {
        "default": {"BACKEND": "network.cache.OutageTolerantRedisCache", "LOCATION": "redis://r"}
    },
    "CHANNEL_LAYERS": {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer"}},
}


def configure(settings, backends: dict, *, debug: bool, allow: bool = False) -> None:
    settings.DEBUG = debug
    settings.ALLOW_IN_MEMORY_BACKENDS = allow
    settings.CACHES = backends["CACHES"]
    settings.CHANNEL_LAYERS = backends["CHANNEL_LAYERS"]


def test_in_memory_backends_are_errors_in_production(settings) -> None:
    configure(settings, IN_MEMORY, debug=False)
    assert ids(checks.check_shared_backends()) == ["network.E005", "network.E006"]


def test_a_dummy_cache_is_an_error_in_production(settings) -> None:
    configure(settings, REDIS, debug=False)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert ids(checks.check_shared_backends()) == ["network.E006"]


def test_redis_passes_in_production(settings) -> None:
    configure(settings, REDIS, debug=False)
    assert checks.check_shared_backends() == []


def test_in_memory_backends_are_fine_when_developing_or_allowed(settings) -> None:
    configure(settings, IN_MEMORY, debug=True)
    assert checks.check_shared_backends() == []
    configure(settings, IN_MEMORY, debug=False, allow=True)
    assert checks.check_shared_backends() == []


# --- Real processes --------------------------------------------------------------------


def process_env(env: dict[str, str]) -> dict[str, str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
            "ALLOW_IN_MEMORY_BACKENDS",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return {**clean, **env}


def run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        cwd=REPO_ROOT,
        env=process_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_manage_py_check_fails_in_production_without_redis() -> None:
    result = run([sys.executable, "manage.py", "check"], WITHOUT_REDIS)
    assert result.returncode == 1
    assert "network.E005" in result.stderr and "network.E006" in result.stderr
    assert "Set REDIS_URL" in result.stderr


def test_manage_py_check_passes_with_redis_or_the_single_process_opt_out() -> None:
    assert run([sys.executable, "manage.py", "check"], PRODUCTION).returncode == 0
    allowed = {**WITHOUT_REDIS, "ALLOW_IN_MEMORY_BACKENDS": "true"}
    result = run([sys.executable, "manage.py", "check"], allowed)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "server",
    [
        ["-m", "gunicorn", "network.wsgi:application", "--workers", "2", "--bind"],
        ["-m", "daphne", "network.asgi:application", "-b", "127.0.0.1", "-p"],
    ],
    ids=["gunicorn", "daphne"],
)
def test_a_production_server_refuses_to_start_on_in_memory_backends(server: list[str]) -> None:
    port = free_port()
    address = f"127.0.0.1:{port}" if "gunicorn" in server else str(port)
    result = run([sys.executable, *server, address], WITHOUT_REDIS, timeout=90)
    # gunicorn stops on its "worker failed to boot" (3); when both workers fail
    # at once its arbiter may stop with its own traceback and 1 instead.
    assert result.returncode != 0, result.stderr
    if "daphne" in server:
        assert result.returncode == checks.CHECK_FAILED_EXIT_STATUS, result.stderr
        assert "Traceback" not in result.stderr
    assert "System check failed, not starting:" in result.stderr
    assert "network.E005" in result.stderr and "network.E006" in result.stderr


@pytest.mark.parametrize("entry_point", ["network.wsgi", "network.asgi"])
def test_a_production_entry_point_starts_with_the_documented_variables(entry_point: str) -> None:
    result = run([sys.executable, "-c", f"import {entry_point}"], PRODUCTION)
    assert result.returncode == 0, result.stderr
