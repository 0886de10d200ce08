"""Profiles and the directory: members find each other; visitors see only what is public."""

from __future__ import annotations

import pytest
from django.test import Client

from members.models import Profile, SpokenLanguage, Tag, Visibility
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def tags() -> dict[str, Tag]:
    from members.demo import ensure_tag_vocabulary

    ensure_tag_vocabulary()
    return {tag.slug: tag for tag in Tag.objects.all()}


def profile_data(**overrides: object) -> dict:
    data = {
        "handle": "rights-watcher",
        "display_name": "Rights Watcher",
        "bio": "I **train** officers. <script>alert(1)</script>",
        "organisation": "Observatory",
        "country": "KE",
        "role": "trainer",
        "languages": ["en", "sw"],
        "expertise": [],
        "open_to_questions": "on",
        "name_visibility": "members",
        "bio_visibility": "members",
        "organisation_visibility": "members",
        "country_visibility": "members",
        "languages_visibility": "members",
        "role_visibility": "members",
        "expertise_visibility": "members",
    }
    data.update(overrides)
    return data


def test_member_edits_their_profile(client: Client, member, tags) -> None:
    sign_in(client, member)
    data = profile_data(expertise=[tags["use-of-force"].pk, tags["training"].pk])
    response = client.post("/members/me/edit/", data)
    assert response.headers["Location"] == "/members/rights-watcher/"
    member.refresh_from_db()
    profile = member.profile
    assert member.display_name == "Rights Watcher"
    assert profile.country.code == "KE" and profile.role == "trainer"
    assert sorted(profile.languages.values_list("code", flat=True)) == ["en", "sw"]
    assert {tag.slug for tag in profile.expertise.all()} == {"use-of-force", "training"}
    assert "<strong>train</strong>" in profile.bio_html
    assert "<script" not in profile.bio_html
    html = client.get("/members/rights-watcher/").content.decode()
    assert "<strong>train</strong>" in html
    assert "&lt;script&gt;" in html
    assert "Use of force" in html and "Kenya" in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "XX", "Select a valid choice"),
        ("languages", ["en", "klingon"], "Select a valid choice"),
        ("bio", "x" * 2001, "at most 2000 characters"),
        ("handle", "No Spaces!", "lower-case letters"),
    ],
)
def test_bad_profile_input_is_explained_and_kept(
    client: Client, member, tags, field: str, value: object, message: str
) -> None:
    sign_in(client, member)
    response = client.post("/members/me/edit/", profile_data(**{field: value}))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'value="Observatory"' in html, "what the member typed is kept"
    member.refresh_from_db()
    assert member.display_name != "Rights Watcher"


def test_a_taken_handle_is_refused(client: Client, member, make_user) -> None:
    make_user(handle="taken")
    sign_in(client, member)
    response = client.post("/members/me/edit/", profile_data(handle="taken"))
    assert "Another member already uses this handle" in response.content.decode()


def test_profiles_are_members_only_unless_made_public(client: Client, member) -> None:
    assert client.get(f"/members/{member.handle}/").status_code == 404
    Profile.objects.filter(user=member).update(
        name_visibility=Visibility.PUBLIC, organisation="Secret org"
    )
    response = client.get(f"/members/{member.handle}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert member.display_name in html
    assert "Secret org" not in html, "only the parts made public are shown to visitors"


def test_email_addresses_are_never_shown_to_other_members(
    client: Client, member, make_user
) -> None:
    viewer = make_user()
    sign_in(client, viewer)
    for url in ["/members/", f"/members/{member.handle}/"]:
        assert member.email not in client.get(url).content.decode()


def test_directory_finds_experts_by_tag_country_language_and_role(
    client: Client, make_user, tags
) -> None:
    wanted = make_user(display_name="Wanted Expert", is_expert=True)
    Profile.objects.filter(user=wanted).update(country="BR", role="trainer", open_to_questions=True)
    wanted.profile.expertise.add(tags["use-of-force"])
    SpokenLanguage.objects.create(profile=wanted.profile, code="pt")
    other = make_user(display_name="Someone Else")
    Profile.objects.filter(user=other).update(country="FR", role="lawyer")
    other.profile.expertise.add(tags["firearms"])
    sign_in(client, other)

    def names(query: str) -> bool:
        return "Wanted Expert" in client.get(f"/members/?{query}").content.decode()

    assert names("tag=use-of-force") and not names("tag=firearms")
    assert names("country=BR") and not names("country=FR")
    assert names("language=pt") and not names("language=fr")
    assert names("role=trainer") and not names("role=lawyer")
    assert names("open=on") and names("experts=on")
    assert names("q=wanted") and not names("q=nobody")
    assert not names("q=wanted&country=FR")


def test_directory_hides_pending_and_banned_people(client: Client, member, make_user) -> None:
    from members.models import Status

    make_user(display_name="Still Waiting", status=Status.PENDING)
    make_user(display_name="Was Banned", is_banned=True, is_active=False)
    sign_in(client, member)
    html = client.get("/members/").content.decode()
    assert "Still Waiting" not in html and "Was Banned" not in html


def test_directory_is_paginated(client: Client, make_user) -> None:
    for n in range(30):
        make_user(display_name=f"Member {n:02d}")
    viewer = make_user(display_name="Viewer")
    sign_in(client, viewer)
    first = client.get("/members/").content.decode()
    second = client.get("/members/?page=2").content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert first.count('class="member-card"') == 24
    assert second.count('class="member-card"') == 7


@pytest.mark.parametrize("rows", [5, 60])
def test_directory_query_count_does_not_grow_with_members(
    client: Client, make_user, tags, rows: int, django_assert_max_num_queries
) -> None:
    for n in range(rows):
        user = make_user(is_expert=n % 2 == 0)
        user.profile.expertise.add(tags["training"], tags["firearms"])
        SpokenLanguage.objects.create(profile=user.profile, code="en")
    sign_in(client, make_user())
    with django_assert_max_num_queries(9):
        response = client.get("/members/")
    assert response.status_code == 200


def test_initials_avatar_uses_the_display_name(client: Client, member, make_user) -> None:
    target = make_user(display_name="Nadia Okafor")
    sign_in(client, member)
    html = client.get(f"/members/{target.handle}/").content.decode()
    assert ">NO</span>" in html
