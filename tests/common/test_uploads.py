"""The upload pipeline: every sample is built here, in code, so the tests say what they test.

The person in every sample is "Amina Testname"; the cleaned output must not contain that
name anywhere, in any form a reader could recover.
"""

from __future__ import annotations

import io
import time
import unicodedata
import zipfile

import pikepdf
import pytest
from fpdf import FPDF
from PIL import Image, PngImagePlugin

from common.uploads import (
    DOCX,
    JPEG,
    ODT,
    PDF,
    PNG,
    TEXT,
    CleanFile,
    UploadRefused,
    clean_upload,
)

NAME = "Amina Testname"
INITIALS = "ATN"


# -- builders ---------------------------------------------------------------------------------


def make_pdf(pages: int = 1, texts: list[str] | None = None) -> bytes:
    pdf = FPDF()
    pdf.set_author(NAME)
    pdf.set_creator("Secret Writer 3.1")
    pdf.set_title("Report on station 4")
    pdf.set_font("helvetica", size=12)
    for number in range(pages):
        pdf.add_page()
        text = texts[number] if texts else f"Page {number + 1}"
        pdf.cell(text=text)
    return bytes(pdf.output())


def make_hostile_pdf() -> bytes:
    """A PDF with every kind of metadata and active content the pipeline must remove."""
    pdf = pikepdf.open(io.BytesIO(make_pdf()))
    pdf.docinfo["/Producer"] = "Leaky Producer 9"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [NAME]
        meta["xmp:CreatorTool"] = "Secret Writer 3.1"
    script = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('hi')"))
    )
    pdf.Root.OpenAction = script
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("js"), script]))
    )
    pdf.attachments["secret.txt"] = pikepdf.AttachedFileSpec(pdf, b"attached " + NAME.encode())
    page = pdf.pages[0]
    page.obj.AA = pikepdf.Dictionary(O=script)
    page.obj.Metadata = pdf.make_stream(b"<x:xmpmeta>" + NAME.encode() + b"</x:xmpmeta>")
    link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=[0, 0, 10, 10],
        A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe")),
    )
    note = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Text,
        Rect=[20, 20, 30, 30],
        T=pikepdf.String(NAME),
        Contents=pikepdf.String("Check this"),
    )
    attachment = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.FileAttachment,
        Rect=[40, 40, 50, 50],
        FS=pikepdf.AttachedFileSpec(pdf, b"more " + NAME.encode()).obj,
    )
    page.obj.Annots = pdf.make_indirect(
        pikepdf.Array([pdf.make_indirect(a) for a in (link, note, attachment)])
    )
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def make_jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[271] = "PhoneMaker"  # Make
    exif[272] = "Model X"  # Model
    exif[315] = NAME  # Artist
    exif[305] = "EditorPro"  # Software
    exif[306] = "2024:05:01 10:00:00"  # DateTime
    exif[274] = 6  # Orientation: rotate 90° clockwise to view
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 0.0)
    gps[3] = "E"
    gps[4] = (0.0, 7.0, 0.0)
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>{NAME}</dc:creator></x:xmpmeta>'
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, xmp=xmp.encode(), comment=NAME.encode())
    return buffer.getvalue()


def make_png_with_text() -> bytes:
    image = Image.new("RGBA", (20, 20), (0, 128, 255, 128))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", NAME)
    info.add_itxt("Comment", f"taken by {NAME}")
    info.add_text("Software", "EditorPro")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def zip_bytes(entries: list[tuple[str, bytes]], stored: frozenset[str] = frozenset()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries:
            method = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=method)
    return buffer.getvalue()


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.custom-properties+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/custom-properties" Target="docProps/custom.xml"/>'
    "</Relationships>"
)
CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    f"<dc:title>Notes</dc:title><dc:creator>{NAME}</dc:creator>"
    f"<cp:lastModifiedBy>{NAME}</cp:lastModifiedBy>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">2024-05-01T10:00:00Z</dcterms:created>'
    "</cp:coreProperties>"
)
APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties"><Template>Normal.dotm</Template><Pages>1</Pages>'
    "<Application>Microsoft Office Word</Application><AppVersion>16.0000</AppVersion>"
    f"<Company>Office of {NAME}</Company><Manager>{NAME}</Manager></Properties>"
)
CUSTOM = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'custom-properties"><property name="Owner">' + NAME + "</property></Properties>"
)
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<w:document xmlns:w="{W_NS}"><w:body>'
    "<w:p><w:r><w:t>The first paragraph about custody.</w:t></w:r></w:p>"
    f'<w:p><w:ins w:id="1" w:author="{NAME}" w:date="2024-05-01T10:00:00Z">'
    "<w:r><w:t>An inserted sentence.</w:t></w:r></w:ins>"
    f'<w:del w:id="2" w:author="{NAME}"><w:r><w:delText>gone</w:delText></w:r></w:del></w:p>'
    "</w:body></w:document>"
)
COMMENTS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<w:comments xmlns:w="{W_NS}">'
    f'<w:comment w:id="0" w:author="{NAME}" w:initials="{INITIALS}" '
    'w:date="2024-05-01T10:00:00Z"><w:p><w:r><w:t>Is this right?</w:t></w:r></w:p></w:comment>'
    "</w:comments>"
)
PEOPLE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
    f'<w15:person w15:author="{NAME}"/></w15:people>'
)


