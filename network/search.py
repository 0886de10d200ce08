"""The site-wide search page: /search/?q=... over forum threads and posts (see
forum.search), lessons learned (see lessons.search) and the library (library.search:
titles, abstracts and the text inside files, with the page of a hit).

It lives in network, the composition root, because it shows two domains that
never import each other: each searches its own index (common.fulltext), and
this page puts the hits together. The forum's query, once read by the engine
(``SearchResults.match``), is handed to the lesson search, which saves
PostgreSQL a second parse.

Members only, like every page (LoginRequiredMiddleware and MembershipMiddleware).
The best few lessons are shown above the threads, on the first page only;
lessons.search applies the lesson visibility rules itself all the same.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from common import fulltext, widgets
from common.filters import active_filters
from common.links import query_without_page
from forum.fragments import render_search_hits
from forum.models import ThreadKind
from forum.search import CANDIDATE_LIMIT, search_posts
from lessons.search import LESSON_HITS, search_lessons
from library import search as library_search
from library import selectors as library_selectors
from members.forms import TopicMultipleChoiceField
from members.models import Tag

HITS_PER_PAGE = 20
MAX_QUERY_LENGTH = 200


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search threads, answers and lessons"),
        max_length=MAX_QUERY_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_('All words must match. Put "quotes" around an exact phrase.'),
        error_messages={
            "max_length": _(
                "Search for at most %(limit_value)d characters (this has %(show_value)d). "
                "A few distinctive words find more than a long sentence."
            )
        },
    )
    tag = TopicMultipleChoiceField(
        label=_("Topics"),
        queryset=Tag.objects.none(),
        to_field_name="slug",
        required=False,
        widget=widgets.IsolatedCheckboxSelectMultiple,
        help_text=_("Threads and lessons with all the chosen topics."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        widget=widgets.Select,
        help_text=_("Lessons learned are shown when no kind is chosen."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.all()
        self.fields["kind"].choices = [("", _("Questions and discussions")), *ThreadKind.choices]


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    context: dict[str, object] = {
        "form": form,
        "searched": "",
        "no_words": False,
        "page": None,
        "capped": False,
        "candidate_limit": CANDIDATE_LIMIT,
        "lessons": None,
        "documents": None,
    }
    if form.is_bound and form.is_valid():
        text = form.cleaned_data["q"]
        if text and not fulltext.has_searchable_words(text):
            context.update(searched=text, no_words=True)
        elif text:
            tags = [tag.slug for tag in form.cleaned_data["tag"]]
            kind = form.cleaned_data["kind"] or None
            results = search_posts(text, tags=tags, kind=kind)
            page = Paginator(results, HITS_PER_PAGE).get_page(request.GET.get("page"))
            # A kind is a kind of thread: choosing one asks for threads only.
            if page.number == 1 and kind is None:
                context["lessons"] = search_lessons(
                    text, request.user, tags=tags, limit=LESSON_HITS, match=results.match
                )
                context["documents"] = _library_hits(request, text, tags, results.match)
            context.update(
                searched=text,
                page=page,
                hit_rows=render_search_hits(request, page.object_list),
                capped=results.capped,
                query=query_without_page(request),
                chips=active_filters(request, form, skip=("q",)),
                clear_url="?" + urlencode({"q": text}),
            )
    return render(request, "network/search.html", context)


def _library_hits(request: HttpRequest, text: str, tags: list[str], match: str) -> dict:
    """The best few library resources for the same words (what the viewer may open)."""
    findable = library_selectors.filtered(
        library_selectors.listed_resources(request.user), library_selectors.Filters(tags=tags)
    )
    results = library_search.search_resources(text, findable, match=match)
    return {
        "hits": results[: library_search.SITE_HITS],
        "total": len(results),
        "more_url": reverse("library:list") + "?" + urlencode({"q": text}),
    }
