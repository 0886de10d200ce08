"""A lesson to take away: Markdown to download and a page to print.

Both show exactly what the lesson page shows to the same viewer: a lesson the
viewer may not open is a 404, and authors appear under the names this viewer
may see (``selectors.author_name``).

In the Markdown, member text cannot forge the document's structure (issue 15):
plain-text fields (title, summary, names, sources) are escaped for Markdown,
addresses are percent-encoded inside their ``<...>``, and in the Markdown
sections the headings, raw HTML blocks and unclosed code fences a member wrote
are neutralised, so every heading a reader sees is the export's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from markdown_it import MarkdownIt

from lessons import selectors
from lessons.models import Lesson, LessonState, Provision, Source
from members.models import Tag


@dataclass
class Takeaway:
    """What the export and the printable page show of one lesson to one viewer."""

    lesson: Lesson
    url: str
    authors: list[str]
    provisions: list[Provision]
    sources: list[Source]
    topics: list[Tag]

    @property
    def is_open(self) -> bool:
        """Readable by anyone: may be cached and indexed like the lesson page."""
        return self.lesson.state == LessonState.PUBLISHED and self.lesson.is_public


def _takeaway(request: HttpRequest, pk: int) -> Takeaway:
    lesson = selectors.lesson_for(request.user, pk)
    if lesson is None:
        raise Http404
    return Takeaway(
        lesson=lesson,
        url=request.build_absolute_uri(lesson.get_absolute_url()),
        authors=[name for _member, name, _linked in selectors.authors_for(lesson, request.user)],
        provisions=list(lesson.provisions.all()),
        sources=list(lesson.sources.all()),
        topics=list(lesson.tags.all()),
    )


def _keep_private(response: HttpResponse, takeaway: Takeaway) -> HttpResponse:
    if not takeaway.is_open:
        patch_cache_control(response, private=True)
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


# Everything that can open or close an inline construct, an entity or a table cell.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>!|~&])")
# What makes a line a heading, a list item, a quote or a rule where it starts.
_BLOCK_START = re.compile(r"^([#>+=-])|^(\d+)([.)])")


def _line(text: object) -> str:
    """Member plain text as one line of Markdown text: nothing in it is markup.

    Line breaks become spaces (a line break in a title must not start a
    heading), inline markup characters are backslash-escaped, and so is a
    character that would start a block (``- ``, ``# ``, ``1. ``).
    """
    flat = re.sub(r"\s+", " ", str(text)).strip()
    escaped = _INLINE_SPECIAL.sub(r"\\\1", flat)
    # "- x" or "# x" gets a backslash first; "1. x" gets "1\\." (one before a digit shows).
    return _BLOCK_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", escaped)


def _paragraphs(text: str) -> str:
    """Member plain text of several paragraphs (the summary), each escaped as ``_line``."""
    blocks = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(_line(block) for block in blocks if block.strip())


def _autolink(url: str) -> str:
    """An address between ``<`` and ``>``: anything that could end it is percent-encoded."""
    return "<" + quote(url.strip(), safe=_URL_SAFE) + ">"


# Characters an address keeps as they are (RFC 3986 reserved ones, and "%" for
# escapes already there); "<", ">", spaces, line breaks, quotes are encoded.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


@lru_cache(maxsize=1)
def _reader() -> MarkdownIt:
    # As strict a reader as any: raw HTML on (GitHub renders it), tables on.
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def _section(text: str) -> str:
    """A member's Markdown section, kept as Markdown, with nothing that reaches past it.

    A heading the member wrote becomes its text (``\\#``), a raw HTML block
    (``<!--`` would hide the rest of the document) starts with ``\\<``, and a code
    fence left open is closed, so the export's own headings stay its only ones.
    """
    lines = text.split("\n")
    for token in _reader().parse(text):
        if token.map is None:
            continue
        start, end = token.map
        if token.type == "heading_open":
            # ATX: the first "#" of the line; setext: the first "=" or "-" under it.
            atx = token.markup.startswith("#")
            row, marker = (start, "#") if atx else (end - 1, token.markup[0])
            lines[row] = lines[row].replace(marker, "\\" + marker, 1)
        elif token.type == "html_block":
            lines[start] = lines[start].replace("<", "\\<", 1)
        elif token.type == "fence" and token.level == 0:
            closing = lines[end - 1].strip() if end - 1 > start else ""
            if not (closing.startswith(token.markup) and set(closing) <= set(token.markup[0])):
                lines.append(token.markup)
    return "\n".join(lines)


def _availability(lesson: Lesson) -> str:
    if lesson.state != LessonState.PUBLISHED:
        return str(lesson.get_state_display())
    audience = _("public") if lesson.is_public else _("members only")
    return f"{lesson.get_state_display()} ({audience})"


def lesson_markdown(takeaway: Takeaway) -> str:
    """The lesson as one Markdown document, in the viewer's language."""
    lesson = takeaway.lesson
    out: list[str] = [f"# {_line(lesson.title)}", "", _paragraphs(lesson.summary), ""]

    facts: list[tuple[str, Any]] = [(_("Setting"), lesson.get_setting_display())]
    if lesson.country:
        facts.append((_("Country"), lesson.country.name))
    if lesson.region:
        facts.append((_("Region or place"), lesson.region))
    if lesson.period:
        facts.append((_("Period"), lesson.period))
    facts.append((_("State"), _availability(lesson)))
    if lesson.published_at:
        facts.append((_("Published"), lesson.published_at.date().isoformat()))
    out += [f"- **{label}:** {_line(value)}" for label, value in facts]
    out.append(f"- **{_('Address')}:** {_autolink(takeaway.url)}")
    out.append("")

    headings = {
        "what_happened": _("What happened"),
        "what_worked": _("What worked"),
        "what_did_not": _("What did not work"),
        "recommendations": _("Recommendations"),
    }
    for field in Lesson.MARKDOWN_FIELDS:
        text = getattr(lesson, field).strip()
        if text:
            out += [f"## {headings[field]}", "", _section(text), ""]

    if takeaway.provisions:
        out += [f"## {_('Standards')}", ""]
        for p in takeaway.provisions:
            line = (
                f"- {_line(p.instrument.display_short_title)} {_line(p.display_number)}: "
                f"{_line(p.display_title)}"
            )
            out.append(f"{line} {_autolink(p.source_url)}" if p.source_url else line)
        out.append("")

    if takeaway.sources:
        out += [f"## {_('Sources')}", ""]
        for number, source in enumerate(takeaway.sources, start=1):
            parts = [_line(source.title)]
            if source.publisher:
                parts.append(_line(source.publisher))
            if source.date:
                parts.append(source.date.isoformat())
            line = f"{number}. {', '.join(parts)}"
            out.append(f"{line} {_autolink(source.url)}" if source.url else line)
        out.append("")

    if takeaway.topics:
        out += [f"## {_('Topics')}", ""]
        out += [f"- {_line(tag.display_name)}" for tag in takeaway.topics]
        out.append("")

    if takeaway.authors:
        out += [f"## {_('Authors')}", ""]
        out += [f"- {_line(name)}" for name in takeaway.authors]
        out.append("")

    return "\n".join(out)


@login_not_required
@require_safe
def export_markdown(request: HttpRequest, pk: int) -> HttpResponse:
    takeaway = _takeaway(request, pk)
    response = HttpResponse(lesson_markdown(takeaway), content_type="text/markdown; charset=utf-8")
    response.headers["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{takeaway.lesson.slug}.md"
    )
    return _keep_private(response, takeaway)


@login_not_required
@require_safe
def print_view(request: HttpRequest, pk: int) -> HttpResponse:
    takeaway = _takeaway(request, pk)
    response = render(request, "lessons/lesson_print.html", {"takeaway": takeaway})
    return _keep_private(response, takeaway)