def make_docx(document: str = DOCUMENT) -> bytes:
    return zip_bytes(
        [
            ("[Content_Types].xml", CONTENT_TYPES.encode()),
            ("_rels/.rels", ROOT_RELS.encode()),
            ("docProps/core.xml", CORE.encode()),
            ("docProps/app.xml", APP.encode()),
            ("docProps/custom.xml", CUSTOM.encode()),
            ("word/document.xml", document.encode()),
            ("word/comments.xml", COMMENTS.encode()),
            ("word/people.xml", PEOPLE.encode()),
            ("word/media/image1.jpg", make_jpeg_with_exif()),
        ]
    )


ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)
META_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<office:document-meta {ODF_NS} office:version="1.3"><office:meta>'
    "<meta:generator>LibreOffice/24.2</meta:generator>"
    f"<meta:initial-creator>{NAME}</meta:initial-creator><dc:creator>{NAME}</dc:creator>"
    "<meta:creation-date>2024-05-01T10:00:00</meta:creation-date>"
    "<dc:date>2024-05-02T10:00:00</dc:date>"
    f'<meta:user-defined meta:name="Owner">{NAME}</meta:user-defined>'
    "</office:meta></office:document-meta>"
)
CONTENT_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<office:document-content {ODF_NS} office:version="1.3"><office:body><office:text>'
    "<text:tracked-changes><text:changed-region text:id="
    '"ct1"><text:insertion><office:change-info>'
    f"<dc:creator>{NAME}</dc:creator><dc:date>2024-05-01T10:00:00</dc:date>"
    "</office:change-info></text:insertion></text:changed-region></text:tracked-changes>"
    "<text:h>Heading about detention</text:h>"
    "<text:p>First<text:s/>paragraph with"
    f"<office:annotation><dc:creator>{NAME}</dc:creator><dc:date>2024-05-01</dc:date>"
    "<text:p>a comment</text:p></office:annotation> a note.</text:p>"
    "<text:p>Second paragraph.</text:p>"
    "</office:text></office:body></office:document-content>"
)
MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="'
    f'{ODT}"/></manifest:manifest>'
)


def make_odt(content: str = CONTENT_XML, *, mimetype_first: bool = True) -> bytes:
    entries = [
        ("content.xml", content.encode()),
        ("meta.xml", META_XML.encode()),
        ("styles.xml", f'<office:document-styles {ODF_NS} office:version="1.3"/>'.encode()),
        ("META-INF/manifest.xml", MANIFEST.encode()),
    ]
    mimetype = ("mimetype", ODT.encode())
    entries = [mimetype, *entries] if mimetype_first else [*entries, mimetype]
    return zip_bytes(entries, stored=frozenset({"mimetype"}))


