from __future__ import annotations

from collections.abc import Callable

import pytest
from allauth.mfa.models import Authenticator

from members.models import User


@pytest.fixture
def moderator(make_user: Callable[..., User]) -> User:
    user = make_user(is_moderator=True, display_name="Mod Erator")
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user
