"""Select boxes that write their options in Python.

Django renders every ``<option>`` of a select through two templates
(select_option.html, attrs.html). The filter forms above the lists have
selects of every country (250) and every language (88): rendering them took
more time than the rest of the directory page. These widgets write exactly
the HTML of Django's templates (same attributes, escaping and whitespace)
in plain Python, several times faster. Every form with a long
list of choices uses them; the rest keep Django's widgets.
"""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from common import fragments


def _escape(value: Any) -> str:
    # What a template does to {{ value }}: safe strings as they are, the rest escaped.
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    # django/forms/widgets/attrs.html
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _select(widget: dict[str, Any]) -> SafeString:
    # django/forms/widgets/select.html and select_option.html
    parts = [f'<select name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_escape(group_name)}">')
        parts.extend(
            f'\n  <option value="{_escape(option["value"])}"{_attrs(option["attrs"])}>'
            f"{_escape(option['label'])}</option>\n"
            for option in options
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    # Django's renderer strips what its templates make; so do we.
    return mark_safe("".join(parts).strip())  # noqa: S308 - every part escaped above


def _plain(choices: Any) -> tuple:
    """The choices as plain values (labels as the language shows them), groups nested."""
    return tuple(
        (str(value), _plain(label) if isinstance(label, list | tuple) else str(label))
        for value, label in choices
    )


class _OptionsInPython:
    """Rendered in Python, and reused (common.fragments' store) while the same
    choices, value and attributes come again: building the option dicts of
    250 countries is most of the work, and a filter form shows the same
    select on every request. Choices from the database (a model field's
    queryset) are rendered every time, since reading them is a query."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        if isinstance(self.choices, ModelChoiceIterator):
            return _select(self.get_context(name, value, attrs)["widget"])
        key = fragments.row_key(
            f"{type(self).__module__}.{type(self).__qualname__}",
            (
                name,
                tuple(str(v) for v in self.format_value(value)),
                tuple((str(k), v if isinstance(v, bool) else str(v)) for k, v in
                      self.build_attrs(self.attrs, attrs).items()),
                _plain(self.choices),
            ),
        )  # fmt: skip
        html = fragments.store.get(key)
        if html is None:
            html = _select(self.get_context(name, value, attrs)["widget"])
            fragments.store.put(key, html)
        return mark_safe(html)  # noqa: S308 - made by _select, every part escaped


class Select(_OptionsInPython, forms.Select):
    pass


class SelectMultiple(_OptionsInPython, forms.SelectMultiple):
    pass


class _IsolatedOptions:
    """Options whose labels are member-written (topics): each in its own bidi isolate
    (dir="auto"; an option holds text only, so no <bdi>), so that a name with
    a bidi override cannot reorder the page around the select."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)  # type: ignore[misc]
        option["attrs"]["dir"] = "auto"
        return option


class IsolatedSelect(_IsolatedOptions, Select):
    pass


class IsolatedSelectMultiple(_IsolatedOptions, SelectMultiple):
    pass


class IsolatedCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes whose labels are member-written (topics): each label in its own bidi isolate."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["label"] = format_html("<bdi>{}</bdi>", option["label"])
        return option


class CheckboxList(forms.CheckboxSelectMultiple):
    """A long list of checkboxes (the 190 languages), written in Python as the
    selects above are, the chosen ones first so that they show without scrolling.

    ``container_attrs`` go on the list's own element (a filter box's label for
    network/forms.js, a class); ``attrs`` on each checkbox, as Django does.
    Each choice is a ``[data-filter-item]`` for the filter box.
    """

    def __init__(
        self,
        attrs: dict[str, Any] | None = None,
        choices: Any = (),
        container_attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(attrs, choices)
        self.container_attrs = container_attrs or {}

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = [
            option for _group, group_options, _i in widget["optgroups"] for option in group_options
        ]
        options.sort(key=lambda option: not option["selected"])
        container = {"id": widget["attrs"].get("id", ""), **self.container_attrs}
        parts = [f"<div{_attrs({k: v for k, v in container.items() if v})}>"]
        for option in options:
            parts.append(
                f'<div data-filter-item><label for="{_escape(option["attrs"]["id"])}">'
                f'<input type="checkbox" name="{_escape(option["name"])}" '
                f'value="{_escape(option["value"])}"{_attrs(option["attrs"])}> '
                f"{_escape(option['label'])}</label></div>"
            )
        parts.append("</div>")
        return mark_safe("".join(parts))  # noqa: S308 - every part escaped above
