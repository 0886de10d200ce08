"""Rendered rows kept in memory, addressed by everything they are rendered from.

A thread page renders fifty posts and a thread list fifty rows with the same
template, and almost always with the same inputs as on the request before:
template rendering was most of those pages' time (issue 7: 60% of a 50-post
thread page, per pyinstrument). ``render_rows`` renders each row once per
process and then reuses it.

Correctness does not depend on anyone remembering to invalidate: a row's key
is a digest of its template's name, the language, the time zone and every
value the caller says the row is rendered from (the post's text and counters,
the author's name and badges, the viewer's relation to the row...). When any
of them changes, the key changes and the row is rendered again; the old entry
ages out of the least-recently-used store. Each kind of row has one key
function, next to the context it is rendered from (forum/fragments.py:
``thread_row_key``, ``post_key``), so no view builds a key by hand;
tests/forum/test_fragments.py changes each input of each key and checks the
key, and the page, change with it.

A purge (a moderator erasing a version of a post or lesson) must leave no
copy of its text anywhere, and an old row may still sit in the store under
its old key. ``forget_everything`` empties this process's store and bumps a
generation number in the shared cache; every process compares it once per
``render_rows`` and empties its own store when it changed.

The CSRF token differs per session, so rows are rendered with a placeholder
(random per process, so no member can write it into a post) that is
replaced by the request's token on the way out. The store is per
process (no network round trip, no pickling), bounded by the characters it
holds (``FRAGMENT_CACHE_CHARS``, default 32 million: ~64 MB at most per
process).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

# Never produced by rendering anything else, and unguessable: a member who
# wrote a fixed placeholder into a post (a link to their site with it in the
# address) would otherwise have every reader's CSRF token put in its place.
# Drawn per process, as the store is per process.
CSRF_PLACEHOLDER = f"qxcsrf{secrets.token_hex(16)}xq"


class FragmentStore:
    """A least-recently-used map of rendered rows, bounded by total characters.

    Without ``max_chars`` the bound is ``settings.FRAGMENT_CACHE_CHARS``, read at
    each write rather than at import, so ``override_settings`` holds (0 turns
    the reuse off).
    """

    def __init__(self, max_chars: int | None = None) -> None:
        self._max_chars = max_chars
        self._entries: OrderedDict[bytes, str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    @property
    def max_chars(self) -> int:
        if self._max_chars is not None:
            return self._max_chars
        return settings.FRAGMENT_CACHE_CHARS

    def get(self, key: bytes) -> str | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: bytes, value: str) -> None:
        max_chars = self.max_chars
        if len(value) > max_chars:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._chars -= len(old)
            self._entries[key] = value
            self._chars += len(value)
            while self._chars > max_chars:
                _, evicted = self._entries.popitem(last=False)
                self._chars -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._chars = 0

    def __len__(self) -> int:
        return len(self._entries)


store = FragmentStore()

GENERATION_KEY = "fragments:generation"
_seen_generation: list[object] = [None]


def forget_everything() -> None:
    """Drop every rendered row, in this process now and in the others at their next render."""
    store.clear()
    try:
        generation = cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)
        generation = 1
    _seen_generation[0] = generation


def _check_generation() -> None:
    generation = cache.get(GENERATION_KEY)
    if generation != _seen_generation[0]:
        if _seen_generation[0] is not None or generation is not None:
            store.clear()
        _seen_generation[0] = generation


def row_key(template_name: str, inputs: Hashable) -> bytes:
    # repr() of tuples of str/int/bool/None/datetime is exact for those types.
    material = repr((template_name, get_language(), get_current_timezone_name(), inputs))
    return hashlib.blake2b(material.encode(), digest_size=16).digest()


def check_generation(request: HttpRequest) -> None:
    """Empty this process's store if a purge happened elsewhere: once per request."""
    if not getattr(request, "_fragments_generation_checked", False):
        _check_generation()
        request._fragments_generation_checked = True


def fill_csrf(request: HttpRequest, html: str) -> str:
    """``html`` with the request's CSRF token where rendering left the placeholder."""
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return html


