"""Accessibility (WCAG 2.2 AA): axe-core on every page type, keyboard-only journeys.

axe-core comes from the npm package pinned in package.json when npm is there
(``make test`` runs ``npm ci``), otherwise from the copy the PyPI package
``axe-playwright-python`` ships (an older axe-core), so ``make test`` needs no
npm. It is evaluated in the page through the DevTools protocol, which
the site's Content-Security-Policy does not govern, so pages are checked with
their real CSP. Every page type is checked logged out and as each role
(member, expert, moderator, a member waiting for approval), then the colour
rules again with ``prefers-color-scheme: dark``. Any serious or critical
violation fails, listed page by page. On every page each control is focused
in turn and must show a focus outline that stands out in both themes.

All page types are checked in one test on one server and one set of data;
each role is signed in once and its storage state reused for all its pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import REPO_ROOT, sign_in
from tests.e2e.conftest import record_console, record_failed_resource
from tests.servers import free_port, server_env, start_daphne, stop
from tests.suites import skip_suite

pytestmark = pytest.mark.browser

AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _axe_from_pypi() -> Path | None:
    try:
        import axe_playwright_python
    except ImportError:
        return None
    return Path(axe_playwright_python.__file__).with_name("axe.min.js")


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FAILING_IMPACTS = {"serious", "critical"}
# WCAG 2.0/2.1/2.2 A and AA, plus axe's best practices (landmarks, headings).
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
# What changes between the light and the dark theme.
COLOUR_RULES = {"runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]}}
CHECKS_JS = Path(__file__).with_name("accessibility.js")
EXPECTED_STATUS = {
    "404": 404,
    "403": 403,
    "429": 429,
    "500": 500,
    "503": 503,
    "forum-refused": 403,  # a member waiting for approval gets the waiting page
    "invitation-invalid": 410,
}


@dataclass(frozen=True)
class Site:
    url: str
    states: dict[str, dict]  # role -> Playwright storage state
    # role -> [(page name, path)], or (page name, path, form sent empty)
    paths: dict[str, list[tuple[str, ...]]]


def _seed() -> tuple[dict[str, object], dict[str, list[tuple[str, ...]]]]:
    """Just what the pages need: one of each thing, in the states that show most."""
    from allauth.mfa.totp.internal.auth import TOTP

    from events import services as events
    from forum import services as forum
    from lessons import services as lessons
    from lessons.demo import ensure_standards
    from lessons.models import Instrument, Lesson, LessonState, Provision, Setting
    from members import services as members
    from members.models import ContactMessage, Status, Tag
    from tests.conftest import UserFactory

    ensure_standards()
    topics = [
        Tag.objects.create(name="Use of force", slug="use-of-force"),
        Tag.objects.create(name="Public assembly", slug="public-assembly"),
    ]
    member = UserFactory(display_name="Amina Wanjiru", handle="amina")
    expert = UserFactory(display_name="João Pereira", handle="joao", is_expert=True)
    moderator = UserFactory(display_name="Mod Erator", handle="mod", is_moderator=True)
    TOTP.activate(moderator, TOTP_SECRET)
    pending = UserFactory(display_name="Pat Ending", handle="pat", status=Status.PENDING)
    pending.approved_at = None
    pending.save(update_fields=["approved_at"])
    members.record_sign_up(
        user=pending,
        display_name="Pat Ending",
        organisation="Police Watch",
        role="researcher",
        motivation="I document protests.",
        invitation_token=None,
    )
    members.update_profile(
        member=expert,
        display_name=expert.display_name,
        handle=expert.handle,
        profile_fields={"bio": "Trainer of public-order units.", "country": "PT"},
        languages=["pt", "en"],
        expertise=topics,
    )
    solved = forum.create_thread(
        author=member,
        title="Is it lawful to kettle a peaceful crowd for hours?",
        body="Police held about 200 people **without water** for five hours.",
        tags=topics,
        kind="question",
        language="en",
    )
    answer = forum.create_reply(
        author=expert, thread=solved, body="Containment must be necessary and proportionate."
    )
    forum.accept_answer(actor=member, post=answer)
    open_question = forum.create_thread(
        author=member,
        title="Who keeps body-worn camera footage?",
        body="Collecting retention policies.",
        tags=topics[:1],
        kind="question",
        language="en",
    )
    opening = open_question.posts.get(is_opening=True)
    unaccepted = forum.create_reply(author=expert, thread=open_question, body="Usually the force.")
    forum.edit_post(editor=expert, post=unaccepted, body="Usually the police force itself.")
    forum.flag_post(reporter=member, post=unaccepted, reason="other", note="Check the source.")
    members.create_invitation(inviter=member, note="For a colleague")
    # What only moderators see: a pinned, locked thread and a hidden one (dimmed).
    forum.switch_thread(actor=moderator, thread=solved, action="pin")
    forum.switch_thread(actor=moderator, thread=solved, action="lock")
    hidden = forum.create_thread(
        author=member,
        title="Names of the officers at the gate",
        body="Posted by mistake.",
        tags=topics[:1],
        kind="discussion",
        language="en",
    )
    forum.switch_thread(actor=moderator, thread=hidden, action="hide")

    def lesson(state: str, title: str) -> Lesson:
        made = lessons.create_lesson(
            author=expert,
            data=lessons.LessonData(
                title=title,
                summary="A five-hour kettle was challenged.",
                setting=Setting.DEMONSTRATION,
                what_happened="Police contained about 200 people.",
                what_worked="Monitors logged times and exits.",
                country="KE",
                tags=topics,
                provisions=list(Provision.objects.order_by("pk")[:2]),
            ),
        )
        Lesson.objects.filter(pk=made.pk).update(
            state=state, is_public=state == LessonState.PUBLISHED, published_at=timezone.now()
        )
        return made

    published = lesson(LessonState.PUBLISHED, "Kettling a peaceful crowd: what held up in court")
    in_review = lesson(LessonState.IN_REVIEW, "Stop and search records")
    contact = members.send_contact_message(
        sender=None,
        name="Nomvula",
        reply_to="nomvula@example.org",
        category="safety",
        message="Someone posted the names of officers.\nPlease look at it.",
    )
    assert ContactMessage.objects.filter(pk=contact.pk).exists()
    instrument = Instrument.objects.order_by("position").first()
    provision = Provision.objects.filter(instrument=instrument).order_by("pk").first()
    start = timezone.now() + timedelta(days=3)
    event = events.create_event(
        actor=expert,
        data=events.EventData(
            title="Policing assemblies: a two-day training",
            kind="training",
            description="We read the **Basic Principles** together.",
            starts_at=start,
            ends_at=start + timedelta(hours=6),
            time_zone="Africa/Nairobi",
            place="Community hall, Kisumu",
            capacity=1,
            tags=topics,
            provisions=[provision],
        ),
    )
    events.register(member=member, event=event, note="I train cadets.")
    from library import services as library
    from library.demo import demo_pdf

    document = library.create_resource(
        actor=expert,
        data=library.ResourceData(
            kind="report",
            title="Curfews and the use of force: monitoring report",
            authors="Monitoring coalition",
            abstract="What monitors saw during **six months** of curfews.",
            tags=topics,
            provisions=[provision],
            series="Short papers",
            number=3,
        ),
        staged=[
            library.stage_file(
                actor=expert,
                name="curfews.pdf",
                data=demo_pdf("Curfews", ("Checkpoints", "Incidents after dark"), "Author"),
            )
        ],
    )
    library.extract_pending()
    waiting = library.create_resource(
        actor=member,
        data=library.ResourceData(
            kind="other", title="Notes from a community meeting", source_url="https://example.org"
        ),
    )
    collection = library.create_collection(
        actor=moderator,
        data=library.CollectionData(title="COVID-19 and policing", introduction="Curfews."),
    )
    library.add_to_collection(actor=moderator, collection=collection, resource=document)
    library.attach_material(actor=expert, event=event, resource=document, when="before")

    everyone = [
        ("404", "/no-such-page/"),
        ("lesson-list", reverse("lessons:list")),
        ("lesson", published.get_absolute_url()),
        ("standards", reverse("lessons:standards")),
        ("instrument", instrument.get_absolute_url()),
        ("provision", provision.get_absolute_url()),
        ("library-public", reverse("library:list")),
    ]
    member_pages = [
        ("home", "/"),
        ("thread-list", reverse("forum:list")),
        # Two topics chosen (chips), and a refused one: the filter panel open, with its error.
        (
            "thread-list-filtered",
            reverse("forum:list") + f"?tag={topics[0].slug}&tag={topics[1].slug}",
        ),
        ("thread-list-filter-open", reverse("forum:list") + "?tag=no-such-topic"),
        ("thread-solved", solved.get_absolute_url()),
        ("thread-open", open_question.get_absolute_url()),
        ("topic-list", reverse("forum:tags")),
        ("topic", reverse("forum:tag", args=[topics[0].slug])),
        ("ask", reverse("forum:create")),
        ("ask-errors", reverse("forum:create"), "form.post-form"),
        ("post-edit", reverse("forum:post_edit", args=[opening.pk])),
        ("post-flag", reverse("forum:post_flag", args=[answer.pk])),
        ("lesson-new", reverse("lessons:create")),
        ("lesson-new-errors", reverse("lessons:create"), "form.lesson-form"),
        ("my-lessons", reverse("lessons:mine")),
        ("directory", reverse("members:directory")),
        ("profile", reverse("members:profile", args=[expert.handle])),
        ("profile-edit", reverse("members:profile_edit")),
        ("invitations", reverse("members:invitations")),
        ("notifications", reverse("notifications:list")),
        ("preferences", reverse("notifications:preferences")),
        ("search", reverse("search") + "?q=kettle"),
        ("search-filtered", reverse("search") + f"?q=kettle&tag={topics[0].slug}"),
        ("feed-settings", reverse("lessons:feed_settings")),
        ("event-list", reverse("events:list")),
        ("event-list-filter-open", reverse("events:list") + "?kind=no-such-kind"),
        ("event-past", reverse("events:past")),
        ("event-month", reverse("events:month", args=[start.year, start.month])),
        ("event", event.get_absolute_url()),
        ("calendar-settings", reverse("events:feed_settings")),
        ("account-email", reverse("account_email")),
        ("password", reverse("account_change_password")),
        ("two-factor", reverse("mfa_index")),
        ("sessions", reverse("usersessions_list")),
        ("your-data", reverse("members:data_export")),
        ("delete-account", reverse("members:account_delete")),
        ("contact-member", reverse("contact")),
        ("library", reverse("library:list")),
        ("library-filter-open", reverse("library:list") + "?kind=no-such-kind"),
        ("library-search", reverse("library:list") + "?q=curfew"),
        ("library-resource", document.get_absolute_url()),
        ("library-waiting", waiting.get_absolute_url()),
        ("library-new", reverse("library:create")),
        ("library-new-errors", reverse("library:create"), "form.resource-form"),
        ("library-review-own", reverse("library:review")),
        ("library-history", reverse("library:history", args=[document.pk])),
        ("library-collections", reverse("library:collections")),
        ("library-collection", collection.get_absolute_url()),
    ]
    paths = {
        "visitor": [
            ("landing", "/"),
            ("login", reverse("account_login")),
            ("signup", reverse("account_signup")),
            ("signup-errors", reverse("account_signup"), "form.entrance-form"),
            ("password-reset", reverse("account_reset_password")),
            ("invitation-invalid", reverse("members:join", args=["not-a-token"])),
            ("contact", reverse("contact")),
            ("contact-errors", reverse("contact"), "form.contact-form"),
            # The other error pages, as the DEBUG server previews them.
            *[(str(status), f"/_errors/{status}/") for status in (403, 429, 500, 503)],
            *everyone,
        ],
        # Right to left: the shell and a form in Arabic, as a visitor's browser asks.
        "visitor-ar": [("landing", "/"), ("login", reverse("account_login"))],
        # The public pages again with a member's header (not the standards: the same).
        "member": [*member_pages, *everyone[:3]],
        "expert": [
            # The member home with the expert's own things in its blocks.
            ("home-expert", "/"),
            ("thread-open", open_question.get_absolute_url()),
            ("lesson-edit", reverse("lessons:edit", args=[in_review.pk])),
            ("lesson-in-review", in_review.get_absolute_url()),
            ("lesson-history", reverse("lessons:history", args=[in_review.pk])),
            # Post history is for the author (the expert wrote this answer) and moderators.
            ("post-history", reverse("forum:post_history", args=[unaccepted.pk])),
            ("review-queue", reverse("lessons:review_queue")),
            ("event-organiser", event.get_absolute_url()),
            ("event-new", reverse("events:create")),
            ("event-new-errors", reverse("events:create"), "form.event-form"),
            ("event-edit", reverse("events:edit", args=[event.pk])),
            ("event-participants", reverse("events:participants", args=[event.pk])),
            ("profile-own", reverse("members:profile", args=[expert.handle])),
            ("library-review", reverse("library:review")),
            ("library-waiting-review", waiting.get_absolute_url()),
            ("library-edit", reverse("library:edit", args=[document.pk])),
            ("library-materials", reverse("library:materials", args=[event.pk]) + "?q=curfew"),
        ],
        "moderator": [
            ("thread-list-moderated", reverse("forum:list")),
            ("thread-hidden", hidden.get_absolute_url()),
            ("thread-open", open_question.get_absolute_url()),
            ("pending", reverse("members:pending")),
            ("audit", reverse("members:audit")),
            ("contact-messages", reverse("members:contact_messages")),
            ("contact-message", reverse("members:contact_message", args=[contact.pk])),
            ("flags", reverse("forum:flags")),
            ("announce", reverse("notifications:announce")),
            ("topic-edit", reverse("forum:tag_edit", args=[topics[0].slug])),
            ("retag", reverse("forum:retag", args=[open_question.pk])),
            ("post-history-moderated", reverse("forum:post_history", args=[unaccepted.pk])),
            (
                "post-purge",
                reverse("forum:post_purge", args=[unaccepted.pk]) + "?version=current",
            ),
            ("profile-moderated", reverse("members:profile", args=[member.handle])),
            ("library-resource-moderated", document.get_absolute_url()),
            ("library-delete", reverse("library:delete", args=[document.pk])),
            ("library-collection-new", reverse("library:collection_create")),
            ("library-collection-curated", collection.get_absolute_url()),
        ],
        "pending": [
            ("waiting", reverse("members:waiting")),
            ("forum-refused", reverse("forum:list")),
            ("your-data", reverse("members:data_export")),
            ("account-email", reverse("account_email")),
        ],
    }
    people = {"member": member, "expert": expert, "moderator": moderator, "pending": pending}
    return people, paths


@pytest.fixture(scope="module")
def axe_source() -> str:
    for axe in (AXE_JS, _axe_from_pypi()):
        if axe is not None and axe.exists():
            return axe.read_text() + "\n" + CHECKS_JS.read_text()
    return skip_suite(
        "browser", "axe-core is installed neither by npm nor by axe-playwright-python"
    )


def _storage_states(people: dict[str, object]) -> dict[str, dict]:
    """A signed-in browser state for each person, without the login form's round
    trips (the login pages themselves are checked logged out)."""
    from django.conf import settings
    from django.test import Client

    states = {"visitor": {"cookies": [], "origins": []}}
    states["visitor-ar"] = states["visitor"]
    for role, person in people.items():
        client = Client()
        sign_in(client, person)
        cookie = {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "domain": "localhost",
            "path": "/",
            "httpOnly": True,
            "secure": False,
            "sameSite": "Lax",
            "expires": -1,
        }
        states[role] = {"cookies": [cookie], "origins": []}
    return states


@pytest.fixture
def server_url(transactional_db, tmp_path) -> Iterator[str]:
    """daphne as in conftest's daphne_server, without rate limits: the test opens
    more pages (and so live sockets) a minute than a person would."""
    port = free_port()
    process, _ = start_daphne(
        server_env(
            EMAIL_URL=f"file://{tmp_path}",
            SITE_URL=f"http://localhost:{port}",
            RATE_LIMITS="off",
        ),
        port,
    )
    yield f"http://localhost:{port}"
    stop(process)


@pytest.fixture
def site(browser, server_url) -> Site:
    people, paths = _seed()
    states = _storage_states(people)
    return Site(url=server_url, states=states, paths=paths)


@pytest.fixture
def open_as(browser, site, axe_source) -> Iterator[Callable[..., object]]:
    """A page in a fresh context for a role; console errors and CSP blocks fail the test."""
    contexts, errors = [], []

    def open_page(role: str) -> object:
        context = browser.new_context(
            base_url=site.url,
            locale="ar" if role.endswith("-ar") else "en-GB",
            storage_state=site.states[role],
        )
        # Added by the DevTools protocol before the page's own scripts: the
        # page's CSP does not apply, and no copy travels per page.
        context.add_init_script(script=axe_source)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda message: record_console(message, errors))
        page.on("response", lambda response: record_failed_resource(response, errors))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"browser console errors: {errors}"


def _describe(where: str, violations: list[dict]) -> list[str]:
    lines = []
    for violation in violations:
        nodes = [node for node in violation["nodes"] if node["impact"] in FAILING_IMPACTS]
        if violation["impact"] not in FAILING_IMPACTS and not nodes:
            continue
        lines.append(f"{where}: [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in (nodes or violation["nodes"])[:5]:
            lines.append(f"    {node['target']}: {node['summary']}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return lines


def test_every_page_has_no_serious_accessibility_violation_in_light_and_dark(site, open_as) -> None:
    problems: list[str] = []
    for role, paths in site.paths.items():
        page = open_as(role)
        for name, path, *form in paths:
            page.emulate_media(color_scheme="light")
            response = page.goto(path)
            if form:  # sent empty, past the browser's own checks: the server's errors
                with page.expect_navigation() as sent:
                    page.evaluate("(form) => document.querySelector(form).submit()", form[0])
                response = sent.value
                invalid = page.locator("[aria-invalid=true]").count()
                assert invalid, f"{path}: no field marked invalid"
            assert response is not None, path
            # The page itself, not a redirect to the login or the two-factor page.
            expected = {200, 400} if form else {EXPECTED_STATUS.get(name, 200)}
            assert response.status in expected and response.url == site.url + path, name
            if role.endswith("-ar"):
                assert page.locator("html").get_attribute("dir") == "rtl", path
            where = f"{role} {name} ({path}, {response.status})"
            page.keyboard.press("Shift+Tab")  # keyboard modality, for :focus-visible
            for scheme, options in (("light", AXE_OPTIONS), ("dark", COLOUR_RULES)):
                page.emulate_media(color_scheme=scheme)
                problems += _describe(
                    f"{where} {scheme}",
                    page.evaluate("(options) => a11yChecks.axe(options)", options),
                )
                problems += [f"{where} {scheme}: {p}" for p in page.evaluate("a11yChecks.focus()")]
    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)


# --- Keyboard only --------------------------------------------------------------

FOCUSED_NAME = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "";
  const label = e.labels && e.labels.length ? e.labels[0].textContent : "";
  return (label || e.getAttribute("aria-label") || e.textContent || e.value || "")
    .replace(/\\s+/g, " ").trim();
}"""


