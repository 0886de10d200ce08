"""seed_demo and load_vocabulary: idempotent, and demo accounts never by accident."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from lessons.models import Instrument, Provision
from members.demo import DEMO_MEMBERS
from members.models import Profile, Tag, User

pytestmark = pytest.mark.django_db

DEMO_EMAILS = {"activist@demo.example", "expert@demo.example", "moderator@demo.example"}


def test_seed_demo_creates_vocabulary_standards_and_demo_accounts(settings) -> None:
    settings.DEMO_MODE = True
    call_command("seed_demo", verbosity=0)
    assert Tag.objects.count() == 20
    assert Tag.objects.filter(slug="use-of-force", name="Use of force").exists()
    assert Instrument.objects.count() == 6
    assert Provision.objects.filter(instrument__slug="un-code-of-conduct").count() == 8
    assert (
        Provision.objects.filter(instrument__slug="un-basic-principles-force-firearms").count()
        == 26
    )
    assert set(User.objects.values_list("email", flat=True)) >= DEMO_EMAILS
    assert User.objects.count() == 3 + len(DEMO_MEMBERS)
    assert User.objects.filter(status="active").count() == User.objects.count()
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == User.objects.count()
    assert User.objects.get(email="expert@demo.example").is_expert
    assert User.objects.get(email="moderator@demo.example").is_moderator
    assert Profile.objects.exclude(country="").values("country").distinct().count() >= 20


def test_seed_demo_twice_changes_nothing(settings) -> None:
    settings.DEMO_MODE = True
    call_command("seed_demo", verbosity=0)
    counts = (User.objects.count(), Tag.objects.count(), Provision.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (User.objects.count(), Tag.objects.count(), Provision.objects.count()) == counts


def test_demo_accounts_log_in_with_the_documented_password(settings) -> None:
    settings.DEMO_MODE = True
    call_command("seed_demo", verbosity=0)
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "expert@demo.example", "password": "network-demo"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_seed_demo_refuses_outside_debug_and_demo_mode(settings) -> None:
    settings.DEBUG = False
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="published password"):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.exists()


def test_load_vocabulary_creates_no_accounts() -> None:
    call_command("load_vocabulary", verbosity=0)
    call_command("load_vocabulary", verbosity=0)
    assert Tag.objects.count() == 20
    assert Provision.objects.count() > 50
    assert not User.objects.exists()