def render_rows(
    request: HttpRequest,
    template_name: str,
    rows: Iterable[tuple[Hashable, Mapping[str, Any]]],
    *,
    csrf: bool = True,
) -> list[SafeString]:
    """Each row's ``template_name`` rendered with its context, reusing earlier renders.

    ``rows`` pairs the inputs of a row (a tuple of plain values: everything
    the template reads from the context, directly or through objects) with
    the context to render it from. The context has no request and no context
    processors: pass what the template needs. With ``csrf=False`` the rows
    keep the CSRF placeholder, for a caller that fills in the whole page once
    (``fill_csrf``) or keeps it.
    """
    # Once per request: a page renders its header, its footer and its rows here.
    check_generation(request)
    template = get_template(template_name)
    rendered = []
    for inputs, context in rows:
        key = row_key(template_name, inputs)
        html = store.get(key)
        if html is None:
            html = template.render({**context, "csrf_token": CSRF_PLACEHOLDER})
            store.put(key, html)
        rendered.append(html)
    if csrf and any(CSRF_PLACEHOLDER in html for html in rendered):
        token = get_token(request)
        rendered = [html.replace(CSRF_PLACEHOLDER, token) for html in rendered]
    return [mark_safe(html) for html in rendered]  # noqa: S308 - rendered by a template


def member_inputs(member: Any) -> tuple | None:
    """What a row shows of a member (members.templatetags.members.member_name)."""
    if member is None:
        return None
    return (member.pk, member.handle, member.name, member.is_expert, member.is_moderator)


def kept_page(
    request: HttpRequest,
    objects: QuerySet,
    *,
    version_field: str,
    per_page: int,
    template: str,
    context: dict[str, Any],
    inputs: Hashable,
    render_page_rows: Callable[[HttpRequest, list], None],
    with_rows: Callable[[QuerySet], QuerySet] | None = None,
) -> SafeString:
    """One page of ``objects`` as ``template`` renders it (its rows, the count,
    the page links and whatever ``context`` adds), kept whole and reused while
    its key holds.

    The key is the page's rows as the database has them, each object's id
    and ``version_field`` (a version the database moves on every write to
    what a row shows, by triggers: forum migration 0008 for threads, events
    0003 for events), the number of objects and the page number, from one
    query of ids beside the count; and ``inputs``, every other value the
    template reads (the query string, the filter form's choices, the
    viewer's time zone). The rows come from the viewer's own query, so a
    list with what only some may see never has another viewer's key, and
    the rows must show nothing of the viewer's own. Only when the key
    changed are the objects read (through ``with_rows``, which adds what the
    rows show to the query: the key's query needs none of it),
    ``render_page_rows`` run on them (it sets what the template shows of
    each row) and the template rendered; the render is kept only if its
    rows have the versions the key was made from (a write between the two
    queries is not kept under the older key).
    """
    check_generation(request)
    versions = Paginator(objects.values_list("pk", version_field), per_page).get_page(
        request.GET.get("page")
    )
    shown = tuple(versions.object_list)
    count = versions.paginator.count
    key = row_key(template, (inputs, versions.number, count, shown))
    html = store.get(key)
    if html is None:
        paginator = Paginator(with_rows(objects) if with_rows else objects, per_page)
        paginator.count = count  # what the key was made from, not a second COUNT
        page = paginator.page(versions.number)
        rows = page.object_list = list(page.object_list)
        render_page_rows(request, rows)
        html = render_to_string(template, {**context, "page": page})
        if tuple((row.pk, getattr(row, version_field)) for row in rows) == shown:
            store.put(key, html)
    return mark_safe(fill_csrf(request, html))  # noqa: S308 - rendered by a template


def kept_render(
    request: HttpRequest,
    template: str,
    *,
    inputs: Hashable,
    context: Callable[[], dict[str, Any]],
    keep: bool = True,
) -> SafeString:
    """``template`` rendered with ``context()``, kept whole while ``inputs`` hold.

    ``inputs`` must name everything the render depends on besides the
    language and time zone (which ``row_key`` adds): typically a version the
    database moves on every write to what the part shows, read before
    ``context`` reads the rows (so a write in between is never kept under
    the older version), and the viewer's class when what they may see
    differs. ``context`` is only called when nothing is kept; ``keep=False``
    renders without keeping.
    """
    check_generation(request)
    key = row_key(template, inputs)
    html = store.get(key) if keep else None
    if html is None:
        html = render_to_string(template, context())
        if keep:
            store.put(key, html)
    return mark_safe(fill_csrf(request, html))  # noqa: S308 - rendered by a template
