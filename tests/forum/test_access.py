"""Who may open which forum URL, per role. A new forum URL without a row fails.

Objects a role may not act on answer 404 (or 403 for moderator pages, which
exist for everyone but are not theirs), never a hint about hidden content.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from forum import services
from members.models import Status
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "pending", "member", "author", "moderator"]
LOGIN, WAIT = "login", "waiting"

# url name -> (method, outcome per role in ROLES order)
MATRIX: dict[str, tuple[str, list[object]]] = {
    "forum:list": ("get", [LOGIN, WAIT, 200, 200, 200]),
    "forum:create": ("get", [LOGIN, WAIT, 200, 200, 200]),
    "forum:preview": ("post", [LOGIN, WAIT, 200, 200, 200]),
    "forum:tags": ("get", [LOGIN, WAIT, 200, 200, 200]),
    "forum:tag": ("get", [LOGIN, WAIT, 200, 200, 200]),
    "forum:tag_edit": ("get", [LOGIN, WAIT, 404, 404, 200]),
    "forum:tag_merge": ("post", [LOGIN, WAIT, 404, 404, 400]),
    "forum:flags": ("get", [LOGIN, WAIT, 403, 403, 200]),
    "forum:thread": ("get", [LOGIN, WAIT, 200, 200, 200]),
    "forum:thread_short": ("get", [LOGIN, WAIT, 301, 301, 301]),
    "forum:hidden_thread": ("get", [LOGIN, WAIT, 404, 404, 200]),
    # The thread page kept for members with no relation to it (forum.fragments):
    # read by a bystander first, then by the role; then hidden after it was kept.
    "forum:kept_thread": ("get", [LOGIN, WAIT, 200, 200, 200]),
    "forum:kept_then_hidden_thread": ("get", [LOGIN, WAIT, 404, 404, 200]),
    "forum:post": ("get", [LOGIN, WAIT, 302, 302, 302]),
    "forum:post_edit": ("get", [LOGIN, WAIT, 404, 200, 200]),
    "forum:post_history": ("get", [LOGIN, WAIT, 404, 200, 200]),
    "forum:post_delete": ("get", [LOGIN, WAIT, 404, 200, 200]),
    "forum:post_restore": ("post", [LOGIN, WAIT, 403, 403, 302]),
    "forum:post_purge": ("get", [LOGIN, WAIT, 403, 403, 200]),
    "forum:post_helpful": ("post", [LOGIN, WAIT, 302, 302, 302]),
    "forum:post_accept": ("post", [LOGIN, WAIT, 302, 302, 302]),
    "forum:post_flag": ("get", [LOGIN, WAIT, 200, 200, 200]),
    "forum:post_hide": ("post", [LOGIN, WAIT, 403, 403, 302]),
    "forum:flags_dismiss": ("post", [LOGIN, WAIT, 403, 403, 302]),
    "forum:reply": ("post", [LOGIN, WAIT, 302, 302, 302]),
    "forum:follow": ("post", [LOGIN, WAIT, 302, 302, 302]),
    "forum:unaccept": ("post", [LOGIN, WAIT, 302, 302, 302]),
    "forum:retag": ("get", [LOGIN, WAIT, 403, 403, 200]),
    "forum:moderate": ("post", [LOGIN, WAIT, 403, 403, 302]),
    "forum:attachment": ("get", [LOGIN, WAIT, 200, 200, 200]),
    "forum:hidden_attachment": ("get", [LOGIN, WAIT, 404, 404, 200]),
}
# Not URL names: the same URL on an object the role may not see.
EXTRA_ROWS = {
    "forum:hidden_thread",
    "forum:hidden_attachment",
    "forum:kept_thread",
    "forum:kept_then_hidden_thread",
}


def test_every_forum_url_has_a_row() -> None:
    patterns = get_resolver().namespace_dict["forum"][1].url_patterns
    assert {f"forum:{p.name}" for p in patterns} == set(MATRIX) - EXTRA_ROWS


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_forum_access(
    client: Client, make_user, moderator, make_thread, topics, role: str, name: str
) -> None:
    author = make_user()
    users = {
        "pending": make_user(status=Status.PENDING, approved_at=None),
        "member": make_user(),
        "author": author,
        "moderator": moderator,
    }
    thread = make_thread(author)
    post = services.create_reply(
        author=author, thread=thread, body="The author's answer", files=[("a.txt", b"notes")]
    )
    hidden = make_thread(author, title="A thread hidden by the moderators")
    in_hidden = services.create_reply(
        author=author, thread=hidden, body="In hiding", files=[("b.txt", b"notes")]
    )
    services.switch_thread(actor=moderator, thread=hidden, action="hide")
    attached, hidden_attached = post.attachments.get(), in_hidden.attachments.get()
    if name in {"forum:kept_thread", "forum:kept_then_hidden_thread"}:
        bystander = Client()
        sign_in(bystander, make_user())
        assert bystander.get(thread.get_absolute_url()).status_code == 200
        if name == "forum:kept_then_hidden_thread":
            services.switch_thread(actor=moderator, thread=thread, action="hide")
    if role != "anonymous":
        sign_in(client, users[role])
    args = {
        "forum:tag": [topics[0].slug],
        "forum:tag_edit": [topics[0].slug],
        "forum:tag_merge": [topics[0].slug],
        "forum:thread": [thread.pk, thread.slug],
        "forum:thread_short": [thread.pk],
        "forum:hidden_thread": [hidden.pk, hidden.slug],
        "forum:kept_thread": [thread.pk, thread.slug],
        "forum:kept_then_hidden_thread": [thread.pk, thread.slug],
        "forum:reply": [thread.pk],
        "forum:follow": [thread.pk],
        "forum:unaccept": [thread.pk],
        "forum:retag": [thread.pk],
        "forum:moderate": [thread.pk, "pin"],
        "forum:attachment": [attached.pk, attached.name],
        "forum:hidden_attachment": [hidden_attached.pk, hidden_attached.name],
    }.get(name, [post.pk] if name.startswith("forum:post_") or name in {
        "forum:post", "forum:flags_dismiss"} else [])  # fmt: skip
    url_name = {
        "forum:hidden_thread": "forum:thread",
        "forum:hidden_attachment": "forum:attachment",
        "forum:kept_thread": "forum:thread",
        "forum:kept_then_hidden_thread": "forum:thread",
    }.get(name, name)
    url = reverse(url_name, args=args)
    method, outcomes = MATRIX[name]
    data = {"body": "A reply"} if method == "post" else None
    response = getattr(client, method)(url, data)
    expected = outcomes[ROLES.index(role)]
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    elif expected == WAIT:
        assert response.status_code == 403 and b"waiting for a moderator" in response.content
    else:
        assert response.status_code == expected, f"{role} {method} {url}"
