"""A read compiled once per process answers as the ORM would, or refuses to compile."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q
from django.test.utils import CaptureQueriesContext

from common.statements import Statement
from forum import services as forum_services
from forum.models import Post, Thread
from members.models import User

pytestmark = pytest.mark.django_db


def _threads_of(author: int):
    return (
        Thread.objects.filter(author_id=author)
        .annotate(
            has_replies=Exists(Post.objects.filter(thread=OuterRef("pk"), is_opening=False)),
            post_count=Count("posts"),
        )
        .values_list("has_replies", "pk", "created_at", "title", "post_count", "is_hidden")
        .order_by("pk")
    )


def test_rows_are_the_orms_rows_with_the_orms_types(make_user, make_thread, member) -> None:
    author, other = make_user(), make_user()
    first = make_thread(author=author, title="First")
    make_thread(author=author, title="Second")
    make_thread(author=other, title="Not theirs")
    forum_services.create_reply(author=member, thread=first, body="A reply")
    statement = Statement(_threads_of, "author")

    for who in (author, other, member):
        rows = statement.rows(author=who.pk)
        assert rows == list(_threads_of(who.pk))
    rows = statement.rows(author=author.pk)
    # The order values_list asked for (the SQL puts annotations last), and
    # the converted types: a datetime and booleans on SQLite too.
    assert [row[3] for row in rows] == ["First", "Second"]
    assert rows[0][0] is True and rows[1][0] is False
    assert isinstance(rows[0][2], datetime) and rows[0][2].tzinfo is not None
    assert rows[0][5] is False
    assert statement.rows(author=member.pk) == []


def test_it_is_built_and_compiled_once_then_one_query_a_call(make_user, make_thread) -> None:
    author = make_user()
    make_thread(author=author)
    built = []

    def build(author: int):
        built.append(author)
        return _threads_of(author)

    statement = Statement(build, "author")
    statement.rows(author=author.pk)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert len(statement.rows(author=author.pk)) == 1
    assert len(built) == 1
    assert len(queries) == 3


def test_a_builder_that_does_not_pass_a_value_on_is_refused(db) -> None:
    ignores = Statement(lambda author: Thread.objects.values_list("pk"), "author")
    with pytest.raises(ImproperlyConfigured, match="not used: \\['author'\\]"):
        ignores.rows(author=1)
    # Made into text, it is no longer a value the statement can replace.
    as_text = Statement(
        lambda member: User.objects.filter(handle=f"m{member}").values_list("pk"), "member"
    )
    with pytest.raises(ImproperlyConfigured, match="inside another value"):
        as_text.rows(member=1)
    not_columns = Statement(lambda member: User.objects.filter(pk=member), "member")
    with pytest.raises(ImproperlyConfigured, match="values_list"):
        not_columns.rows(member=1)


def test_it_wants_exactly_its_named_values(db) -> None:
    statement = Statement(lambda member: User.objects.filter(pk=member).values_list("pk"), "member")
    with pytest.raises(TypeError):
        statement.rows()
    with pytest.raises(TypeError):
        statement.rows(member=1, thread=2)


def test_a_condition_made_of_the_value_keeps_working(make_user) -> None:
    """An OR of a column and subqueries with the same value in several places
    (what the thread page's probe is): every place gets the real value."""
    one, two = make_user(), make_user()

    def build(member: int):
        return (
            User.objects.filter(pk__in=[one.pk, two.pk])
            .annotate(
                is_them=ExpressionWrapper(
                    Q(pk=member)
                    | Exists(User.objects.filter(pk=member, handle=OuterRef("handle"))),
                    output_field=BooleanField(),
                )
            )
            .values_list("pk", "is_them")
            .order_by("pk")
        )

    statement = Statement(build, "member")
    assert statement.rows(member=one.pk) == [(one.pk, True), (two.pk, False)]
    assert statement.rows(member=two.pk) == [(one.pk, False), (two.pk, True)]
