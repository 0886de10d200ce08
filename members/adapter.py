"""allauth's extension point: where a sign-up or a login goes next, and who is asking."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.clientip import client_ip
from members import signals
from members.discreet import sender_for
from members.models import User


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if user.is_authenticated and not user.is_member:
            return reverse("members:waiting")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return self.get_login_redirect_url(request)

    # The other ways to confirm it is you, as the reauthentication page lists
    # them: in the site's words ("Log in", never "sign-in"), sentence case.
    REAUTHENTICATION_WORDS = {
        "reauthenticate": _("Use your password"),
        "reauthenticate_by_code": _("Email me a code"),
        "mfa_reauthenticate": _("Use your authenticator app or a recovery code"),
        "mfa_reauthenticate:webauthn": _("Use a security key"),
    }

    def get_reauthentication_methods(self, user: AbstractBaseUser) -> list[dict]:
        methods = super().get_reauthentication_methods(user)
        for method in methods:
            words = self.REAUTHENTICATION_WORDS.get(method["id"])
            if words is not None:
                method["description"] = words
        return methods

    def get_client_ip(self, request: HttpRequest) -> str:
        # The address allauth's limits count by: the same one as ours, so
        # X-Forwarded-For counts only behind TRUSTED_PROXY_COUNT proxies.
        address = client_ip(request)
        if address is None:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def render_mail(
        self,
        template_prefix: str,
        email: str | list[str],
        context: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> EmailMessage:
        # allauth's emails greet from the request's host ("Hello from
        # 127.0.0.1:8201!"); ours sign with the site's name and address
        # (templates/account/email/base_message.txt), request or not.
        context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
        message = super().render_mail(template_prefix, email, context, headers)
        # Discreet mode: no site name in the subject or the sender's name.
        member = context.get("user")
        if not isinstance(member, User):
            addresses = [email] if isinstance(email, str) else email
            member = User.objects.filter(email__iexact=addresses[0]).first()
        if member is not None and member.discreet_mode:
            prefix = app_settings.EMAIL_SUBJECT_PREFIX or ""
            if prefix and message.subject.startswith(prefix):
                message.subject = message.subject[len(prefix) :]
            message.from_email = sender_for(member)
        return message

    def logout(self, request: HttpRequest) -> None:
        # The sockets this browser opened close with the session, and its row
        # in the sessions list (this browser's name) goes now, not at the next
        # purge. The browser's own data is cleared by members/signout.py.
        session_key = request.session.session_key
        super().logout(request)
        if session_key:
            UserSession.objects.filter(session_key=session_key).delete()
            signals.session_ended.send(sender=User, session_key=session_key)

    def set_password(self, user: AbstractBaseUser, password: str) -> None:
        # A changed or reset password ends the member's sockets everywhere,
        # as it ends their other sessions.
        super().set_password(user, password)
        signals.member_sessions_ended.send(sender=User, member_id=user.pk)


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions: Iterable[UserSession]) -> None:
        # "Sign out everywhere else": the sockets those browsers opened close too.
        sessions = list(sessions)
        super().end_sessions(sessions)
        for session in sessions:
            signals.session_ended.send(sender=User, session_key=session.session_key)


class MFAAdapter(DefaultMFAAdapter):
    """A moderator or admin keeps their TOTP authenticator while they hold the role.

    Staff powers need a second factor (members/access.py). Were a staff member
    able to remove theirs, whoever had only their password could enrol a new
    authenticator and get the powers; the role is granted only to a member
    with TOTP (members.services.set_role) and is given up before the TOTP.
    """

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        user = authenticator.user
        if authenticator.type == Authenticator.Type.TOTP and (
            user.is_moderator or user.is_superuser
        ):
            return False
        return super().can_delete_authenticator(authenticator)
