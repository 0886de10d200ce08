"""Demo data that spans apps: the demo lessons that grew out of demo forum threads,
and the demo events (materials from the demo library, a lesson out of a training).

Lessons know no forum (lessons.demo takes a ``thread_for(title)`` finder), so
the composition root hands them the forum's: ``forum.demo.demo_thread``
finds a demo thread by its title, or by its opening post's token when a demo
visitor renamed it. seed_demo runs it after the demo threads.
"""

from __future__ import annotations

from forum.demo import demo_thread
from lessons import demo as lessons_demo


def ensure_demo_lessons() -> int:
    """The demo lessons, those drafted from a demo thread linked to it; how many were made."""
    return lessons_demo.ensure_demo_lessons(thread_for=demo_thread)


# --- Demo events (issue 19, item 7): they span events, the library and lessons -------------

DEMO_EVENT_PLACE = "Community hall, Kisumu"
# The demo lesson (lessons.demo) that came out of the past demo training.
LESSON_FROM_TRAINING = "Rewriting a launcher procedure around the decision not to fire"


def ensure_demo_events() -> int:
    """Past and upcoming trainings, a full one with a waiting list, an online webinar,
    an international meeting, with materials from the demo library and one lesson that
    came out of a past training. Idempotent: an event whose title exists is skipped."""
    from datetime import timedelta

    from django.utils import timezone

    from events import services as events
    from events.models import Event
    from lessons.models import Lesson, LessonState, Provision
    from library import services as library
    from library.models import Resource
    from members.demo import DEMO_MEMBER_DOMAIN
    from members.models import Tag, User

    expert = User.objects.filter(email="expert@demo.example").first()
    activist = User.objects.filter(email="activist@demo.example").first()
    if expert is None or activist is None:
        return 0
    others = list(
        User.objects.approved().filter(email__endswith=DEMO_MEMBER_DOMAIN).order_by("id")[:12]
    )
    tags = {tag.slug: tag for tag in Tag.objects.filter(is_official=True)}
    provisions = {
        (p.instrument.slug, p.number): p for p in Provision.objects.select_related("instrument")
    }
    now = timezone.now()
    day = timedelta(days=1)
    plans = [
        # title, kind, starts in (days; negative: past), hours, capacity, online, topics,
        # provisions, materials (library titles, before / after), participants
        (
            "Less-lethal launchers at assemblies: a two-day training for trainers",
            "training",
            -45,
            32,
            20,
            False,
            ["less-lethal-weapons", "public-assembly", "training"],
            [("un-guidance-less-lethal-weapons", "Section 7")],
            ["Less-lethal weapons: testing, training, reporting"],
            6,
        ),
        (
            "Custody safeguards: training for station commanders",
            "training",
            12,
            6,
            3,
            False,
            ["arrest-and-detention", "torture-and-ill-treatment"],
            [("un-body-of-principles-detention", "Principle 17")],
            ["Torture prevention in the first hours of custody"],
            6,  # more than the 3 places: a waiting list
        ),
        (
            "Webinar: body-worn cameras and accountability",
            "webinar",
            5,
            2,
            200,
            True,
            ["accountability", "surveillance"],
            [],
            ["Body-worn cameras and accountability"],
            4,
        ),
        (
            "International expert meeting on less-lethal weapons",
            "conference",
            40,
            16,
            60,
            False,
            ["less-lethal-weapons"],
            [("un-guidance-less-lethal-weapons", "Section 7")],
            ["Less-lethal weapons: testing, training, reporting"],
            3,
        ),
        (
            "Lockdown policing: what we learned, one year on",
            "meeting",
            -300,
            3,
            40,
            True,
            ["covid-19"],
            [],
            ["Lockdown enforcement: a checklist for proportionate policing"],
            5,
        ),
    ]
    created = 0
    for title, kind, start_days, hours, capacity, online, topics, links, reading, count in plans:
        if Event.objects.filter(title=title).exists():
            continue
        start = now + day * max(start_days, 2)
        event = events.create_event(
            actor=expert,
            data=events.EventData(
                title=title,
                kind=kind,
                description="An event of the demo: **read the materials** before you come.",
                starts_at=start,
                ends_at=start + timedelta(hours=hours),
                time_zone="Africa/Nairobi" if not online else "UTC",
                place="" if online else DEMO_EVENT_PLACE,
                online_url="https://meet.example.org/demo" if online else "",
                capacity=capacity,
                visibility="public" if kind in {"webinar", "conference"} else "members",
                languages=["en"],
                tags=[tags[slug] for slug in topics if slug in tags],
                provisions=[provisions[key] for key in links if key in provisions],
            ),
        )
        for resource in Resource.objects.filter(title__in=reading, state="published"):
            library.attach_material(actor=expert, event=event, resource=resource, when="before")
        for member in [activist, *others][:count]:
            events.register(member=member, event=event)
        if start_days < 0:  # an event of the past: moved there after the registrations
            shift = now + day * start_days - event.starts_at
            Event.objects.filter(pk=event.pk).update(
                starts_at=event.starts_at + shift,
                ends_at=event.ends_at + shift,
                registration_deadline=None,
                lessons_invited_at=now,
            )
        created += 1
    # One demo lesson came out of the past training: it is linked to it.
    training = Event.objects.filter(title=plans[0][0]).first()
    if training is not None and not Lesson.objects.filter(from_event=training).exists():
        Lesson.objects.filter(
            title=LESSON_FROM_TRAINING, state=LessonState.PUBLISHED, from_event__isnull=True
        ).update(from_event=training)
    return created
