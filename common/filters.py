"""The filters a list is shown with, as chips that each remove themselves.

A list's filter form sits in a closed disclosure (a phone shows the rows
first); what is chosen stays visible above the rows as chips, each a plain
link to the same list without that one value, so taking a filter off needs
neither the form nor JavaScript. The links keep every other parameter of the
request (the sort, the other topics) and drop only ``page``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.http import HttpRequest


@dataclass(frozen=True)
class ActiveFilter:
    field: str  # the field's label: "Topics", "Language"
    value: str  # what is chosen: a topic's name, a language's name
    remove_url: str  # this list without it ("?" + query)
    member_written: bool  # a topic's name: shown in its own bidi isolate


def active_filters(
    request: HttpRequest, form: forms.Form, *, skip: tuple[str, ...] = ()
) -> list[ActiveFilter]:
    """One chip per chosen value of a valid ``form``, in the form's order."""
    if not form.is_bound or not form.is_valid():
        return []
    chips = []
    for name, field in form.fields.items():
        if name in skip:
            continue
        chosen = form.cleaned_data.get(name)
        if chosen in (None, "", False) or (isinstance(chosen, list | tuple) and not chosen):
            continue
        if isinstance(field, forms.ModelMultipleChoiceField):
            values = [(str(item), _raw(field, item)) for item in chosen]
        elif isinstance(field, forms.ModelChoiceField):
            values = [(str(chosen), _raw(field, chosen))]
        elif isinstance(field, forms.BooleanField):
            values = [(str(field.label), None)]
        elif isinstance(field, forms.ChoiceField):
            labels = {str(key): label for key, label in field.choices}
            values = [(str(labels.get(str(chosen), chosen)), str(chosen))]
        else:
            values = [(str(chosen), None)]
        for label, raw in values:
            chips.append(
                ActiveFilter(
                    field=str(field.label),
                    value=label,
                    remove_url="?" + _without(request, name, raw),
                    member_written=isinstance(field, forms.ModelChoiceField),
                )
            )
    return chips


def _raw(field: forms.ModelChoiceField, item: object) -> str:
    return str(getattr(item, field.to_field_name or "pk"))


def _without(request: HttpRequest, name: str, raw: str | None) -> str:
    """The request's query without ``page`` and without ``name`` (only its ``raw`` value
    when given: one topic of several)."""
    query = request.GET.copy()
    query.pop("page", None)
    if raw is None:
        query.pop(name, None)
    else:
        query.setlist(name, [value for value in query.getlist(name) if value != raw])
    return query.urlencode()