def tab_to(page: object, name: str, *, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until the focused element's name starts with ``name``."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(FOCUSED_NAME)
        if focused.startswith(name):
            return
        seen.append(focused[:30])
    pytest.fail(f"{name!r} not reached by keyboard on {page.url}; focus went through {seen}")


def test_keyboard_only_ask_answer_accept_and_open_notifications(
    browser, server_url, make_user, topics
) -> None:
    """Two members use only the keyboard: Tab, Shift+Tab, Enter, Space and typing."""
    from playwright.sync_api import expect

    asker = make_user(display_name="Amina Wanjiru")
    answerer = make_user(display_name="João Pereira")
    states = _storage_states({"asker": asker, "answerer": answerer})
    contexts = [
        browser.new_context(base_url=server_url, locale="en-GB", storage_state=states[role])
        for role in ("asker", "answerer")
    ]
    asking, answering = (context.new_page() for context in contexts)
    try:
        # The first Tab reaches the skip link; Enter moves focus to the content.
        asking.goto("/")
        asking.keyboard.press("Tab")
        expect(asking.locator(":focus")).to_have_text("Skip to main content")
        expect(asking.locator(":focus")).to_be_visible()
        asking.keyboard.press("Enter")
        expect(asking.locator("main")).to_be_focused()

        # Ask a question.
        tab_to(asking, "Forum", backwards=True)
        asking.keyboard.press("Enter")
        asking.wait_for_url("**/forum/")
        tab_to(asking, "Ask a question or start a discussion")
        asking.keyboard.press("Enter")
        asking.wait_for_url("**/forum/new/")
        tab_to(asking, "Title")
        asking.keyboard.type("May police film us at a march?")
        tab_to(asking, "Your question or topic")
        asking.keyboard.type("They filmed every face at the gate.")
        tab_to(asking, topics[0].name)
        asking.keyboard.press("Space")
        expect(asking.get_by_label(topics[0].name)).to_be_checked()
        tab_to(asking, "Post")
        asking.keyboard.press("Enter")
        expect(asking.get_by_role("heading", level=1)).to_have_text(
            "May police film us at a march?"
        )
        expect(asking.locator("body[data-live-state=open]")).to_be_attached()
        thread_url = asking.url

        # Another member answers it.
        answering.goto(thread_url)
        tab_to(answering, "Your answer")
        answering.keyboard.type("Only for a legitimate aim, and the footage must be deleted.")
        tab_to(answering, "Post reply")
        answering.keyboard.press("Enter")
        expect(answering.locator(".post").nth(1)).to_contain_text("legitimate aim")

        # The asker's page announces it: a polite live region gets the text.
        announced = asking.get_by_role("status").filter(has_text="João Pereira replied in")
        expect(announced).to_contain_text("May police film us at a march?", timeout=5000)
        expect(announced).to_have_attribute("aria-live", "polite")
        # The region was in the page before the text came, as screen readers need.
        expect(announced).to_have_id("toasts")
        # The toast is last on the page: Shift+Tab from the top reaches it.
        asking.evaluate(CHECKS_JS.read_text())
        for control in ("Dismiss", "Open"):
            tab_to(asking, control, backwards=True, limit=3)
            for scheme in ("dark", "light"):  # the focus ring, on the toast's own colours
                asking.emulate_media(color_scheme=scheme)
                assert asking.evaluate("a11yChecks.focused()") is None, (control, scheme)
        asking.keyboard.press("Enter")
        asking.wait_for_url(re.compile(r"#post-\d+$"))

        # Accept the answer.
        tab_to(asking, "Accept this answer")
        asking.keyboard.press("Enter")
        expect(asking.locator(".accepted-answer")).to_contain_text("legitimate aim")

        # The answerer opens their notifications and the one about it.
        answering.goto("/")
        tab_to(answering, "Notifications")
        answering.keyboard.press("Enter")
        answering.wait_for_url("**/notifications/")
        accepted = answering.locator(".notification-unread")
        expect(accepted).to_contain_text("Your answer in “May police film us at a march?”")
        tab_to(answering, "Open")
        answering.keyboard.press("Enter")
        answering.wait_for_url(re.compile(r"/forum/\d+/.*#post-\d+$"))
        expect(answering.locator("#unread-count")).to_be_hidden()
    finally:
        for context in contexts:
            context.close()
