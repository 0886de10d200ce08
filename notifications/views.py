"""Pages of the inbox: the list, read state, preferences and announcements."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from members.access import moderator_required
from members.discreet import set_discreet_mode
from members.models import (
    DEFAULT_DELIVERY,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    User,
)
from notifications.services import announce, mark_read, notifications_of

PAGE_SIZE = 30


@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "members/notifications.html", {"page": page})


@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read and go to the thing it is about."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    mark_read(request.user, [notification.pk])
    target = notification.url or "notifications:list"
    if notification.url and not url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        target = "notifications:list"
    return redirect(target)


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    mark_read(request.user, [notification.pk])
    return redirect(_back(request))


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    marked = mark_read(request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": len(marked)})
    return redirect(_back(request))


def _back(request: HttpRequest) -> str:
    page = request.POST.get("page", "")
    return "notifications:list" if not page.isdigit() else f"/notifications/?page={page}"


class PreferencesForm(forms.Form):
    def __init__(self, *args: object, member: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        chosen = dict(
            NotificationPreference.objects.filter(member=member).values_list("kind", "delivery")
        )
        for kind in NotificationKind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=chosen.get(kind.value, DEFAULT_DELIVERY.get(kind, Delivery.APP)),
                widget=forms.RadioSelect,
            )


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
        for kind, delivery in form.cleaned_data.items():
            NotificationPreference.objects.update_or_create(
                member=request.user, kind=kind, defaults={"delivery": delivery}
            )
        messages.success(request, _("Your notification preferences have been saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "members/notification_preferences.html",
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

    def clean_to(self) -> User | None:
        value = self.cleaned_data["to"].strip().lstrip("@")
        if not value:
            return None
        member = User.objects.filter(email__iexact=value).first() or (
            User.objects.filter(handle=value.lower()).first()
        )
        if member is None or not member.is_member:
            raise forms.ValidationError(_("No approved member has that handle or email."))
        return member


@moderator_required
def announcement(request: HttpRequest) -> HttpResponse:
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        count = announce(
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
    return render(request, "members/announce.html", {"form": form})
