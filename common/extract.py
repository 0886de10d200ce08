"""The text inside stored documents, for search and for reading without downloading.

This runs in the background worker, never in a request: parsing a PDF's content streams can
take seconds on a large or awkward file, and a member should not wait for it. It reads files
that ``common.uploads.clean_upload`` already accepted and cleaned, but still treats them as
hostile: one unreadable page gives an empty page, not a failure, and every size is capped so
a text-heavy file cannot fill the database.

``ExtractionFailed`` means the file could not be read at all; the caller marks the file as
having no text and keeps the resource (the document itself is still downloadable).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from common.uploads import DOCX, ODT, PDF, PDF_MAX_PAGES, TEXT, ZIP_MAX_ENTRY_BYTES

__all__ = ["MAX_PAGE_CHARS", "MAX_TOTAL_CHARS", "Extracted", "ExtractionFailed", "extract_text"]

MAX_PAGE_CHARS = 100_000
MAX_TOTAL_CHARS = 2_000_000

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"

_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}


class ExtractionFailed(Exception):
    """The file could not be read at all (the message is for the logs, not for members)."""


@dataclass(frozen=True)
class Extracted:
    """Text per page (one "page" for DOCX, ODT and plain text), whitespace normalised.

    ``has_text`` is False when there is nothing to search: a scanned PDF without a text
    layer, an image, or an empty document.
    """

    pages: tuple[str, ...]
    has_text: bool


def extract_text(data: bytes, media_type: str) -> Extracted:
    """Return the text of a stored file of ``media_type``, or raise ``ExtractionFailed``."""
    if media_type.startswith("image/"):
        return Extracted(pages=(), has_text=False)
    if media_type == PDF:
        raw_pages = _pdf_pages(data)
    elif media_type == DOCX:
        raw_pages = [_docx_text(data)]
    elif media_type == ODT:
        raw_pages = [_odt_text(data)]
    elif media_type == TEXT:
        try:
            raw_pages = [data.decode("utf-8-sig")]
        except UnicodeDecodeError as error:
            raise ExtractionFailed("the text file is not valid UTF-8") from error
    else:
        raise ExtractionFailed(f"no text extraction for {media_type!r}")
    pages = _cap(_normalise(page) for page in raw_pages)
    return Extracted(pages=pages, has_text=any(pages))


def _normalise(text: str) -> str:
    """Collapse runs of spaces, keep line breaks (at most one blank line), trim the ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = re.sub(r"[^\S\n]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _cap(pages: Iterable[str]) -> tuple[str, ...]:
    """Cap each page at MAX_PAGE_CHARS and all of them at MAX_TOTAL_CHARS.

    Pages past the total budget stay in the tuple, empty, so ``pages[i]`` is still page
    i + 1 of the document.
    """
    budget = MAX_TOTAL_CHARS
    capped: list[str] = []
    for page in pages:
        kept = page[: min(MAX_PAGE_CHARS, budget)]
        budget -= len(kept)
        capped.append(kept)
    return tuple(capped)


def _pdf_pages(data: bytes) -> list[str]:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionFailed("the PDF is encrypted")
        count = len(reader.pages)
    except ExtractionFailed:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, OSError) as error:
        raise ExtractionFailed(f"pypdf cannot read the PDF: {error}") from error
    except RecursionError as error:
        raise ExtractionFailed("the PDF's structure is too deeply nested") from error
    pages: list[str] = []
    for index in range(min(count, PDF_MAX_PAGES)):
        try:
            pages.append(reader.pages[index].extract_text() or "")
        except Exception:  # one bad page must not lose the others' text
            pages.append("")
    return pages


def _read_part(data: bytes, name: str) -> etree._Element:
    """Parse one XML part of a DOCX/ODT zip, safely and within the upload size limits."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(name)
            if info.file_size > ZIP_MAX_ENTRY_BYTES:
                raise ExtractionFailed(f"{name} is too large")
            with archive.open(info) as entry:
                content = entry.read(ZIP_MAX_ENTRY_BYTES + 1)
    except ExtractionFailed:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError) as error:
        raise ExtractionFailed(f"cannot read {name}: {error}") from error
    try:
        return etree.fromstring(content, etree.XMLParser(**_PARSER_OPTIONS))
    except (etree.XMLSyntaxError, ValueError) as error:
        raise ExtractionFailed(f"{name} is not valid XML: {error}") from error


def _docx_text(data: bytes) -> str:
    """The w:t text of word/document.xml, one line per paragraph (deleted text is w:delText
    and so stays out)."""
    root = _read_part(data, "word/document.xml")
    paragraph_tag = f"{{{W}}}p"
    wanted = {f"{{{W}}}t", f"{{{W}}}tab", f"{{{W}}}br", f"{{{W}}}cr"}
    paragraphs: list[str] = []
    for paragraph in root.iter(paragraph_tag):
        parts: list[str] = []
        for element in paragraph.iter(*wanted):
            # Text boxes nest paragraphs in paragraphs: each text belongs to its nearest one.
            if next(element.iterancestors(paragraph_tag), None) is not paragraph:
                continue
            if element.tag == f"{{{W}}}t":
                parts.append(element.text or "")
            elif element.tag == f"{{{W}}}tab":
                parts.append("\t")
            else:
                parts.append("\n")
        paragraphs.append("".join(parts))
    return "\n".join(paragraphs)


_ODT_BLOCKS = {f"{{{TEXT_NS}}}p", f"{{{TEXT_NS}}}h"}
_ODT_SKIPPED = {f"{{{OFFICE}}}annotation", f"{{{OFFICE}}}annotation-end"}


def _space_count(value: str) -> int:
    """text:s stands for ``text:c`` spaces; a hostile count must not build a huge string."""
    try:
        return max(1, min(int(value), 100))
    except ValueError:
        return 1


def _odt_block_text(element: etree._Element) -> str:
    """The text of one text:p or text:h, without nested paragraphs (they come on their own)."""
    parts: list[str] = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _ODT_BLOCKS | _ODT_SKIPPED:
            if child.tag == f"{{{TEXT_NS}}}s":
                parts.append(" " * _space_count(child.get(f"{{{TEXT_NS}}}c", "1")))
            elif child.tag == f"{{{TEXT_NS}}}tab":
                parts.append("\t")
            elif child.tag == f"{{{TEXT_NS}}}line-break":
                parts.append("\n")
            else:
                parts.append(_odt_block_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _odt_text(data: bytes) -> str:
    """The text of content.xml's text:p and text:h elements, one line each."""
    root = _read_part(data, "content.xml")
    lines: list[str] = []
    for element in root.iter(*_ODT_BLOCKS):
        if any(ancestor.tag in _ODT_SKIPPED for ancestor in element.iterancestors()):
            continue
        lines.append(_odt_block_text(element))
    return "\n".join(lines)
