"""allauth's extension point: where a sign-up or a login goes next."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.urls import reverse

from members.notifications import close_sockets_of_member, close_sockets_of_session


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if user.is_authenticated and not user.is_member:
            return reverse("members:waiting")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return self.get_login_redirect_url(request)

    def logout(self, request: HttpRequest) -> None:
        # The sockets this browser opened close with the session.
        session_key = request.session.session_key
        super().logout(request)
        if session_key:
            close_sockets_of_session(session_key)

    def set_password(self, user: AbstractBaseUser, password: str) -> None:
        # A changed or reset password ends the member's sockets everywhere,
        # as it ends their other sessions.
        super().set_password(user, password)
        close_sockets_of_member(user.pk)
