"""Reading the environment into settings, with one-line errors.

Settings import this module; nothing here imports Django models. Each reader
raises ``ConfigError`` naming the variable, and the entry points (manage.py,
asgi.py, wsgi.py) turn that into a single line on stderr and a non-zero exit,
so an operator sees "DATABASE_URL: ..." and not a traceback.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ImproperlyConfigured):
    """A variable in the environment is missing or malformed."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        self.problem = problem
        super().__init__(f"{variable}: {problem}")


def get_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def get_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(name, f"expected true or false, got {raw!r}")


def get_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(name, f"expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(name, f"must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(name, f"must be at most {maximum}, got {value}")
    return value


def get_web_url(name: str, default: str) -> str:
    """An absolute http(s) address, such as a page the site links to."""
    raw = os.environ.get(name)
    url = default if raw is None or not raw.strip() else raw.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(name, f"expected an address such as https://example.org/, got {url!r}")
    return url


def get_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(name: str, url: str, *, conn_max_age: int) -> dict[str, Any]:
    """Parse DATABASE_URL; only PostgreSQL and SQLite are supported."""
    import dj_database_url

    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ConfigError(
            name,
            "expected postgresql://user:password@host:port/dbname or sqlite:///path, "
            f"got scheme {scheme or '(none)'!r}",
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises several types
        raise ConfigError(name, f"cannot be parsed ({exc})") from None
    if config["ENGINE"].endswith("postgresql") and not config.get("NAME"):
        raise ConfigError(name, "names no database (add /dbname to the URL)")
    if config["ENGINE"].endswith("sqlite3") and not config.get("NAME"):
        raise ConfigError(name, "names no database file (use sqlite:////absolute/path.db)")
    return config


def redis_url(name: str, url: str) -> str:
    """Check REDIS_URL's shape so a typo fails at start-up, not on first use."""
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(
            name, f"expected redis://host:port/db or rediss://..., got scheme {parts.scheme!r}"
        )
    if parts.scheme != "unix" and not parts.hostname:
        raise ConfigError(name, "names no host")
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ConfigError(name, "has a malformed port") from None
    return url


def email_from_url(name: str, url: str) -> dict[str, Any]:
    """Turn EMAIL_URL into Django's EMAIL_* settings.

    smtp://user:password@host:587?tls=true, smtps://...:465 (implicit TLS),
    console:, locmem:, dummy:, file:///path/to/dir
    """
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    backends = {
        # Framed and readable (network/console.py) rather than raw MIME.
        "console": "network.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
    }
    if parts.scheme in backends:
        config: dict[str, Any] = {"EMAIL_BACKEND": backends[parts.scheme]}
        if parts.scheme == "file":
            if not parts.path:
                raise ConfigError(name, "file: needs a directory, e.g. file:///var/mail")
            config["EMAIL_FILE_PATH"] = unquote(parts.path)
        return config
    if parts.scheme not in {"smtp", "smtps"}:
        raise ConfigError(
            name, f"expected smtp://, smtps://, console:, locmem: or file://, got {url!r}"
        )
    if not parts.hostname:
        raise ConfigError(name, "names no SMTP host")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(name, "has a malformed port") from None
    implicit_tls = parts.scheme == "smtps" or query.get("ssl", "").lower() in _TRUE
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if implicit_tls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": implicit_tls,
        "EMAIL_USE_TLS": not implicit_tls and query.get("tls", "").lower() in _TRUE,
        "EMAIL_TIMEOUT": 20,
    }


_RATE = r"\d+/(?:[1-9]\d*)?[smhd]"
_RATES = re.compile(rf"^{_RATE}(,{_RATE})*$")


def get_rate_limits(name: str, defaults: dict[str, str]) -> dict[str, str]:
    """The abuse limits: ``defaults``, changed by e.g. ``search=120/m;post=20/m,200/h``.

    Each rate is "amount/period" with a period in s, m, h or d ("10/m",
    "100/h", "3/10s"); several rates for one action are separated by commas,
    actions by semicolons. ``off`` turns one action's limit off
    (``search=off``), or every limit of ours when it is the whole value.
    """
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return dict(defaults)
    if raw.strip().lower() == "off":
        return {}
    limits = dict(defaults)
    for entry in raw.split(";"):
        if not entry.strip():
            continue
        action, _, rates = (part.strip() for part in entry.partition("="))
        if action not in defaults:
            raise ConfigError(
                name, f"unknown action {action!r}; expected one of {', '.join(sorted(defaults))}"
            )
        rates = rates.replace(" ", "")
        if rates.lower() == "off":
            limits.pop(action)
        elif _RATES.match(rates):
            limits[action] = rates
        else:
            raise ConfigError(name, f"{action}: expected rates such as 10/m,100/h, got {rates!r}")
    return limits


def exit_on_config_error(start: Callable[[], T]) -> T:
    """Run an entry point; a ConfigError becomes one line and exit status 2."""
    try:
        return start()
    except ConfigError as error:
        die(f"Configuration error: {error}")


def die(message: str) -> NoReturn:
    print(message, file=sys.stderr)
    raise SystemExit(2)
