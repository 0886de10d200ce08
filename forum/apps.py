from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "forum"
    verbose_name = _("Forum")

    def ready(self) -> None:
        # The forum's kinds of notification, declared to the inbox.
        from forum import notification_kinds  # noqa: F401
