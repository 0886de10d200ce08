"""A large, realistic dataset, built in seconds rather than hours.

``build(scale)`` runs inside a Django process against an empty, migrated
database. It does not go through the services (one reply through
``forum.services.create_reply`` renders Markdown, notifies and indexes: an hour for
100,000 posts); instead it computes in Python what the services would have
left behind and writes it in bulk (``_insert``: COPY on PostgreSQL, one
prepared INSERT per table on SQLite), in one transaction:

- the counters the services keep (``reply_count``, ``helpful_count``,
  ``last_activity_at``, ``last_poster``, accepted answers) are computed here,
  so lists and pages show what they would show on a real site;
- a few dozen Markdown bodies are rendered once by ``common.markup`` and
  reused, so ``body_html`` and ``body_text`` are what the pipeline makes;
- ids are given here, in order of time (posts are "newest first" by id in
  search), and the sequences are moved past them at the end;
- one password hash is computed and shared by every member.

Distributions: topics are Zipf-like (a few very common), so are posters
(a few members write much of the forum); replies per thread are heavy-tailed
with some unanswered questions; members follow 3 to 10 topics, a few members,
and every thread they posted in (as posting does). Two threads are landmarks
for the page measurements: one of exactly 50 posts (with an accepted answer
and a lesson made from it, so every part of the thread page runs) and one of
a realistic length.
"""

from __future__ import annotations

import itertools
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from itertools import islice

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from bench.common import BENCH_PASSWORD, Scale, member_email
from common.markup import plain_text, render_markdown
from events.models import Event, EventKind, EventVisibility
from forum.models import HelpfulMark, Post, Thread, ThreadKind
from forum.notification_kinds import NotificationKind
from forum.search import index_posts
from lessons.demo import ensure_standards
from lessons.models import (
    Instrument,
    Lesson,
    LessonAuthor,
    LessonState,
    Provision,
    Setting,
    Source,
    Transition,
)
from lessons.search import index_lessons
from library.models import (
    Resource,
    ResourceKind,
    ResourceLanguage,
    ResourceState,
    ResourceVisibility,
)
from library.search import index_resources
from members.demo import ensure_tag_vocabulary
from members.models import (
    MemberRole,
    Profile,
    SpokenLanguage,
    Status,
    Tag,
    TaggedItem,
    User,
    Visibility,
)
from notifications.models import Follow, Notification

SEED = 20250601
BATCH = 2000
SPAN_DAYS = 730
FIFTY_POSTS_TITLE = "Benchmark: how do you brief officers before a large demonstration?"
REALISTIC_TITLE = "Benchmark: body-worn cameras and the right to privacy in custody"
REALISTIC_POSTS = 14
# The word the search measurement looks for: in a large share of the bodies.
COMMON_WORD = "protest"
# In one post of 500 (0.2%): the search for a rare word.
RARE_WORD = "ombudsperson"
RARE_EVERY = 500

# --- Text ---------------------------------------------------------------------------

SENTENCES = [
    "The police kettled a peaceful protest for four hours without water or toilets.",
    "Officers were not told which route the organisers had agreed with the commander.",
    "We documented every use of force with time-stamped photographs and witness statements.",
    "The oversight body opened an investigation only after the video circulated online.",
    "Detainees were held at the station for two days before they saw a lawyer.",
    "Training on de-escalation changed how the first line of officers talked to the crowd.",
    "Water cannon was used against a sit-in where nobody threatened anyone.",
    "The custody record did not say who authorised the strip search.",
    "A liaison officer on each side kept the protest calm when the march was blocked.",
    "Stop and search figures showed young men from one district stopped nine times as often.",
    "Journalists wearing press vests were arrested and their phones were seized.",
    "The inquest found that restraint in the prone position contributed to the death.",
    "Complaints went to the same unit whose officers were accused, so nobody trusted them.",
    "Body-worn cameras were switched off during the arrests that mattered most.",
    "The commander gave a dispersal order that most of the crowd could not hear.",
    "Rubber bullets were fired at head height from less than twenty metres.",
    "Medical aid reached the injured only after the protest had been cleared.",
    "The curfew was enforced with fines that fell hardest on people without a home.",
    "An independent monitor was allowed into the detention centre once a month.",
    "Facial recognition was used at the protest without any published legal basis.",
    "Officers on horseback pushed the crowd towards a closed bridge.",
    "The human rights training used real cases from the local force, which helped.",
    "Families of people who died in custody waited years for a decision to prosecute.",
    "A court later found that the blanket ban on the protest was disproportionate.",
    "Children were held with adults in the same cell overnight.",
    "The counter-terrorism powers were used to stop photographers near the parliament.",
    "The police published their use-of-force data by district for the first time.",
    "Tear gas was fired into a metro station where people could not get away.",
    "We asked for the standing orders on public order policing and got them after a year.",
    "The protest organisers trained stewards who spoke to the police every hour.",
]

