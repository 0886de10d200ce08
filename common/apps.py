from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    """What every app uses and that knows no domain: markup, fragments, links,
    widgets, line diffs, the full-text engine, client addresses and rate counters."""

    name = "common"
    verbose_name = _("Common")
