"""Member pages: directory, profiles, waiting page, invitations and moderation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from common.filters import active_filters
from common.links import query_without_page
from members import access, selectors, services
from members.access import moderator_required, pending_allowed
from members.forms import (
    INVITATION_SESSION_KEY,
    BanForm,
    ContactForm,
    DirectoryFilterForm,
    InvitationForm,
    ProfileForm,
    RejectForm,
)
from members.models import ContactCategory, Invitation, Profile, Status, User

PAGE_SIZE = 24


@require_safe
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    members = selectors.directory(
        query=filters.get("q", ""),
        tag=filters.get("tag"),
        country=filters.get("country", ""),
        language=filters.get("language", ""),
        role=filters.get("role", ""),
        open_to_questions=filters.get("open", False),
        experts_only=filters.get("experts", False),
    )
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "members/directory.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "chips": active_filters(request, form),
        },
    )


@login_not_required
@require_safe
def profile(request: HttpRequest, handle: str) -> HttpResponse:
    member = selectors.member_by_handle(handle)
    viewer = request.user
    is_member_viewer = viewer.is_authenticated and viewer.is_member
    if member is None:
        raise Http404
    profile = _profile_of(member)
    # Visitors (and people waiting for approval) see only what the member made
    # public; a member who made nothing public does not exist for them.
    if not is_member_viewer and not profile.has_public_part:
        raise Http404
    context = {
        "member": member,
        "profile": profile,
        "show": _visible_parts(profile, members_view=is_member_viewer),
        "is_self": viewer.is_authenticated and viewer.pk == member.pk,
    }
    if is_member_viewer and viewer.can_moderate:
        context.update(
            can_grant_expert=access.can_change_role(viewer, member, "expert"),
            can_grant_moderator=access.can_change_role(viewer, member, "moderator"),
            can_grant_admin=access.can_change_role(viewer, member, "admin"),
            can_ban=access.can_ban(viewer, member),
            ban_form=BanForm(),
        )
    return render(request, "members/profile.html", context)


def _profile_of(member: User) -> Profile:
    try:
        return member.profile
    except Profile.DoesNotExist:
        return Profile(user=member)


def _visible_parts(profile: Profile, *, members_view: bool) -> dict[str, bool]:
    parts = ("name", "bio", "organisation", "country", "languages", "role", "expertise")
    return {part: members_view or profile.is_public(part) for part in parts}


def profile_edit(request: HttpRequest) -> HttpResponse:
    member = request.user
    profile, _created = Profile.objects.get_or_create(user=member)
    form = ProfileForm(request.POST or None, instance=profile, member=member)
    if request.method == "POST" and form.is_valid():
        form.save()
        if member.language:  # the confirmation already in the language just chosen
            translation.activate(member.language)
        messages.success(request, _("Your profile has been saved."))
        return redirect("members:profile", handle=member.handle)
    return render(request, "members/profile_edit.html", {"form": form})


@pending_allowed
@require_safe
def waiting(request: HttpRequest) -> HttpResponse:
    if request.user.is_member:
        return redirect("landing")
    return render(request, "members/waiting.html")


# --- Invitations -----------------------------------------------------------------


def invitations(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation = services.create_invitation(
            inviter=request.user, note=form.cleaned_data["note"]
        )
        messages.success(request, _("Invitation created. Copy the link and send it safely."))
        return redirect(f"{reverse('members:invitations')}#invitation-{invitation.pk}")
    return render(
        request,
        "members/invitations.html",
        {"form": form, "invitations": selectors.invitations_of(request.user)},
    )


@login_not_required
@require_safe
def join(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.objects.filter(token=token).first()
    if invitation is None or not invitation.is_usable:
        return render(request, "members/invitation_invalid.html", status=410)
    request.session[INVITATION_SESSION_KEY] = invitation.token
    messages.info(
        request,
        _("You were invited: once you confirm your email you are a member straight away."),
    )
    return redirect("account_signup")


# --- Contact ---------------------------------------------------------------------


@login_not_required
def contact(request: HttpRequest) -> HttpResponse:
    """The contact form (rate-limited per address or member: network/ratelimit.py)."""
    user = request.user if request.user.is_authenticated else None
    form = ContactForm(request.POST or None, initial=_contact_initial(request, user))
    if request.method == "POST" and form.is_valid():
        if not form.is_from_a_robot:
            data = form.cleaned_data
            services.send_contact_message(
                sender=user,
                name=data["name"],
                reply_to=data["reply_to"],
                category=data["category"],
                message=data["message"],
            )
        messages.success(
            request, _("Thank you: your message is with the moderators. Only they can read it.")
        )
        return redirect("contact")
    return render(request, "members/contact.html", {"form": form, "signed_in": user is not None})


def _contact_initial(request: HttpRequest, user: User | None) -> dict[str, str]:
    # A link may choose the subject (the sign-up pages: ?about=joining).
    about = request.GET.get("about", "")
    initial = {"category": about} if about in ContactCategory.values else {}
    if user is not None:
        initial.update(name=user.name, reply_to=user.email)
    return initial


@moderator_required
@require_safe
def contact_messages(request: HttpRequest) -> HttpResponse:
    handled = request.GET.get("handled") == "1"
    page = Paginator(selectors.contact_messages(handled=handled), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request, "members/contact_messages.html", {"page": page, "showing_handled": handled}
    )


@moderator_required
@require_safe
def contact_message(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.contact_message(pk)
    if message is None:
        raise Http404
    return render(request, "members/contact_message.html", {"message": message})


@moderator_required
@require_POST
def contact_message_handle(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.contact_message(pk)
    if message is None:
        raise Http404
    handled = request.POST.get("handled") != "0"
    services.set_contact_message_handled(moderator=request.user, message=message, handled=handled)
    if handled:
        messages.success(request, _("The message is marked handled."))
        return redirect("members:contact_messages")
    messages.success(request, _("The message is waiting again."))
    return redirect("members:contact_message", pk=message.pk)


@moderator_required
@require_POST
def contact_message_delete(request: HttpRequest, pk: int) -> HttpResponse:
    message = selectors.contact_message(pk)
    if message is None:
        raise Http404
    services.delete_contact_message(moderator=request.user, message=message)
    messages.success(request, _("The message is deleted. No copy of it is left."))
    return redirect("members:contact_messages")


# --- Moderation ------------------------------------------------------------------


@moderator_required
@require_safe
def pending(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.pending_requests(), 50).get_page(request.GET.get("page"))
    return render(request, "members/pending.html", {"page": page, "reject_form": RejectForm()})


@moderator_required
@require_POST
def approve(request: HttpRequest, handle: str) -> HttpResponse:
    member = get_object_or_404(User, handle=handle, status=Status.PENDING)
    services.approve_member(moderator=request.user, member=member)
    messages.success(request, _("%(name)s is now a member.") % {"name": member.name})
    return redirect("members:pending")


@moderator_required
@require_POST
def reject(request: HttpRequest, handle: str) -> HttpResponse:
    member = get_object_or_404(User, handle=handle, status=Status.PENDING)
    form = RejectForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.reject_member(moderator=request.user, member=member, reason=reason)
    messages.success(request, _("The request was rejected."))
    return redirect("members:pending")


@moderator_required
@require_POST
def set_role(request: HttpRequest, handle: str, role: str) -> HttpResponse:
    member = get_object_or_404(User, handle=handle)
    granted = request.POST.get("granted") == "1"
    if role not in {"expert", "moderator", "admin"}:
        raise Http404
    if not access.can_change_role(request.user, member, role):
        raise PermissionDenied
    try:
        services.set_role(actor=request.user, member=member, role=role, granted=granted)
    except services.RoleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Roles updated."))
    return redirect("members:profile", handle=member.handle)


@moderator_required
@require_POST
def ban(request: HttpRequest, handle: str) -> HttpResponse:
    member = get_object_or_404(User, handle=handle)
    if not access.can_ban(request.user, member):
        raise PermissionDenied
    if request.POST.get("lift") == "1":
        services.unban_member(moderator=request.user, member=member)
        messages.success(request, _("The ban was lifted."))
        return redirect("members:audit")
    form = BanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the ban."))
        return redirect("members:profile", handle=member.handle)
    services.ban_member(moderator=request.user, member=member, reason=form.cleaned_data["reason"])
    messages.success(request, _("%(name)s is banned and logged out.") % {"name": member.name})
    return redirect("members:audit")


@moderator_required
@require_safe
def audit(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.audit_log(), 50).get_page(request.GET.get("page"))
    banned = User.objects.filter(is_banned=True).order_by("handle")
    return render(request, "members/audit.html", {"page": page, "banned": banned})