QUESTION_OPENERS = [
    "How do we document",
    "What standards apply to",
    "Has anyone challenged",
    "Where can I find guidance on",
    "How should monitors respond to",
    "What worked for you in reducing",
    "Is there case law on",
    "How do oversight bodies investigate",
    "What training helps officers avoid",
    "Who keeps records of",
]
DISCUSSION_OPENERS = [
    "Lessons from a year of",
    "Our experience with",
    "Notes from a workshop on",
    "Reflections on",
    "A new report on",
    "Changing practice on",
]
TITLE_SUBJECTS = [
    "kettling at protests",
    "the use of water cannon",
    "strip searches in custody",
    "stop and search in young neighbourhoods",
    "arrests of journalists at demonstrations",
    "deaths after restraint",
    "facial recognition at public assemblies",
    "dispersal orders nobody hears",
    "rubber bullets fired at close range",
    "access to a lawyer on arrest",
    "curfew enforcement and fines",
    "children held with adults",
    "complaints handled by the same unit",
    "body-worn cameras switched off",
    "tear gas in enclosed spaces",
    "liaison officers at marches",
    "independent monitoring of detention",
    "ethnic profiling data",
    "counter-terrorism stops of photographers",
    "less-lethal weapons testing",
]
LESSON_RECOMMENDATIONS = [
    "Brief every unit on the agreement with the organisers before the day.",
    "Record who authorised each use of force, and publish the totals.",
    "Give detainees access to a lawyer from the first hour.",
    "Let independent monitors in without notice.",
    "Train with cases from the local force, not only from abroad.",
]
COUNTRIES = ["KE", "BR", "NL", "GB", "FR", "ZA", "IN", "US", "CO", "PH", "LB", "PL", "NG", "MX"]
LANGUAGES = ["en", "fr", "es", "pt", "nl", "ar", "sw", "de"]
THREAD_LANGUAGES = ["en"] * 17 + ["fr", "es", "nl"]
FIRST_NAMES = [
    "Amina", "João", "Lina", "Tomasz", "Claire", "Priya", "Elena", "Kwame", "Sam", "Rosa",
    "Mateo", "Olga", "Samir", "Hanna", "Thabo", "Ayesha", "Malik", "Pedro", "Aigerim", "Daniel",
]  # fmt: skip
FAMILY_INITIALS = "ABCDEFGHJKLMNOPRSTVWZ"


def _paragraph(rng: random.Random, size: int) -> str:
    return " ".join(rng.sample(SENTENCES, size))


def _markdown_body(rng: random.Random, paragraphs: int, *, with_word: bool) -> str:
    parts = [_paragraph(rng, rng.randint(2, 4)) for _ in range(paragraphs)]
    if with_word and COMMON_WORD not in " ".join(parts):
        parts[0] = f"At the {COMMON_WORD} last month: " + parts[0]
    if not with_word:
        parts = [p.replace(COMMON_WORD, "march") for p in parts]
    if paragraphs > 1 and rng.random() < 0.5:
        parts.insert(1, "What we saw:\n\n" + "\n".join(f"- {s}" for s in rng.sample(SENTENCES, 3)))
    if rng.random() < 0.4:
        parts[0] = parts[0].replace("police", "**police**", 1)
    if rng.random() < 0.3:
        parts.append(
            "See the [UN Basic Principles](https://www.ohchr.org/en/instruments-mechanisms/"
            "instruments/basic-principles-use-force-and-firearms-law-enforcement)."
        )
    if rng.random() < 0.2:
        parts.insert(0, "> " + rng.choice(SENTENCES))
    return "\n\n".join(parts)


