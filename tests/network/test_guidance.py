"""Guidance: a new member's first steps, and what every empty list says to do next."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import services as forum_services
from lessons.models import Instrument
from members import services as member_services
from members.models import MemberRole, Status, Tag, User
from notifications import services as notifications
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

CHECKLIST = re.compile(r'<section class="first-steps".*?</section>', re.DOTALL)
EMPTY_STATE = re.compile(r'<(div|li|p) class="empty-state">(.*?)</\1>', re.DOTALL)


def first_steps(client: Client) -> str | None:
    """The checklist's HTML on the home page, or None when it is not shown."""
    response = client.get("/")
    assert response.status_code == 200
    match = CHECKLIST.search(response.content.decode())
    return match.group(0) if match else None


def done_steps(checklist: str) -> list[str]:
    items = re.findall(
        r'<li class="checklist-item checklist-done">(.*?)</li>', checklist, re.DOTALL
    )
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip() for item in items]


@pytest.fixture
def newcomer(make_user: Callable[..., User], client: Client) -> User:
    """Just approved: a display name from sign-up and nothing else yet."""
    user = make_user(display_name="Nadia Newcomer", handle="nadia")
    sign_in(client, user)
    return user


def test_a_new_member_sees_three_first_steps_with_links_to_each(
    client: Client, newcomer: User
) -> None:
    checklist = first_steps(client)
    assert checklist is not None
    assert "0 of 3 done" in checklist
    assert done_steps(checklist) == []
    for title, url in [
        ("Complete your profile", reverse("members:profile_edit")),
        ("Follow the topics you work on", reverse("forum:tags")),
        ("Ask your first question", reverse("forum:create")),
    ]:
        assert f'href="{url}">{title}</a>' in checklist
    # Putting it away is a plain form: it works without JavaScript.
    assert f'<form method="post" action="{reverse("first_steps_dismiss")}">' in checklist
    assert "Hide this checklist" in checklist


def test_first_steps_tick_off_as_the_member_does_them_and_go_when_all_are_done(
    client: Client, newcomer: User, topics: list[Tag]
) -> None:
    def update_profile(**fields: object) -> None:
        member_services.update_profile(
            member=newcomer,
            display_name=newcomer.display_name,
            handle=newcomer.handle,
            profile_fields={"role": "", "bio": "", **fields},
            languages=[],
            expertise=[],
        )

    # A role alone says too little about the member's work.
    update_profile(role=MemberRole.LAWYER)
    assert done_steps(first_steps(client)) == []
    update_profile(role=MemberRole.LAWYER, bio="I represent families in custody death cases.")
    checklist = first_steps(client)
    assert "1 of 3 done" in checklist
    assert done_steps(checklist) == ["✓ Complete your profile Done"]
    assert reverse("members:profile_edit") not in checklist

    notifications.follow(follower=newcomer, target=topics[0])
    checklist = first_steps(client)
    assert "2 of 3 done" in checklist
    assert [step.split(" ", 1)[1] for step in done_steps(checklist)] == [
        "Complete your profile Done",
        "Follow the topics you work on Done",
    ]

    forum_services.create_thread(
        author=newcomer,
        title="How do we request custody records?",
        body="Which law gives families access to custody records?",
        tags=topics[:1],
        kind="question",
        language="en",
    )
    assert first_steps(client) is None


def test_expertise_instead_of_a_bio_also_completes_the_profile(
    client: Client, newcomer: User, topics: list[Tag]
) -> None:
    member_services.update_profile(
        member=newcomer,
        display_name=newcomer.display_name,
        handle=newcomer.handle,
        profile_fields={"role": MemberRole.TRAINER},
        languages=[],
        expertise=topics[:2],
    )
    assert done_steps(first_steps(client)) == ["✓ Complete your profile Done"]


def test_a_member_can_hide_the_checklist_for_good(client: Client, newcomer: User) -> None:
    url = reverse("first_steps_dismiss")
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "The checklist is hidden." in response.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.first_steps_dismissed_at is not None
    assert first_steps(client) is None
    # On another device too: the choice is stored with the member, not the session.
    other_device = Client()
    sign_in(other_device, newcomer)
    assert first_steps(other_device) is None


