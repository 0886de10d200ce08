"""Properties of the one sanitising pipeline, for any text a member could type.

tests/members/test_markup.py feeds it every public vector; here hypothesis
writes new ones: arbitrary Unicode mixed with HTML tags, event handlers,
obfuscated ``javascript:`` links, entities, Markdown syntax and corpus lines.
Whatever comes in, what comes out is made only of the safelist, sanitising it
again changes nothing, and rendering the same text twice gives the same HTML.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from common.markup import (
    ALLOWED_PROTOCOLS,
    ALLOWED_TAGS,
    LINK_REL,
    plain_text,
    render_markdown,
    sanitize_html,
)
from tests.conftest import REPO_ROOT

# Moderate and repeatable: no example database written into the working tree,
# no per-example deadline (the first render warms caches and may be slow).
PROPERTY_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- What may come out ----------------------------------------------------------

# Every "<" in the output must open or close one of the allowed elements: member
# text is escaped, so a comment, a doctype or any other tag means a leak.
_ANY_LT = re.compile(r"<")
_ALLOWED_TAG_START = re.compile(
    r"</?(?:" + "|".join(sorted(ALLOWED_TAGS, key=len, reverse=True)) + r")(?=[\s/>])"
)
_NEVER = re.compile(r"<\s*/?\s*(?:script|iframe|object|embed|style|img|svg|math)\b", re.I)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_LANGUAGE_CLASS = re.compile(r"^language-[a-z0-9+#_-]{1,30}$")


class _Elements(HTMLParser):
    """Start tags with their attributes, decoded once as a browser decodes them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, [(name, value or "") for name, value in attrs]))

    handle_startendtag = handle_starttag


def url_scheme(href: str) -> str | None:
    """The scheme a browser would see: it ignores surrounding C0 controls and spaces
    and tabs or newlines anywhere (``java&#x09;script:`` is ``javascript:``)."""
    squeezed = re.sub(r"[\t\n\r]", "", href.strip("".join(map(chr, range(0x21)))))
    match = _SCHEME.match(squeezed)
    return match.group(1).lower() if match else None


def assert_only_safelisted(output: str, source: str) -> None:
    context = f"from {source!r}: {output!r}"
    assert not _NEVER.search(output), f"forbidden element {context}"
    starts = [m.start() for m in _ANY_LT.finditer(output)]
    allowed = [m.start() for m in _ALLOWED_TAG_START.finditer(output)]
    assert starts == allowed, f"markup outside the safelist {context}"
    parser = _Elements()
    parser.feed(output)
    parser.close()
    for tag, attributes in parser.elements:
        assert tag in ALLOWED_TAGS, f"<{tag}> {context}"
        for name, value in attributes:
            assert not name.startswith("on"), f"event handler {name} on <{tag}> {context}"
            assert name != "style", f"style attribute on <{tag}> {context}"
            if tag == "a":
                assert name in {"href", "title", "rel"}, f"{name} on <a> {context}"
            elif tag == "ol":
                assert name == "start" and value.isdigit(), f"{name}={value!r} on <ol> {context}"
            elif tag == "code":
                assert name == "class" and _LANGUAGE_CLASS.match(value), f"class {context}"
            else:
                raise AssertionError(f"attribute {name} on <{tag}> {context}")
            if name == "href":
                scheme = url_scheme(value)
                assert scheme is None or scheme in ALLOWED_PROTOCOLS, f"{value!r} {context}"
        if tag == "a":
            # Every link, typed or linkified, is marked as the members' own.
            assert dict(attributes).get("rel") == LINK_REL, f"rel {context}"


# --- What may go in --------------------------------------------------------------

