"""A filter's checkboxes are reused (common/templatetags/choices.py) and never stale.

The fieldset of topic, kind and language checkboxes is rendered once per
input (issue 20); every value it shows is in its key, so a new or renamed
topic, a ticked box, an error, another form or another language shows at once,
and a page's queries are the same whether the fieldset was reused or not.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from common import fragments
from common.templatetags.choices import TEMPLATE, checkbox_key
from forum.forms import ThreadFilterForm
from members.models import Tag
from network.search import SearchForm
from tests.conftest import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_fragment_store")]


def _render(rf, form, name="tag") -> str:
    request = rf.get("/")
    return Template("{% load choices %}{% choice_checkboxes field %}").render(
        Context({"field": form[name], "request": request})
    )


def _fresh(form, name="tag") -> str:
    return Template('{% include "' + TEMPLATE + '" %}').render(Context({"field": form[name]}))


def _key(form, name="tag") -> tuple:
    field = form[name]
    return checkbox_key(field, list(field.field.widget.choices))


def test_a_reused_fieldset_is_what_rendering_it_afresh_gives(rf, topics) -> None:
    first = _render(rf, SearchForm({"q": "kettling", "tag": [topics[0].slug]}))
    assert len(fragments.store) == 1
    again = _render(rf, SearchForm({"q": "kettling", "tag": [topics[0].slug]}))
    assert len(fragments.store) == 1
    assert again == first == _fresh(SearchForm({"q": "kettling", "tag": [topics[0].slug]}))
    assert f'value="{topics[0].slug}"' in first and "checked" in first


def test_each_input_changes_the_key(topics) -> None:
    base = _key(SearchForm({"q": "x"}))
    assert _key(SearchForm({"q": "x", "tag": [topics[1].slug]})) != base  # ticked
    assert _key(SearchForm({"q": "x", "tag": ["no-such-topic"]})) != base  # an error
    assert _key(SearchForm({"q": "x"}, prefix="other")) != base  # name and id
    assert _key(ThreadFilterForm({})) != base  # another form
    Tag.objects.create(name="Custody deaths", slug="custody-deaths")
    with_new = _key(SearchForm({"q": "x"}))
    assert with_new != base  # a new topic
    Tag.objects.filter(slug="custody-deaths").update(name="Deaths in custody")
    assert _key(SearchForm({"q": "x"})) != with_new  # a renamed topic
    form = SearchForm({"q": "x"})
    form.fields["tag"].help_text = "Another help text"
    assert _key(form) != base
    form = SearchForm({"q": "x"})
    form.fields["tag"].label = "Another label"
    assert _key(form) != base
    form = SearchForm({"q": "x"})
    form.fields["tag"].widget.attrs["class"] = "other"
    assert _key(form) != base


def test_a_ticked_box_and_a_new_topic_show_at_once(client, member, topics) -> None:
    sign_in(client, member)
    url = reverse("forum:list")
    page = client.get(url).content.decode()
    assert (
        f'value="{topics[0].slug}"' in page
        and "checked" not in page.split("filter-topics")[1].split("</fieldset>")[0]
    )
    ticked = client.get(url, {"tag": topics[0].slug}).content.decode()
    assert "checked" in ticked.split("filter-topics")[1].split("</fieldset>")[0]
    Tag.objects.create(name="Custody deaths", slug="custody-deaths", is_official=True)
    assert "Custody deaths" in client.get(url).content.decode()


def test_each_language_has_its_own_fieldset(rf, topics) -> None:
    english = _render(rf, SearchForm({"q": "x"}))
    with translation.override("fr"):
        french = _render(rf, SearchForm({"q": "x"}))
    assert len(fragments.store) == 2
    assert "Topics" in english and "Topics" not in french


def test_the_queries_are_the_same_reused_or_not(rf, topics) -> None:
    with CaptureQueriesContext(connection) as cold:
        _render(rf, SearchForm({"q": "x", "tag": [topics[0].slug]}))
    with CaptureQueriesContext(connection) as warm:
        _render(rf, SearchForm({"q": "x", "tag": [topics[0].slug]}))
    assert len(cold) == len(warm)


def test_the_fieldset_costs_no_query_but_reading_the_topics(rf, topics) -> None:
    form = SearchForm({"q": "x"})
    form.is_valid()
    with CaptureQueriesContext(connection) as queries:
        _render(rf, form)
    assert len(queries) == 1 and "COUNT" not in queries[0]["sql"]
