"""Every language a member may say they speak is named everywhere, in the interface language.

A profile speaking isiZulu or Wolof answered 500: Django's get_language_info
raises for codes it does not know (issue 17).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from common.languages import LANGUAGE_CODES, language_name, languages_named_in
from members.models import Profile, SpokenLanguage, Visibility
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("interface", [code for code, _ in settings.LANGUAGES])
def test_every_language_a_member_may_choose_has_a_name_in_every_interface_language(
    interface: str,
) -> None:
    names = dict(languages_named_in(interface))
    assert set(names) == LANGUAGE_CODES
    with translation.override(interface):
        for code in LANGUAGE_CODES:
            assert language_name(code) == names[code]
            assert names[code] and names[code] != code, code


def test_the_list_covers_the_languages_django_knows_and_more() -> None:
    from django.conf import global_settings

    django_codes = {code for code, _ in global_settings.LANGUAGES if "-" not in code}
    assert django_codes <= LANGUAGE_CODES
    assert {"zu", "wo", "am", "ha", "yo", "ps", "so"} <= LANGUAGE_CODES


def test_names_come_in_the_interface_language() -> None:
    with translation.override("fr"):
        assert language_name("zu") == "Zoulou"
        assert language_name("en") == "Anglais"  # Django's own catalogue, as before
    with translation.override("en"):
        assert language_name("wo") == "Wolof"
        assert language_name("zu") == "Zulu"


@pytest.mark.parametrize(
    ("interface", "expected"), [("en", ["English", "Zulu", "Wolof"]), ("fr", ["Zoulou", "Wolof"])]
)
def test_a_profile_speaking_isizulu_and_wolof_renders_their_names(
    client: Client, member, make_user, interface: str, expected: list[str]
) -> None:
    speaker = make_user(handle="nomvula-test", display_name="Nomvula Test")
    profile, _ = Profile.objects.get_or_create(user=speaker)
    profile.languages_visibility = Visibility.MEMBERS
    profile.save()
    for code in ("en", "zu", "wo"):
        SpokenLanguage.objects.create(profile=profile, code=code)
    member.language = interface
    member.save()
    sign_in(client, member)
    response = client.get("/members/nomvula-test/", HTTP_ACCEPT_LANGUAGE=interface)
    assert response.status_code == 200
    html = response.content.decode()
    for name in expected:
        assert name in html


def test_the_profile_form_offers_and_keeps_isizulu(client: Client, member) -> None:
    sign_in(client, member)
    form = client.get("/members/me/edit/").content.decode()
    # Checkboxes (no Ctrl-click to choose several), not a listbox.
    for code in ("zu", "wo"):
        assert f'<input type="checkbox" name="languages" value="{code}"' in form