HOSTILE_FRAGMENTS = [
    "<script>alert(1)</script>",
    "<script src=//evil.example/x.js></script>",
    "</script><script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<iframe src=javascript:alert(1)></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>">',
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>@import'javascript:alert(1)';</style>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="  JaVaScRiPt:alert(1)" onclick="alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">',
    "<object data=data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==>",
    "<embed src=javascript:alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<form><button formaction=javascript:alert(1)>x",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=//evil.example/>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?xml version=1.0?>",
    "<!DOCTYPE html>",
    '"><script>alert(1)</script>',
    "'-alert(1)-'",
    '"onmouseover=alert(1)//',
    "<a/href=javascript&colon;alert(1)>x",
    "<a href=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>x</a>",
    "<a href=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)>x</a>",
    '<a href="\x01javascript:alert(1)">x</a>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<textarea></textarea><script>alert(1)</script>",
    "<title></title><script>alert(1)</script>",
    "{{constructor.constructor('alert(1)')()}}",
]
MARKDOWN_SYNTAX = [
    "\n", "\n\n", "    ", "\t", "> ", "- ", "1. ", "3) ", "# ", "## ", "```", "```js\n", "~~~",
    "`", "*", "**", "_", "__", "~~", "[", "]", "(", ")", "![", "](", "<", ">", "\\", "&",
    "|", "|---|", "---", "===", "\n| a | b |\n|---|---|\n| ", "@", "@member-0001 ", "www.",
    ".example", "http://", "https://", "mailto:", "\x00", "\ud800", "\u202e", "\ufeff",
]  # fmt: skip
ENTITIES = ["&lt;", "&gt;", "&amp;", "&quot;", "&#60;", "&#x3C;", "&#0000060", "&colon;",
            "&Tab;", "&NewLine;", "&#x09;", "&#10;", "&nbsp;", "&lt", "&#", "&#x"]  # fmt: skip

SCHEMES = ["javascript", "JaVaScRiPt", "vbscript", "data", "file", "livescript", "http",
           "https", "mailto", "ftp", "jav\tascript", "java&#x09;script", "jav&#x0A;ascript",
           "&#106;avascript", "java%0ascript", " javascript", "\x01javascript"]  # fmt: skip
PAYLOADS = ["alert(1)", "alert`1`", "//evil.example/x", "text/html;base64,PHNjcmlwdD4=",
            "text/html,<script>alert(1)</script>", "evil.example/%22%3E",
            "x@example.org", "x.com/html;base64,PHNjcmlwdD4="]  # fmt: skip

TAG_NAMES = ["script", "img", "iframe", "svg", "math", "style", "object", "embed", "a", "p",
             "code", "ol", "table", "td", "input", "body", "video", "source", "base", "form",
             "link", "meta", "template", "xss", "ScRiPt", "IMG", "sVg"]  # fmt: skip
ATTRIBUTE_NAMES = ["onerror", "onload", "onclick", "ONMOUSEOVER", "onfocus", "onanimationstart",
                   "style", "src", "href", "srcdoc", "formaction", "xlink:href", "background",
                   "class", "start", "title", "rel", "data", "autofocus"]  # fmt: skip
SEPARATORS = [" ", "/", "\t", "\n", "\f", "\r", " /", "  "]

urls = st.builds(
    lambda scheme, colon, payload: scheme + colon + payload,
    st.sampled_from(SCHEMES),
    st.sampled_from([":", "&colon;", "&#58;", "&#x3a;", "%3A", ":"]),
    st.sampled_from(PAYLOADS),
)
attribute_values = st.one_of(
    urls,
    st.sampled_from(["alert(1)", "x", "expression(alert(1))", "language-js", "1", "'", '"']),
    st.text(max_size=8),
)
attributes = st.builds(
    lambda separator, name, quote, value: f"{separator}{name}={quote}{value}{quote}",
    st.sampled_from(SEPARATORS),
    st.sampled_from(ATTRIBUTE_NAMES),
    st.sampled_from(["", '"', "'", "`"]),
    attribute_values,
)
html_tags = st.builds(
    lambda name, attrs, close, inner: f"<{name}{''.join(attrs)}{close}{inner}</{name}>",
    st.sampled_from(TAG_NAMES),
    st.lists(attributes, max_size=3),
    st.sampled_from([">", "/>", " >", ""]),
    st.text(max_size=6),
)
markdown_links = st.builds(
    lambda bang, text, target, title: f"{bang}[{text}]({target}{title})",
    st.sampled_from(["", "!"]),
    st.text(max_size=6),
    st.one_of(urls, urls.map(lambda url: f"<{url}>")),
    st.sampled_from(["", ' "title"', " 'x\" onclick=\"alert(1)'"]),
)
autolinks = st.one_of(urls.map(lambda url: f"<{url}>"), urls)
fragments = st.one_of(
    st.text(max_size=12),
    st.text(alphabet="<>/=\"'`&#;:()[]!*_~|\\-\n\t @.", max_size=12),
    st.sampled_from(HOSTILE_FRAGMENTS),
    st.sampled_from(MARKDOWN_SYNTAX),
    st.sampled_from(ENTITIES),
    html_tags,
    markdown_links,
    autolinks,
)
member_text = st.lists(fragments, max_size=12).map("".join)
handles = st.from_regex(r"[a-z0-9][a-z0-9_-]{1,10}[a-z0-9]", fullmatch=True)


