"""``{% choice_checkboxes form.field %}``: a filter's checkboxes, rendered once per input.

Django's widgets render each checkbox through the form renderer's templates:
twenty topics took about 10 ms a page on the forum list, search, the library
and the event list (issue 20), more than the page's rows once those were
reused. The fieldset is rendered from includes/topic_checkboxes.html through
common.fragments, keyed by everything it shows: the form and field, their
label, help text and id, every choice's value and label (so a new or renamed
topic shows at once), the values ticked and the errors; the store's key adds
the language and the time zone. The choices are read once, and a miss renders
from that same list, so a page's queries are the same whether it was reused.
"""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.template.loader import get_template
from django.utils.safestring import SafeString

from common.fragments import render_rows

register = template.Library()

TEMPLATE = "includes/topic_checkboxes.html"


def checkbox_key(field: BoundField, choices: list[tuple[object, object]]) -> tuple:
    """Every value the fieldset reads, for a field whose choices are ``choices``."""
    widget = field.field.widget
    value = field.value()
    if value is None:
        value = []
    elif isinstance(value, str | int):
        value = [value]
    return (
        f"{type(field.form).__module__}.{type(field.form).__qualname__}",
        field.html_name,
        field.auto_id,
        str(field.label),
        str(field.help_text),
        f"{type(widget).__module__}.{type(widget).__qualname__}",
        tuple(sorted((str(k), str(v)) for k, v in widget.attrs.items())),
        tuple((str(choice_value), str(label)) for choice_value, label in choices),
        tuple(str(ticked) for ticked in value),
        tuple(str(error) for error in field.errors),
    )


@register.simple_tag(takes_context=True)
def choice_checkboxes(context: template.Context, field: BoundField) -> SafeString:
    # Read the choices once (a query for topics) and render from that same list.
    # (through iter(): list() would ask a model field's choices for their length, a COUNT)
    choices = list(iter(field.field.widget.choices))
    field.field.widget.choices = choices
    request = context.get("request")
    if request is None:
        return get_template(TEMPLATE).render({"field": field})
    [html] = render_rows(request, TEMPLATE, [(checkbox_key(field, choices), {"field": field})])
    return html