def _rendered_bodies(rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """(Markdown, HTML, plain text) through the one pipeline, each rendered once."""
    bodies = []
    for index in range(count):
        # Short replies are common, long analyses rare: 1 to 6 paragraphs.
        paragraphs = 1 + min(5, int(rng.expovariate(0.7)))
        source = _markdown_body(rng, paragraphs, with_word=index % 5 < 2)
        html = render_markdown(source)
        bodies.append((source, html, plain_text(html)))
    return bodies


# --- Distributions ------------------------------------------------------------------


def _zipf_weights(count: int, exponent: float = 1.1) -> list[float]:
    return [1 / (rank**exponent) for rank in range(1, count + 1)]


def _weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """k distinct items, each drawn in proportion to its weight."""
    k = min(k, len(items))
    # Efraimidis-Spirakis: the k largest u^(1/w).
    keyed = sorted(range(len(items)), key=lambda i: rng.random() ** (1 / weights[i]), reverse=True)
    return [items[i] for i in keyed[:k]]


def _batches(iterable, size: int = BATCH):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _insert(model, objects) -> int:
    """Write model instances in large batches; returns how many.

    Not ``bulk_create``: most of its cost here is building and parsing giant
    INSERT statements (and on SQLite, Django keeps each under 999 parameters:
    a few dozen posts a statement). PostgreSQL gets COPY (psycopg's
    ``copy``), SQLite one prepared INSERT run for every row (``executemany``),
    both several times faster. The values are what ``bulk_create`` would
    send: each field's ``pre_save`` and ``get_db_prep_save``.
    """
    started = time.perf_counter()
    fields, rows = _prepared(model, objects)
    if not fields:
        return 0
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    total = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    total += 1
        else:
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the model
            for batch in _batches(rows, 10_000):
                cursor.executemany(sql, batch)
                total += len(batch)
    took = time.perf_counter() - started
    print(f"    {model.__name__}: {total} rows, {took:.1f} s", file=sys.stderr, flush=True)
    return total


def _prepared(model, objects) -> tuple[list, Iterator[list]]:
    iterator = iter(objects)
    first = next(iterator, None)
    if first is None:
        return [], iter(())
    # Rows without an id get one from the sequence, as with bulk_create.
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and first.pk is None)
    ]
    # The connection itself, not the thread-local proxy: one lookup, not millions.
    db = connections[DEFAULT_DB_ALIAS]
    rows = (
        [field.get_db_prep_save(field.pre_save(obj, True), db) for field in fields]
        for obj in itertools.chain([first], iterator)
    )
    return fields, rows


# --- The build -----------------------------------------------------------------------


