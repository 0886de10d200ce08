from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LessonsConfig(AppConfig):
    name = "lessons"
    verbose_name = _("Lessons learned")

    def ready(self) -> None:
        # The lessons' kinds of notification, declared to the inbox.
        from lessons import notification_kinds  # noqa: F401
