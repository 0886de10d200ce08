"""The "markdown worst case" phase: the slowest single render of member text.

Renders, through ``common.markup.render_markdown`` (the one pipeline), every
line of the shared hostile corpus and every file of it whole, then each
pathological shape at each Markdown field's maximum length, and the same
shape cut to just inside the formatting budget and padded with prose to the
maximum length (the costliest text that is still formatted), and a normal,
markup-rich text at each maximum length. Reports the slowest render in ms and
which input it was (the ten slowest are timed twice more, median of three);
the budget is 200 ms for any single render.

``measure(env, scale)`` runs ``python -m bench.markdown`` in the backend's
environment (rendering needs Django, not the database) and reads the JSON on
its last line. Run alone: ``python -m bench.markdown --all`` prints every input.
Corpus: ``BENCH_CORPUS``, default ``shared/corpus`` beside the repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from bench.common import ROOT, Scale

BUDGET_MS = 200
SLOWEST_RETIMED = 10
# Each shape is a unit repeated; the issue's own findings first.
SHAPES: dict[str, str] = {
    "less-than signs": "<",
    "code fences": "```\n",
    "tilde fences": "~~~\n",
    "greater-than signs": ">",
    "ampersands": "&",
    "quotes": '"',
    "open brackets": "[",
    "empty links": "[](",
    "image openers": "![",
    "links": "[a](b)",
    "reference uses": "[a]",
    "emphasis": "*a",
    "nested emphasis": "*a **",
    "underscores": "_a",
    "code spans": "`a",
    "backslash escapes": "\\<",
    "entities": "&lt;",
    "html comments": "<!--",
    "tag openers": "<a",
    "autolinks": "<http://a.b>",
    "angle pairs": "<>",
    "bare urls": "http://a.b ",
    "www links": "www.a.b ",
    "mentions": "@abc ",
    "list items": "- x\n",
    "empty list items": "- \n",
    "numbered items": "1. x\n",
    "nested lists": "- ",
    "block quotes": "> x\n",
    "quoted fences": "> ```\n",
    "headings": "#\n",
    "setext headings": "a\n=\n",
    "rules": "---\n",
    "hard breaks": "a  \n",
    "table rows": "|\n",
    "table cells": "|",
    "lines": "a\n",
    "blank lines": "\n",
    "indented code": "    a\n",
}
TABLE_HEAD = "a|b\n-|-\n"
PROSE = (
    "Officers at the march used **kettling** for three hours; see [the report]"
    "(https://example.org/report) and https://example.net/doc. The *court* later found "
    "it unlawful under article 11 of the Convention, and @expert wrote the lesson.\n\n"
)
NORMAL_PARTS = (
    PROSE,
    "- first point with `code`\n- second point\n- third point\n\n",
    PROSE,
    "> what a witness said, quoted\n\n",
    PROSE,
    "| place | people |\n|---|---|\n| square | 300 |\n\n",
    PROSE,
    "```\nkettle(hours=3) <- log\n```\n\n",
    PROSE,
    "## What worked\n\n",
)


def normal_text(length: int) -> str:
    """Markup-rich text of the kind members write: prose, lists, quotes, tables, code."""
    parts, size = [], 0
    while size < length:
        parts.append(NORMAL_PARTS[len(parts) % len(NORMAL_PARTS)])
        size += len(parts[-1])
    return "".join(parts)[:length]


def _repeat(unit: str, length: int, prefix: str = "") -> str:
    return (prefix + unit * (length // len(unit) + 1))[:length]


def _shape(name: str, unit: str, length: int) -> str:
    if name == "nested lists":
        lines, size, depth = [], 0, 0
        while size < length:
            lines.append("  " * depth + "- x\n")
            size += len(lines[-1])
            depth = (depth + 1) % 60
        return "".join(lines)[:length]
    return _repeat(unit, length, TABLE_HEAD if name.startswith("table") else "")


def _inside_budget(text: str, length: int) -> str | None:
    """A start of ``text`` that is still formatted, padded with prose to ``length``."""
    from common.markup import MAX_MARKUP_WEIGHT, exceeds_formatting_budget, markup_weight

    if not exceeds_formatting_budget(text):
        return None  # the whole text is formatted: measured as it is
    weight = markup_weight(text) or 1
    cut = min(len(text), len(text) * MAX_MARKUP_WEIGHT // weight)
    padding = "\n\n" + "plain words " * (length // 12)
    candidate = (text[:cut] + padding)[:length]
    while exceeds_formatting_budget(candidate) and cut > 0:
        cut = cut * 8 // 10
        candidate = (text[:cut] + padding)[:length]
    return candidate


def inputs(corpus: Path | None = None) -> Iterator[tuple[str, str]]:
    """(label, text) for every input the phase renders."""
    from common.markup import MARKDOWN_MAX_LENGTH

    fields_by_length: dict[int, list[str]] = {}
    for field, length in MARKDOWN_MAX_LENGTH.items():
        fields_by_length.setdefault(length, []).append(field)
    for length, names in sorted(fields_by_length.items(), reverse=True):
        field = " and ".join(names)  # the same length: measured once
        yield f"normal text, {field} maximum ({length:,} characters)", normal_text(length)
        for name, unit in SHAPES.items():
            text = _shape(name, unit, length)
            yield f"{name}, {field} maximum ({length:,} characters)", text
            inside = _inside_budget(text, length)
            if inside is not None:
                yield f"{name} up to the formatting budget, {field} maximum", inside
    if corpus is not None and corpus.is_dir():
        for path in sorted(corpus.glob("*/*.txt")):
            # Split on "\n" only: the corpus README explains why not splitlines().
            text = path.read_bytes().decode("utf-8", "replace")
            yield f"corpus file {path.parent.name}/{path.name}", text
            for number, line in enumerate(text.split("\n"), 1):
                if line.strip():
                    yield f"corpus {path.parent.name}/{path.name} line {number}", line


def corpus_path() -> Path:
    return Path(os.environ.get("BENCH_CORPUS") or ROOT.parent / "shared" / "corpus")


def _render_ms(text: str) -> float:
    from common.markup import render_markdown

    begun = time.perf_counter()
    render_markdown(text)
    return (time.perf_counter() - begun) * 1000


def run(*, show_all: bool = False) -> dict:
    """Each input once; then the slowest ones again, reported by their median of 3
    (one render on a shared machine can be caught by a garbage collection or a
    neighbour's burst, and the figure is about the input, not the machine)."""
    from common.markup import MARKDOWN_MAX_LENGTH, render_markdown

    render_markdown(normal_text(2_000))  # warm the parser and sanitiser caches
    corpus = corpus_path()
    started = time.perf_counter()
    timed = []
    for label, text in inputs(corpus):
        elapsed = _render_ms(text)
        timed.append((elapsed, label, text))
        if show_all:
            print(f"{elapsed:8.1f} ms  {label}", file=sys.stderr, flush=True)
    timed.sort(key=lambda row: row[0], reverse=True)
    slowest = [
        (sorted([first, _render_ms(text), _render_ms(text)])[1], label)
        for first, label, text in timed[:SLOWEST_RETIMED]
    ]
    worst_ms, worst_input = max(slowest)
    return {
        "worst_ms": round(worst_ms, 1),
        "worst_input": worst_input,
        "renders": len(timed),
        "renders_over_budget": sum(ms > BUDGET_MS for ms, _label in slowest),
        "slowest": [{"ms": round(ms, 1), "input": label} for ms, label in sorted(slowest)[::-1]],
        "corpus": corpus.is_dir(),
        "max_length": dict(MARKDOWN_MAX_LENGTH),
        "seconds": round(time.perf_counter() - started, 1),
    }


def measure(env: Mapping[str, str], scale: Scale) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.markdown"],
        cwd=ROOT,
        env=dict(env),
        stdout=subprocess.PIPE,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")
    import django

    django.setup()
    print(json.dumps(run(show_all="--all" in argv)))


if __name__ == "__main__":
    main(sys.argv[1:])
