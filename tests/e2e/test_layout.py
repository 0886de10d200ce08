"""Phone first: the main pages at 360 px and 1280 px wide, on a slow link.

For every main page, at both widths: nothing scrolls sideways, every request
stays on the site's own origin (no web fonts, no third-party scripts), and the
page's own CSS and JavaScript weigh less than 60 KB gzipped. At 360 px every
button, form control and standalone link is at least 44 x 44 CSS pixels; a link
inside a sentence is exempt, as WCAG 2.5.8 allows. Each main page is
photographed (full page) into docs/screenshots/<page>-<width>.png, which the
README points to; the pages a new member goes through next are measured too.
"""

from __future__ import annotations

import gzip
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language_info

from events import services as event_services
from forum import services as forum_services
from lessons import services as lesson_services
from lessons.demo import ensure_standards
from lessons.models import Lesson, LessonState, Provision, Setting
from members import services as member_services
from members.models import MemberRole
from notifications import services as notifications
from tests.conftest import REPO_ROOT, TEST_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
WIDTHS = (360, 1280)
PHONE = 360
MIN_TARGET = 44
OWN_CODE_BUDGET = 60 * 1024  # bytes of the page's own CSS + JS, gzipped

# Measures, in the page, everything a finger has to hit. A target is the
# element's box, or for a checkbox or radio button the box of its label
# (clicking the label ticks it). Links in running text are exempt (WCAG 2.5.8
# "inline"): a link whose nearest block holds other words than its own, unless
# it sits where controls live (navigation, pagination, topic chips, tabs,
# action rows, filter forms).
TARGETS_JS = """
({minimum, controlAreas}) => {
  const words = (element) => element.textContent.replace(/\\s+/g, " ").trim();
  const shown = (element) => {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    return box.width > 1 && box.height > 1 && box.bottom > 0 && box.right > 0
      && style.visibility !== "hidden";
  };
  const inRunningText = (link) => {
    if (link.closest(controlAreas) || link.classList.contains("button")) return false;
    let block = link.parentElement;
    while (block && getComputedStyle(block).display.startsWith("inline")) {
      block = block.parentElement;
    }
    return block !== null && words(block).length > words(link).length;
  };
  const describe = (element) => {
    const text = words(element) || element.getAttribute("aria-label") || element.name || "";
    return `<${element.tagName.toLowerCase()}> "${text.slice(0, 40)}"`;
  };
  const small = [];
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary";
  for (const element of document.querySelectorAll(selector)) {
    if (!shown(element)) continue;
    if (element.tagName === "A" && inRunningText(element)) continue;
    let boxes = [element.getBoundingClientRect()];
    if (element.type === "checkbox" || element.type === "radio") {
      boxes = boxes.concat([...element.labels].map((label) => label.getBoundingClientRect()));
    }
    if (!boxes.some((box) => box.width >= minimum - 0.5 && box.height >= minimum - 0.5)) {
      const box = boxes[boxes.length - 1];
      small.push(`${describe(element)} ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}
"""
# Every stylesheet and script the page itself loads (no inline ones: the CSP forbids them).
OWN_CODE_JS = """
() => [...document.querySelectorAll("link[rel~=stylesheet][href], script[src]")]
  .map((element) => element.href || element.src)
"""
# Checked again in each right-to-left language (a few: the server allows a
# member 30 socket connections a minute, one a page).
RTL_PAGES = {"landing", "login", "home", "thread-list", "thread", "ask", "directory"}
CONTROL_AREAS = (
    "nav, .pagination, .tags, .tabs, .actions, .post-actions, .page-head, .filters, "
    ".checklist, .site-header, .site-footer"
)


