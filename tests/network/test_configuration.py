"""Settings come from the environment; bad values stop the process with one clear line.

Each case starts a fresh Python process, as an operator's start-up would, so
that settings are read exactly once with the given environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k" * 20 + "-random-enough-for-a-test-0123456789abcdef"
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": GOOD_SECRET,
    "ALLOWED_HOSTS": "network.example",
    "DATABASE_URL": "postgresql://network:pw@db.internal:5432/network",
    "REDIS_URL": "redis://redis.internal:6379/0",
}
PRINT_SETTINGS = """
import json
from django.conf import settings
out = {name: getattr(settings, name, None) for name in [
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER",
    "SESSION_ENGINE", "CACHES", "CHANNEL_LAYERS", "EMAIL_BACKEND", "EMAIL_HOST",
    "EMAIL_PORT", "EMAIL_USE_TLS", "ALLOWED_HOSTS"]}
out["DATABASE_ENGINE"] = settings.DATABASES["default"]["ENGINE"]
out["DATABASE_NAME"] = str(settings.DATABASES["default"]["NAME"])
print(json.dumps(out, default=str))
"""


def run(
    args: list[str], env: dict[str, str], *, check: bool = False
) -> subprocess.CompletedProcess[str]:
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
            "EMAIL_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


def settings_with(env: dict[str, str]) -> dict:
    result = run(
        ["-c", "import django; django.setup()\n" + PRINT_SETTINGS],
        {"DJANGO_SETTINGS_MODULE": "network.settings", **env},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_default_is_sqlite_in_memory_layer_and_local_cache() -> None:
    values = settings_with({"DEBUG": "true"})
    assert values["DATABASE_ENGINE"] == "django.db.backends.sqlite3"
    assert values["CHANNEL_LAYERS"]["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert values["EMAIL_BACKEND"].endswith("console.EmailBackend")


def test_database_and_redis_urls_switch_to_postgresql_and_redis() -> None:
    values = settings_with(PRODUCTION)
    assert values["DATABASE_ENGINE"] == "django.db.backends.postgresql"
    assert values["DATABASE_NAME"] == "network"
    layer = values["CHANNEL_LAYERS"]["default"]
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    host = layer["CONFIG"]["hosts"][0]
    # redis-py 8 would otherwise time out the layer's blocking reads after 5 s,
    # and its async pool would refuse a burst of more than 100 sockets.
    assert host["socket_timeout"] is None
    assert host["max_connections"] >= 1000
    assert host["address"] == "redis://redis.internal:6379/0"
    # Django's RedisCache, for which a Redis outage is a miss (network/cache.py).
    assert values["CACHES"]["default"]["BACKEND"] == "network.cache.OutageTolerantRedisCache"
    # Shared by every web process: the database, read through the shared cache.
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"


def test_production_mode_is_secure_by_default() -> None:
    values = settings_with(PRODUCTION)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_PROXY_SSL_HEADER"] is None


def test_behind_a_tls_proxy_redirect_can_be_left_to_the_proxy() -> None:
    values = settings_with(
        {**PRODUCTION, "SECURE_SSL_REDIRECT": "false", "TRUST_X_FORWARDED_PROTO": "true"}
    )
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_email_url_configures_smtp() -> None:
    values = settings_with(
        {**PRODUCTION, "EMAIL_URL": "smtp://mailer:p%40ss@smtp.example.org:587?tls=true"}
    )
    assert values["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
    assert values["EMAIL_HOST"] == "smtp.example.org"
    assert values["EMAIL_PORT"] == 587
    assert values["EMAIL_USE_TLS"] is True


def test_deploy_check_passes_with_the_documented_variables() -> None:
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "secret",
    [None, "", "   ", "change-me", "django-insecure-abcdefghijklmnopqrstuvwxyz0123456789", "short"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret: str | None) -> None:
    env = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    if secret is not None:
        env["SECRET_KEY"] = secret
    result = run(["manage.py", "check"], env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("Configuration error: SECRET_KEY:")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/network"),
        ("DATABASE_URL", "postgresql://user:pw@host:notaport/db"),
        ("DATABASE_URL", "postgresql://user:pw@host:5432"),
        ("DATABASE_URL", "not a url"),
        ("REDIS_URL", "redis://"),
        ("REDIS_URL", "http://localhost:6379"),
        ("REDIS_URL", "redis://localhost:port/0"),
        ("EMAIL_URL", "carrier-pigeon://loft"),
        ("DEBUG", "maybe"),
        ("REDIS_MAX_CONNECTIONS", "lots"),
        ("DIGEST_HOUR", "24"),
    ],
)
def test_malformed_variables_give_one_line_naming_the_variable(variable: str, value: str) -> None:
    result = run(["manage.py", "check"], {**PRODUCTION, variable: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {variable}:")


def test_wsgi_entry_point_reports_configuration_errors_in_one_line() -> None:
    result = run(["-c", "import network.wsgi"], {**PRODUCTION, "DATABASE_URL": "mysql://x/y"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Configuration error: DATABASE_URL: expected postgresql://user:password@host:port/dbname "
        "or sqlite:///path, got scheme 'mysql'"
    )


def test_production_needs_allowed_hosts() -> None:
    env = {key: value for key, value in PRODUCTION.items() if key != "ALLOWED_HOSTS"}
    result = run(["manage.py", "check"], env)
    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: ALLOWED_HOSTS:")
