"""Who may open which lessons URL, per role and per lesson state. A new URL without a row fails.

Public pages (the lists, the standards, the public feed, a public lesson and its
export and printable page) are open to everyone; everything else is members
only: visitors go to the login page, members waiting for approval see the
waiting page. A lesson the role may not see answers 404 on every URL, never a
403 or a redirect that would tell it exists. Banned members cannot log in at
all: the session that ``force_login`` opens does not survive the next request
(their account is inactive), so they get what a visitor gets.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

import pytest
from django.db import transaction
from django.test import Client
from django.urls import get_resolver, reverse

from lessons import feeds, selectors
from lessons.models import (
    CoAuthorInvitation,
    FeedToken,
    Lesson,
    LessonRevision,
    LessonState,
    Setting,
)
from members.models import Status, Tag, User
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "pending", "banned", "member", "author", "co_author", "expert", "moderator"]
LOGIN, WAIT = "login", "waiting"

# The lesson an object URL is opened on: the row's state word, or PUBLISHED
# (members only) when the row has none.
STATES = {
    "draft": {"state": LessonState.DRAFT},
    "in_review": {"state": LessonState.IN_REVIEW, "public_requested": True},
    "published": {"state": LessonState.PUBLISHED, "public_requested": True},
    "public": {"state": LessonState.PUBLISHED, "public_requested": True, "is_public": True},
    "archived": {"state": LessonState.ARCHIVED},
    # Archived after having been public: for members only, like any archived lesson.
    "archived_public": {"state": LessonState.ARCHIVED, "public_requested": True, "is_public": True},
}
# The workflow step lessons:act tries, per state.
ACT = {
    "draft": "submit",
    "in_review": "publish",
    "published": "archive",
    "public": "make_members_only",
    "archived": "unarchive",
    "archived_public": "unarchive",
}

# Rows: a URL name, or "<URL name> <variant>": the same URL with the other
# method of a form, on a lesson in another state, or with another feed token.
# Row -> (method, outcome per role in ROLES order); outcomes: a status, LOGIN, WAIT.
# Roles:     anonymous, pending, banned, member, author, co_author, expert, moderator
MATRIX: dict[str, tuple[str, list[object]]] = {
    # --- Lists and standards: open to everyone.
    "lessons:list": ("get", [200, 200, 200, 200, 200, 200, 200, 200]),
    "lessons:standards": ("get", [200, 200, 200, 200, 200, 200, 200, 200]),
    "lessons:instrument": ("get", [200, 200, 200, 200, 200, 200, 200, 200]),
    "lessons:provision": ("get", [200, 200, 200, 200, 200, 200, 200, 200]),
    "lessons:feed": ("get", [200, 200, 200, 200, 200, 200, 200, 200]),
    # --- Members' pages.
    "lessons:create": ("get", [LOGIN, WAIT, LOGIN, 200, 200, 200, 200, 200]),
    "lessons:create post": ("post", [LOGIN, WAIT, LOGIN, 302, 302, 302, 302, 302]),
    "lessons:mine": ("get", [LOGIN, WAIT, LOGIN, 200, 200, 200, 200, 200]),
    "lessons:review_queue": ("get", [LOGIN, WAIT, LOGIN, 404, 404, 404, 200, 200]),
    "lessons:instrument_follow": ("post", [LOGIN, WAIT, LOGIN, 302, 302, 302, 302, 302]),
    "lessons:provision_follow": ("post", [LOGIN, WAIT, LOGIN, 302, 302, 302, 302, 302]),
    "lessons:feed_settings": ("get", [LOGIN, WAIT, LOGIN, 200, 200, 200, 200, 200]),
    "lessons:feed_settings post": ("post", [LOGIN, WAIT, LOGIN, 302, 302, 302, 302, 302]),
    # --- The private feed: the token stands for its member, whoever holds the address.
    "lessons:private_feed": ("get", [200, 200, 200, 200, 200, 200, 200, 200]),
    "lessons:private_feed made_up_token": ("get", [404, 404, 404, 404, 404, 404, 404, 404]),
    "lessons:private_feed pending_token": ("get", [404, 404, 404, 404, 404, 404, 404, 404]),
    "lessons:private_feed banned_token": ("get", [404, 404, 404, 404, 404, 404, 404, 404]),
    # --- One lesson: the page, and the short address that redirects to it.
    "lessons:detail draft": ("get", [404, 404, 404, 404, 200, 200, 404, 200]),
    "lessons:detail in_review": ("get", [404, 404, 404, 404, 200, 200, 200, 200]),
    "lessons:detail": ("get", [404, 404, 404, 200, 200, 200, 200, 200]),
    "lessons:detail public": ("get", [200, 200, 200, 200, 200, 200, 200, 200]),
    "lessons:detail archived": ("get", [404, 404, 404, 200, 200, 200, 200, 200]),
    "lessons:detail archived_public": ("get", [404, 404, 404, 200, 200, 200, 200, 200]),
    "lessons:detail_short draft": ("get", [404, 404, 404, 404, 301, 301, 404, 301]),
    "lessons:detail_short in_review": ("get", [404, 404, 404, 404, 301, 301, 301, 301]),
    "lessons:detail_short": ("get", [404, 404, 404, 301, 301, 301, 301, 301]),
    "lessons:detail_short public": ("get", [301, 301, 301, 301, 301, 301, 301, 301]),
    "lessons:detail_short archived": ("get", [404, 404, 404, 301, 301, 301, 301, 301]),
    "lessons:detail_short archived_public": ("get", [404, 404, 404, 301, 301, 301, 301, 301]),
    # --- Export and print show exactly what the lesson page shows.
    "lessons:export draft": ("get", [404, 404, 404, 404, 200, 200, 404, 200]),
    "lessons:export in_review": ("get", [404, 404, 404, 404, 200, 200, 200, 200]),
    "lessons:export": ("get", [404, 404, 404, 200, 200, 200, 200, 200]),
    "lessons:export public": ("get", [200, 200, 200, 200, 200, 200, 200, 200]),
    "lessons:export archived": ("get", [404, 404, 404, 200, 200, 200, 200, 200]),
    "lessons:export archived_public": ("get", [404, 404, 404, 200, 200, 200, 200, 200]),
    "lessons:print draft": ("get", [404, 404, 404, 404, 200, 200, 404, 200]),
    "lessons:print in_review": ("get", [404, 404, 404, 404, 200, 200, 200, 200]),
    "lessons:print": ("get", [404, 404, 404, 200, 200, 200, 200, 200]),
    "lessons:print public": ("get", [200, 200, 200, 200, 200, 200, 200, 200]),
    "lessons:print archived": ("get", [404, 404, 404, 200, 200, 200, 200, 200]),
    "lessons:print archived_public": ("get", [404, 404, 404, 200, 200, 200, 200, 200]),
    # --- Editing: authors until archived, moderators once published. A reviewer
    # who may see a lesson in review and posts the form is sent back to it with a message.
    "lessons:edit draft": ("get", [LOGIN, WAIT, LOGIN, 404, 200, 200, 404, 404]),
    "lessons:edit in_review": ("get", [LOGIN, WAIT, LOGIN, 404, 200, 200, 404, 404]),
    "lessons:edit": ("get", [LOGIN, WAIT, LOGIN, 404, 200, 200, 404, 200]),
    "lessons:edit public": ("get", [LOGIN, WAIT, LOGIN, 404, 200, 200, 404, 200]),
    "lessons:edit archived": ("get", [LOGIN, WAIT, LOGIN, 404, 404, 404, 404, 404]),
    "lessons:edit archived_public": ("get", [LOGIN, WAIT, LOGIN, 404, 404, 404, 404, 404]),
    "lessons:edit post draft": ("post", [LOGIN, WAIT, LOGIN, 404, 302, 302, 404, 404]),
    "lessons:edit post in_review": ("post", [LOGIN, WAIT, LOGIN, 404, 302, 302, 302, 302]),
    "lessons:edit post": ("post", [LOGIN, WAIT, LOGIN, 404, 302, 302, 404, 302]),
    # --- The workflow (the step tried is ACT[state]). A role that sees the lesson
    # but may not take the step gets the page back with the reason (400).
    "lessons:act draft": ("post", [LOGIN, WAIT, LOGIN, 404, 302, 302, 404, 400]),
    "lessons:act in_review": ("post", [LOGIN, WAIT, LOGIN, 404, 400, 400, 302, 302]),
    "lessons:act": ("post", [LOGIN, WAIT, LOGIN, 400, 302, 302, 400, 302]),
    "lessons:act public": ("post", [LOGIN, WAIT, LOGIN, 400, 302, 302, 400, 302]),
    "lessons:act archived": ("post", [LOGIN, WAIT, LOGIN, 400, 400, 400, 400, 302]),
    "lessons:act archived_public": ("post", [LOGIN, WAIT, LOGIN, 400, 400, 400, 400, 302]),
    # --- Topics and standards: experts and moderators, on lessons past the draft.
    "lessons:retag draft": ("get", [LOGIN, WAIT, LOGIN, 404, 404, 404, 404, 404]),
    "lessons:retag in_review": ("get", [LOGIN, WAIT, LOGIN, 404, 404, 404, 200, 200]),
    "lessons:retag": ("get", [LOGIN, WAIT, LOGIN, 404, 404, 404, 200, 200]),
    "lessons:retag public": ("get", [LOGIN, WAIT, LOGIN, 404, 404, 404, 200, 200]),
    "lessons:retag archived": ("get", [LOGIN, WAIT, LOGIN, 404, 404, 404, 200, 200]),
    "lessons:retag archived_public": ("get", [LOGIN, WAIT, LOGIN, 404, 404, 404, 200, 200]),
    "lessons:retag post": ("post", [LOGIN, WAIT, LOGIN, 404, 404, 404, 302, 302]),
    # --- History: members who see the lesson; restoring: its authors and moderators.
    # Old text may hold details the authors removed for someone's safety: the
    # history is for the authors and the moderators only.
    "lessons:history draft": ("get", [LOGIN, WAIT, LOGIN, 404, 200, 200, 404, 200]),
    "lessons:history in_review": ("get", [LOGIN, WAIT, LOGIN, 404, 200, 200, 404, 200]),
    "lessons:history": ("get", [LOGIN, WAIT, LOGIN, 404, 200, 200, 404, 200]),
    "lessons:history public": ("get", [LOGIN, WAIT, LOGIN, 404, 200, 200, 404, 200]),
    "lessons:history archived": ("get", [LOGIN, WAIT, LOGIN, 404, 200, 200, 404, 200]),
    "lessons:history archived_public": ("get", [LOGIN, WAIT, LOGIN, 404, 200, 200, 404, 200]),
    "lessons:restore": ("post", [LOGIN, WAIT, LOGIN, 404, 302, 302, 404, 302]),
    # Purging a version is a moderator's: others get the moderator pages' 403.
    "lessons:purge": ("get", [LOGIN, WAIT, LOGIN, 403, 403, 403, 403, 200]),
    # --- Answering an invitation to co-author: the invited member only. In the
    # "invited" rows ``member`` is asked (and has not answered): they read the
    # draft they are asked to sign, and get none of an author's rights.
    "lessons:co_author": ("get", [LOGIN, WAIT, LOGIN, 404, 404, 404, 404, 404]),
    "lessons:co_author invited draft": ("get", [LOGIN, WAIT, LOGIN, 200, 404, 404, 404, 404]),
    "lessons:co_author post invited draft": (
        "post",
        [LOGIN, WAIT, LOGIN, 302, 404, 404, 404, 404],
    ),
    "lessons:detail invited draft": ("get", [404, 404, 404, 200, 200, 200, 404, 200]),
    "lessons:edit invited draft": ("get", [LOGIN, WAIT, LOGIN, 404, 200, 200, 404, 404]),
    "lessons:history invited draft": ("get", [LOGIN, WAIT, LOGIN, 404, 200, 200, 404, 200]),
    "lessons:act invited draft": ("post", [LOGIN, WAIT, LOGIN, 400, 302, 302, 404, 400]),
}
# Not URL names: the same URL with another method, lesson state or token.
EXTRA_ROWS = {row for row in MATRIX if " " in row}
VARIANTS = {"post", "invited", "made_up_token", "pending_token", "banned_token", *STATES}
# Object URLs whose answer depends on what the role may see: a row for every state.
BY_STATE = ["detail", "detail_short", "edit", "history", "export", "print", "retag", "act"]


def test_every_lessons_url_has_a_row() -> None:
    patterns = get_resolver().namespace_dict["lessons"][1].url_patterns
    assert {f"lessons:{p.name}" for p in patterns} == set(MATRIX) - EXTRA_ROWS
    assert {row.split()[0] for row in MATRIX} == set(MATRIX) - EXTRA_ROWS


def test_rows_are_well_formed() -> None:
    for row, (method, outcomes) in MATRIX.items():
        assert method in {"get", "post"} and len(outcomes) == len(ROLES), row
        assert set(row.split()[1:]) <= VARIANTS, row
        assert ("post" in row.split()[1:]) <= (method == "post"), row
    for name in BY_STATE:
        get_method = MATRIX[f"lessons:{name}"][0]
        for state in set(STATES) - {"published"}:
            assert f"lessons:{name} {state}" in MATRIX, (name, state)
            assert MATRIX[f"lessons:{name} {state}"][0] == get_method, (name, state)


def form_data(topics: list[Tag], **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Liaison officers at a march in Nairobi",
        "summary": "Named liaison officers on both sides kept a tense march peaceful.",
        "setting": Setting.DEMONSTRATION,
        "country": "KE",
        "region": "Nairobi",
        "period": "2023",
        "what_happened": "Organisers and police agreed a **route** the day before.",
        "what_worked": "A named liaison officer on both sides.",
        "what_did_not": "",
        "recommendations": "Brief every unit on the agreement.",
        "topics": [topics[0].slug],
        "new_topics": "",
        "co_authors": "",
        "language": "en",
        "sources-TOTAL_FORMS": "0",
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "20",
    }
    data.update(overrides)
    return data


def assert_outcome(response, expected: object, context: str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302, f"{context}: got {response.status_code}"
        assert response["Location"].startswith("/accounts/login/?next="), context
    elif expected == WAIT:
        assert response.status_code == 403, f"{context}: got {response.status_code}"
        assert b"waiting for a moderator" in response.content, context
    else:
        assert response.status_code == expected, f"{context}: got {response.status_code}"
        if expected in {301, 302}:
            # Redirects stay on the site and never lead to the login page.
            location = response["Location"]
            assert location.startswith("/") and not location.startswith("/accounts/login/"), (
                f"{context}: redirected to {location}"
            )


@pytest.mark.parametrize("row", sorted(MATRIX))
def test_lessons_access(
    client: Client,
    make_user: Callable[..., User],
    moderator: User,
    expert: User,
    topics: list[Tag],
    make_lesson: Callable[..., Lesson],
    make_provision,
    row: str,
) -> None:
    """Every role against one row. The data is built once; each role's request runs
    in a transaction rolled back afterwards, so no role sees another's writes."""
    name, *variant = row.split()
    author = make_user(display_name="Ana Author")
    co_author = make_user(display_name="Cora Co-Author")
    users = {
        "pending": make_user(status=Status.PENDING, approved_at=None),
        "banned": make_user(is_banned=True, is_active=False),
        "member": make_user(),
        "author": author,
        "co_author": co_author,
        "expert": expert,
        "moderator": moderator,
    }
    provision = make_provision()
    state = next((word for word in variant if word in STATES), "published")
    lesson = make_lesson(
        author, co_authors=[co_author], tags=topics[:1], provisions=[provision], **STATES[state]
    )
    if "invited" in variant:
        CoAuthorInvitation.objects.create(lesson=lesson, member=users["member"], invited_by=author)
    revision = LessonRevision.objects.create(
        lesson=lesson, editor=author, snapshot=selectors.snapshot(lesson)
    )
    token = {
        "made_up_token": secrets.token_urlsafe(32),
        "pending_token": FeedToken.objects.create(member=users["pending"]).token,
        "banned_token": FeedToken.objects.create(member=users["banned"]).token,
    }.get(variant[0] if variant else "") or feeds.feed_token_for(users["member"]).token
    slug = provision.instrument.slug
    args = {
        "lessons:instrument": [slug],
        "lessons:instrument_follow": [slug],
        "lessons:provision": [slug, provision.pk],
        "lessons:provision_follow": [slug, provision.pk],
        "lessons:private_feed": [token],
        "lessons:detail": [lesson.pk, lesson.slug],
        "lessons:restore": [lesson.pk, revision.pk],
        "lessons:purge": [lesson.pk, revision.pk],
    }.get(name, [lesson.pk] if name.split(":")[1] in {*BY_STATE, "history", "co_author"} else [])
    url = reverse(name, args=args)
    method, outcomes = MATRIX[row]
    data = {
        "lessons:create": form_data(topics),
        "lessons:edit": form_data(topics, co_authors=f"@{co_author.handle}"),
        "lessons:act": {"action": ACT[state], "comment": "Thank you, this reads well."},
        "lessons:co_author": {"answer": "accept"},
        "lessons:retag": {"topics": [topics[1].slug], "provisions": [provision.pk]},
        "lessons:feed_settings": {"reset": "1"},
        "lessons:instrument_follow": {"follow": "1"},
        "lessons:provision_follow": {"follow": "1"},
    }.get(name, {})
    failures = []
    for role in ROLES:
        with transaction.atomic():
            client.logout()
            if role != "anonymous":
                sign_in(client, users[role])
            response = getattr(client, method)(url, data if method == "post" else None)
            try:
                assert_outcome(
                    response, outcomes[ROLES.index(role)], f"{role} {method.upper()} {url} [{row}]"
                )
            except AssertionError as error:
                failures.append(str(error))
            transaction.set_rollback(True)
    assert not failures, "\n".join(failures)


