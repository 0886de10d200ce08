"""Reads that a hot page asks on every request, compiled to SQL once per process.

The kept thread page (forum/fragments.py) answers with one probe query, the
unread count and the member's session; profiled on the bench database
(``python -m bench.build_and_pages --skip-build --profile
thread_page_50_posts``), building and compiling the probe's ORM query (four
``Exists`` subqueries, each cloned and resolved) took more than half of the
view's time and far more than the database took to answer it. Django keeps
no compiled statement between requests, so this does, for the few reads
that need it:

    unread = Statement(
        lambda member: Notification.objects.filter(recipient_id=member)...values_list(...),
        "member",
    )
    rows = unread.rows(member=request.user.pk)

The queryset is still built by its selector, with the access rule where it
always is (``visible_threads`` and friends): ``Statement`` builds it once
per database with a stand-in value for each named parameter, a negative
number no row can have, compiles it, and remembers where each stand-in sits
among the statement's parameters. Each call runs that SQL with the real
values in those places and converts the columns as the ORM would (a
SQLite timestamp to a datetime, 0/1 to a boolean).

What this demands of the builder: a named parameter may only be passed on
as a value in a filter (an id), never read (``if member.is_moderator``), or
the statement would hold the stand-in's branch for everyone. Anything else
the query depends on must be the same for the whole process. The
stand-ins are checked when the statement is compiled: each must appear, and
only as a whole parameter, else ``ImproperlyConfigured``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import ValuesListIterable

# Far below any id a sequence hands out, and each distinct.
_STAND_IN_BASE = -7_318_264_905_127_734_000


class Statement:
    """One ``values_list`` read, compiled once per database and run with new values."""

    def __init__(self, build: Callable[..., QuerySet], *names: str) -> None:
        self._build = build
        self._names = names
        self._compiled: dict[tuple[str, str], tuple[str, tuple, tuple, list, int]] = {}
        self._lock = threading.Lock()

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **values: int) -> list[tuple[Any, ...]]:
        if set(values) != set(self._names):
            raise TypeError(f"expected the values of {self._names}, got {sorted(values)}")
        connection = connections[using]
        sql, constants, slots, expressions, count = self._compile(using, connection.vendor)
        params = list(constants)
        for index, name in slots:
            params[index] = int(values[name])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        conversions = []
        for index, expression in enumerate(expressions):
            functions = [
                *connection.ops.get_db_converters(expression),
                *expression.get_db_converters(connection),
            ]
            if functions:
                conversions.append((index, functions, expression))
        rows = []
        for row in found:
            row = list(row)
            for index, functions, expression in conversions:
                value = row[index]
                for function in functions:
                    value = function(value, expression, connection)
                row[index] = value
            rows.append(tuple(row[:count]))
        return rows

    def _compile(self, using: str, vendor: str) -> tuple[str, tuple, tuple, list, int]:
        key = (using, vendor)
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        with self._lock:
            stand_ins = {name: _STAND_IN_BASE - i for i, name in enumerate(self._names)}
            queryset = self._build(**stand_ins)
            if queryset._iterable_class is not ValuesListIterable or not queryset._fields:
                raise ImproperlyConfigured(f"{self._build!r}: a values_list() of named columns")
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            by_value = {value: name for name, value in stand_ins.items()}
            slots = tuple(
                (index, by_value[param])
                for index, param in enumerate(params)
                if type(param) is int and param in by_value
            )
            unused = set(self._names) - {name for _, name in slots}
            hidden = [
                name
                for name, value in stand_ins.items()
                if any(str(value) in str(param) for param in params if type(param) is not int)
                or str(value) in sql
            ]
            if unused or hidden:
                raise ImproperlyConfigured(
                    f"{self._build!r}: each of {self._names} must be a whole parameter of the "
                    f"statement (not used: {sorted(unused)}; inside another value: {hidden})"
                )
            # The columns values_list asked for, in its order (as the
            # compiler's results_iter reads them; an ORDER BY may add more).
            count = compiler.col_count
            expressions = [expression for expression, _sql, _alias in compiler.select[:count]]
            compiled = (sql, tuple(params), slots, expressions, count)
            self._compiled[key] = compiled
        return compiled
