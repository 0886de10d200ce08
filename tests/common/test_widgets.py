"""The selects written in Python (common.widgets): Django's own HTML, reused only
while the same choices, value and attributes come again."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy

from common import widgets
from members.models import Tag

pytestmark = pytest.mark.usefixtures("empty_fragment_store")

CHOICES = [("", gettext_lazy("Any language")), ("fr", "Français"), ("sw", "Kiswahili")]


class Form(forms.Form):
    language = forms.ChoiceField(choices=CHOICES, required=False, widget=widgets.Select)
    country = forms.ChoiceField(choices=[("KE", "Kenya"), ("BR", "Brasil")], widget=widgets.Select)


def django_html(form: forms.Form, name: str) -> str:
    """The same field through Django's own Select and its templates."""
    field = form.fields[name]
    field.widget = forms.Select(choices=field.choices)
    return str(form[name])


def test_the_html_is_djangos_first_and_reused() -> None:
    for data in (None, {"language": "fr"}, {"language": "sw", "country": "nowhere"}):
        form = Form(data)
        form.is_valid()
        first, again = str(form["language"]), str(Form(data)["language"])
        assert first == again == django_html(Form(data), "language")
        country = Form(data)
        country.is_valid()
        assert str(country["country"]) == django_html(country, "country")


def test_the_value_the_choices_the_errors_and_the_language_change_it() -> None:
    plain = str(Form()["language"])
    assert 'value="fr" selected' in str(Form({"language": "fr"})["language"])
    assert "selected" not in plain.replace('value="" selected', "")
    invalid = Form({"country": "nowhere"})
    invalid.is_valid()
    assert 'aria-invalid="true"' in str(invalid["country"])
    assert 'aria-invalid="true"' not in str(Form()["country"])
    other = Form()
    other.fields["language"].choices = [("", "Any language"), ("ar", "العربية")]
    assert "العربية" in str(other["language"]) and "العربية" not in plain
    with translation.override("fr"):
        assert "Toutes les langues" in str(Form()["language"])


@pytest.mark.django_db
def test_choices_from_the_database_are_read_every_time() -> None:
    class TopicForm(forms.Form):
        topic = forms.ModelChoiceField(queryset=Tag.objects.all(), widget=widgets.Select)

    Tag.objects.create(name="Use of force", slug="use-of-force")
    assert "Use of force" in str(TopicForm()["topic"])
    Tag.objects.create(name="Custody", slug="custody")
    assert "Custody" in str(TopicForm()["topic"])
