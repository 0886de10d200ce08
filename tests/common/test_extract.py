"""Text extraction from stored files; samples are built here and go through the upload
pipeline first, as in production (the worker only ever reads cleaned files)."""

from __future__ import annotations

import pytest
from fpdf import FPDF
from PIL import Image

from common.extract import MAX_PAGE_CHARS, Extracted, ExtractionFailed, extract_text
from common.uploads import DOCX, JPEG, ODT, PDF, PNG, TEXT, clean_upload
from tests.common.test_uploads import make_docx, make_odt


def make_text_pdf(texts: list[str]) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in texts:
        pdf.add_page()
        pdf.multi_cell(w=0, text=text)
    return bytes(pdf.output())


def make_scanned_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.image(Image.new("RGB", (200, 100), "grey"), x=10, y=10, w=100)
    return bytes(pdf.output())


def test_pdf_text_comes_page_by_page() -> None:
    data = clean_upload(
        "three.pdf", make_text_pdf(["Opening remarks", "The word zebracrossing", "Closing"])
    ).data

    result = extract_text(data, PDF)

    assert isinstance(result, Extracted)
    assert len(result.pages) == 3
    assert "zebracrossing" in result.pages[1]
    assert "zebracrossing" not in result.pages[0] + result.pages[2]
    assert "Opening remarks" in result.pages[0]
    assert result.has_text


def test_pdf_without_a_text_layer_has_no_text() -> None:
    result = extract_text(clean_upload("scan.pdf", make_scanned_pdf()).data, PDF)
    assert result.pages == ("",)
    assert not result.has_text


def test_whitespace_is_normalised_and_pages_are_capped() -> None:
    text = "a  \t b\r\n\r\n\r\n\r\nc  " + "x" * (MAX_PAGE_CHARS + 10)
    result = extract_text(text.encode(), TEXT)
    assert result.pages[0].startswith("a b\n\nc x")
    assert len(result.pages[0]) == MAX_PAGE_CHARS


def test_docx_text() -> None:
    result = extract_text(clean_upload("notes.docx", make_docx()).data, DOCX)
    assert result.pages == ("The first paragraph about custody.\nAn inserted sentence.",)
    assert result.has_text


def test_odt_text() -> None:
    result = extract_text(clean_upload("notes.odt", make_odt()).data, ODT)
    assert len(result.pages) == 1
    page = result.pages[0]
    assert "Heading about detention" in page
    assert "First paragraph with a note." in page
    assert "Second paragraph." in page
    assert "a comment" not in page
    assert result.has_text


def test_plain_text() -> None:
    result = extract_text("\ufeffRésumé of the meeting\n".encode(), TEXT)
    assert result.pages == ("Résumé of the meeting",)
    assert result.has_text


def test_empty_text_has_no_text() -> None:
    assert not extract_text(b"  \n ", TEXT).has_text


@pytest.mark.parametrize("media_type", [PNG, JPEG])
def test_images_have_no_text(media_type: str) -> None:
    assert extract_text(b"whatever", media_type) == Extracted(pages=(), has_text=False)


@pytest.mark.parametrize("media_type", [PDF, DOCX, ODT, TEXT, "application/x-unknown"])
def test_garbage_fails(media_type: str) -> None:
    with pytest.raises(ExtractionFailed):
        extract_text(b"\xff\xfe\x00garbage" * 20, media_type)