def all_entry_bytes(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def refused(name: str, data: bytes, **kwargs: int) -> str:
    with pytest.raises(UploadRefused) as caught:
        clean_upload(name, data, **kwargs)
    return str(caught.value)


# -- PDF --------------------------------------------------------------------------------------


def test_pdf_loses_metadata_scripts_attachments_and_actions() -> None:
    original = make_hostile_pdf()
    assert NAME.encode() in original or b"Amina" in original

    clean = clean_upload("Report.pdf", original)

    assert isinstance(clean, CleanFile)
    assert (clean.media_type, clean.extension, clean.name) == (PDF, "pdf", "Report.pdf")
    with pikepdf.open(io.BytesIO(clean.data)) as pdf:
        assert "/Info" not in pdf.trailer
        assert not dict(pdf.docinfo)
        assert "/Metadata" not in pdf.Root
        assert not dict(pdf.open_metadata())
        assert "/OpenAction" not in pdf.Root
        names = pdf.Root.get("/Names", pikepdf.Dictionary())
        assert "/JavaScript" not in names
        assert "/EmbeddedFiles" not in names
        assert len(pdf.attachments) == 0
        page = pdf.pages[0]
        assert "/AA" not in page.obj
        assert "/Metadata" not in page.obj
        annotations = list(page.obj.get("/Annots", []))
        subtypes = [str(annotation.Subtype) for annotation in annotations]
        assert "/FileAttachment" not in subtypes
        for annotation in annotations:
            assert "/A" not in annotation
            assert "/T" not in annotation
        for obj in pdf.objects:
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                assert str(obj.get("/S", "")) not in ("/JavaScript", "/Launch")
                assert "/JS" not in obj
    assert b"Amina" not in clean.data
    assert b"app.alert" not in clean.data
    for phrase in (
        "author name",
        "editing software",
        "XMP metadata",
        "embedded JavaScript",
        "attached files",
        "comments' authors",
        "actions that start programs",
    ):
        assert phrase in clean.removed
    assert len(clean.removed) == len(set(clean.removed))


def test_plain_pdf_keeps_its_pages_and_text() -> None:
    clean = clean_upload("three.pdf", make_pdf(3, ["alpha", "bravo", "charlie"]))
    with pikepdf.open(io.BytesIO(clean.data)) as pdf:
        assert len(pdf.pages) == 3
        assert "/Info" not in pdf.trailer


def test_pdf_with_a_page_count_lie_is_refused() -> None:
    pdf = pikepdf.open(io.BytesIO(make_pdf()))
    pdf.Root.Pages.Count = 10_000
    buffer = io.BytesIO()
    pdf.save(buffer, fix_metadata_version=False)
    # qpdf corrects /Count on save; write the lie back into the bytes.
    lying = buffer.getvalue().replace(b"/Count 1", b"/Count 10000", 1)
    assert b"/Count 10000" in lying
    started = time.monotonic()
    assert "2,000 pages" in refused("claim.pdf", lying)
    assert time.monotonic() - started < 2


def test_pdf_with_really_too_many_pages_is_refused() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    for _ in range(2000):
        pdf.pages.append(pdf.pages[0])
    buffer = io.BytesIO()
    pdf.save(buffer)
    assert "more than 2,000 pages" in refused("long.pdf", buffer.getvalue())


def test_encrypted_pdf_is_refused() -> None:
    pdf = pikepdf.open(io.BytesIO(make_pdf()))
    buffer = io.BytesIO()
    pdf.save(buffer, encryption=pikepdf.Encryption(owner="o", user="u"))
    assert "password" in refused("locked.pdf", buffer.getvalue())


def test_broken_pdf_is_refused() -> None:
    assert "damaged" in refused("broken.pdf", b"%PDF-1.7\n" + b"\x8f" * 300)


# -- images -----------------------------------------------------------------------------------


def test_jpeg_loses_exif_gps_and_xmp_and_is_turned_upright() -> None:
    original = make_jpeg_with_exif()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif()

    clean = clean_upload("photo.JPEG", original)

    assert (clean.media_type, clean.extension, clean.name) == (JPEG, "jpg", "photo.JPEG")
    with Image.open(io.BytesIO(clean.data)) as after:
        assert after.format == "JPEG"
        assert not after.getexif()
        assert "exif" not in after.info
        assert "xmp" not in after.info
        assert "comment" not in after.info
        # Orientation 6 was applied to the pixels: the 40x30 image is now 30x40.
        assert after.size == (30, 40)
    assert b"Amina" not in clean.data
    for phrase in (
        "GPS position",
        "camera details",
        "author name",
        "editing software",
        "XMP metadata",
        "creation and change dates",
    ):
        assert phrase in clean.removed


def test_png_loses_text_chunks() -> None:
    clean = clean_upload("chart.png", make_png_with_text())
    assert clean.media_type == PNG
    with Image.open(io.BytesIO(clean.data)) as after:
        assert after.format == "PNG"
        assert after.mode == "RGBA"
        assert not after.text
        assert after.getpixel((0, 0)) == (0, 128, 255, 128)
    assert b"Amina" not in clean.data
    assert "author name" in clean.removed
    assert "editing software" in clean.removed


def test_image_over_the_pixel_limit_is_refused() -> None:
    buffer = io.BytesIO()
    Image.new("1", (8000, 7000)).save(buffer, "PNG")
    assert "megapixels" in refused("huge.png", buffer.getvalue())


# -- DOCX -------------------------------------------------------------------------------------


def test_docx_loses_every_name() -> None:
    original = make_docx()
    assert any(NAME.encode() in content for content in all_entry_bytes(original).values())

    clean = clean_upload("notes.docx", original)

    assert (clean.media_type, clean.extension) == (DOCX, "docx")
    entries = all_entry_bytes(clean.data)
    for name, content in entries.items():
        assert NAME.encode() not in content, name
        assert b"Amina" not in content, name
        assert INITIALS.encode() not in content, name
    assert "docProps/custom.xml" not in entries
    assert "word/people.xml" not in entries
    assert b"custom.xml" not in entries["_rels/.rels"]
    assert b"custom.xml" not in entries["[Content_Types].xml"]
    core = entries["docProps/core.xml"]
    assert b"coreProperties" in core
    assert b"<dc:" not in core
    app = entries["docProps/app.xml"]
    assert b"Microsoft" not in app
    assert b"<Pages>1</Pages>" in app
    assert b"An inserted sentence." in entries["word/document.xml"]
    with Image.open(io.BytesIO(entries["word/media/image1.jpg"])) as photo:
        assert not photo.getexif()
    for phrase in (
        "author name",
        "comments' authors",
        "revision authors",
        "editing software",
        "custom properties",
        "organisation name",
        "GPS position",
    ):
        assert phrase in clean.removed


# -- ODT --------------------------------------------------------------------------------------


def test_odt_loses_every_name_and_keeps_mimetype_first_and_stored() -> None:
    clean = clean_upload("notes.odt", make_odt(mimetype_first=False))

    assert (clean.media_type, clean.extension) == (ODT, "odt")
    with zipfile.ZipFile(io.BytesIO(clean.data)) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype"
        assert first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == ODT.encode()
    entries = all_entry_bytes(clean.data)
    for name, content in entries.items():
        assert b"Amina" not in content, name
    meta = entries["meta.xml"]
    assert b"LibreOffice" not in meta
    assert b"2024" not in meta
    assert b"office:meta" in meta
    assert b"Heading about detention" in entries["content.xml"]
    for phrase in (
        "author name",
        "editing software",
        "custom properties",
        "comments' authors",
        "revision authors",
        "creation and change dates",
    ):
        assert phrase in clean.removed


# -- plain text -------------------------------------------------------------------------------


def test_text_is_stored_as_utf8_without_bom() -> None:
    clean = clean_upload("read me.md", "\ufeffNotes \u2013 café\n".encode())
    assert clean.media_type == TEXT
    assert clean.extension == "txt"
    assert clean.name == "read me.md"
    assert clean.data == "Notes \u2013 café\n".encode()
    assert clean.removed == ()


def test_text_that_is_not_utf8_is_refused() -> None:
    assert "UTF-8" in refused("latin.txt", "café olé".encode("latin-1"))


# -- hostile files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("report.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, ["program", "PDF"]),
        ("notes.docx", b"MZ\x90\x00\x03" + b"\x00" * 200, ["program", "Word"]),
        ("run.txt", b"#!/bin/sh\nrm -rf ~\n", ["script"]),
        (
            "report.pdf",
            b"  <!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
            ["HTML page", "not a PDF"],
        ),
        (
            "image.png",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            ["SVG image", "PNG"],
        ),
        (
            "image.png",
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
            ["SVG image"],
        ),
        ("notes.txt", b"\n<html><body>hello</body></html>", ["HTML page", "plain text"]),
        ("x.docx", zip_bytes([("notes.txt", b"hello")]), ["archive"]),
        ("x.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 50, ["archive"]),
        ("x.pdf", b"Rar!\x1a\x07\x00" + b"\x00" * 50, ["archive"]),
        ("x.pdf", b"7z\xbc\xaf\x27\x1c" + b"\x00" * 50, ["archive"]),
    ],
)
def test_hostile_files_are_refused(name: str, data: bytes, words: list[str]) -> None:
    message = refused(name, data)
    for word in words:
        assert word in message


