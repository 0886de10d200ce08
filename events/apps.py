from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Trainings and events")

    def ready(self) -> None:
        # The events' kinds of notification, declared to the inbox.
        from events import notification_kinds  # noqa: F401