def build(scale: Scale) -> dict:
    """Fill the empty database; return what was made and how long it took."""
    started = time.perf_counter()
    rng = random.Random(SEED)  # noqa: S311 - made-up data, reproducible
    now = timezone.now().replace(microsecond=0)
    builder = _Builder(scale, rng, now)
    with transaction.atomic(), _page_version_triggers_off():
        for step in (
            builder.vocabulary,
            builder.members,
            builder.forum,
            builder.helpful_marks,
            builder.lessons,
            builder.library,
            builder.events,
            builder.follows,
            builder.notifications,
            builder.reset_sequences,
            builder.index,
        ):
            _timed(step)
    _timed(builder.analyze)
    counts = builder.counts
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def _timed(step) -> None:
    started = time.perf_counter()
    step()
    print(f"  {step.__name__}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)


class _Builder:
    def __init__(self, scale: Scale, rng: random.Random, now: datetime) -> None:
        self.scale = scale
        self.rng = rng
        self.now = now
        self.counts: dict[str, int] = {}
        self.post_ids: list[int] = []
        self.lesson_ids: list[int] = []
        self.content_types = {
            model: ContentType.objects.get_for_model(model)
            for model in (User, Tag, Thread, Profile, Lesson, Instrument, Provision)
        }

    # Vocabulary and standards, through their own (idempotent, small) seeding.
    def vocabulary(self) -> None:
        ensure_tag_vocabulary()
        ensure_standards()
        tags = list(Tag.objects.order_by("pk"))
        self.rng.shuffle(tags)
        self.tags = tags  # in order of popularity
        self.tag_weights = _zipf_weights(len(tags))
        self.provisions = list(Provision.objects.select_related("instrument").order_by("pk"))
        self.instruments = list(Instrument.objects.order_by("pk"))
        self.counts["tags"] = len(tags)
        self.counts["provisions"] = len(self.provisions)

    def _tags_for(self, low: int, high: int) -> list[Tag]:
        k = self.rng.choices(range(low, high + 1), weights=[5, 3, 2, 1, 1][: high - low + 1])[0]
        return _weighted_sample(self.rng, self.tags, self.tag_weights, k)

    def _when(self, days_ago_max: float = SPAN_DAYS) -> datetime:
        # More recent activity is denser, as on a growing network.
        days = days_ago_max * (1 - math.sqrt(self.rng.random()))
        return self.now - timedelta(days=days)

    # --- Members ---------------------------------------------------------------------
    def members(self) -> None:
        rng, count = self.rng, self.scale.members
        password = make_password(BENCH_PASSWORD)
        users, profiles, languages, expertise, emails = [], [], [], [], []
        profile_type = self.content_types[Profile]
        bios = [(source, html) for source, html, _text in _rendered_bodies(rng, 12)]
        for n in range(count):
            joined = self._when()
            is_expert = n % 10 == 3
            is_moderator = n in {1, 2, 3, 4, 5}
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(FAMILY_INITIALS)}."
            users.append(
                User(
                    id=n + 1,
                    email=member_email(n),
                    handle=f"member-{n:05d}",
                    # Some members keep the random handle as their name.
                    display_name="" if n % 7 == 6 else name,
                    password=password,
                    status=Status.ACTIVE,
                    approved_at=joined,
                    date_joined=joined,
                    is_expert=is_expert,
                    is_moderator=is_moderator,
                )
            )
            emails.append(
                EmailAddress(user_id=n + 1, email=member_email(n), verified=True, primary=True)
            )
            public = Visibility.PUBLIC if rng.random() < 0.1 else Visibility.MEMBERS
            bio, bio_html = rng.choice(bios) if rng.random() < 0.6 else ("", "")
            profiles.append(
                Profile(
                    id=n + 1,
                    user_id=n + 1,
                    bio=bio,
                    bio_html=bio_html,
                    organisation=rng.choice(["", "", "Legal monitors", "Police academy",
                                             "University", "Ombudsman's office"]),
                    country=rng.choice(COUNTRIES),
                    role=rng.choice(MemberRole.values),
                    open_to_questions=is_expert or rng.random() < 0.15,
                    name_visibility=public,
                    expertise_visibility=public,
                )
            )  # fmt: skip
            for code in rng.sample(LANGUAGES, rng.randint(1, 3)):
                languages.append(SpokenLanguage(profile_id=n + 1, code=code))
            topics = self._tags_for(1, 4) if is_expert or rng.random() < 0.5 else []
            for tag in topics:
                expertise.append(
                    TaggedItem(content_type=profile_type, object_id=n + 1, tag_id=tag.pk)
                )
        _insert(User, users)
        _insert(EmailAddress, emails)
        _insert(Profile, profiles)
        _insert(SpokenLanguage, languages)
        _insert(TaggedItem, expertise)
        self.member_ids = [u.id for u in users]
        self.experts = [u.id for u in users if u.is_expert]
        # Who writes: a few members much more than most (viewer 0 writes little).
        poster_order = self.member_ids[1:]
        rng.shuffle(poster_order)
        self.posters = poster_order
        self.poster_cum = list(_cumulative(_zipf_weights(len(poster_order), 0.9)))
        self.counts["members"] = count

    def _poster(self) -> int:
        return self.rng.choices(self.posters, cum_weights=self.poster_cum)[0]

    # --- Threads and posts ------------------------------------------------------------
    def forum(self) -> None:
        rng, scale = self.rng, self.scale
        bodies = _rendered_bodies(rng, 48)
        common_bodies = len(bodies)
        rare = f"We wrote to the {RARE_WORD} about the complaint. " + _paragraph(rng, 2)
        rare = rare.replace(COMMON_WORD, "march")
        rare_html = render_markdown(rare)
        bodies.append((rare, rare_html, plain_text(rare_html)))
        # Replies per thread: heavy-tailed, some questions never answered.
        special = {0: 49, 1: REALISTIC_POSTS - 1}
        replies_left = scale.posts - scale.threads - sum(special.values())
        weights = [
            0.0 if rng.random() < 0.12 else min(40.0, rng.paretovariate(1.3))
            for _ in range(scale.threads)
        ]
        for index in special:
            weights[index] = 0.0
        replies = [0] * scale.threads
        for index in rng.choices(range(scale.threads), weights=weights, k=max(0, replies_left)):
            replies[index] += 1
        for index, n in special.items():
            replies[index] = n

        # Each thread: when it started, its kind, language, author and posts' times.
        threads = []
        for index in range(scale.threads):
            created = self._when()
            if index in special:
                created = self.now - timedelta(days=3 + index)
            kind = ThreadKind.QUESTION if rng.random() < 0.65 or index == 0 else (
                ThreadKind.DISCUSSION
            )  # fmt: skip
            gaps = sorted(rng.expovariate(1 / 36) for _ in range(replies[index]))
            times = [created] + [
                min(self.now, created + timedelta(hours=h, seconds=i)) for i, h in enumerate(gaps)
            ]
            threads.append(
                {
                    "created": created,
                    "kind": kind,
                    "language": "en" if index in special else rng.choice(THREAD_LANGUAGES),
                    "author": self._poster(),
                    "times": times,
                    "index": index,
                }
            )
        # Ids in order of time: thread ids by creation, post ids by posting.
        threads.sort(key=lambda t: t["created"])
        posts = []
        for thread_id, thread in enumerate(threads, start=1):
            thread["id"] = thread_id
            for position, when in enumerate(thread["times"]):
                author = thread["author"] if position == 0 else self._poster()
                posts.append((when, thread_id, position, author, thread["index"] in special))
        posts.sort(key=lambda p: (p[0], p[1], p[2]))
        by_thread: dict[int, list[dict]] = defaultdict(list)
        post_rows = []
        for post_id, (when, thread_id, position, author, landmark) in enumerate(posts, start=1):
            # Rarely, a reply was deleted by its author; it stays as a placeholder.
            deleted = position > 0 and not landmark and rng.random() < 0.003
            row = {
                "id": post_id,
                "thread": thread_id,
                "position": position,
                "author": author,
                "when": when,
                "body": common_bodies
                if post_id % RARE_EVERY == RARE_EVERY // 2
                else rng.randrange(common_bodies),
                "deleted": deleted,
            }
            by_thread[thread_id].append(row)
            post_rows.append(row)

        self.threads, self.by_thread, self.post_rows = threads, by_thread, post_rows
        # Accepted answers: about 30% of the questions.
        self.accepted: dict[int, int] = {}
        self.fifty_thread = self.realistic_thread = 0
        for thread in threads:
            rows = by_thread[thread["id"]]
            if thread["index"] == 0:
                self.fifty_thread = thread["id"]
                thread["title"] = FIFTY_POSTS_TITLE
            elif thread["index"] == 1:
                self.realistic_thread = thread["id"]
                thread["title"] = REALISTIC_TITLE
            else:
                opener = QUESTION_OPENERS if thread["kind"] == ThreadKind.QUESTION else (
                    DISCUSSION_OPENERS
                )  # fmt: skip
                thread["title"] = f"{rng.choice(opener)} {rng.choice(TITLE_SUBJECTS)}"
                if thread["kind"] == ThreadKind.QUESTION:
                    thread["title"] += "?"
            answers = [r for r in rows[1:] if not r["deleted"] and r["author"] != thread["author"]]
            if (
                thread["kind"] == ThreadKind.QUESTION
                and answers
                and (thread["index"] == 0 or rng.random() < 0.38)
            ):
                self.accepted[thread["id"]] = rng.choice(answers[:6])["id"]

        thread_objects = []
        tagged = []
        thread_type = self.content_types[Thread]
        for thread in threads:
            rows = by_thread[thread["id"]]
            last = rows[-1]
            thread_objects.append(
                Thread(
                    id=thread["id"],
                    title=thread["title"],
                    kind=thread["kind"],
                    language=thread["language"],
                    author_id=thread["author"],
                    created_at=thread["created"],
                    last_activity_at=last["when"],
                    last_poster_id=last["author"],
                    reply_count=sum(1 for r in rows[1:] if not r["deleted"]),
                    accepted_post_id=self.accepted.get(thread["id"]),
                )
            )
            for tag in self._tags_for(1, 3):
                tagged.append(
                    TaggedItem(content_type=thread_type, object_id=thread["id"], tag_id=tag.pk)
                )
        self.thread_objects = {t.id: t for t in thread_objects}
        self.thread_tags = tagged
        self.bodies = bodies
        self.counts["threads"] = len(thread_objects)
        self.counts["questions"] = sum(1 for t in threads if t["kind"] == ThreadKind.QUESTION)
        self.counts["accepted_answers"] = len(self.accepted)

    def helpful_marks(self) -> None:
        """Marks and the counters that depend on them; then threads, posts and marks are written."""
        rng = self.rng
        marks: set[tuple[int, int]] = set()
        rows = self.post_rows
        # Accepted answers and opening posts attract more marks.
        accepted_ids = set(self.accepted.values())
        weights = [
            (4.0 if r["id"] in accepted_ids else 1.5 if r["position"] == 0 else 1.0)
            * (0 if r["deleted"] else 1)
            for r in rows
        ]
        wanted = int(len(rows) * 0.6)
        cum = list(_cumulative(weights))
        for row in rng.choices(rows, cum_weights=cum, k=wanted):
            member = rng.choice(self.member_ids)
            if member != row["author"]:
                marks.add((row["id"], member))
        # The viewer found a few posts of the 50-post thread helpful.
        for row in self.by_thread[self.fifty_thread][2:8]:
            if row["author"] != 1:
                marks.add((row["id"], 1))
        helpful = defaultdict(int)
        for post_id, _member in marks:
            helpful[post_id] += 1
        by_id = {r["id"]: r for r in rows}
        thread_helpful = defaultdict(int)
        for post_id, n in helpful.items():
            thread_helpful[by_id[post_id]["thread"]] += n
        for thread_id, n in thread_helpful.items():
            self.thread_objects[thread_id].helpful_count = n
        # Threads reference their accepted post and posts their thread: the
        # foreign keys are checked at the end of the transaction.
        _insert(Thread, self.thread_objects.values())
        _insert(TaggedItem, self.thread_tags)

        when = {r["id"]: r["when"] for r in rows}
        _insert(
            HelpfulMark,
            (
                HelpfulMark(post_id=p, member_id=m, created_at=when[p] + timedelta(hours=2))
                for p, m in marks
            ),
        )
        bodies = self.bodies
        _insert(
            Post,
            (
                Post(
                    id=r["id"],
                    thread_id=r["thread"],
                    author_id=r["author"],
                    is_opening=r["position"] == 0,
                    body=bodies[r["body"]][0],
                    body_html=bodies[r["body"]][1],
                    body_text=bodies[r["body"]][2],
                    created_at=r["when"],
                    helpful_count=helpful.get(r["id"], 0),
                    is_deleted=r["deleted"],
                    deleted_at=r["when"] + timedelta(hours=1) if r["deleted"] else None,
                    deleted_by_id=r["author"] if r["deleted"] else None,
                )
                for r in rows
            ),
        )
        self.post_ids = [r["id"] for r in rows]
        self.counts["posts"] = len(rows)
        self.counts["helpful_marks"] = len(marks)

    # --- Lessons ----------------------------------------------------------------------
    def lessons(self) -> None:
        rng, count = self.rng, self.scale.lessons
        parts = _rendered_bodies(rng, 40)
        states = rng.choices(
            [LessonState.PUBLISHED, LessonState.ARCHIVED, LessonState.IN_REVIEW, LessonState.DRAFT],
            weights=[65, 10, 10, 15],
            k=count,
        )
        # Lessons made from threads with accepted answers, the 50-post one first.
        sources_threads = [
            self.fifty_thread,
            *rng.sample(sorted(self.accepted), min(len(self.accepted) - 1, count // 10)),
        ]
        lessons, authorships, provisions, sources, transitions, tagged = [], [], [], [], [], []
        lesson_type = self.content_types[Lesson]
        through = Lesson.provisions.through
        provision_weights = _zipf_weights(len(self.provisions), 0.8)
        authors_pool = self.experts * 3 + self.member_ids[1:]
        for n, state in enumerate(states):
            lesson_id = n + 1
            if n == 0:
                state = LessonState.PUBLISHED
            created = self._when()
            published = state in {LessonState.PUBLISHED, LessonState.ARCHIVED}
            published_at = min(self.now, created + timedelta(days=rng.uniform(2, 30)))
            picked = [rng.choice(parts) for _ in range(4)]
            subject = rng.choice(TITLE_SUBJECTS)
            public_requested = published and rng.random() < 0.4
            lessons.append(
                Lesson(
                    id=lesson_id,
                    title=f"{rng.choice(DISCUSSION_OPENERS)} {subject} ({lesson_id})",
                    summary=_paragraph(rng, 2),
                    country=rng.choice(COUNTRIES),
                    region=rng.choice(["", "Capital region", "North", "Coast"]),
                    period=rng.choice(["", "2019", "2020-2021", "Spring 2023"]),
                    setting=rng.choice(Setting.values),
                    what_happened=picked[0][0],
                    what_worked=picked[1][0],
                    what_did_not=picked[2][0],
                    recommendations=picked[3][0],
                    what_happened_html=picked[0][1],
                    what_worked_html=picked[1][1],
                    what_did_not_html=picked[2][1],
                    recommendations_html=picked[3][1],
                    language="en" if rng.random() < 0.85 else rng.choice(["fr", "es", "nl"]),
                    state=state,
                    public_requested=public_requested,
                    is_public=public_requested and rng.random() < 0.8,
                    from_thread_id=sources_threads[n] if n < len(sources_threads) else None,
                    created_at=created,
                    updated_at=published_at if published else created,
                    published_at=published_at if published else None,
                )
            )
            for position, member in enumerate(
                dict.fromkeys(rng.choice(authors_pool) for _ in range(rng.choice([1, 1, 2, 3])))
            ):
                authorships.append(
                    LessonAuthor(lesson_id=lesson_id, member_id=member, position=position)
                )
            for provision in _weighted_sample(
                rng, self.provisions, provision_weights, rng.randint(1, 3)
            ):
                provisions.append(through(lesson_id=lesson_id, provision_id=provision.pk))
            for tag in self._tags_for(1, 3):
                tagged.append(
                    TaggedItem(content_type=lesson_type, object_id=lesson_id, tag_id=tag.pk)
                )
            for position in range(rng.choice([0, 1, 1, 2, 3])):
                sources.append(
                    Source(
                        lesson_id=lesson_id,
                        title=f"Report on {subject}",
                        publisher=rng.choice(["Ombudsman", "Amnesty International", "Inquest"]),
                        date=date(2015 + position, 1 + lesson_id % 12, 1),
                        url=f"https://reports.example.org/{lesson_id}/{position}",
                        position=position,
                    )
                )
            reviewer = rng.choice(self.experts)
            if state != LessonState.DRAFT:
                transitions.append(
                    Transition(lesson_id=lesson_id, actor_id=authorships[-1].member_id,
                               action="submit", from_state=LessonState.DRAFT,
                               to_state=LessonState.IN_REVIEW, created_at=created)
                )  # fmt: skip
            if published:
                transitions.append(
                    Transition(lesson_id=lesson_id, actor_id=reviewer, action="publish",
                               from_state=LessonState.IN_REVIEW, to_state=LessonState.PUBLISHED,
                               created_at=published_at)
                )  # fmt: skip
        _insert(Lesson, lessons)
        _insert(LessonAuthor, authorships)
        _insert(through, provisions)
        _insert(TaggedItem, tagged)
        _insert(Source, sources)
        _insert(Transition, transitions)
        self.lesson_ids = [lesson.id for lesson in lessons]
        self.counts["lessons"] = len(lessons)
        self.counts["published_lessons"] = sum(
            1 for lesson in lessons if lesson.state == LessonState.PUBLISHED
        )

    # --- Follows ----------------------------------------------------------------------
    def follows(self) -> None:
        rng = self.rng
        ct = self.content_types
        follows: dict[tuple[int, int, int], datetime] = {}
        popular = list(self.member_ids)
        rng.shuffle(popular)
        popular_cum = list(_cumulative(_zipf_weights(len(popular), 1.0)))
        for member in self.member_ids:
            for tag in _weighted_sample(rng, self.tags, self.tag_weights, rng.randint(3, 10)):
                follows[(member, ct[Tag].pk, tag.pk)] = self._when()
            for _ in range(min(30, int(rng.expovariate(1 / 3)))):
                other = rng.choices(popular, cum_weights=popular_cum)[0]
                if other != member:
                    follows[(member, ct[User].pk, other)] = self._when()
            if rng.random() < 0.15:
                provision = rng.choice(self.provisions)
                follows[(member, ct[Provision].pk, provision.pk)] = self._when()
            if rng.random() < 0.05:
                instrument = rng.choice(self.instruments)
                follows[(member, ct[Instrument].pk, instrument.pk)] = self._when()
        # Posting in a thread follows it (forum.services does the same).
        for row in self.post_rows:
            follows.setdefault((row["author"], ct[Thread].pk, row["thread"]), row["when"])
        _insert(
            Follow,
            (
                Follow(follower_id=f, content_type_id=c, object_id=o, created_at=when)
                for (f, c, o), when in follows.items()
            ),
        )
        self.counts["follows"] = len(follows)

    # --- Notifications ----------------------------------------------------------------
    def notifications(self) -> None:
        """A few thousand, as the services would have written them; the viewer has 60."""
        rng = self.rng
        count = max(2000, self.scale.members // 2)
        recipients = [1] * 60 + [rng.choice(self.member_ids) for _ in range(count - 60)]
        rows = []
        for recipient in recipients:
            row = rng.choice(self.post_rows)
            thread = self.thread_objects[row["thread"]]
            kind = rng.choice(
                [NotificationKind.REPLY] * 5
                + [NotificationKind.NEW_THREAD] * 3
                + [NotificationKind.MENTION, NotificationKind.ANSWER_ACCEPTED]
            )
            when = min(self.now, row["when"] + timedelta(minutes=1))
            text = {
                NotificationKind.REPLY: "A member replied in “{}”",
                NotificationKind.NEW_THREAD: "New question: “{}”",
                NotificationKind.MENTION: "A member mentioned you in “{}”",
                NotificationKind.ANSWER_ACCEPTED: "Your answer in “{}” was accepted",
            }[kind].format(thread.title)
            rows.append(
                Notification(
                    recipient_id=recipient,
                    kind=kind,
                    actor_id=row["author"],
                    text=text[:300],
                    url=f"/forum/posts/{row['id']}/",
                    created_at=when,
                    read_at=when + timedelta(hours=5) if rng.random() < 0.7 else None,
                )
            )
        rows.sort(key=lambda n: n.created_at)
        _insert(Notification, rows)
        self.counts["notifications"] = len(rows)

    # --- Finishing --------------------------------------------------------------------
    # --- The library and the calendar: lists of a realistic length -------------
    def library(self) -> None:
        """One published resource for every 20 threads, without files (a list of catalogue rows)."""
        rng = self.rng
        count = max(20, self.scale.threads // 20)
        kinds = [kind for kind, _label in ResourceKind.choices]
        abstracts = _rendered_bodies(rng, 8)
        resource_type = ContentType.objects.get_for_model(Resource)
        resources, languages, tagged = [], [], []
        public = ResourceVisibility.PUBLIC
        for n in range(1, count + 1):
            source, html, _text = abstracts[n % len(abstracts)]
            created = self._when()
            resources.append(
                Resource(
                    id=n,
                    kind=rng.choice(kinds),
                    title=f"{rng.choice(TITLE_SUBJECTS).capitalize()}: a study",
                    authors=rng.choice(FIRST_NAMES) + " " + rng.choice(FAMILY_INITIALS) + ".",
                    publisher="Benchmark Monitoring Coalition",
                    published_on=created.date(),
                    abstract=source,
                    abstract_html=html,
                    country=rng.choice(COUNTRIES),
                    visibility=public if n % 3 == 0 else ResourceVisibility.MEMBERS,
                    state=ResourceState.PUBLISHED,
                    created_by_id=self._poster(),
                    created_at=created,
                    updated_at=created,
                    published_at=created,
                )
            )
            for code in {"en", rng.choice(LANGUAGES)}:
                languages.append(ResourceLanguage(resource_id=n, code=code))
            for tag in self._tags_for(1, 3):
                tagged.append(TaggedItem(content_type=resource_type, object_id=n, tag_id=tag.pk))
        _insert(Resource, resources)
        _insert(ResourceLanguage, languages)
        _insert(TaggedItem, tagged)
        self.resource_ids = [r.id for r in resources]
        self.counts["resources"] = count

    def events(self) -> None:
        """One event for every 50 threads: a third upcoming, the rest past."""
        rng = self.rng
        count = max(10, self.scale.threads // 50)
        kinds = [kind for kind, _label in EventKind.choices]
        descriptions = _rendered_bodies(rng, 6)
        event_type = ContentType.objects.get_for_model(Event)
        events, tagged = [], []
        for n in range(1, count + 1):
            upcoming = n % 3 == 0
            starts = self.now + timedelta(
                days=rng.randint(1, 120) if upcoming else -rng.randint(1, 700)
            )
            source, html, _text = descriptions[n % len(descriptions)]
            events.append(
                Event(
                    id=n,
                    title=f"Training on {rng.choice(TITLE_SUBJECTS)}",
                    kind=rng.choice(kinds),
                    description=source,
                    description_html=html,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=rng.choice([2, 3, 6, 30])),
                    time_zone="Africa/Nairobi",
                    place="Community hall",
                    capacity=rng.choice([20, 30, 60, 200]),
                    visibility=EventVisibility.PUBLIC if n % 2 else EventVisibility.MEMBERS,
                    created_by_id=self._poster(),
                    created_at=starts - timedelta(days=30),
                    updated_at=starts - timedelta(days=30),
                )
            )
            for tag in self._tags_for(1, 2):
                tagged.append(TaggedItem(content_type=event_type, object_id=n, tag_id=tag.pk))
        _insert(Event, events)
        _insert(TaggedItem, tagged)
        self.counts["events"] = count

    def reset_sequences(self) -> None:
        """Ids were given here; new rows must get the next ones."""
        statements = connection.ops.sequence_reset_sql(
            no_style(), [User, Profile, Thread, Post, Lesson, Resource, ResourceLanguage, Event]
        )
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def index(self) -> None:
        """The search indexes, written by the apps' own SQL from the rows just inserted.

        On PostgreSQL the GIN indexes on the vectors are dropped first and
        built again afterwards from their own definitions, as pg_restore
        does: one bulk build takes a few seconds where 100,000 single
        insertions take half a minute.
        """
        definitions = []
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The deferred foreign-key checks run now: an index cannot be
                # built on a table with checks pending.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
                    " AND indexdef LIKE '%%USING gin (search_vector)%%'",
                    [[Post._meta.db_table, Lesson._meta.db_table]],
                )
                definitions = cursor.fetchall()
                for name, _definition in definitions:
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        for chunk in _batches(self.post_ids, 10_000):
            index_posts(chunk)
        index_lessons(self.lesson_ids)
        index_resources(getattr(self, "resource_ids", []))
        if definitions:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for _name, definition in definitions:
                    cursor.execute(definition)

    def analyze(self) -> None:
        """Planner statistics, as autovacuum would gather them on a live site."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")


# Tables whose triggers move Thread.page_version (forum migration 0008,
# lessons 0009): a fresh dataset starts every thread at version 0.
PAGE_VERSION_TABLES = (
    "forum_thread",
    "forum_post",
    "forum_postattachment",
    "members_taggeditem",
    "members_tag",
    "members_user",
    "lessons_lesson",
)


@contextmanager
def _page_version_triggers_off() -> Iterator[None]:
    """PostgreSQL: the build's own triggers off (not the foreign-key checks), so
    that 100,000 posts and their indexing do not each touch their thread; on
    SQLite they run (they cost little there and cannot be switched off)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        for table in PAGE_VERSION_TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    yield
    with connection.cursor() as cursor:
        for table in PAGE_VERSION_TABLES:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def _cumulative(weights: list[float]):
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def thread_reader(thread: Thread) -> User:
    """The first member (by id) who reads ``thread`` as most members do: they
    moderate nothing and have no relation to it (wrote nothing in it, marked
    nothing helpful, no lesson of theirs made of it), so the kept page serves
    them (forum.fragments). Member 0 wrote in the 50-post thread."""
    from forum.selectors import thread_page_probe

    for member in User.objects.filter(status=Status.ACTIVE, is_moderator=False).order_by("id"):
        probe = thread_page_probe(member, thread.pk)
        if probe is not None and not probe.involved:
            return member
    raise RuntimeError(f"every member has a relation to thread {thread.pk}")


def landmarks() -> dict[str, str]:
    """The URLs of the pages the measurements open (after ``build``)."""
    fifty = Thread.objects.get(title=FIFTY_POSTS_TITLE)
    realistic = Thread.objects.get(title=REALISTIC_TITLE)
    return {
        "thread_50_posts": fifty.get_absolute_url(),
        "thread_realistic": realistic.get_absolute_url(),
    }
