from __future__ import annotations

from collections.abc import Callable

import pytest
from allauth.mfa.models import Authenticator

from members.models import Status, User


@pytest.fixture
def pending(make_user: Callable[..., User]) -> User:
    return make_user(status=Status.PENDING, approved_at=None)


@pytest.fixture
def moderator(make_user: Callable[..., User]) -> User:
    user = make_user(is_moderator=True, display_name="Mod Erator")
    # Moderator pages need two-factor authentication set up.
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    user = make_user(is_superuser=True, is_staff=True, display_name="Ad Min")
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user