# --- What the open pages list ----------------------------------------------------------

VISITORS = {"anonymous", "pending", "banned"}
# Open pages that list lessons -> the states of the lessons they list to members.
LISTS = {
    "lessons:list": {"published", "public"},
    "lessons:list archived": {"published", "public", "archived", "archived_public"},
    "lessons:instrument": {"published", "public"},
    "lessons:provision": {"published", "public"},
    # The public feed is the same for everyone (members have their private feed).
    "lessons:feed": {"public"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", sorted(LISTS))
def test_open_pages_list_only_what_the_role_may_open(
    client: Client,
    make_user: Callable[..., User],
    moderator: User,
    expert: User,
    make_lesson: Callable[..., Lesson],
    make_provision,
    role: str,
    row: str,
) -> None:
    """A 200 on a public page is no leak only if it lists no lesson the role may not open."""
    author = make_user()
    co_author = make_user()
    users = {
        "pending": make_user(status=Status.PENDING, approved_at=None),
        "banned": make_user(is_banned=True, is_active=False),
        "member": make_user(),
        "author": author,
        "co_author": co_author,
        "expert": expert,
        "moderator": moderator,
    }
    provision = make_provision()
    titles = {
        state: make_lesson(
            author,
            co_authors=[co_author],
            provisions=[provision],
            title=f"Lesson learned while {state.replace('_', ' ')} zqx",
            **fields,
        ).title
        for state, fields in STATES.items()
    }
    if role != "anonymous":
        sign_in(client, users[role])
    name, *variant = row.split()
    args = {
        "lessons:instrument": [provision.instrument.slug],
        "lessons:provision": [provision.instrument.slug, provision.pk],
    }.get(name, [])
    url = reverse(name, args=args) + ("?archived=on" if variant else "")
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    listed = {state for state, title in titles.items() if title in page}
    expected = {"public"} if role in VISITORS else LISTS[row]
    assert listed == expected, f"{role} GET {url}"


# --- The private feed ----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_private_feed_token(
    client: Client,
    make_user: Callable[..., User],
    moderator: User,
    expert: User,
    make_lesson: Callable[..., Lesson],
    role: str,
) -> None:
    """The member's address gives their feed to whoever holds it; a made-up one is a 404."""
    member = make_user()
    users = {
        "pending": make_user(status=Status.PENDING, approved_at=None),
        "banned": make_user(is_banned=True, is_active=False),
        "member": make_user(),
        "author": make_user(),
        "co_author": make_user(),
        "expert": expert,
        "moderator": moderator,
    }
    make_lesson(title="A members-only lesson on kettling", state=LessonState.PUBLISHED)
    make_lesson(title="A draft about stop and search", state=LessonState.DRAFT)
    if role != "anonymous":
        sign_in(client, users[role])
    token = feeds.feed_token_for(member).token

    response = client.get(reverse("lessons:private_feed", args=[token]))
    assert response.status_code == 200
    assert "A members-only lesson on kettling" in response.content.decode()
    assert "A draft about stop and search" not in response.content.decode()

    made_up = [secrets.token_urlsafe(32), token[:-1], token.upper(), "0" * 43, "feed"]
    for guess in made_up:
        if guess != token:
            url = reverse("lessons:private_feed", args=[guess])
            assert client.get(url).status_code == 404, f"{role} GET {url}"

    # Once replaced, the old address stops working at once.
    feeds.reset_feed_token(member)
    assert client.get(reverse("lessons:private_feed", args=[token])).status_code == 404


def test_private_feed_token_is_not_guessable(make_user: Callable[..., User]) -> None:
    members = [make_user() for _ in range(3)]
    tokens = [feeds.feed_token_for(member).token for member in members]
    tokens += [feeds.reset_feed_token(member).token for member in members]
    tokens += [FeedToken(member=members[0]).token]  # the model's own default
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{32,}", token), token
    assert len(set(tokens)) == len(tokens)
