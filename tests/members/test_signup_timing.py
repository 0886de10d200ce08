"""Sign-up must not tell, by how long it takes, whether an address is registered."""

from __future__ import annotations

import statistics
import time

import pytest
from django.test import Client

from members.models import User
from tests.members.test_joining import SIGNUP

pytestmark = pytest.mark.django_db

TRIES = 5


def _signup_seconds(email: str) -> float:
    client = Client()
    started = time.perf_counter()
    response = client.post("/accounts/signup/", {**SIGNUP, "email": email})
    elapsed = time.perf_counter() - started
    # Both paths answer the same: "we sent you an email".
    assert response.status_code == 302
    return elapsed


def test_signing_up_with_a_registered_address_takes_as_long_as_with_a_new_one(
    settings, member
) -> None:
    # Production-strength hashing: the suite's MD5 would hide the difference.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    settings.ACCOUNT_RATE_LIMITS = False
    _signup_seconds("warm-up@example.org")  # imports, template compilation
    registered, new = [], []
    for attempt in range(TRIES):
        # Interleaved, so that a slow moment of the machine hits both alike.
        registered.append(_signup_seconds(member.email))
        new.append(_signup_seconds(f"new-{attempt}@example.org"))
    assert User.objects.filter(email__startswith="new-").count() == TRIES
    slow, fast = sorted([statistics.median(registered), statistics.median(new)], reverse=True)
    assert slow / fast < 1.5, f"registered {registered}, new {new}"
