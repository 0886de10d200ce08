"""The one sanitising pipeline, attacked with public XSS lists and naughty strings."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from common.markup import mentioned_handles, render_markdown, sanitize_html

FORBIDDEN_TAGS = {
    "script", "style", "iframe", "object", "embed", "form", "svg", "math", "img",
    "input", "button", "textarea", "select", "link", "meta", "base", "frame", "frameset",
    "applet", "video", "audio", "source", "template",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster"}
DANGEROUS_SCHEME = re.compile(r"^(javascript|vbscript|data|file):", re.IGNORECASE)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    handle_startendtag = handle_starttag


def assert_safe(output: str, source: str) -> None:
    collector = _Collector()
    collector.feed(output)
    collector.close()
    bad_tags = FORBIDDEN_TAGS.intersection(collector.tags)
    assert not bad_tags, f"{bad_tags} survived from {source!r}: {output!r}"
    for tag, name, value in collector.attributes:
        assert not name.startswith("on"), f"event handler {name} on <{tag}> from {source!r}"
        assert name != "style", f"style attribute on <{tag}> from {source!r}"
        if name in URL_ATTRIBUTES:
            # The parser has decoded character references once, as a browser
            # does; browsers also ignore control characters and spaces in a scheme.
            squeezed = re.sub(r"[\x00-\x20]", "", value)
            assert not DANGEROUS_SCHEME.match(squeezed), f"{value!r} from {source!r}"


def corpus_cases(corpus_dir: Path) -> list[tuple[str, str]]:
    """Every line of every corpus file, and every file whole (multi-line vectors)."""
    cases = []
    for path in sorted(corpus_dir.rglob("*.txt")):
        if "LICENSES" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        name = str(path.relative_to(corpus_dir))
        cases.append((name, text))
        cases.extend((f"{name}:{n}", line) for n, line in enumerate(text.splitlines(), 1))
    return cases


def test_corpus_is_complete(corpus_dir: Path) -> None:
    files = {p.parent.name for p in corpus_dir.rglob("*.txt")}
    assert {"xss", "bleach", "naughty"} <= files
    assert len(corpus_cases(corpus_dir)) > 3000


@pytest.mark.parametrize("wrap", ["plain", "link", "code"])
def test_no_vector_from_the_corpus_survives(corpus_dir: Path, wrap: str) -> None:
    for name, vector in corpus_cases(corpus_dir):
        # The same vector as plain text, as a Markdown link target and in inline
        # code: each reaches a different part of the Markdown parser.
        source = {
            "plain": vector,
            "link": f"[click]({vector}) <{vector}>",
            "code": f"`{vector}`\n\n```\n{vector}\n```",
        }[wrap]
        output = render_markdown(source)
        assert_safe(output, f"{name} ({wrap})")
        assert sanitize_html(output) == output, f"not idempotent on {name} ({wrap})"


def test_bleach_regression_inputs_also_fail_when_fed_as_html(corpus_dir: Path) -> None:
    """The sanitiser alone (no Markdown escaping in front) still removes every vector."""
    for path in sorted((corpus_dir / "bleach").glob("*.txt")):
        vector = path.read_text(encoding="utf-8").split("\n--\n")[0]
        assert_safe(sanitize_html(vector), path.name)
    for name, vector in corpus_cases(corpus_dir):
        if name.startswith("xss/"):
            assert_safe(sanitize_html(vector), name)


def test_member_html_is_shown_as_text_not_markup() -> None:
    output = render_markdown('<b onclick="x()">bold</b> <script>alert(1)</script>')
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in output
    assert "<b" not in output and "<script" not in output


def test_markdown_formatting_is_kept() -> None:
    output = render_markdown(
        "# Title\n\n**strong** _em_ ~~gone~~ `code`\n\n> quote\n\n1. one\n2. two\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = 1\n```"
    )
    for fragment in [
        "<h1>Title</h1>", "<strong>strong</strong>", "<em>em</em>", "<s>gone</s>",
        "<code>code</code>", "<blockquote>", "<ol>", "<table>", "<td>1</td>",
        '<code class="language-python">',
    ]:  # fmt: skip
        assert fragment in output


def test_links_are_marked_as_user_content_and_bare_urls_are_linked() -> None:
    output = render_markdown("[report](https://example.org/report) and https://example.net/x")
    assert '<a href="https://example.org/report" rel="nofollow noopener ugc">report</a>' in output
    assert '<a href="https://example.net/x" rel="nofollow noopener ugc">' in output


def test_images_become_links_so_no_third_party_server_sees_readers() -> None:
    output = render_markdown("![map of the route](https://tracker.example/pixel.png)")
    assert "<img" not in output
    assert (
        '<a href="https://tracker.example/pixel.png" rel="nofollow noopener ugc">'
        "map of the route</a>"
    ) in output


def test_dangerous_link_schemes_are_not_linked() -> None:
    for target in ["javascript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<b>x</b>"]:
        assert_safe(render_markdown(f"[x]({target})"), target)


def test_rendering_never_raises_on_odd_input() -> None:
    for source in ["", "\x00", "\ud800", "*" * 10_000, "[" * 5_000, "> " * 2_000 + "x"]:
        assert isinstance(render_markdown(source), str)


def test_mentions_of_known_members_become_profile_links_only_in_plain_text() -> None:
    html = render_markdown(
        "Ask @amina-k or @nobody. [@amina-k](https://example.org) `@amina-k` me@amina-k.org",
        mentions={"amina-k": "/members/amina-k/"},
    )
    assert html.count('href="/members/amina-k/"') == 1
    assert "@nobody" in html and "/members/nobody/" not in html
    assert "<code>@amina-k</code>" in html
    assert mentioned_handles("Hi @Amina-K, and @bo") == {"amina-k"}  # "bo" is too short


def test_a_mention_cannot_smuggle_a_link_target() -> None:
    html = render_markdown("@evil", mentions={"evil": "javascript:alert(1)"})
    assert "javascript:" not in html
