"""`make bench`: build a large dataset, measure pages, HTTP and WebSockets, print a table.

Run as ``python -m bench`` (see bench/__main__.py). Scale from BENCH_SCALE
(``small`` for a one-minute run, ``default`` otherwise); results go to
``.bench/results.json``.
"""
