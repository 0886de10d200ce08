from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path

import factory
import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.utils import timezone

from common import fragments
from forum import services as forum_services
from forum.models import Thread, ThreadKind
from members.models import Profile, Status, Tag, User
from tests.suites import skip_suite

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.org")
    handle = factory.Sequence(lambda n: f"member-{n:04d}")
    display_name = factory.Faker("name")
    status = Status.ACTIVE
    approved_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        if create:
            self.save()
            Profile.objects.get_or_create(user=self)


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    return UserFactory


def sign_in(client, user: User) -> None:
    """Log ``client`` in as ``user`` the way a real login does, second factor included.

    ``force_login`` alone makes a session that never passed a second factor; a
    moderator signed in that way has no moderator powers (members/access.py).
    This records the TOTP step allauth records at a real login, when the member
    has an authenticator.
    """
    import time

    from allauth.mfa.models import Authenticator

    client.force_login(user)
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        return
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "email": user.email},
        {"method": "mfa", "at": time.time(), "id": totp.pk, "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


@pytest.fixture
def member(make_user: Callable[..., User]) -> User:
    return make_user()


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        skip_suite("redis", "REDIS_URL is not set")
    return url


@pytest.fixture
def require_postgresql(db: None) -> None:
    if connection.vendor != "postgresql":
        skip_suite("postgresql", f"DATABASE_URL is not PostgreSQL (running on {connection.vendor})")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    path = REPO_ROOT.parent / "shared" / "corpus"
    if not path.is_dir():
        skip_suite("corpus", f"the shared test corpus is missing at {path}")
    return path


@pytest.fixture(autouse=True)
def _uploads_storage(settings, tmp_path_factory) -> None:
    """Each test stores files in a directory of its own (no shared state, nothing left),
    apart from the test's own ``tmp_path`` (the crawl checks every file there)."""
    media = tmp_path_factory.mktemp("media")
    # Servers a test starts (tests/servers.py) get the same folder as MEDIA_ROOT.
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media / "library"},
        },
    }


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters and cached sessions must not leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_fragment_store() -> None:
    """Kept pages and rows must not leak from one test to the next: each test's
    transaction is rolled back, so the versions they are keyed by (thread page
    versions, the library's catalogue version) come back to the same numbers
    with other rows behind them. On a site a version never comes back: only
    committed writes are seen, and nothing renders a kept page inside a
    transaction that then rolls back."""
    fragments.store.clear()


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings) -> None:
    """Tests post far faster than people. tests/network/test_rate_limits.py sets its own."""
    settings.RATE_LIMITS = {action: "100000/m" for action in settings.RATE_LIMITS}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """PBKDF2 at production strength costs ~0.3 s a password; tests make hundreds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> None:
    """Groups and queues of the in-memory layer must not leak from one test to the next."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


# --- Forum ---------------------------------------------------------------------


@pytest.fixture
def topics(db: None) -> list[Tag]:
    names = [
        "Use of force",
        "Public assembly",
        "Training",
        "Accountability",
        "Firearms",
        "Surveillance",
    ]
    return [Tag.objects.create(name=name, slug=name.lower().replace(" ", "-")) for name in names]


@pytest.fixture
def expert(make_user: Callable[..., User]) -> User:
    return make_user(is_expert=True, display_name="Exa Pert", handle="exa-pert")


@pytest.fixture
def make_thread(topics: list[Tag]) -> Callable[..., Thread]:
    def make(author: User, **overrides: object) -> Thread:
        fields = {
            "title": "How do we document kettling at protests?",
            "body": "We saw police **kettle** a peaceful crowd for hours.",
            "tags": topics[:2],
            "kind": ThreadKind.QUESTION,
            "language": "en",
        }
        fields.update(overrides)
        return forum_services.create_thread(author=author, **fields)

    return make


@pytest.fixture
def empty_fragment_store():
    """No rendered row from another test: the store is per process (common.fragments)."""
    fragments.store.clear()
    yield
    fragments.store.clear()


def copy_with(instance, **changes):
    """A shallow copy of a model instance (or any object) with some attributes changed."""
    changed = copy.copy(instance)
    for name, value in changes.items():
        setattr(changed, name, value)
    return changed