def test_visitors_and_people_waiting_for_approval_see_no_checklist(
    client: Client, make_user: Callable[..., User]
) -> None:
    assert first_steps(client) is None
    response = client.post(reverse("first_steps_dismiss"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    waiting = make_user(status=Status.PENDING, approved_at=None)
    sign_in(client, waiting)
    client.post(reverse("first_steps_dismiss"))
    waiting.refresh_from_db()
    assert waiting.first_steps_dismissed_at is None


# --- Empty lists ---------------------------------------------------------------


@pytest.fixture
def people(make_user: Callable[..., User]) -> dict[str, User | None]:
    moderator = make_user(is_moderator=True, display_name="Mod Erator")
    Authenticator.objects.create(
        user=moderator, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return {
        "visitor": None,
        "member": make_user(display_name="Maria Member"),
        "expert": make_user(display_name="Exa Pert", is_expert=True),
        "moderator": moderator,
    }


EMPTY_LISTS = [
    # (who looks, page, what it says, where it sends them next)
    ("member", "/forum/", "No thread matches yet.", ["/forum/new/"]),
    ("member", "/forum/?tag=nothing-here", "No thread matches yet.", ["/forum/new/", "/forum/"]),
    (
        "member",
        "/forum/?sort=unanswered",
        "Every question has an answer.",
        ["?sort=latest"],
    ),
    (
        "member",
        "/forum/tags/quiet-topic/",
        "No threads in this topic yet.",
        ["/forum/new/?tag=quiet-topic", "/forum/tags/"],
    ),
    ("member", "/search/?q=zebra", "Nothing found.", ["/forum/new/", "/forum/tags/"]),
    ("member", "/lessons/", "No lesson matches yet.", ["/lessons/new/"]),
    ("member", "/lessons/?country=KE", "No lesson matches yet.", ["/lessons/new/", "/lessons/"]),
    ("visitor", "/lessons/", "No lesson matches yet.", ["/accounts/login/"]),
    (
        "member",
        "/lessons/mine/",
        "You have not written a lesson yet.",
        ["/lessons/new/", "/forum/"],
    ),
    (
        "member",
        "/lessons/standards/empty-code/",
        "No published lesson is linked to this standard yet.",
        ["/lessons/new/", "/lessons/"],
    ),
    ("member", "/notifications/", "Nothing yet.", ["/forum/tags/", "/members/"]),
    (
        "member",
        "/members/?q=nobody-by-that-name",
        "No member matches these filters.",
        ["/members/", "/members/invitations/"],
    ),
    ("member", "/members/invitations/", "You have not created any invitations yet.", []),
    (
        "moderator",
        "/members/moderation/pending/",
        "No request is waiting.",
        ["/forum/moderation/flags/", "/lessons/review/"],
    ),
    (
        "moderator",
        "/forum/moderation/flags/",
        "No flagged posts.",
        ["/members/moderation/pending/", "/lessons/review/"],
    ),
    (
        "expert",
        "/lessons/review/",
        "Nothing is waiting for review.",
        ["/forum/?sort=unanswered", "/lessons/"],
    ),
]


@pytest.mark.parametrize(("who", "url", "message", "next_steps"), EMPTY_LISTS)
def test_an_empty_list_says_what_to_do_next(
    client: Client,
    people: dict[str, User | None],
    who: str,
    url: str,
    message: str,
    next_steps: list[str],
) -> None:
    Tag.objects.create(name="Quiet topic", slug="quiet-topic")
    Instrument.objects.create(
        slug="empty-code", title="A code nobody has cited", short_title="Empty code", year=2001
    )
    if people[who] is not None:
        sign_in(client, people[who])
    response = client.get(url)
    assert response.status_code == 200
    states = [
        html.unescape(inner) for _tag, inner in EMPTY_STATE.findall(response.content.decode())
    ]
    assert len(states) == 1, f"{url}: one empty state expected, found {len(states)}"
    state = states[0]
    assert message in state
    links = re.findall(r'href="([^"]+)"', state)
    assert links == next_steps or (not next_steps and "form above" in state), links


def test_an_empty_topic_vocabulary_invites_members_to_propose_a_topic(
    client: Client, member: User
) -> None:
    sign_in(client, member)
    states = EMPTY_STATE.findall(client.get("/forum/tags/").content.decode())
    assert len(states) == 1
    assert "No topics yet." in states[0][1]
    assert 'href="/forum/new/"' in states[0][1]


def test_the_checklist_costs_the_home_page_one_query(client: Client, newcomer: User) -> None:
    client.get("/")  # content types cached, session loaded
    with CaptureQueriesContext(connection) as with_checklist:
        assert first_steps(client) is not None
    member_services.dismiss_first_steps(member=newcomer)
    with CaptureQueriesContext(connection) as without_checklist:
        assert first_steps(client) is None
    assert len(with_checklist) == len(without_checklist) + 1
