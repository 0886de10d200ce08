"""Forms more than one app shows, knowing no domain."""

from __future__ import annotations

from typing import Any

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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the library's, a post's); each is then checked by
    common.uploads in the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(one, initial) for one in files]
