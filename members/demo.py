"""Seeding: the shared tag vocabulary (always) and the demo accounts (demo only)."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction

from members.models import Tag, User
from members.vocabulary import SEED_TAGS

DEMO_PASSWORD = "network-demo"  # noqa: S105 - documented demo credential, demo data only


@dataclass(frozen=True)
class DemoAccount:
    email: str
    handle: str
    display_name: str


DEMO_ACCOUNTS = [
    DemoAccount("activist@demo.example", "amina", "Amina (demo activist)"),
    DemoAccount("expert@demo.example", "joao", "João (demo expert)"),
    DemoAccount("moderator@demo.example", "mod-sam", "Sam (demo moderator)"),
]


def ensure_tag_vocabulary() -> int:
    """Create the seed tags that do not exist yet; return how many were created."""
    created = 0
    with transaction.atomic():
        for slug, name, description in SEED_TAGS:
            _, was_created = Tag.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description}
            )
            created += was_created
    return created


def ensure_demo_accounts() -> list[User]:
    """Create the demo accounts with verified email; existing ones are left as they are."""
    users = []
    with transaction.atomic():
        for account in DEMO_ACCOUNTS:
            user = User.objects.filter(email__iexact=account.email).first()
            if user is None:
                user = User.objects.create_user(
                    account.email,
                    DEMO_PASSWORD,
                    handle=account.handle,
                    display_name=account.display_name,
                )
            EmailAddress.objects.update_or_create(
                user=user,
                email=account.email,
                defaults={"verified": True, "primary": True},
            )
            users.append(user)
    return users
