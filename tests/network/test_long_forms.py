"""The long forms keep their names and values: what the new pages send, read from
their HTML as a browser would send it, saves what the old forms saved.

Preferences are one table of radio buttons, the standards sit in disclosures
by instrument, the languages are checkboxes instead of a listbox; the services
behind them are unchanged.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from common.languages import LANGUAGE_CODES
from lessons.demo import ensure_standards
from lessons.models import Lesson, Provision
from notifications import kinds, selectors
from notifications.kinds import Delivery
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


class FormReader(HTMLParser):
    """The controls of a page's forms: every choice offered, and what is sent as it stands."""

    def __init__(self) -> None:
        super().__init__()
        self.offered: dict[str, list[str]] = {}
        self.sent: dict[str, list[str]] = {}
        self.labels: dict[str, str] = {}
        self._label_for: str | None = None
        self._label_text: list[str] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        name = attr.get("name")
        if tag == "input" and name and attr.get("type") not in {"submit", "search"}:
            kind = attr.get("type", "text")
            if kind in {"checkbox", "radio"}:
                self.offered.setdefault(name, []).append(attr.get("value", "on"))
                if "checked" in attr:
                    self.sent.setdefault(name, []).append(attr.get("value", "on"))
            else:
                self.sent.setdefault(name, []).append(attr.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.sent[name] = [""]
        elif tag == "select" and name:
            self._select, self._first_option = name, None
            self.sent.setdefault(name, [])
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = attr.get("value", "")
            if "selected" in attr:
                self.sent[self._select].append(attr.get("value", ""))
        elif tag == "label":
            self._label_for, self._label_text = attr.get("for"), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            # A select with nothing selected sends its first option, as a browser does.
            if not self.sent[self._select] and self._first_option is not None:
                self.sent[self._select].append(self._first_option)
            self._select = None
        elif tag == "label" and self._label_for:
            self.labels[self._label_for] = " ".join("".join(self._label_text).split())
            self._label_for = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.sent[self._textarea][0] += data
        if self._label_for:
            self._label_text.append(data)


def read_form(client, path: str) -> FormReader:
    response = client.get(path)
    assert response.status_code == 200
    reader = FormReader()
    reader.feed(response.content.decode())
    return reader


def test_the_preferences_table_sends_one_delivery_per_kind_and_saves_it(client, member) -> None:
    sign_in(client, member)
    page = read_form(client, "/notifications/preferences/")
    keys = [kind.key for kind in kinds.registered()]
    for key in keys:
        # One row per kind: its four choices, the current one ticked.
        assert page.offered[key] == [value for value, _label in Delivery.choices]
        assert page.sent[key] == [selectors.deliveries_of(member=member)[key]]
    # Each radio button is named "<kind>: <delivery>".
    first = kinds.registered()[0]
    assert page.labels[f"id_{first.key}_3"] == f"{first.label}: Off"

    data = {name: values for name, values in page.sent.items() if name != "form"}
    data.update({key: [Delivery.OFF] for key in keys[:3]})
    data[keys[3]] = [Delivery.DIGEST]
    response = client.post("/notifications/preferences/", data)

    assert response.status_code == 302
    saved = selectors.deliveries_of(member=member)
    assert [saved[key] for key in keys[:4]] == ["off", "off", "off", "digest"]


def test_the_standards_in_disclosures_send_the_same_provisions(client, expert, topics) -> None:
    ensure_standards()
    sign_in(client, expert)
    page = read_form(client, "/lessons/new/")
    provisions = list(Provision.objects.order_by("instrument__position", "position"))
    assert page.offered["provisions"] == [str(provision.pk) for provision in provisions]
    # One from each of two instruments.
    chosen = [
        provisions[0],
        next(p for p in provisions if p.instrument_id != provisions[0].instrument_id),
    ]

    data = {name: values for name, values in page.sent.items()}
    data.update(
        {
            "title": ["Kettling a peaceful crowd"],
            "summary": ["A five-hour kettle was challenged."],
            "what_happened": ["Police contained about 200 people."],
            "provisions": [str(provision.pk) for provision in chosen],
            "topics": [page.offered["topics"][0]],
        }
    )
    response = client.post("/lessons/new/", data)

    html = response.content.decode()
    assert response.status_code == 302, [line for line in html.splitlines() if "error" in line]
    lesson = Lesson.objects.get(title="Kettling a peaceful crowd")
    assert set(lesson.provisions.all()) == set(chosen)
    # Editing it again: the two groups open, each with its count, the others closed.
    html = client.get(f"/lessons/{lesson.pk}/edit/").content.decode()
    assert html.count('<details class="choice-group" data-filter-group open>') == 2
    assert html.count("Chosen: 1</span>") == 2


def test_an_error_on_the_standards_opens_every_group(client, expert, settings) -> None:
    ensure_standards()
    sign_in(client, expert)
    data = read_form(client, "/lessons/new/").sent
    data["provisions"] = ["999999"]
    response = client.post("/lessons/new/", data)
    html = response.content.decode()
    assert response.status_code == 400
    groups = html.count('<details class="choice-group" data-filter-group')
    assert groups > 1
    assert html.count('<details class="choice-group" data-filter-group open>') == groups


def test_the_languages_are_checkboxes_that_send_the_same_codes(client, member) -> None:
    sign_in(client, member)
    page = read_form(client, "/members/me/edit/")
    assert sorted(page.offered["languages"]) == sorted(LANGUAGE_CODES)
    assert "languages" not in page.sent

    data = {name: values for name, values in page.sent.items()}
    data["languages"] = ["zu", "wo", "pt"]
    response = client.post("/members/me/edit/", data)

    assert response.status_code == 302
    member.profile.refresh_from_db()
    assert set(member.profile.languages.values_list("code", flat=True)) == {"zu", "wo", "pt"}
    # The chosen ones come first, ticked, so they show without scrolling the list.
    again = read_form(client, "/members/me/edit/")
    assert sorted(again.offered["languages"][:3]) == ["pt", "wo", "zu"]
    assert sorted(again.sent["languages"]) == ["pt", "wo", "zu"]
