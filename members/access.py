"""Who may see and do what in members: the decorators every members-only or
moderator view uses, and the checks (``can_ban``, ``can_change_role``,
``can_curate_tags``) that views, templates and members.services ask, so a read
never imports the writes to learn whether a button shows.

The default is deny: LoginRequiredMiddleware sends visitors to the login page
for any view not marked ``login_not_required``, and MembershipMiddleware shows
the waiting page to a login that is not an approved membership. Views for
moderators add ``moderator_required``.

Staff powers need a second factor, in one place: ``StaffPowersMiddleware``
asks, for every request of a moderator or admin, whether this session passed a
second factor (allauth records each authentication step in the session), and
if not it locks the powers on ``request.user``. ``User.can_moderate`` and
``User.is_admin`` honour the lock, so every selector, service, template and
view that asks them gives such a session exactly an ordinary member's view.
A member object loaded outside a request (a management command, the worker)
is not locked: those run with the operator's authority.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from members.models import User

View = Callable[..., HttpResponse]

DEMO_MODERATOR_EMAIL = "moderator@demo.example"


def pending_allowed(view: View) -> View:
    """Mark a view that members waiting for approval may still use."""
    view.pending_allowed = True  # type: ignore[attr-defined]
    return view


def _demo_exempt(user: User) -> bool:
    return bool(settings.DEMO_MODERATOR_WITHOUT_MFA) and user.email == DEMO_MODERATOR_EMAIL


def has_two_factor(user: User) -> bool:
    """The member has a TOTP authenticator set up (the demo moderator may be exempt)."""
    if _demo_exempt(user):
        return True
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def second_factor_verified(request: HttpRequest, user: User) -> bool:
    """This session passed a second factor that the member still has.

    allauth records each step of a login (and of a reauthentication) in the
    session; a TOTP code or a recovery code counts. Removing the TOTP
    authenticator ends it, as does a session that never passed one (a login
    made before the authenticator was added, or by code that skips the form).
    """
    if _demo_exempt(user):
        return True
    used = {
        record.get("id")
        for record in get_authentication_records(request, user)
        if record.get("method") == "mfa"
    }
    if not used:
        return False
    return (
        Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        and Authenticator.objects.filter(user=user, pk__in=used).exists()
    )


def second_factor_added(
    sender: object, request: HttpRequest, authenticator: Authenticator, **kwargs: Any
) -> None:
    """Count the TOTP code entered to activate an authenticator as this session's second factor."""
    from allauth.account.internal.flows.login import record_authentication

    if authenticator.type == Authenticator.Type.TOTP:
        record_authentication(
            request, authenticator.user, "mfa", id=authenticator.pk, type=authenticator.type
        )


class StaffPowersMiddleware:
    """Locks a moderator's or admin's powers in a session without a second factor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and (user.is_moderator or user.is_superuser)
            and not second_factor_verified(request, user)
        ):
            user.staff_powers_locked = True
        return self.get_response(request)


def moderator_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and user.can_moderate):
            # A moderator without a second factor gets an ordinary member's
            # refusal; the banner of every page (staff_powers) says the way out.
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def admin_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (request.user.is_authenticated and request.user.is_admin):
            raise PermissionDenied
        return moderator_required(view)(request, *args, **kwargs)

    return wrapped


# --- Who may do what ---------------------------------------------------------------


def can_change_role(actor: User, member: User, role: str) -> bool:
    """Moderators grant the expert badge; only admins make moderators and admins."""
    if not actor.can_moderate or actor.pk == member.pk or not member.is_member:
        return False
    if role == "expert":
        return True
    return actor.is_admin


def can_ban(actor: User, member: User) -> bool:
    if not actor.can_moderate or actor.pk == member.pk:
        return False
    if member.is_superuser or member.is_moderator:
        return actor.is_admin
    return True


def can_curate_tags(member: User) -> bool:
    return (
        member.is_authenticated and member.is_member and (member.is_expert or member.can_moderate)
    )


def can_read_contact_messages(member: User) -> bool:
    """The contact queue is the moderators': what people write there may name anyone."""
    return member.is_authenticated and member.can_moderate
