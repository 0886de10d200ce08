"""Pages of the inbox: the list, read state, preferences, announcements and follows."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from members import selectors as member_selectors
from members.access import moderator_required
from members.discreet import set_discreet_mode
from notifications import kinds, selectors, services
from notifications.kinds import Delivery
from notifications.models import Notification

PAGE_SIZE = 30


@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_of(member=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/notifications.html", {"page": page})


@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read and go to the thing it is about."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_read(member=request.user, ids=[notification.pk])
    target = notification.url or "notifications:list"
    if notification.url and not url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        target = "notifications:list"
    return redirect(target)


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_read(member=request.user, ids=[notification.pk])
    return redirect(_back(request))


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    marked = services.mark_read(member=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": len(marked)})
    return redirect(_back(request))


def _back(request: HttpRequest) -> str:
    page = request.POST.get("page", "")
    return "notifications:list" if not page.isdigit() else f"/notifications/?page={page}"


# The preferences table's column headings, short enough for a phone; each radio
# button is named "<kind>: <column>".
DELIVERY_COLUMNS = {
    Delivery.APP: gettext_lazy("In the app"),
    Delivery.EMAIL: gettext_lazy("Email at once"),
    Delivery.DIGEST: gettext_lazy("Daily digest"),
    Delivery.OFF: gettext_lazy("Off"),
}


class PreferencesForm(forms.Form):
    """One choice of delivery per kind that an app registered (notifications/kinds.py),
    shown as one table: a row per kind, a column per delivery."""

    def __init__(self, *args: object, member: AbstractBaseUser, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        chosen = selectors.deliveries_of(member=member)
        for kind in kinds.registered():
            self.fields[kind.key] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=chosen[kind.key],
                widget=forms.RadioSelect,
            )

    def columns(self) -> list[str]:
        return [str(DELIVERY_COLUMNS[Delivery(value)]) for value, _label in Delivery.choices]

    def table(self) -> list[tuple[str, list[tuple[forms.BoundField, list[tuple[object, str]]]]]]:
        """[(group, [(field, [(radio, column heading)])])], the kinds in registry order
        under the group their app gave them."""
        groups: dict[str, list] = {}
        for kind in kinds.registered():
            field = self[kind.key]
            radios = [(radio, str(DELIVERY_COLUMNS[radio.data["value"]])) for radio in field]
            groups.setdefault(str(kind.group), []).append((field, radios))
        return list(groups.items())


class DiscreetForm(forms.Form):
    discreet_mode = forms.BooleanField(
        label=gettext_lazy("Use discreet mode on every device"),
        required=False,
        help_text=gettext_lazy(
            "The browser tab shows “Notes” and a plain icon, emails do not name the "
            "network in their subject or sender, and you are signed out when you close "
            "the browser or after two hours without activity."
        ),
    )


def preferences(request: HttpRequest) -> HttpResponse:
    discreet_form = DiscreetForm(
        request.POST if request.POST.get("form") == "discreet" else None,
        initial={"discreet_mode": request.user.discreet_mode},
    )
    if discreet_form.is_bound and discreet_form.is_valid():
        on = discreet_form.cleaned_data["discreet_mode"]
        set_discreet_mode(member=request.user, on=on, session=request.session)
        messages.success(request, _("Discreet mode is on.") if on else _("Discreet mode is off."))
        return redirect("notifications:preferences")
    form = PreferencesForm(
        None if discreet_form.is_bound else request.POST or None, member=request.user
    )
    if request.method == "POST" and form.is_valid():
        services.set_deliveries(member=request.user, deliveries=form.cleaned_data)
        messages.success(request, _("Your notification preferences have been saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/notification_preferences.html",
        {"form": form, "discreet_form": discreet_form},
    )


class AnnouncementForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Announcement"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Plain text, up to 300 characters. Shown as a notification."),
    )
    to = forms.CharField(
        label=gettext_lazy("To one member only (handle or email; leave empty for everyone)"),
        max_length=254,
        required=False,
    )

    def clean_to(self) -> AbstractBaseUser | None:
        value = self.cleaned_data["to"].strip().lstrip("@")
        if not value:
            return None
        members = get_user_model().objects
        member = members.filter(email__iexact=value).first() or (
            members.filter(handle=value.lower()).first()
        )
        if member is None or not member.is_member:
            raise forms.ValidationError(_("No approved member has that handle or email."))
        return member


@moderator_required
def announcement(request: HttpRequest) -> HttpResponse:
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        count = services.announce(
            actor=request.user, text=form.cleaned_data["text"], to=form.cleaned_data["to"]
        )
        messages.success(
            request,
            ngettext(
                "Announcement sent to %(count)d member.",
                "Announcement sent to %(count)d members.",
                count,
            )
            % {"count": count},
        )
        return redirect("notifications:announce")
    return render(request, "notifications/announce.html", {"form": form})


# --- Follows (their addresses are under /members/: notifications/follow_urls.py) ---


@require_POST
def follow_member(request: HttpRequest, handle: str) -> HttpResponse:
    member = member_selectors.member_by_handle(handle)
    if member is None:
        raise Http404
    if member.pk != request.user.pk:
        _follow_or_unfollow(request, member)
    return redirect("members:profile", handle=member.handle)


@require_safe
def topics(request: HttpRequest) -> HttpResponse:
    topics = selectors.with_follower_counts(member_selectors.topics())
    followed = set(selectors.followed_ids(follower=request.user, model=topics.model))
    tags = member_selectors.by_shown_name(topics)
    return render(request, "notifications/topics.html", {"tags": tags, "followed": followed})


@require_POST
def follow_tag(request: HttpRequest, slug: str) -> HttpResponse:
    tag = member_selectors.topic_by_slug(slug)
    if tag is None:
        raise Http404
    _follow_or_unfollow(request, tag)
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("follows:topics")


def _follow_or_unfollow(request: HttpRequest, target: object) -> None:
    if request.POST.get("follow") == "0":
        services.unfollow(follower=request.user, target=target)
    else:
        services.follow(follower=request.user, target=target)
