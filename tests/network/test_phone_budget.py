"""What keeps pages light on a phone over a slow link, checked in the source.

The browser test (tests/e2e/test_layout.py) measures the pages themselves; these
rules hold for every template and stylesheet, including pages it does not visit.
"""

from __future__ import annotations

import re

from common.markup import render_markdown
from tests.conftest import REPO_ROOT

APPS = ("network", "members", "forum", "lessons")
IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE | re.DOTALL)


def _templates() -> list:
    return sorted(REPO_ROOT.glob("templates/**/*.html")) + [
        path for app in APPS for path in sorted((REPO_ROOT / app / "templates").glob("**/*.html"))
    ]


def test_every_image_in_the_templates_loads_lazily() -> None:
    templates = _templates()
    assert templates
    eager = [
        f"{template.relative_to(REPO_ROOT)}: {tag}"
        for template in templates
        for tag in IMG_TAG.findall(template.read_text())
        if not re.search(r"""\bloading=["']lazy["']""", tag)
    ]
    assert not eager, 'images without loading="lazy":\n' + "\n".join(eager)


def test_what_members_write_never_becomes_an_image() -> None:
    # An image in a post would be fetched by every reader's phone, and from
    # another site it would tell that site who reads the thread.
    html = render_markdown("Look: ![crowd](https://example.org/crowd.jpg) and <img src=x>")
    assert "<img" not in html


def test_no_web_fonts_and_no_imported_stylesheets() -> None:
    # The system's fonts only: a web font is another request of tens of
    # kilobytes before text shows on a slow link.
    stylesheets = [
        path for app in APPS for path in sorted((REPO_ROOT / app / "static").glob("**/*.css"))
    ]
    assert stylesheets
    for stylesheet in stylesheets:
        css = stylesheet.read_text()
        assert "@font-face" not in css, stylesheet
        assert "@import" not in css, stylesheet
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css), stylesheet