def test_real_type_with_the_wrong_extension_is_refused_naming_both() -> None:
    message = refused("photo.jpg", make_png_with_text())
    assert "a PNG image" in message
    assert "not a JPEG image" in message
    assert ".png" in message


def test_zip_bomb_disguised_as_docx_is_refused_quickly() -> None:
    started = time.monotonic()
    bomb = zip_bytes(
        [
            ("[Content_Types].xml", CONTENT_TYPES.encode()),
            ("word/document.xml", DOCUMENT.encode()),
            ("word/media/zeros.bin", bytes(60 * 1024 * 1024)),
        ]
    )
    assert len(bomb) < 1024 * 1024
    assert "could harm the server" in refused("bomb.docx", bomb)
    assert time.monotonic() - started < 2


def test_zip_with_a_high_compression_ratio_is_refused() -> None:
    bomb = zip_bytes(
        [
            ("[Content_Types].xml", CONTENT_TYPES.encode()),
            ("word/document.xml", DOCUMENT.encode()),
            ("word/media/zeros.bin", bytes(5 * 1024 * 1024)),
        ]
    )
    assert "could harm the server" in refused("ratio.docx", bomb)


def test_zip_with_too_many_entries_is_refused() -> None:
    entries = [("[Content_Types].xml", CONTENT_TYPES.encode())]
    entries += [("word/document.xml", DOCUMENT.encode())]
    entries += [(f"word/part{i}.bin", b"x") for i in range(600)]
    assert "too many parts" in refused("many.docx", zip_bytes(entries))


