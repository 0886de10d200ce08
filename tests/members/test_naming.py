"""Names members choose cannot pass as staff, hide characters or rewrite the page.

Display names, handles, organisations and topic names are normalised (NFKC)
and refused when they hold control, format (zero-width, BOM, bidi) or line
separator characters; staff-like names and names confusable with a current
moderator's are reserved; handles of deleted accounts are retired; topics
confusable with an existing topic are refused; and every member-written name
sits in its own bidi isolate on the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from forum import services as forum_services
from members import naming
from members.models import Profile, Tag, User, Visibility
from members.services import resolve_tags, update_tag
from network.privacy import delete_account
from notifications.models import Notification
from tests.conftest import sign_in
from tests.members.test_joining import SIGNUP
from tests.members.test_profiles import profile_data

pytestmark = pytest.mark.django_db

REPO_ROOT = Path(__file__).resolve().parents[2]

INVISIBLE = {
    "zero-width space": "Sam\u200bira",
    "zero-width joiner": "Sam\u200dira",
    "byte order mark": "\ufeffSamira",
    "right-to-left override": "Samira\u202e",
    "left-to-right embedding": "\u202aSamira",
    "right-to-left isolate": "Sam\u2067ira",
    "pop directional isolate": "Samira\u2069",
    "line feed": "Samira\nModerator",
    "carriage return": "Sami\rra",
    "line separator": "Sam\u2028ira",
    "paragraph separator": "Sam\u2029ira",
    "escape": "Sam\x1bira",
    "tab": "Sam\tira",
}


def _edit(client: Client, **overrides: object):
    return client.post("/members/me/edit/", profile_data(**overrides))


# --- Characters --------------------------------------------------------------------


@pytest.mark.parametrize("name", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_display_name_with_invisible_or_control_characters_is_refused_and_kept(
    client: Client, member, name: str
) -> None:
    client.force_login(member)
    before = member.display_name
    response = _edit(client, display_name=name)
    assert response.status_code == 200
    assert "invisible or control characters" in response.content.decode()
    assert response.context["form"]["display_name"].value() == name
    member.refresh_from_db()
    assert member.display_name == before


@pytest.mark.parametrize("field", ["organisation"])
def test_organisation_with_a_bidi_override_is_refused(client: Client, member, field: str) -> None:
    client.force_login(member)
    response = _edit(client, **{field: "Observatory\u202e"})
    assert "invisible or control characters" in response.content.decode()
    assert Profile.objects.get(user=member).organisation != "Observatory\u202e"


def test_display_name_is_stored_in_nfkc_form(client: Client, member) -> None:
    client.force_login(member)
    # Fullwidth letters and a ligature, as some keyboards type them.
    response = _edit(client, display_name="\uff2eadia \ufb01eld")
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "Nadia field"


def test_names_in_every_script_are_welcome(client: Client, member) -> None:
    client.force_login(member)
    for name in ["أمينة", "Zoë Ørsted", "Đặng Thị", "Ольг\u0430", "陳偉", "नादिया", "Nomvula"]:
        response = _edit(client, display_name=name)
        assert response.status_code == 302, name
        member.refresh_from_db()
        assert member.display_name == name


def test_sign_up_refuses_a_name_with_a_bidi_override_and_keeps_what_was_typed(
    client: Client,
) -> None:
    response = client.post("/accounts/signup/", {**SIGNUP, "display_name": "Watcher\u202e"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "invisible or control characters" in html
    assert 'value="new@example.org"' in html
    assert not User.objects.filter(email="new@example.org").exists()


def test_sign_up_refuses_a_staff_like_name(client: Client) -> None:
    response = client.post("/accounts/signup/", {**SIGNUP, "display_name": "Site Admin"})
    assert response.status_code == 200
    assert "reserved for the network" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


def test_services_refuse_what_the_forms_refuse(member) -> None:
    # Any other path (a script, a future form) goes through the same rule.
    from members.services import update_profile

    with pytest.raises(ValidationError):
        update_profile(
            member=member,
            display_name="Moderator",
            handle=member.handle,
            profile_fields={},
            languages=[],
            expertise=[],
        )
    member.refresh_from_db()
    assert member.display_name != "Moderator"


# --- Staff-like and moderators' names -------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Moderator", "moderator", "MODERATOR", "Mod-erator", "m o d e r a t o r", "Moderator1",
     "The Moderators", "Admin", "admin1", "adm1n", "Administrator", "Site admin", "Staff",
     "Support", "Support team", "Policing & Human Rights Network", "M\u043ederator",  # Cyrillic o
     "Modérateur", "Moderador", "Ⓜoderator"],
)  # fmt: skip
def test_staff_like_display_names_are_reserved(client: Client, member, name: str) -> None:
    client.force_login(member)
    response = _edit(client, display_name=name)
    assert response.status_code == 200, name
    assert "reserved for the network" in response.content.decode()


@pytest.mark.parametrize(
    "handle", ["admin", "moderator", "admin1", "mod-erator", "staff", "support"]
)
def test_staff_like_handles_are_reserved(client: Client, member, handle: str) -> None:
    client.force_login(member)
    response = _edit(client, handle=handle)
    assert response.status_code == 200, handle
    assert "reserved for the network" in response.content.decode()
    member.refresh_from_db()
    assert member.handle != handle


@pytest.mark.parametrize(
    "name",
    ["Nadia Okafor", "nadia okafor", "N\u0430dia Okafor",  # Cyrillic a
     "Nadia\u00a0Okafor", "Nadia Okaf\u043er", "Nadia  Okafor", "NADIA-OKAFOR", "Nadia 0kafor"],
)  # fmt: skip
def test_a_name_confusable_with_a_moderators_is_refused(
    client: Client, member, make_user, name: str
) -> None:
    make_user(is_moderator=True, display_name="Nadia Okafor", handle="nadia-o")
    client.force_login(member)
    response = _edit(client, display_name=name)
    assert response.status_code == 200, name
    assert "looks like the name of a moderator" in response.content.decode()
    member.refresh_from_db()
    assert member.display_name != name


def test_a_name_confusable_with_an_admins_handle_is_refused(
    client: Client, member, make_user
) -> None:
    make_user(is_superuser=True, is_staff=True, display_name="Ops", handle="kwame-a")
    client.force_login(member)
    assert (
        "looks like the name of a moderator"
        in _edit(client, display_name="Kwame A").content.decode()
    )
    assert "looks like the name of a moderator" in _edit(client, handle="kwarne-a").content.decode()


def test_moderators_keep_their_own_names(client: Client, make_user) -> None:
    from allauth.mfa.models import Authenticator

    moderator = make_user(is_moderator=True, display_name="Sam (moderator)", handle="mod-sam")
    Authenticator.objects.create(
        user=moderator, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    sign_in(client, moderator)
    response = _edit(client, display_name="Sam (moderator)", handle="mod-sam")
    assert response.status_code == 302


def test_an_ordinary_name_is_not_mistaken_for_staff(client: Client, member, make_user) -> None:
    make_user(is_moderator=True, display_name="Nadia Okafor", handle="nadia-o")
    client.force_login(member)
    for name in ["Nadia", "Nadia K.", "Badminton coach", "Modern policing", "Supporter of rights"]:
        response = _edit(client, display_name=name)
        assert response.status_code == 302, name


def test_every_demo_account_passes_the_name_rules(db) -> None:
    from members.demo import ensure_demo_accounts, ensure_tag_vocabulary

    ensure_tag_vocabulary()
    for user in ensure_demo_accounts():
        naming.clean_display_name(user.display_name, member=user)
        naming.clean_handle(user.handle, member=user)
        naming.clean_organisation(user.profile.organisation)
    for tag in Tag.objects.all():
        naming.clean_topic_name(tag.name, tag=tag)


# --- Retired handles -----------------------------------------------------------------


def test_the_handle_of_a_deleted_account_is_never_given_to_someone_else(
    client: Client, member, make_user
) -> None:
    gone = make_user(handle="lina-h")
    delete_account(gone, keep_contributions=True)
    client.force_login(member)
    for handle in ["lina-h", "lina_h", "linah"]:
        response = _edit(client, handle=handle)
        assert response.status_code == 200, handle
        assert "not available" in response.content.decode()
    member.refresh_from_db()
    assert member.handle != "lina-h"


def test_retired_handles_are_kept_as_keyed_digests_not_as_text(make_user) -> None:
    from members.models import RetiredHandle

    delete_account(make_user(handle="lina-h"), keep_contributions=False)
    (row,) = RetiredHandle.objects.all()
    assert "lina" not in row.digest


# --- Avatar initials -----------------------------------------------------------------


def test_avatar_initials_of_a_hidden_name_come_from_the_handle(make_user) -> None:
    target = make_user(display_name="Nadia Okafor", handle="quiet-owl")
    Profile.objects.filter(user=target).update(bio="Hello", bio_visibility=Visibility.PUBLIC)
    Profile.objects.filter(user=target).update(bio_html="<p>Hello</p>")
    html = Client().get(f"/members/{target.handle}/").content.decode()
    assert "Nadia" not in html
    assert ">NO</span>" not in html
    assert ">QO</span>" in html


# --- Topics --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Useofforce", "Us\u0435 of force",  # Cyrillic e
     "USE_OF_FORCE", "Use of f0rce", "Useof force"],
)  # fmt: skip
def test_a_new_topic_confusable_with_an_existing_one_is_refused_naming_it(
    client: Client, member, topics, name: str
) -> None:
    from tests.forum.test_threads import thread_form

    client.force_login(member)
    count = Tag.objects.count()
    data = thread_form(topics=["training"], new_topics=name)
    response = client.post("/forum/new/", data)
    assert response.status_code == 200, f"{name!r} was accepted"
    html = response.content.decode()
    assert "looks like the existing topic “Use of force”" in html
    assert response.context["form"]["new_topics"].value() == name
    assert Tag.objects.count() == count


def test_typing_an_existing_topic_by_its_name_still_chooses_it(member, topics) -> None:
    for name in ["use of force", "Use-of-force", "Use of forcé"]:
        (tag,) = resolve_tags(names=[name], proposer=member)
        assert tag == topics[0], name


def test_renaming_a_topic_to_look_like_another_is_refused(member, expert, topics) -> None:
    proposed = resolve_tags(names=["Kettling"], proposer=member)[0]
    existing = topics[0]
    lookalike = existing.name.replace("a", "\u0430").replace("e", "\u0435")
    with pytest.raises(ValidationError, match="looks like the existing topic"):
        update_tag(actor=expert, tag=proposed, name=lookalike, description="", official=False)
    with pytest.raises(ValidationError, match="invisible or control characters"):
        update_tag(
            actor=expert, tag=proposed, name="Kettling\u200b", description="", official=False
        )


def test_a_topic_keeps_its_own_name_when_renamed_to_a_variant(member, expert) -> None:
    proposed = resolve_tags(names=["Kettlng"], proposer=member)[0]
    tag = update_tag(actor=expert, tag=proposed, name="Kettlng.", description="", official=False)
    assert tag.name == "Kettlng."


# --- Bidi isolation -----------------------------------------------------------------


RLO = "\u202e"


def test_legacy_names_with_a_bidi_override_stay_inside_their_isolate(
    client: Client, member, make_user, make_thread, topics
) -> None:
    """A name stored before these rules (RLO inside) cannot reverse the text beside it."""
    legacy = make_user(display_name=f"Eve{RLO}")
    Profile.objects.filter(user=legacy).update(organisation=f"Org{RLO}")
    Tag.objects.filter(pk=topics[0].pk).update(name=f"Topic{RLO}")
    thread = make_thread(legacy, tags=[topics[0]])
    forum_services.create_reply(author=legacy, thread=thread, body="A reply")
    Notification.objects.create(recipient=member, kind="reply", text=f"Eve{RLO} replied")
    client.force_login(member)
    pages = [
        "/notifications/",
        thread.get_absolute_url(),
        "/forum/",
        "/members/",
        f"/members/{legacy.handle}/",
        f"/forum/tags/{topics[0].slug}/",
        "/forum/tags/",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        body = html.split("<body", 1)[1]
        assert RLO in body, url
        outside = re.sub(r"<bdi>[^<]*(?:<(?!/bdi>)[^<]*)*</bdi>", "", body)
        outside = re.sub(r'<[a-z0-9]+ [^>]*dir="auto"[^>]*>[^<]*</[a-z0-9]+>', "", outside)
        assert RLO not in outside, url


NAME_EXPRESSION = re.compile(
    r"\{\{\s*[\w.]*(?:\.name|display_name|organisation|\bname)\s*(?:\|[^}]*)?\}\}"
)
NOT_A_MEMBER_NAME = re.compile(
    r"field\.|info\.name|country\.name|\.name_local|action\.name|html_name|SITE_NAME"
)
BLOCKTRANSLATE = re.compile(r"\{% blocktranslate ([^%]*)%\}(.*?)\{% endblocktranslate %\}", re.S)


def test_templates_isolate_every_member_written_name() -> None:
    """Each ``{{ ….name }}`` in a template body sits in ``<bdi>`` (or goes through ``|bdi``)."""
    offenders = []
    for path in sorted((REPO_ROOT / "templates").rglob("*.html")):
        where = path.relative_to(REPO_ROOT)
        text = path.read_text()
        # <title> cannot hold elements; names there are plain text by nature.
        text = re.sub(
            r"\{% block head_title %\}.*?\{% endblock head_title %\}", "", text, flags=re.S
        )
        # A name handed to {% blocktranslate with name=… %} must carry |bdi;
        # the placeholders inside then need nothing more.
        # (or its placeholder must sit in <bdi> inside the message itself).
        for block in BLOCKTRANSLATE.finditer(text):
            parts = re.split(r"\s(\w+)=", " " + block.group(1))[1:]
            for variable, expression in zip(parts[::2], parts[1::2], strict=True):
                if not re.match(r"[\w.]*(?:\.name|display_name|organisation)\b", expression):
                    continue
                isolated_inside = f"<bdi>{{{{ {variable} }}}}</bdi>" in block.group(2)
                if (
                    not NOT_A_MEMBER_NAME.search(expression)
                    and "|bdi" not in expression
                    and not isolated_inside
                ):
                    offenders.append(f"{where}: blocktranslate with {expression}")
        text = BLOCKTRANSLATE.sub("", text)
        for match in NAME_EXPRESSION.finditer(text):
            expression = match.group(0)
            if NOT_A_MEMBER_NAME.search(expression) or "|bdi" in expression:
                continue
            before = text[: match.start()]
            if before.rfind("<bdi>") <= before.rfind("</bdi>"):
                offenders.append(f"{where}: {expression}")
    assert not offenders, "\n".join(offenders)


# --- Names stored before the rules ---------------------------------------------------------


def test_the_migration_cleans_names_stored_before_the_rules(make_user, topics) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("members.migrations.0011_names_retired_handles")
    legacy = make_user(display_name="Eve\u202e\nModerator\u200b")
    Profile.objects.filter(user=legacy).update(organisation="Org\r\nSecond line")
    Tag.objects.filter(pk=topics[0].pk).update(name="Kettling\u202e")
    Tag.objects.filter(pk=topics[1].pk).update(name="Training\u200b")  # "Training" exists
    migration.clean_legacy_names(apps, None)
    legacy.refresh_from_db()
    assert legacy.display_name == "Eve Moderator"
    assert Profile.objects.get(user=legacy).organisation == "Org Second line"
    assert Tag.objects.get(pk=topics[0].pk).name == "Kettling"
    assert Tag.objects.get(pk=topics[1].pk).name == "Training\u200b"


def test_the_admin_follows_the_same_name_rules(admin, member) -> None:
    from django.forms.models import model_to_dict

    from members.admin import MemberChangeForm

    data = {**model_to_dict(member), "display_name": "Support\u202e", "handle": "admin"}
    data = {key: value for key, value in data.items() if value is not None}
    form = MemberChangeForm(data=data, instance=member)
    assert not form.is_valid()
    assert "invisible or control characters" in str(form.errors["display_name"])
    assert "reserved for the network" in str(form.errors["handle"])


def test_a_service_caller_cannot_set_a_handle_outside_the_pattern(member) -> None:
    from members.services import update_profile

    with pytest.raises(ValidationError, match="lower-case letters"):
        update_profile(
            member=member,
            display_name="",
            handle="two words",
            profile_fields={},
            languages=[],
            expertise=[],
        )


def test_a_handle_given_up_for_another_is_kept_for_its_owner_only(
    client: Client, member, make_user
) -> None:
    first = make_user(handle="lina-h")
    client.force_login(first)
    assert _edit(client, handle="lina-hassan").status_code == 302
    client.force_login(member)
    response = _edit(client, handle="lina-h")
    assert "not available" in response.content.decode()
    client.force_login(first)
    assert _edit(client, handle="lina-h").status_code == 302
    first.refresh_from_db()
    assert first.handle == "lina-h"
    # Once the account is deleted, nobody may have any of its handles.
    client.force_login(first)
    _edit(client, handle="lina-hassan")
    delete_account(User.objects.get(pk=first.pk), keep_contributions=True)
    client.force_login(member)
    for handle in ["lina-h", "lina-hassan"]:
        assert "not available" in _edit(client, handle=handle).content.decode(), handle
