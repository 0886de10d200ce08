from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from allauth.usersessions.models import UserSession
        from django.db.models.signals import pre_save

        from members.privacy import forget_session_address

        # allauth has no hook for the IP address it stores with a session.
        pre_save.connect(
            forget_session_address, sender=UserSession, dispatch_uid="members.session_address"
        )

        from allauth.mfa import signals as mfa_signals

        from members.access import second_factor_added

        # Activating TOTP asks for a code: that is this session's second factor.
        mfa_signals.authenticator_added.connect(
            second_factor_added, dispatch_uid="members.second_factor_added"
        )

        from common import redaction
        from members.privacy import redact_audit

        # A purged title quoted in the audit log is taken out with the others.
        redaction.add_scrubber("members.audit", redact_audit)
