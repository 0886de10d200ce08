"""Where a word is still stored: every table of the database, the fragment store, the export.

The purge tests write a unique "canary" word, purge it, and then ask this
module for every place it survives. Rows are read with raw SQL from every
table the database has, so a table added later (or a search index's storage,
such as SQLite FTS5's shadow tables) is searched without anyone listing it.
"""

from __future__ import annotations

import json

from django.db import connection, transaction

from common import fragments
from members.models import User
from network.privacy import export_member_data


def _contains(value: object, word: str) -> bool:
    if value is None:
        return False
    if isinstance(value, (bytes, bytearray, memoryview)):
        # FTS5 stores stemmed terms in binary pages; a stem keeps the start.
        return word[:7].encode() in bytes(value)
    return word.lower() in str(value).lower()


def tables_holding(word: str) -> list[str]:
    """ "table.column" for every stored value containing ``word`` (case-insensitive)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor, include_views=False):
            quoted = connection.ops.quote_name(table)
            with transaction.atomic():
                cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - names from the catalogue
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if _contains(value, word):
                        found.append(f"{table}.{column}")
    return sorted(set(found))


def fragments_holding(word: str) -> int:
    return sum(word.lower() in html.lower() for html in fragments.store._entries.values())


def export_holds(member: User, word: str) -> bool:
    return word.lower() in json.dumps(export_member_data(member), ensure_ascii=False).lower()
