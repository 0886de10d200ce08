"""A lesson to take away: Markdown to download and a page to print.

Both show exactly what the lesson page shows to the same viewer: a lesson the
viewer may not open is a 404, and authors appear under the names this viewer
may see (``selectors.author_name``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

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


def _line(text: object) -> str:
    """One line of Markdown: a line break in a title must not start a heading."""
    return re.sub(r"\s+", " ", str(text)).strip()


def _availability(lesson: Lesson) -> str:
    if lesson.state != LessonState.PUBLISHED:
        return str(lesson.get_state_display())
    audience = _("public") if lesson.is_public else _("members only")
    return f"{lesson.get_state_display()} ({audience})"


def lesson_markdown(takeaway: Takeaway) -> str:
    """The lesson as one Markdown document, in the viewer's language."""
    lesson = takeaway.lesson
    out: list[str] = [f"# {_line(lesson.title)}", "", lesson.summary.strip(), ""]

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
    facts.append((_("Address"), f"<{takeaway.url}>"))
    out += [f"- **{label}:** {_line(value)}" for label, value in facts]
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
            out += [f"## {headings[field]}", "", text, ""]

    if takeaway.provisions:
        out += [f"## {_('Standards')}", ""]
        for p in takeaway.provisions:
            line = f"- {_line(p.instrument.short_title)} {_line(p.number)}: {_line(p.title)}"
            out.append(f"{line} <{p.source_url}>" if p.source_url else line)
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
            out.append(f"{line} <{source.url}>" if source.url else line)
        out.append("")

    if takeaway.topics:
        out += [f"## {_('Topics')}", ""]
        out += [f"- {_line(tag.name)}" for tag in takeaway.topics]
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