def _seed() -> dict[str, object]:
    """A modest, realistic site: a solved thread, a public lesson, the standards."""
    from tests.conftest import UserFactory

    ensure_standards()
    from members.models import Tag

    topics = [
        Tag.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in [
            ("public-assembly", "Public assembly"),
            ("use-of-force", "Use of force"),
            ("accountability", "Accountability"),
        ]
    ]
    asker = UserFactory(display_name="Amina Wanjiru", handle="amina")
    expert = UserFactory(display_name="João Pereira", handle="joao", is_expert=True)
    member_services.update_profile(
        member=expert,
        display_name=expert.display_name,
        handle=expert.handle,
        profile_fields={
            "bio": "Trainer of public-order units for **fifteen years**; now an independent "
            "adviser on the policing of assemblies.",
            "role": MemberRole.TRAINER,
            "country": "PT",
            "organisation": "Independent",
            "open_to_questions": True,
        },
        languages=["pt", "en", "es"],
        expertise=topics[:2],
    )
    thread = forum_services.create_thread(
        author=asker,
        title="Is it lawful to kettle a peaceful crowd for hours?",
        body="Police held about 200 people **without water** for five hours after a march "
        "in Nairobi. What standards apply, and how do we document it?",
        tags=topics[:2],
        kind="question",
        language="en",
    )
    answer = forum_services.create_reply(
        author=expert,
        thread=thread,
        body="Containment must be necessary and proportionate, and people must be able to "
        "leave; see Basic Principles 12 to 14. Write down times, exits and every request "
        "for water or medical help.",
    )
    forum_services.create_reply(author=asker, thread=thread, body="Thank you, that helps a lot.")
    forum_services.accept_answer(actor=asker, post=answer)
    forum_services.create_thread(
        author=expert,
        title="Body-worn cameras during stop and search: who keeps the footage?",
        body="Collecting retention policies from several countries.",
        tags=topics[2:],
        kind="discussion",
        language="en",
    )
    lesson = lesson_services.create_lesson(
        author=expert,
        data=lesson_services.LessonData(
            title="Kettling a peaceful crowd: what held up in court",
            summary="A five-hour kettle without water was challenged; proportionality won.",
            setting=Setting.DEMONSTRATION,
            what_happened="Police contained about 200 people for five hours.",
            what_worked="Monitors logged times, exits and requests for water.",
            what_did_not="Complaints to the police went nowhere.",
            recommendations="Film the **exits**; log every request.",
            country="KE",
            tags=topics[:2],
            provisions=list(Provision.objects.order_by("pk")[:2]),
        ),
    )
    Lesson.objects.filter(pk=lesson.pk).update(
        state=LessonState.PUBLISHED, is_public=True, published_at=timezone.now()
    )
    # The asker's home has something in each block: a followed member and
    # topic, and a question in her expertise that waits for an answer.
    notifications.follow(follower=asker, target=expert)
    notifications.follow(follower=asker, target=topics[2])
    asker.profile.expertise.set([topics[2]])
    forum_services.create_thread(
        author=expert,
        title="Who investigates a death in police custody when the oversight body has no staff?",
        body="The regional oversight office has been empty for a year.",
        tags=topics[2:],
        kind="question",
        language="en",
    )
    start = timezone.now() + timedelta(days=3)
    event = event_services.create_event(
        actor=expert,
        data=event_services.EventData(
            title="Policing assemblies: a two-day training on the Basic Principles",
            kind="training",
            description="We read the **Basic Principles** together.",
            starts_at=start,
            # Two days, so the month shows it twice: on a phone two long
            # titles in one week once squeezed the grid to 19 px columns.
            ends_at=start + timedelta(days=1, hours=6),
            time_zone="Africa/Nairobi",
            place="Community hall, Kisumu",
            tags=topics[:2],
        ),
    )
    event_services.register(member=asker, event=event)
    from library import services as library
    from library.demo import demo_pdf

    document = library.create_resource(
        actor=expert,
        data=library.ResourceData(
            kind="report",
            title="Curfews and the use of force: a monitoring report from twelve cities",
            authors="Civil society monitoring coalition",
            publisher="Coalition for Police Accountability",
            abstract="What monitors saw during six months of curfews.",
            tags=topics[:2],
        ),
        staged=[
            library.stage_file(
                actor=expert,
                name="a-very-long-file-name-of-a-monitoring-report-on-curfews-2020.pdf",
                data=demo_pdf("Curfews", ("Checkpoints",), "Author"),
            )
        ],
    )
    return {
        "document": document,
        "asker": asker,
        "expert": expert,
        "thread": thread,
        "lesson": lesson,
        "event": event,
        "month": (start.year, start.month),
    }


def _seeded_in_own_connection() -> dict[str, object]:
    from django.db import connection

    try:
        return _seed()
    finally:
        connection.close()


def _pages(seeded: dict[str, object]) -> list[tuple[str, str, bool]]:
    """(name, path, as a member) of every main page."""
    return [
        ("landing", "/", False),
        ("login", reverse("account_login"), False),
        ("home", "/", True),
        ("thread-list", reverse("forum:list"), True),
        ("thread", seeded["thread"].get_absolute_url(), True),
        ("ask", reverse("forum:create"), True),
        ("lesson-list", reverse("lessons:list"), True),
        ("lesson", seeded["lesson"].get_absolute_url(), True),
        ("standards", reverse("lessons:standards"), True),
        ("directory", reverse("members:directory"), True),
        ("profile", reverse("members:profile", args=[seeded["expert"].handle]), True),
        ("notifications", reverse("notifications:list"), True),
        ("search", reverse("search") + "?q=kettle", True),
    ]


