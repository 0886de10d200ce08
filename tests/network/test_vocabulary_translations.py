"""The shared vocabulary reads in the member's language.

Topic names and descriptions and the standards' titles are stored in English
(the canonical text, slugs unchanged) and shown from the catalogue in the
interface language: every entry of the seed data is translated in every shipped
language, the pages show the translation, lists sort by what they show, and a
topic members created (no entry in the catalogue) is shown as written.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.utils import translation

from lessons.demo import ensure_standards
from lessons.models import Instrument
from lessons.standards import NUMBER_FORMATS, STANDARDS
from members import naming
from members.demo import ensure_tag_vocabulary
from members.models import Tag, User
from members.services import resolve_tags
from members.vocabulary import SEED_TAGS
from tests.conftest import sign_in
from tests.network.test_translations import LOCALE_DIR, SHIPPED

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A request activates the member's language for the rest of the thread; the
    tests after these (services called directly) expect the default."""
    yield
    translation.deactivate()


def _vocabulary() -> list[tuple[str, str]]:
    """(context, English text) of every text of the seed data."""
    entries = []
    for _slug, name, description in SEED_TAGS:
        entries += [("topic name", name), ("topic description", description)]
    for instrument in STANDARDS:
        entries += [
            ("standard title", instrument.title),
            ("standard short title", instrument.short_title),
            ("standard adopted by", instrument.adopted_by),
        ]
        entries += [("provision title", title) for _number, title in instrument.provisions]
    entries += [("provision number", form) for form in NUMBER_FORMATS.values()]
    return entries


@pytest.mark.parametrize("language", SHIPPED)
def test_every_vocabulary_entry_is_translated(language: str) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalogue = read_po(handle)
    missing = []
    for context, text in _vocabulary():
        message = catalogue.get(text, context=context)
        if message is None or message.fuzzy or not message.string:
            missing.append(f"{context}: {text}")
        elif "%(number)s" in text and "%(number)s" not in message.string:
            missing.append(f"{context}: {text} (placeholder lost)")
    assert not missing, f"{language}: " + "; ".join(missing[:5])


def test_the_official_un_titles_are_used() -> None:
    with translation.override("fr"):
        code = Instrument(title="UN Code of Conduct for Law Enforcement Officials")
        assert code.display_title == (
            "Code de conduite pour les responsables de l'application des lois"
        )
    with translation.override("es"):
        assert code.display_title == (
            "Código de conducta para funcionarios encargados de hacer cumplir la ley"
        )
    with translation.override("ar"):
        assert code.display_title == "مدونة قواعد سلوك الموظفين المكلفين بإنفاذ القوانين"


def test_the_database_keeps_the_english_text_whatever_the_language() -> None:
    with translation.override("fr"):
        ensure_tag_vocabulary()
        ensure_standards()
    assert Tag.objects.get(slug="use-of-force").name == "Use of force"
    assert Instrument.objects.get(slug="iccpr").title == (
        "International Covenant on Civil and Political Rights"
    )


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


@pytest.fixture
def french_member(make_user) -> User:
    return make_user(language="fr")


def test_forum_pages_and_the_home_page_show_topics_in_french(
    client: Client, french_member: User, make_user, make_thread, topics
) -> None:
    thread = make_thread(make_user())  # Use of force, Public assembly
    french_member.profile.expertise.set([topics[0]])  # the home page's "you could help"
    Tag.objects.filter(slug="use-of-force").update(description=SEED_TAGS[0][2])
    sign_in(client, french_member)
    for url in ["/forum/", thread.get_absolute_url(), "/forum/tags/use-of-force/", "/"]:
        html = client.get(url).content.decode()
        assert "<bdi>Recours à la force</bdi>" in html, url
        assert "<bdi>Use of force</bdi>" not in html, url
    html = client.get("/forum/tags/").content.decode()
    assert "Quand et comment la police peut recourir à la force" in unescape(html)
    # The old follow page now leads to the one topics page.
    html = client.get("/members/topics/", follow=True).content.decode()
    assert "<bdi>Recours à la force</bdi>" in html


def test_the_topic_filter_is_labelled_and_sorted_in_the_interface_language(
    client: Client, french_member: User, topics
) -> None:
    sign_in(client, french_member)
    html = client.get("/forum/").content.decode()
    labels = re.findall(r'name="tag" value="[a-z-]+"[^>]*>\s*<bdi>([^<]+)</bdi>', html)
    assert [unescape(label) for label in labels] == [
        "Armes à feu",
        "Formation",
        "Obligation de rendre des comptes",
        "Recours à la force",
        "Réunions publiques",
        "Surveillance",
    ]
    # The topics page follows the names it shows, not the English order.
    tag_list = text_of(client.get("/forum/tags/").content.decode())
    positions = [tag_list.index(name) for name in ["Armes à feu", "Recours à la force"]]
    assert positions == sorted(positions)


def test_a_topic_members_created_is_shown_as_written(
    client: Client, french_member: User, make_thread, topics
) -> None:
    (proposed,) = resolve_tags(names=["Kettling tactics"], proposer=french_member)
    thread = make_thread(french_member, tags=[topics[0], proposed])
    sign_in(client, french_member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "<bdi>Kettling tactics</bdi>" in html
    assert "<bdi>Recours à la force</bdi>" in html


def test_a_seed_topic_renamed_by_a_moderator_is_shown_as_renamed(
    client: Client, french_member: User, make_thread, topics
) -> None:
    Tag.objects.filter(slug="use-of-force").update(name="Force and restraint")
    thread = make_thread(french_member)
    sign_in(client, french_member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "<bdi>Force and restraint</bdi>" in html


def test_typing_a_topics_translated_name_chooses_it(french_member: User, topics) -> None:
    with translation.override("fr"):
        assert naming.existing_topic("recours à la force") == topics[0]
        chosen = resolve_tags(names=["Recours à la force"], proposer=french_member)
    assert chosen == [topics[0]]
    assert not Tag.objects.filter(name="Recours à la force").exists()


def test_search_shows_translated_topics(
    client: Client, french_member: User, make_thread, topics
) -> None:
    make_thread(french_member, title="Kettling at the march", body="Kettling a crowd")
    sign_in(client, french_member)
    html = client.get("/search/", {"q": "kettling"}).content.decode()
    assert "<bdi>Recours à la force</bdi>" in html


def test_english_pages_are_unchanged(client: Client, member: User, make_thread, topics) -> None:
    make_thread(member)
    sign_in(client, member)
    html = client.get("/forum/", headers={"accept-language": "en"}).content.decode()
    assert "<bdi>Use of force</bdi>" in html
    assert settings.LANGUAGE_CODE == "en"
