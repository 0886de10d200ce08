"""Event pages. Views parse input, call events.services, and render."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def event_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    raise Http404


def participants(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
