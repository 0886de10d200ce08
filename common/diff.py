"""A readable, line-by-line difference between two versions of a text."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    change: str  # "added", "removed" or "same"
    text: str


def line_diff(before: str, after: str, *, context: int = 2) -> list[DiffLine | None]:
    """Changed lines with ``context`` unchanged lines around them; None marks a gap.

    The template renders each line as text inside <ins>/<del>, so member text
    is escaped like everywhere else.
    """
    old, new = before.splitlines(), after.splitlines()
    lines: list[DiffLine | None] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        if lines:
            lines.append(None)
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", line) for line in old[i1:i2]]
                continue
            if tag in {"replace", "delete"}:
                lines += [DiffLine("removed", line) for line in old[i1:i2]]
            if tag in {"replace", "insert"}:
                lines += [DiffLine("added", line) for line in new[j1:j2]]
    return lines
