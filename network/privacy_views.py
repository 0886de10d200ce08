"""A member's own data: download it, delete the account (network.privacy does the work).

They live in network because the work spans every app; their URLs stay in the
``members`` namespace (/members/me/data/, /members/me/delete/: network/urls.py).

People waiting for approval may use both: the data is theirs before approval too.
"""

from __future__ import annotations

from typing import Any

from allauth.core import ratelimit
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from members.access import pending_allowed
from members.models import User
from network import privacy

KEEP, REMOVE = "keep", "remove"


class AccountDeleteForm(forms.Form):
    contributions = forms.ChoiceField(
        label=gettext_lazy("What you wrote in the forum and in lessons"),
        choices=[
            (
                KEEP,
                gettext_lazy(
                    "Keep it, shown as written by “a former member”, so that conversations "
                    "and lessons stay whole"
                ),
            ),
            (
                REMOVE,
                gettext_lazy(
                    "Remove it: my posts are replaced by “removed at the author's request” "
                    "and the lessons I wrote alone are deleted"
                ),
            ),
        ],
        widget=forms.RadioSelect,
    )
    handle = forms.CharField(label=gettext_lazy("Your handle"), max_length=30)
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.member: User = request.user
        self.fields["handle"].help_text = _("Type %(handle)s to confirm.") % {
            "handle": self.member.handle
        }

    def clean_handle(self) -> str:
        handle = self.cleaned_data["handle"].strip().lstrip("@").lower()
        if handle != self.member.handle:
            raise forms.ValidationError(_("This is not your handle."))
        return handle

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        # The same limit as allauth's other password prompts: a borrowed
        # session must not become a way to guess the password.
        if not ratelimit.consume(self.request, action="reauthenticate", user=self.member):
            raise forms.ValidationError(_("Too many attempts. Wait a minute and try again."))
        if not self.member.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password


@pending_allowed
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def data_export(request: HttpRequest) -> HttpResponse:
    """GET: what the download holds. POST: the download, made now and stored nowhere."""
    if request.method != "POST":
        return render(request, "members/data_export.html")
    response = JsonResponse(
        privacy.export_member_data(request.user),
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    filename = f"network-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@pending_allowed
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        privacy.delete_account(
            request.user, keep_contributions=form.cleaned_data["contributions"] == KEEP
        )
        logout(request)
        messages.success(request, _("Your account has been deleted."))
        return redirect("landing")
    return render(request, "members/account_delete.html", {"form": form})
