from django.apps import AppConfig


class CommonConfig(AppConfig):
    """What every app uses and that knows no domain: markup, fragments, links,
    widgets, line diffs, the full-text engine, client addresses and rate counters.
    It has no models and shows nothing of its own, so it needs no verbose name."""

    name = "common"