@lru_cache(maxsize=1)
def corpus_lines() -> tuple[str, ...]:
    """Lines of the shared XSS corpus (empty when the corpus is not checked out;
    test_markup.py requires it, this file adds to it)."""
    corpus = Path(REPO_ROOT.parent / "shared" / "corpus")
    lines: list[str] = []
    for path in sorted(corpus.glob("*/*.txt")) if corpus.is_dir() else []:
        text = path.read_bytes().decode("utf-8", "replace")
        lines += [line.rstrip("\r") for line in text.split("\n") if line.strip()]
    return tuple(lines)


# --- The properties --------------------------------------------------------------


@PROPERTY_SETTINGS
@given(source=member_text)
# Found by this test: bleach's linkifier linked data: (and ftp:, irc: ...) text.
@example(source="<data:x.com/html;base64,PHNjcmlwdD4=> [](ftp&colon;x@example.org)")
def test_any_text_renders_to_the_safelist_only_and_stably(source: str) -> None:
    html = render_markdown(source)
    assert_only_safelisted(html, source)
    # Stable: the same text gives the same HTML, and the HTML is a fixed point
    # of the sanitiser (stored HTML re-cleaned later would not change).
    assert render_markdown(source) == html
    assert sanitize_html(html) == html, f"not idempotent on {source!r}"
    text = plain_text(html)
    assert text == " ".join(text.split())


@settings(PROPERTY_SETTINGS, max_examples=200)
@given(data=st.data())
def test_corpus_vectors_mixed_with_markdown_render_to_the_safelist_only(data) -> None:
    lines = corpus_lines()
    pieces = st.one_of(st.sampled_from(lines), fragments) if lines else fragments
    source = "".join(data.draw(st.lists(pieces, min_size=1, max_size=6), label="pieces"))
    html = render_markdown(source)
    assert_only_safelisted(html, source)
    assert sanitize_html(html) == html, f"not idempotent on {source!r}"


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(source=member_text, mentions=st.dictionaries(handles, urls, max_size=3))
def test_mention_links_never_carry_a_dangerous_target(
    source: str, mentions: dict[str, str]
) -> None:
    text = source + " " + " ".join(f"@{handle}" for handle in mentions)
    assert_only_safelisted(render_markdown(text, mentions=mentions), text)


@settings(PROPERTY_SETTINGS, max_examples=200)
@given(source=member_text)
# Found by this test: one pass left an <a> nested in an <a>, which the next parse re-nests.
@example(
    source="<a/href=javascript&colon;alert(1)>x<math><mtext><table><mglyph><style>"
    '<img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>'
)
def test_sanitising_raw_html_directly_is_also_safe_and_idempotent(source: str) -> None:
    # Without the Markdown layer in front: bleach alone must hold.
    html = sanitize_html(source)
    assert_only_safelisted(html, source)
    assert sanitize_html(html) == html, f"not idempotent on {source!r}"


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(
    source=st.builds(
        lambda first, rest: first + rest,
        st.sampled_from("abcXYZ"),
        st.text(alphabet="abcxyzXYZ019 <>/=\"'", max_size=40),
    )
)
def test_typed_html_is_kept_as_the_text_the_member_wrote(source: str) -> None:
    """One line of words and angle brackets: shown exactly as typed, never dropped."""
    assert plain_text(render_markdown(source)) == " ".join(source.split())
