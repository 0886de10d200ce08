"""The renderer's work is bounded (issue 15, finding 9).

Every field rendered as Markdown has one maximum length (common/lengths.py)
that its form, its model and the renderer share; text with more markup than
prose ever has ("<" * 99999 took 13 s, 25,000 code fences 16 s) is shown as
escaped plain text instead of being formatted. Not timing-based: the budget
counts markup, so these tests say which texts it formats and which it does
not, and that the plain-text form is as safe as what the sanitiser makes.
``make bench`` ("markdown worst case") measures the time.
"""

from __future__ import annotations

import re

import pytest
from django import forms
from django.test import Client

from bench.markdown import SHAPES, _shape, normal_text
from common.lengths import MARKDOWN_MAX_LENGTH
from common.markup import (
    MAX_SOURCE_LENGTH,
    exceeds_formatting_budget,
    plain_text,
    render_markdown,
    sanitize_html,
)
from forum.forms import ReplyForm
from forum.models import Post
from lessons.forms import LessonForm, TransitionForm
from lessons.models import Lesson, Transition
from members.forms import ProfileForm
from members.models import Profile
from tests.members.test_markup_property import assert_only_safelisted, corpus_lines

POST_MAX = MARKDOWN_MAX_LENGTH["post"]
# The findings' own shapes, and the others bench/markdown.py measures, at the
# longest a post may be. Each is far past what a member writes.
PATHOLOGICAL = {
    "less-than signs": "<" * POST_MAX,
    "code fences": "```\n" * (POST_MAX // 4),
    **{name: _shape(name, unit, POST_MAX) for name, unit in SHAPES.items()},
}
# Some shapes are harmless at any length (a run of ">" is one block quote).
FORMATTED_ANYWAY = {
    "greater-than signs", "lines", "blank lines", "indented code", "nested lists", "bare urls",
    "www links",
}  # fmt: skip


def test_each_markdown_field_takes_its_maximum_length_from_the_one_table() -> None:
    assert ReplyForm().fields["body"].max_length == POST_MAX
    assert Post._meta.get_field("body").max_length == POST_MAX
    for name in Lesson.MARKDOWN_FIELDS:
        assert LessonForm().fields[name].max_length == MARKDOWN_MAX_LENGTH["lesson_section"]
        assert Lesson._meta.get_field(name).max_length == MARKDOWN_MAX_LENGTH["lesson_section"]
    assert TransitionForm().fields["comment"].max_length == MARKDOWN_MAX_LENGTH["review_comment"]
    assert Transition._meta.get_field("comment").max_length == MARKDOWN_MAX_LENGTH["review_comment"]
    assert Profile._meta.get_field("bio").max_length == MARKDOWN_MAX_LENGTH["bio"]
    assert isinstance(ProfileForm.base_fields["bio"], forms.CharField)
    assert ProfileForm.base_fields["bio"].max_length == MARKDOWN_MAX_LENGTH["bio"]
    assert max(MARKDOWN_MAX_LENGTH.values()) == MAX_SOURCE_LENGTH


def as_read(source: str) -> str:
    """The text as typed, with the character references (``&lt;``) read as
    Markdown and the sanitiser read them: what the member sees either way."""
    import html as html_module

    return CHARACTER_REFERENCE.sub(lambda m: html_module.unescape(m.group(0)), source)


CHARACTER_REFERENCE = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


@pytest.mark.parametrize("name", sorted(set(PATHOLOGICAL) - FORMATTED_ANYWAY))
def test_the_budget_shows_pathological_markdown_as_plain_text(name: str) -> None:
    source = PATHOLOGICAL[name]
    assert exceeds_formatting_budget(source)
    html = render_markdown(source)
    # Only paragraphs and line breaks: no code block, list, table, link or heading
    # was built, and every character the member typed is still there.
    assert_only_safelisted(html, source[:80])
    assert set(_tags(html)) <= {"p", "br"}, f"{name}: {sorted(set(_tags(html)))}"
    assert " ".join(_text_of(html).split()) == " ".join(as_read(source).split())
    # Sanitised again (stored HTML may be, one day), it stays safe.
    assert_only_safelisted(sanitize_html(html), source[:80])


def test_a_normal_post_of_the_maximum_length_is_formatted_in_full() -> None:
    source = normal_text(POST_MAX)
    assert len(source) == POST_MAX
    assert not exceeds_formatting_budget(source)
    html = render_markdown(source)
    for element in ("<strong>", "<em>", '<a href="https://example.org/report"', "<ul>", "<li>",
                    "<blockquote>", "<table>", "<pre><code>", "<h2>"):  # fmt: skip
        assert element in html, element
    # Formatted to its end: every bold word the member wrote is bold.
    assert html.count("<strong>") == source.count("**kettling**")


def test_a_lesson_section_and_a_bio_of_the_maximum_length_are_formatted_in_full() -> None:
    for field in ("lesson_section", "review_comment", "bio"):
        source = normal_text(MARKDOWN_MAX_LENGTH[field])
        assert not exceeds_formatting_budget(source), field
        assert "<strong>" in render_markdown(source)


def test_the_plain_text_form_of_hostile_text_is_safe_and_shows_it_as_typed(
    corpus_dir,
) -> None:
    lines = corpus_lines()
    assert lines
    # Each vector, repeated until it is over the budget.
    for line in lines[::7]:
        source = ((line + "\n") * (POST_MAX // (len(line) + 1) + 1))[:POST_MAX]
        if not exceeds_formatting_budget(source):
            continue
        html = render_markdown(source)
        assert_only_safelisted(html, line)
        assert_only_safelisted(sanitize_html(html), line)
        assert (
            " ".join(_text_of(html).split())
            == " ".join(as_read(source.replace("\x00", "\ufffd")).split())
            or not line.isprintable()
        )


def test_text_past_the_longest_field_is_cut_before_any_work() -> None:
    html = render_markdown("a" * (MAX_SOURCE_LENGTH + 5_000))
    assert plain_text(html) == "a" * MAX_SOURCE_LENGTH


@pytest.mark.django_db
def test_the_preview_refuses_text_longer_than_a_post(client: Client, member) -> None:
    client.force_login(member)
    assert client.post("/forum/preview/", {"body": "<" * 99_999}).status_code == 400
    response = client.post("/forum/preview/", {"body": "<" * POST_MAX})
    assert response.status_code == 200
    assert response.content.decode().count("&lt;") == POST_MAX


def _tags(html: str) -> list[str]:
    import re

    return re.findall(r"<(\w+)", html)


def _text_of(html: str) -> str:
    import html as entities
    import re

    return entities.unescape(re.sub(r"<[^>]*>", "", html))


def test_markdown_output_is_sanitised_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """The costliest formatted text pays for the sanitiser once (issue 20).

    A review comment of 1,250 hard breaks, the slowest render ``make bench``
    found, took 259 ms because the HTML went through bleach twice; markdown-it's
    own output is already a fixpoint (the property tests hold it so), and the
    second pass is kept for HTML from elsewhere.
    """
    import bleach

    calls: list[int] = []
    clean = bleach.Cleaner.clean

    def counted(self, text):
        calls.append(len(text))
        return clean(self, text)

    monkeypatch.setattr(bleach.Cleaner, "clean", counted)
    source = _shape("hard breaks", SHAPES["hard breaks"], MARKDOWN_MAX_LENGTH["review_comment"])
    html = render_markdown(source)
    assert html.count("<br>") == 1249  # formatted, not shown as plain text
    assert len(calls) == 1
    assert sanitize_html(html) == html
