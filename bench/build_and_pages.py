"""One backend's in-process part: build the dataset, then time the pages.

Run by the orchestrator as ``python -m bench.build_and_pages`` with the
backend's environment (DATABASE_URL, REDIS_URL or none, DEBUG=false, ...), on
an empty migrated database. Prints one JSON object on its last line of
stdout: ``{"dataset": {...}, "pages": {...}}``; progress goes to stderr.

For working on a page, on a database built before:
``--skip-build`` (measure only), ``--show-queries`` (each page's SQL),
``--profile PAGE`` (pyinstrument report of one page, e.g. thread_page_50_posts).
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.build_and_pages")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--show-queries", action="store_true")
    parser.add_argument("--profile", metavar="PAGE")
    options = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")
    import django

    django.setup()
    from bench import dataset, pages
    from bench.common import scale_from_env

    scale = scale_from_env()
    if options.profile:
        print(pages.profile(options.profile))
        return
    counts = {} if options.skip_build else dataset.build(scale)
    print(f"dataset: {counts}", file=sys.stderr, flush=True)
    measured = {} if options.skip_pages else pages.measure(scale, show_queries=options.show_queries)
    print(json.dumps({"dataset": counts, "pages": measured}))


if __name__ == "__main__":
    main(sys.argv[1:])
