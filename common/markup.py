"""The one pipeline that turns member-written text into HTML.

Every app renders member text through ``render_markdown`` and nothing else.
Three layers, each enough on its own against most attacks:

1. markdown-it-py with raw HTML off: HTML the member types is escaped as text,
   never parsed, and markdown-it refuses ``javascript:``/``vbscript:``/
   ``file:``/``data:`` link targets.
2. bleach with an explicit safelist of tags, attributes and URL schemes, and
   linkify for bare URLs. Anything outside the list is stripped.
3. The site's Content-Security-Policy forbids inline script in any case.

Images are not rendered: an image from another server would tell that server
the IP address of every member who reads the post, and some members work where
that is dangerous. ``![alt](url)`` becomes a plain link to the image.

bleach is end-of-life; keeping every call here means it can be replaced by nh3
in this one module.

The work is bounded (finding 9 of issue 15: ``"<" * 99999`` took 13 s). Each
field has a maximum length (``MARKDOWN_MAX_LENGTH``, which the forms and models
use too; see common/lengths.py), and text with more markup than prose ever has is shown as escaped
plain text instead of being formatted: see ``exceeds_formatting_budget``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

import bleach
from bleach.html5lib_shim import match_entity, next_possible_entity
from bleach.linkifier import PROTO_RE as _HAS_PROTOCOL
from bleach.linkifier import LinkifyFilter, build_url_re
from bleach.sanitizer import INVISIBLE_CHARACTERS_RE, INVISIBLE_REPLACEMENT_CHAR
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from common.handles import HANDLE_PATTERN
from common.lengths import MARKDOWN_MAX_LENGTH

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr",
        "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "s", "del", "code", "pre", "blockquote",
        "ul", "ol", "li",
        "a",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener ugc"
# Linkify only the schemes the safelist allows. bleach's linkifier runs after its
# sanitiser and by default also links data:, ftp:, irc: and others ("data:x.com/a"
# became <a href="data:...">), which a second clean then stripped.
_LINKIFY_URL = build_url_re(protocols=ALLOWED_PROTOCOLS)

# Whoever calls it, the renderer never reads past the longest field allows.
MAX_SOURCE_LENGTH = max(MARKDOWN_MAX_LENGTH.values())

# The formatting budget. What costs time is markup, not length: markdown-it
# retries its inline rules at every character below and its block rules at
# every line, some rules scanning ahead ("[" * n is quadratic), and bleach's
# pure-Python HTML parser spends ~20 us on every tag and entity markdown-it
# writes, with a tree walker quadratic in siblings (25,000 code fences took
# 16 s, mostly in bleach). Prose has little of it: a 20,000-character text
# full of lists, links, quotes, tables and code weighs ~2,100 (markup
# characters, each line once more, each line that opens a block - a list item,
# a quote, a heading, a table row - three times more: markdown-it parses those
# slowest) and makes ~2,300 tokens (a link counts 4: bleach checks its
# attributes; a code span 3). The shapes that burn CPU are made of nothing
# else. Past either bound the text is shown as typed, escaped, unformatted:
# deterministic, never a timer.
_MARKUP_CHARACTERS = re.compile(r'[\n!"&*<>\[\]\\_`|~@]')
_BLOCK_STARTS = re.compile(r"^[ \t]*(?:[-*+>#|=]|\d+[.)])", re.MULTILINE)
MAX_MARKUP_WEIGHT = 2_500
MAX_TOKENS = 2_600  # markdown-it tokens, inline ones included, weighted:
# one token that bleach sees as several (a link's attributes; <code>, text, </code>).
_TOKEN_WEIGHT = {"link_open": 4, "code_inline": 3}

_LANGUAGE_CLASS = re.compile(r"^language-[a-z0-9+#_-]{1,30}$")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name in {"href", "title", "rel"}
    if tag == "ol":
        return name == "start" and value.isdigit()
    if tag == "code":
        return name == "class" and bool(_LANGUAGE_CLASS.match(value))
    return False


def _set_rel(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = LINK_REL
    return attrs


def _image_as_link(renderer, tokens, idx, options, env) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = renderer.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escapeHtml(src)}">{escapeHtml(alt)}</a>'


# "@handle" after a space, a bracket or the start, not inside an email address.
MENTION = re.compile(rf"(?<![\w@./-])@({HANDLE_PATTERN})(?![\w-])", re.IGNORECASE)


def mentioned_handles(source: str) -> set[str]:
    """Handles written as @handle in a text (candidates; not checked to exist)."""
    return {match.lower() for match in MENTION.findall(source)}


def _link_mentions(state: StateCore) -> None:
    """Turn @handle in text (not in links or code) into a link to that profile.

    Only handles in ``env["mentions"]`` (handle -> profile URL) become links,
    so a mention of nobody stays plain text.
    """
    mentions: Mapping[str, str] = state.env.get("mentions") or {}
    if not mentions:
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children, in_link = [], 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            if token.type != "text" or in_link or "@" not in token.content:
                children.append(token)
                continue
            position = 0
            for match in MENTION.finditer(token.content):
                url = mentions.get(match.group(1).lower())
                if url is None:
                    continue
                if match.start() > position:
                    children.append(_text(token.content[position : match.start()]))
                link = Token("link_open", "a", 1)
                link.attrSet("href", url)
                children += [link, _text(match.group(0)), Token("link_close", "a", -1)]
                position = match.end()
            if position < len(token.content):
                children.append(_text(token.content[position:]))
        block.children = children


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": False, "linkify": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("image", _image_as_link)
    md.core.ruler.push("mentions", _link_mentions)
    return md


@lru_cache(maxsize=1)
def _cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[
            lambda source: LinkifyFilter(
                source,
                callbacks=[_set_rel],
                skip_tags={"pre", "code"},
                url_re=_LINKIFY_URL,
                parse_email=False,
            )
        ],
    )


def sanitize_html(html: str) -> str:
    """Apply the safelist to HTML. Idempotent: sanitising its output changes nothing.

    One pass is not always a fixpoint: html5lib re-nests some malformed input
    on a second parse (an ``<a>`` left inside an ``<a>`` once its own tags are
    dropped), so the result is cleaned again until it stops changing. The
    second pass almost always returns the same text; a third is the bound.
    """
    cleaner = _cleaner()
    cleaned = cleaner.clean(html)
    for _ in range(2):
        again = cleaner.clean(cleaned)
        if again == cleaned:
            break
        cleaned = again
    return cleaned


def render_markdown(source: str, *, mentions: Mapping[str, str] | None = None) -> str:
    """Render member-written Markdown to safe HTML. Never raises on any text.

    ``mentions`` maps handles to profile URLs; those @handles become links.
    Text over the formatting budget comes back as escaped plain text.
    """
    source = _normalise(source)
    env = {"mentions": dict(mentions or {})}
    tokens = _tokens_within_budget(source, env)
    if tokens is None:
        return _as_plain_text(source)
    md = _markdown()
    # One pass is enough here: markdown-it with raw HTML off writes only the
    # elements it knows, properly nested, so html5lib has nothing to re-nest
    # the second time (an image inside a link, two <a>, is split by this
    # pass's own parse). The fixpoint loop of sanitize_html is for HTML from
    # elsewhere; the property tests hold this output to be a fixpoint too.
    # Half the cost of the slowest render (issue 20: a review comment of
    # 1,250 hard breaks, 259 ms in two passes).
    return _cleaner().clean(md.renderer.render(tokens, md.options, env))


def exceeds_formatting_budget(source: str) -> bool:
    """Whether ``render_markdown`` shows this text as plain text, unformatted."""
    return _tokens_within_budget(_normalise(source), {"mentions": {}}) is None


def markup_weight(source: str) -> int:
    """Markup characters, plus lines and block-opening lines (two C-regex passes)."""
    markup = len(_MARKUP_CHARACTERS.findall(source))
    return markup + source.count("\n") + 3 * len(_BLOCK_STARTS.findall(source))


def _normalise(source: str) -> str:
    # As markdown-it and the HTML parser both do; the plain-text form needs it too.
    source = source.replace("\x00", "\ufffd").replace("\r\n", "\n").replace("\r", "\n")
    return source[:MAX_SOURCE_LENGTH]


def _tokens_within_budget(source: str, env: dict) -> list[Token] | None:
    # Counting is one pass of a C regex: cheap enough to run before anything else.
    if markup_weight(source) > MAX_MARKUP_WEIGHT:
        return None
    tokens = _markdown().parse(source, env)
    count = len(tokens)
    for token in tokens:
        for child in token.children or ():
            count += _TOKEN_WEIGHT.get(child.type, 1)
    return tokens if count <= MAX_TOKENS else None


def _as_plain_text(source: str) -> str:
    """The text as typed: paragraphs at blank lines, line breaks kept, all escaped.

    Safe by construction: every ``&``, ``<`` and ``>`` becomes an entity, so the
    only elements are these ``<p>`` and ``<br>``. It skips the sanitiser, whose
    cost is what the budget avoids (tests hold the result, and the result
    sanitised again, to the safelist on the hostile corpus). Bare URLs are
    linked as the sanitiser links them (its own URL pattern and trimming), so
    sanitising the result again changes nothing.
    """
    text = _linked(INVISIBLE_CHARACTERS_RE.sub(INVISIBLE_REPLACEMENT_CHAR, source))
    paragraphs = [
        "<br>\n".join(line.rstrip() for line in block.strip("\n").split("\n"))
        for block in _BLANK_LINES.split(text)
        if block.strip()
    ]
    return "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)


_BLANK_LINES = re.compile(r"\n[ \t]*\n")


def _escape_text(text: str) -> str:
    # A character reference the member typed (&lt;) stays one, as Markdown and
    # the sanitiser both read it (bleach's own rule, sanitize_characters);
    # every other & is escaped, and every < and >.
    out = []
    for part in next_possible_entity(text):
        entity = match_entity(part) if part.startswith("&") else None
        if entity is not None:
            out.append(f"&{entity};")
            part = part[len(entity) + 2 :]
        out.append(part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return "".join(out)


def _escape_attribute(value: str) -> str:
    return _escape_text(value).replace('"', "&quot;")


@lru_cache(maxsize=1)
def _linker() -> LinkifyFilter:
    # Only its URL trimming and callbacks are used, never its HTML parser.
    return LinkifyFilter([], callbacks=[_set_rel], url_re=_LINKIFY_URL, parse_email=False)


def _linked(text: str) -> str:
    """Escaped text with bare URLs as links, exactly as the sanitiser's linkifier makes them."""
    linker, out, end = _linker(), [], 0
    for match in _LINKIFY_URL.finditer(text):
        out.append(_escape_text(text[end : match.start()]))
        url, prefix, suffix = linker.strip_non_url_bits(match.group(0))
        href = url if _HAS_PROTOCOL.search(url) else f"http://{url}"
        attrs = linker.apply_callbacks({(None, "href"): href, "_text": url}, True)
        if attrs is None:
            out.append(_escape_text(prefix + url + suffix))
        else:
            label = str(attrs.pop("_text", ""))
            rendered = "".join(
                f' {name[1]}="{_escape_attribute(value)}"' for name, value in attrs.items()
            )
            out.append(f"{_escape_text(prefix)}<a{rendered}>{_escape_text(label)}</a>")
            out.append(_escape_text(suffix))
        end = match.end()
    out.append(_escape_text(text[end:]))
    return "".join(out)


def plain_text(html: str) -> str:
    """The text of sanitised HTML, for search indexes and snippets."""
    text = bleach.clean(html, tags=set(), strip=True)
    return " ".join(_unescape(text).split())


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)