def test_zip_with_path_traversal_is_refused() -> None:
    evil = zip_bytes(
        [
            ("[Content_Types].xml", CONTENT_TYPES.encode()),
            ("word/document.xml", DOCUMENT.encode()),
            ("../../etc/cron.d/evil", b"* * * * * root sh"),
        ]
    )
    assert "damaged" in refused("evil.docx", evil)


def test_docx_with_a_dtd_is_refused() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p w:author="x"><w:r><w:t>&lol2;</w:t>'
        "</w:r></w:p></w:body></w:document>"
    )
    assert "damaged" in refused("laughs.docx", make_docx(laughs))


def test_file_over_the_size_limit_is_refused(settings) -> None:
    data = b"a" * (30 * 1024 * 1024)
    assert "25 MB" in refused("big.txt", data)
    settings.UPLOAD_MAX_BYTES = 40 * 1024 * 1024
    assert clean_upload("big.txt", data).media_type == TEXT
    assert "1 MB" in refused("big.txt", data, max_bytes=1024 * 1024)


def test_empty_file_is_refused() -> None:
    assert "empty" in refused("empty.pdf", b"")


# -- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\report.pdf", "report.pdf"),
        ("C:\\Users\\amina\\Desktop\\report.pdf", "report.pdf"),
        ("a\x00b.pdf", "ab.pdf"),
        ("\u202egnp.exe.pdf", "gnp.exe.pdf"),
        ("  my \t\n report  .pdf", "my report.pdf"),
        ("report..pdf", "report.pdf"),
        (".pdf", "file.pdf"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_names_are_made_safe(given: str, expected: str) -> None:
    name = clean_upload(given, make_pdf()).name
    assert name == expected
    assert "/" not in name
    assert "\\" not in name
    assert ".." not in name
    assert len(name) <= 120
    assert all(unicodedata.category(ch) not in ("Cc", "Cf") for ch in name)


@pytest.mark.parametrize("given", ["", "../..", "/", "\u202e", "report", "report."])
def test_names_without_a_usable_name_or_extension_are_refused(given: str) -> None:
    refused(given, make_pdf())


def test_bidi_name_hiding_an_exe_is_refused_by_content() -> None:
    program = b"MZ\x90\x00" + b"\x00" * 100
    assert "program" in refused("photo\u202egpj.exe", program)
