"""What the views of every app do the same way around a write."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse

T = TypeVar("T")


def attempt(
    request: HttpRequest,
    form: BaseForm,
    save: Callable[[], T],
    *,
    refusals: type[Exception] | tuple[type[Exception], ...],
    success: str,
    then: Callable[[T], HttpResponse],
    field: str | None = None,
) -> HttpResponse | None:
    """Call the service (``save``) with what the form took.

    Done: ``success`` is said and ``then(result)`` is the answer (a redirect).
    Refused (one of ``refusals``): the service's message joins the form's
    errors (of ``field``, else the whole form) and None comes back, so the
    caller renders the form again with what the member typed.
    """
    try:
        result = save()
    except refusals as error:
        form.add_error(field, error if isinstance(error, ValidationError) else str(error))
        return None
    messages.success(request, success)
    return then(result)
