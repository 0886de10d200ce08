"""The kinds of notification, as the apps declare them.

The inbox knows no app's events: each app registers its own kinds (forum and
lessons in their ``notification_kinds`` module, loaded by their AppConfig;
the account kinds in ``notifications/notification_kinds.py``). A kind is the
string stored on every Notification and NotificationPreference row, a label
for the preferences page, the words that stand for it in email (mail.py:
never member-written text) and the delivery a member gets until they choose.

``notify()`` refuses a kind nobody registered, so a typo fails at once rather
than writing rows no preference or email summary knows. The preferences page
lists the kinds in the order they were registered (INSTALLED_APPS order),
under the group each app gives its kinds.

This module imports no model, so an app may import it at any time.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    APP = "app", _("In the app only")
    EMAIL = "email", _("In the app and by email at once")
    DIGEST = "digest", _("In the app and in a daily email digest")
    OFF = "off", _("Off")


class UnknownKind(ValueError):
    """A kind of notification no app registered."""


@dataclass(frozen=True)
class Kind:
    """One kind of notification.

    ``label`` names it on the preferences page ("Replies in threads you
    follow"); ``summary`` is an email's subject and the line that stands for
    the event in its body and in the digest ("New reply in a thread you
    follow"); ``default_delivery`` is what a member gets who has not chosen;
    ``group`` heads the kinds of one app on the preferences page ("Forum").
    """

    key: str
    label: str | Promise
    summary: str | Promise
    default_delivery: str = Delivery.APP
    group: str | Promise = ""

    def __post_init__(self) -> None:
        # A StrEnum member is a str; the registry and the rows keep plain strings.
        object.__setattr__(self, "key", str(self.key))
        object.__setattr__(self, "default_delivery", str(Delivery(self.default_delivery)))


_registry: dict[str, Kind] = {}


def register(*kinds: Kind) -> None:
    """Declare kinds of notification. Registering the same kind again is harmless
    (a module imported twice); two different kinds under one key are an error."""
    for kind in kinds:
        known = _registry.get(kind.key)
        if known is not None and known != kind:
            raise ImproperlyConfigured(f"notification kind {kind.key!r} is registered twice")
        _registry[kind.key] = kind


def unregister(key: str) -> None:
    """Forget a kind (tests that register one of their own)."""
    _registry.pop(str(key), None)


def get(key: str) -> Kind:
    try:
        return _registry[str(key)]
    except KeyError:
        raise UnknownKind(f"no app registered the notification kind {key!r}") from None


def is_registered(key: str) -> bool:
    return str(key) in _registry


def registered() -> list[Kind]:
    """Every kind, in the order the apps registered them."""
    return list(_registry.values())


def default_delivery(key: str) -> str:
    kind = _registry.get(str(key))
    return kind.default_delivery if kind is not None else Delivery.APP
