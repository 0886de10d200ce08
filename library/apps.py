from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = _("Library")

    def ready(self) -> None:
        # The library's kinds of notification, declared to the inbox.
        from library import notification_kinds  # noqa: F401
