"""The small helpers every app shares: common.languages and common.views."""

from __future__ import annotations

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.utils import translation

from common.languages import in_site_language
from common.views import attempt


@in_site_language
def _language() -> str:
    return translation.get_language()


def test_texts_are_written_in_the_site_language_whoever_acts() -> None:
    with translation.override("fr"):
        assert _language() == "en"
        assert translation.get_language() == "fr"
    with override_settings(LANGUAGE_CODE="nl"), translation.override("fr"):
        assert _language() == "nl"  # the setting is read at the call, not at import


class _NameForm(forms.Form):
    name = forms.CharField()


class _Refused(Exception):
    pass


def _request():
    request = RequestFactory().post("/", {"name": "typed"})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _refuse(message: Exception):
    def save():
        raise message

    return save


def test_a_done_write_says_so_and_answers_with_the_result() -> None:
    request, form = _request(), _NameForm({"name": "typed"})
    assert form.is_valid()
    response = attempt(
        request,
        form,
        lambda: "saved",
        refusals=_Refused,
        success="Done.",
        then=lambda result: HttpResponse(result),
    )
    assert response.content == b"saved"
    assert [str(m) for m in get_messages(request)] == ["Done."]


def test_a_refusal_joins_the_form_and_keeps_what_was_typed() -> None:
    request, form = _request(), _NameForm({"name": "typed"})
    assert form.is_valid()
    response = attempt(
        request,
        form,
        _refuse(_Refused("Not now.")),
        refusals=_Refused,
        success="Done.",
        then=HttpResponse,
    )
    assert response is None
    assert form.non_field_errors() == ["Not now."]
    assert form["name"].value() == "typed"
    assert list(get_messages(request)) == []


def test_a_validation_error_goes_to_its_field() -> None:
    request, form = _request(), _NameForm({"name": "typed"})
    assert form.is_valid()
    attempt(
        request,
        form,
        _refuse(ValidationError("Taken.")),
        refusals=ValidationError,
        field="name",
        success="Done.",
        then=HttpResponse,
    )
    assert form.errors == {"name": ["Taken."]}