def _more_pages(seeded: dict[str, object]) -> list[tuple[str, str, bool]]:
    """Pages a new member goes through next: measured too, not photographed."""
    return [
        ("event-list", reverse("events:list"), True),
        ("event-list-filter-open", reverse("events:list") + "?kind=no-such-kind", True),
        ("event", seeded["event"].get_absolute_url(), True),
        ("event-month", reverse("events:month", args=seeded["month"]), True),
        ("signup", reverse("account_signup"), False),
        ("contact", reverse("contact"), False),
        ("profile-edit", reverse("members:profile_edit"), True),
        ("preferences", reverse("notifications:preferences"), True),
        ("lesson-new", reverse("lessons:create"), True),
        ("tag-list", reverse("forum:tags"), True),
        ("topic", reverse("forum:tag", args=["public-assembly"]), True),
        (
            "thread-list-filtered",
            reverse("forum:list") + "?tag=public-assembly&tag=use-of-force",
            True,
        ),
        # A refused topic opens the filter panel: its checkboxes measured too.
        ("thread-list-filter-open", reverse("forum:list") + "?tag=no-such-topic", True),
        ("directory-filtered", reverse("members:directory") + "?tag=use-of-force&open=on", True),
        ("my-lessons", reverse("lessons:mine"), True),
        ("invitations", reverse("members:invitations"), True),
        ("library", reverse("library:list"), True),
        ("library-filter-open", reverse("library:list") + "?kind=no-such-kind", True),
        ("library-resource", seeded["document"].get_absolute_url(), True),
        ("library-new", reverse("library:create"), True),
        ("library-collections", reverse("library:collections"), True),
    ]


def _same_origin(url: str, origin: tuple[str, str]) -> bool:
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return (scheme, parts.netloc) == origin


def test_main_pages_fit_a_phone_and_a_slow_link(new_page, daphne_server) -> None:
    # Seeded from another thread: this one runs Playwright's event loop, in
    # which the services' after-commit pushes (async_to_sync) cannot run.
    with ThreadPoolExecutor(max_workers=1) as pool:
        seeded = pool.submit(_seeded_in_own_connection).result()
    origin_parts = urlsplit(daphne_server.url)
    origin = (origin_parts.scheme, origin_parts.netloc)
    visitor = new_page()
    member = new_page()
    log_in(member, seeded["asker"].email, TEST_PASSWORD)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    requested: list[str] = []
    for browser_page in (visitor, member):
        browser_page.on("request", lambda request: requested.append(request.url))
        browser_page.on("websocket", lambda socket: requested.append(socket.url))

    problems: list[str] = []
    weights: dict[str, int] = {}
    photographed = {name for name, _path, _member in _pages(seeded)}
    for name, path, as_member in _pages(seeded) + _more_pages(seeded):
        browser_page = member if as_member else visitor
        requested.clear()
        # Loaded once, at phone width, then widened: the same page, laid out
        # again by the same CSS (and half the page loads, which keeps the
        # member under the server's limit on socket connections a minute).
        browser_page.set_viewport_size({"width": PHONE, "height": 800})
        response = browser_page.goto(path, wait_until="load")
        if response is None or response.status != 200:
            problems.append(f"{name}: answered {response and response.status}")
            continue
        small = browser_page.evaluate(
            TARGETS_JS, {"minimum": MIN_TARGET, "controlAreas": CONTROL_AREAS}
        )
        problems += [f"{name} at {PHONE} px: touch target too small: {target}" for target in small]
        # What the page asks for, fetched again: the browser may have cached it.
        own_code = browser_page.evaluate(OWN_CODE_JS)
        weight = sum(
            len(gzip.compress(browser_page.request.get(url).body(), 6))
            for url in own_code
            if _same_origin(url, origin)
        )
        if not own_code or weight >= OWN_CODE_BUDGET:
            problems.append(f"{name}: own CSS+JS {weight} bytes gzipped")
        weights[name] = weight
        for width in WIDTHS:
            browser_page.set_viewport_size({"width": width, "height": 800})
            scroll_width, viewport = browser_page.evaluate(
                "[document.scrollingElement.scrollWidth, window.innerWidth]"
            )
            if scroll_width > viewport:
                problems.append(f"{name} at {width} px: {scroll_width} px wide, scrolls sideways")
            if name in photographed:
                browser_page.screenshot(
                    path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True
                )
        foreign = [url for url in requested + own_code if not _same_origin(url, origin)]
        if foreign:
            problems.append(f"{name}: requests outside the site: {foreign}")

    # Right-to-left languages mirror the layout: the same pages at phone width.
    rtl = [code for code, _name in settings.LANGUAGES if get_language_info(code)["bidi"]]
    for code in rtl:
        for browser_page in (visitor, member):
            browser_page.context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": code, "url": daphne_server.url}]
            )
        for name, path, as_member in _pages(seeded):
            if name not in RTL_PAGES:
                continue
            browser_page = member if as_member else visitor
            browser_page.set_viewport_size({"width": PHONE, "height": 800})
            browser_page.goto(path, wait_until="load")
            where = f"{name} in {code} at {PHONE} px"
            direction = browser_page.evaluate("document.documentElement.dir")
            if direction != "rtl":
                problems.append(f"{where}: dir={direction!r}")
            scroll_width, viewport = browser_page.evaluate(
                "[document.scrollingElement.scrollWidth, window.innerWidth]"
            )
            if scroll_width > viewport:
                problems.append(f"{where}: {scroll_width} px wide, scrolls sideways")
            small = browser_page.evaluate(
                TARGETS_JS, {"minimum": MIN_TARGET, "controlAreas": CONTROL_AREAS}
            )
            problems += [f"{where}: touch target too small: {target}" for target in small]

    assert not problems, "\n".join(problems)
    print("own CSS+JS, bytes gzipped:", weights)
