"""Forms more than one app shows, knowing no domain."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy


class PurgeForm(forms.Form):
    """Why a moderator purges a version (of a post, of a lesson). The reason goes
    into the audit log, so it must not repeat the text it removes."""

    reason = forms.CharField(
        label=gettext_lazy("Why (for the audit log)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Do not repeat the removed text here: the audit log keeps this."),
        error_messages={"required": gettext_lazy("Say why, for the audit log.")},
    )
