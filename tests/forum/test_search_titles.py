"""A search hit's highlighted title keeps its words and spaces (issue 17).

The title link is a flex box (44 px tall, centred). Put the title's text runs
and <mark>s directly in it and each becomes a flex item: the spaces between
them collapse ("journalists atprotests") and a word split by a mark breaks
("Protester / s"). The title is one <span> inside the link, in inline flow.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_a_highlighted_title_is_one_inline_run_inside_its_link(
    client: Client, member, make_thread
) -> None:
    make_thread(member, title="Protecting journalists at protests", body="Press vests help.")
    sign_in(client, member)
    html = client.get("/search/", {"q": "journalists protests"}).content.decode()
    titles = re.findall(r'class="search-hit-title"><a href="[^"]+">(.*?)</a>', html)
    assert titles, html
    for inner in titles:
        # One child of the link, a <span>, holding every word and mark.
        assert inner.startswith("<span>") and inner.endswith("</span>"), inner
        assert inner.count("<span>") == 1
        text = re.sub(r"<[^>]+>", "", inner)
        assert text == "Protecting journalists at protests"
        assert "<mark>" in inner
