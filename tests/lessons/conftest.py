from __future__ import annotations

from collections.abc import Callable
from itertools import count

import pytest
from allauth.mfa.models import Authenticator
from django.utils import timezone

from lessons import services
from lessons.models import Instrument, Lesson, LessonState, Provision, Setting
from members.models import User


@pytest.fixture
def make_moderator(make_user: Callable[..., User]) -> Callable[..., User]:
    """Moderators as the moderator pages want them: with a TOTP authenticator."""

    def make(**fields: object) -> User:
        fields.setdefault("display_name", "Mod Erator")
        user = make_user(is_moderator=True, **fields)
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
        )
        return user

    return make


@pytest.fixture
def moderator(make_moderator: Callable[..., User]) -> User:
    return make_moderator()


@pytest.fixture
def lesson_data() -> Callable[..., services.LessonData]:
    """What a filled-in lesson form gives the services; keywords override fields."""

    def make(**overrides: object) -> services.LessonData:
        fields: dict[str, object] = {
            "title": "Negotiating with protest organisers before the march",
            "summary": "Talking to organisers the day before kept the march peaceful.",
            "setting": Setting.DEMONSTRATION,
            "what_happened": "The police met the organisers and agreed a **route**.",
            "what_worked": "A named liaison officer on both sides.",
            "what_did_not": "Nobody told the officers at the far end of the route.",
            "recommendations": "Brief every unit on the agreement.",
            "country": "KE",
        }
        fields.update(overrides)
        return services.LessonData(**fields)

    return make


@pytest.fixture
def make_lesson(
    make_user: Callable[..., User], lesson_data: Callable[..., services.LessonData]
) -> Callable[..., Lesson]:
    """A lesson written through ``create_lesson``, then put in ``state``.

    The state is set directly (no Transition rows): the workflow tests take the
    steps themselves and count the rows they add.
    """

    def make(
        author: User | None = None,
        *,
        state: str = LessonState.DRAFT,
        public_requested: bool = False,
        is_public: bool = False,
        co_authors: list[User] | None = None,
        **fields: object,
    ) -> Lesson:
        author = author or make_user()
        data = lesson_data(public_requested=public_requested, co_authors=co_authors, **fields)
        lesson = services.create_lesson(author=author, data=data)
        # Co-authors are asked first; a lesson made here has them confirmed.
        for co_author in co_authors or []:
            services.answer_invitation(member=co_author, lesson=lesson, accept=True)
        published_at = (
            timezone.now() if state in {LessonState.PUBLISHED, LessonState.ARCHIVED} else None
        )
        Lesson.objects.filter(pk=lesson.pk).update(
            state=state, is_public=is_public, published_at=published_at
        )
        lesson.refresh_from_db()
        return lesson

    return make


_instruments = count(1)


@pytest.fixture
def make_provision(db: None) -> Callable[..., Provision]:
    def make(instrument: Instrument | None = None, number: str = "3") -> Provision:
        if instrument is None:
            n = next(_instruments)
            instrument = Instrument.objects.create(
                slug=f"code-of-conduct-{n}",
                title="Code of Conduct for Law Enforcement Officials",
                short_title=f"Code of Conduct {n}",
                year=1979,
                source_url="https://www.ohchr.org/en/instruments-mechanisms/code-of-conduct",
            )
        return Provision.objects.create(
            instrument=instrument,
            number=number,
            title="Use of force only when strictly necessary",
            source_url="https://www.ohchr.org/en/instruments-mechanisms/code-of-conduct",
        )

    return make
