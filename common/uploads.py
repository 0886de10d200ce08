"""The one pipeline every uploaded file goes through before it is stored.

Some members work where being identified as the author of a document is dangerous. A file
straight from a word processor, a phone camera or a PDF printer carries the author's name,
the organisation, the device, GPS coordinates, editing software and dates. So nothing is
stored as uploaded: ``clean_upload`` decides what the file really is from its *content*
(never its name or the browser's claimed type), refuses anything that is not one of a few
document and image types, and rewrites what it accepts without identifying metadata or
active content (scripts, attachments, automatic actions).

Each refusal raises ``UploadRefused`` with a message written for the member; a view shows it
next to the upload form. ``CleanFile.removed`` tells the member, in plain phrases, what was
taken out, so they know the stored copy is not byte for byte what they sent.

The rules are deliberately fail-closed: a file that cannot be parsed, that looks like a
decompression bomb, or whose structure is ambiguous is refused rather than stored as is.
"""

from __future__ import annotations

import io
import posixpath
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pikepdf
import puremagic
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from lxml import etree
from PIL import Image, ImageOps

from common.errors import ServiceError

__all__ = [
    "IMAGE_MAX_PIXELS",
    "PDF_MAX_PAGES",
    "CleanFile",
    "UploadRefused",
    "clean_upload",
]

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
PDF_MAX_PAGES = 2000
# Pillow's own bomb limit is ~89 megapixels; 50 is plenty for a photo of a document.
IMAGE_MAX_PIXELS = 50_000_000
NAME_MAX_CHARS = 120

# Zip bomb guards for DOCX/ODT, checked on the central directory before anything is read.
ZIP_MAX_ENTRIES = 500
ZIP_MAX_ENTRY_BYTES = 50 * 1024 * 1024
ZIP_MAX_TOTAL_BYTES = 100 * 1024 * 1024
ZIP_MAX_RATIO = 100
# A small XML part legitimately compresses very well; the ratio only matters for big entries.
ZIP_RATIO_MIN_BYTES = 1024 * 1024

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
TEXT = "text/plain"

# Detected kind -> (media type, stored extension, extensions a member may use for it).
_ACCEPTED: dict[str, tuple[str, str, frozenset[str]]] = {
    "pdf": (PDF, "pdf", frozenset({"pdf"})),
    "png": (PNG, "png", frozenset({"png"})),
    "jpeg": (JPEG, "jpg", frozenset({"jpg", "jpeg"})),
    "docx": (DOCX, "docx", frozenset({"docx"})),
    "odt": (ODT, "odt", frozenset({"odt"})),
    "text": (TEXT, "txt", frozenset({"txt", "text", "md"})),
}

# What a file is, in words for a member ("This file is <label>, not <label>").
# gettext_noop marks them for makemessages; they are translated where they are used.
_LABELS: dict[str, str] = {
    "pdf": gettext_noop("a PDF"),
    "png": gettext_noop("a PNG image"),
    "jpeg": gettext_noop("a JPEG image"),
    "docx": gettext_noop("a Word document (.docx)"),
    "odt": gettext_noop("an OpenDocument text (.odt)"),
    "text": gettext_noop("a plain text file"),
    "html": gettext_noop("an HTML page"),
    "svg": gettext_noop("an SVG image"),
    "xml": gettext_noop("an XML file"),
    "program": gettext_noop("a program"),
    "script": gettext_noop("a script"),
    "archive": gettext_noop("an archive (such as a .zip file)"),
    "zip_document": gettext_noop("a zipped document of a kind that is not accepted"),
}

# Which kind a member's extension promises, to say "not a PDF" when a file lies.
_EXTENSION_KINDS = {ext: kind for kind, (_m, _e, exts) in _ACCEPTED.items() for ext in exts}

_MARKUP_STARTS = {
    "<!doctype": "html",
    "<html": "html",
    "<head": "html",
    "<body": "html",
    "<script": "html",
    "<svg": "svg",
    "<?xml": "xml",
}

_MACHO_MAGICS = (
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)
_ARCHIVE_MAGICS = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"PK\x07\x08",
    b"\x1f\x8b",
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",
    b"MSCF",
)


class UploadRefused(ServiceError):
    """The file cannot be stored; the message says why, for the member."""


@dataclass(frozen=True)
class CleanFile:
    """An upload that passed every check, rewritten without identifying metadata.

    ``removed`` lists, in short phrases a member can read, what was taken out of the file
    (de-duplicated, in the order found), so the upload page can say so.
    """

    data: bytes
    media_type: str
    extension: str
    name: str
    removed: tuple[str, ...]


class _Removed:
    """An ordered set of member-readable phrases: what a cleaner took out."""

    def __init__(self) -> None:
        self._items: dict[str, None] = {}

    def add(self, phrase: str) -> None:
        self._items.setdefault(phrase, None)

    def extend(self, phrases: Iterable[str]) -> None:
        for phrase in phrases:
            self.add(phrase)

    def as_tuple(self) -> tuple[str, ...]:
        return tuple(self._items)


# The phrases used in CleanFile.removed, translated at use.
AUTHOR = gettext_noop("author name")
GPS = gettext_noop("GPS position")
SOFTWARE = gettext_noop("editing software")
JAVASCRIPT = gettext_noop("embedded JavaScript")
ATTACHMENTS = gettext_noop("attached files")
COMMENT_AUTHORS = gettext_noop("comments' authors")
REVISION_AUTHORS = gettext_noop("revision authors")
CAMERA = gettext_noop("camera details")
XMP = gettext_noop("XMP metadata")
DATES = gettext_noop("creation and change dates")
TITLE = gettext_noop("title, subject and keywords")
PROPERTIES = gettext_noop("document properties")
CUSTOM = gettext_noop("custom properties")
ORGANISATION = gettext_noop("organisation name")
MANAGER = gettext_noop("manager name")
TEMPLATE = gettext_noop("template name")
ACTIONS = gettext_noop("automatic actions")
LAUNCH = gettext_noop("actions that start programs")
MEDIA = gettext_noop("embedded media")
XFA = gettext_noop("XFA form data")
EXIF = gettext_noop("other EXIF details")
IPTC = gettext_noop("IPTC captions and credits")
IMAGE_TEXT = gettext_noop("text notes in the image")
PRINTER = gettext_noop("printer name")


def clean_upload(name: str, data: bytes, *, max_bytes: int | None = None) -> CleanFile:
    """Check an uploaded file and return it cleaned, or raise ``UploadRefused``.

    The checks run in a fixed order (size, name, content type, extension, then the
    type's own cleaner) so a member always gets the most basic reason first.
    """
    if max_bytes is None:
        max_bytes = getattr(settings, "UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)
    if not data:
        raise UploadRefused(_("This file is empty: there is nothing to upload."))
    if len(data) > max_bytes:
        raise UploadRefused(
            _("This file is larger than %(limit)s MB, the most that can be uploaded.")
            % {"limit": _format_megabytes(max_bytes)}
        )

    stem, extension = _clean_name(name)
    kind = _detect_kind(data, extension)
    media_type, stored_extension, extensions = _ACCEPTED[kind]
    if extension.lower() not in extensions:
        expected = _EXTENSION_KINDS.get(extension.lower())
        if expected is None:
            message = _(
                "This file is %(actual)s, but its name ends in .%(extension)s: rename it to "
                "end in .%(correct)s and upload it again."
            )
        else:
            message = _(
                "This file is %(actual)s, not %(expected)s: rename it to end in "
                ".%(correct)s if that is what you meant to upload."
            )
        raise UploadRefused(
            message
            % {
                "actual": _(_LABELS[kind]),
                "expected": _(_LABELS[expected]) if expected else "",
                "extension": extension,
                "correct": stored_extension,
            }
        )

    cleaners: dict[str, Callable[[bytes, _Removed], bytes]] = {
        "pdf": _clean_pdf,
        "png": lambda raw, removed: _clean_image(raw, "PNG", removed),
        "jpeg": lambda raw, removed: _clean_image(raw, "JPEG", removed),
        "docx": _clean_docx,
        "odt": _clean_odt,
        "text": _clean_text,
    }
    removed = _Removed()
    cleaned = cleaners[kind](data, removed)
    return CleanFile(
        data=cleaned,
        media_type=media_type,
        extension=stored_extension,
        name=f"{stem}.{extension}",
        removed=tuple(_(phrase) for phrase in removed.as_tuple()),
    )


def _format_megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.0f}" if megabytes == int(megabytes) else f"{megabytes:.1f}"


# -- the name ---------------------------------------------------------------------------------


def _clean_name(name: str) -> tuple[str, str]:
    """Return (stem, extension) of a safe display name, or refuse.

    The name is shown to other members and used in a download header, so directory parts,
    ``..``, control characters and invisible format characters (bidi overrides such as
    U+202E, which make "gnp.exe" display as "exe.png") are removed.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf"))
    base = unicodedata.normalize("NFC", base)
    base = re.sub(r"\s+", " ", base)
    base = re.sub(r"\.{2,}", ".", base).strip().rstrip(" .")
    if not base:
        raise UploadRefused(_("This file has no usable name: rename it and upload it again."))
    stem, dot, extension = base.rpartition(".")
    extension = extension.strip()
    if not dot or not extension or " " in extension:
        raise UploadRefused(
            _(
                "The name “%(name)s” has no extension (such as .pdf): rename the file and "
                "upload it again."
            )
            % {"name": base[:NAME_MAX_CHARS]}
        )
    stem = stem.strip(" .") or "file"
    extension = extension[:16]
    stem = stem[: NAME_MAX_CHARS - len(extension) - 1].rstrip(" .") or "file"
    return stem, extension


# -- the type, from the content ---------------------------------------------------------------


def _refuse_kind(kind: str, extension: str) -> UploadRefused:
    """The refusal for a file that is of a kind never accepted."""
    expected = _EXTENSION_KINDS.get(extension.lower())
    if expected is not None:
        return UploadRefused(
            _("This file is %(actual)s, not %(expected)s: it cannot be uploaded.")
            % {"actual": _(_LABELS[kind]), "expected": _(_LABELS[expected])}
        )
    return UploadRefused(
        _(
            "This file is %(actual)s: it cannot be uploaded. You can upload PDFs, PNG and "
            "JPEG images, Word (.docx) and OpenDocument (.odt) documents, and plain text."
        )
        % {"actual": _(_LABELS[kind])}
    )


def _unknown_kind() -> UploadRefused:
    return UploadRefused(
        _(
            "This type of file cannot be uploaded. You can upload PDFs, PNG and JPEG images, "
            "Word (.docx) and OpenDocument (.odt) documents, and plain text."
        )
    )


def _detect_kind(data: bytes, extension: str) -> str:
    """Say what the file is from its bytes: one of the keys of ``_ACCEPTED``, or refuse."""
    head = data[:16]
    if head.startswith((b"\x7fELF", b"MZ")) or head.startswith(_MACHO_MAGICS):
        raise _refuse_kind("program", extension)
    if head.startswith(b"#!"):
        raise _refuse_kind("script", extension)
    if data.lstrip(b" \t\r\n")[:5] == b"%PDF-":
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return _detect_zip(data, extension)
    if head.startswith(_ARCHIVE_MAGICS):
        raise _refuse_kind("archive", extension)
    if b"\x00" not in data:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
        if text is not None:
            start = text.lstrip()[:16].lower()
            for marker, kind in _MARKUP_STARTS.items():
                if start.startswith(marker):
                    if kind == "xml" and "<svg" in text[:4096].lower():
                        kind = "svg"
                    raise _refuse_kind(kind, extension)
            return "text"
        if extension.lower() in _ACCEPTED["text"][2]:
            raise UploadRefused(
                _(
                    "This text file is not in UTF-8: save it as UTF-8 (or as a PDF) and "
                    "upload it again."
                )
            )
    try:
        guess = puremagic.from_string(data)
    except puremagic.PureError:
        guess = ""
    if guess.lower() in {".zip", ".gz", ".tgz", ".rar", ".7z", ".bz2", ".xz", ".tar", ".cab"}:
        raise _refuse_kind("archive", extension)
    if guess.lower() in {".exe", ".dll", ".elf", ".msi", ".com"}:
        raise _refuse_kind("program", extension)
    raise _unknown_kind()


def _detect_zip(data: bytes, extension: str) -> str:
    """A zip is a DOCX or an ODT by its inner structure, or else a refused archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return "docx"
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= 100:
                    mimetype = archive.read(info).strip()
                    if mimetype == ODT.encode():
                        return "odt"
                    if mimetype.startswith(b"application/vnd.oasis.opendocument."):
                        raise _refuse_kind("zip_document", extension)
            if "[Content_Types].xml" in names:
                raise _refuse_kind("zip_document", extension)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
        raise _unreadable(extension) from error
    raise _refuse_kind("archive", extension)


def _unreadable(extension: str) -> UploadRefused:
    return UploadRefused(
        _("This file is damaged or not a valid .%(extension)s file: it cannot be uploaded.")
        % {"extension": extension}
    )


# -- PDF --------------------------------------------------------------------------------------

_INFO_PHRASES = {
    "/Author": AUTHOR,
    "/Creator": SOFTWARE,
    "/Producer": SOFTWARE,
    "/CreationDate": DATES,
    "/ModDate": DATES,
    "/Title": TITLE,
    "/Subject": TITLE,
    "/Keywords": TITLE,
}
_MEDIA_ANNOTATIONS = {"/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}
_NOT_MARKUP_ANNOTATIONS = {"/Link", "/Widget", "/Popup"}


def _clean_pdf(data: bytes, removed: _Removed) -> bytes:
    """Rewrite a PDF without its metadata, scripts, attachments and automatic actions.

    pikepdf (qpdf) writes only the objects still reachable from the trailer, so what is
    unlinked here (XMP streams, embedded files, scripts) is really gone from the output.
    """
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as error:
        raise _encrypted_pdf() from error
    except (pikepdf.PdfError, ValueError, RuntimeError, OSError) as error:
        raise _unreadable("pdf") from error
    with pdf:
        if pdf.is_encrypted:
            raise _encrypted_pdf()
        _check_pdf_pages(pdf)
        try:
            _strip_pdf(pdf, removed)
            output = _save_pdf(pdf)
        except (pikepdf.PdfError, ValueError, RuntimeError, TypeError, KeyError) as error:
            raise _unreadable("pdf") from error
    return _verify_pdf(output)


def _encrypted_pdf() -> UploadRefused:
    return UploadRefused(
        _(
            "This PDF is protected with a password or encryption: remove the protection "
            "and upload it again."
        )
    )


def _too_many_pages() -> UploadRefused:
    return UploadRefused(
        _("This PDF has more than %(limit)s pages, the most that can be uploaded.")
        % {"limit": f"{PDF_MAX_PAGES:,}"}
    )


def _check_pdf_pages(pdf: pikepdf.Pdf) -> None:
    """Refuse a PDF whose page tree claims, or really has, more than PDF_MAX_PAGES pages.

    The claimed /Count is checked first because it costs nothing; a lie in either
    direction is then caught by qpdf's own walk of the page tree (which handles loops).
    """
    try:
        claimed = pdf.Root.Pages.get("/Count")
        if claimed is not None and int(claimed) > PDF_MAX_PAGES:
            raise _too_many_pages()
    except (AttributeError, TypeError, ValueError, pikepdf.PdfError):
        pass
    try:
        count = len(pdf.pages)
    except (pikepdf.PdfError, RuntimeError, ValueError) as error:
        raise _unreadable("pdf") from error
    if count > PDF_MAX_PAGES:
        raise _too_many_pages()
    if count == 0:
        raise _unreadable("pdf")


def _action_is(action: object, kinds: set[str], depth: int = 0) -> bool:
    """Whether an action, or any action chained after it by /Next, is one of ``kinds``."""
    if depth > 50 or not isinstance(action, pikepdf.Dictionary):
        return False
    if str(action.get("/S", "")) in kinds or ("/JS" in action and "/JavaScript" in kinds):
        return True
    following = action.get("/Next")
    if isinstance(following, pikepdf.Array):
        return any(_action_is(item, kinds, depth + 1) for item in following)
    return _action_is(following, kinds, depth + 1)


def _record_action(action: object, removed: _Removed) -> None:
    if _action_is(action, {"/JavaScript"}):
        removed.add(JAVASCRIPT)
    elif _action_is(action, {"/Launch"}):
        removed.add(LAUNCH)
    elif isinstance(action, pikepdf.Dictionary):
        removed.add(ACTIONS)


def _dictionaries(pdf: pikepdf.Pdf) -> Iterable[pikepdf.Object]:
    """Every indirect dictionary and stream of the file, pages and annotations included."""
    for obj in pdf.objects:
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            yield obj


def _strip_pdf(pdf: pikepdf.Pdf, removed: _Removed) -> None:
    trailer = pdf.trailer
    if "/Info" in trailer:
        info = trailer.Info
        if isinstance(info, pikepdf.Dictionary):
            for key in info:
                if str(info[key]).strip():
                    removed.add(_INFO_PHRASES.get(key, PROPERTIES))
        del trailer.Info

    root = pdf.Root
    if "/Metadata" in root:
        removed.add(XMP)
        del root.Metadata
    if "/OpenAction" in root:
        _record_action(root.OpenAction, removed)
        del root.OpenAction
    if "/Names" in root and isinstance(root.Names, pikepdf.Dictionary):
        names = root.Names
        if "/JavaScript" in names:
            removed.add(JAVASCRIPT)
            del names.JavaScript
        if "/EmbeddedFiles" in names:
            removed.add(ATTACHMENTS)
            del names.EmbeddedFiles
    acroform = root.get("/AcroForm")
    if isinstance(acroform, pikepdf.Dictionary) and "/XFA" in acroform:
        removed.add(XFA)
        del acroform.XFA
    for key in ("/PieceInfo", "/SpiderInfo"):
        if key in root:
            removed.add(SOFTWARE)
            del root[key]

    for page in pdf.pages:
        annotations = page.obj.get("/Annots")
        if isinstance(annotations, pikepdf.Array):
            kept = pikepdf.Array()
            for annotation in annotations:
                subtype = (
                    str(annotation.get("/Subtype", ""))
                    if isinstance(annotation, pikepdf.Dictionary)
                    else ""
                )
                if subtype == "/FileAttachment":
                    removed.add(ATTACHMENTS)
                elif subtype in _MEDIA_ANNOTATIONS:
                    removed.add(MEDIA)
                else:
                    kept.append(annotation)
            page.obj.Annots = kept

    # Metadata, actions and annotation authors can sit on any object: walk them all.
    for obj in _dictionaries(pdf):
        if "/Metadata" in obj:
            removed.add(XMP)
            del obj.Metadata
        if "/PieceInfo" in obj:
            removed.add(SOFTWARE)
            del obj.PieceInfo
        if "/AA" in obj:
            additional = obj.AA
            if isinstance(additional, pikepdf.Dictionary):
                for key in additional:
                    _record_action(additional[key], removed)
            else:
                removed.add(ACTIONS)
            del obj.AA
        action = obj.get("/A")
        if isinstance(action, pikepdf.Dictionary) and _action_is(
            action, {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMediaExecute"}
        ):
            _record_action(action, removed)
            del obj.A
        if str(obj.get("/Type", "")) == "/Annot" or ("/Subtype" in obj and "/Rect" in obj):
            subtype = str(obj.get("/Subtype", ""))
            if subtype not in _NOT_MARKUP_ANNOTATIONS and "/T" in obj:
                removed.add(COMMENT_AUTHORS)
                del obj.T
            for key in ("/M", "/CreationDate"):
                if key in obj and subtype != "/Widget":
                    removed.add(DATES)
                    del obj[key]
        if str(obj.get("/Type", "")) == "/Filespec" and "/EF" in obj:
            removed.add(ATTACHMENTS)
            del obj.EF


def _save_pdf(pdf: pikepdf.Pdf) -> bytes:
    buffer = io.BytesIO()
    pdf.save(buffer, linearize=False, fix_metadata_version=False)
    return buffer.getvalue()


def _verify_pdf(output: bytes) -> bytes:
    """Re-open the saved file and make sure no document information came back."""
    for _attempt in range(2):
        with pikepdf.open(io.BytesIO(output)) as check:
            if "/Info" not in check.trailer and "/Metadata" not in check.Root:
                return output
            if "/Info" in check.trailer:
                del check.trailer.Info
            if "/Metadata" in check.Root:
                del check.Root.Metadata
            output = _save_pdf(check)
    raise _unreadable("pdf")


# -- images -----------------------------------------------------------------------------------

_GPS_TAG = 0x8825
_EXIF_IFD = 0x8769
_EXIF_PHRASES = {
    271: CAMERA,  # Make
    272: CAMERA,  # Model
    42033: CAMERA,  # BodySerialNumber
    42035: CAMERA,  # LensMake
    42036: CAMERA,  # LensModel
    42037: CAMERA,  # LensSerialNumber
    315: AUTHOR,  # Artist
    33432: AUTHOR,  # Copyright
    40093: AUTHOR,  # XPAuthor
    42032: AUTHOR,  # CameraOwnerName
    305: SOFTWARE,  # Software
    11: SOFTWARE,  # ProcessingSoftware
    306: DATES,  # DateTime
    36867: DATES,  # DateTimeOriginal
    36868: DATES,  # DateTimeDigitized
}
# Tags that say nothing about who or where: not worth telling the member about.
_HARMLESS_EXIF = {
    274,  # Orientation (applied to the pixels first)
    282,  # XResolution
    283,  # YResolution
    296,  # ResolutionUnit
    531,  # YCbCrPositioning
    _EXIF_IFD,
}
_PNG_TEXT_PHRASES = {
    "author": AUTHOR,
    "copyright": AUTHOR,
    "software": SOFTWARE,
    "creation time": DATES,
    "source": CAMERA,
}
_PNG_SAFE_MODES = {"1", "L", "LA", "I", "I;16", "RGB", "RGBA", "P"}
_JPEG_SAFE_MODES = {"L", "RGB", "CMYK"}


def _too_big_image() -> UploadRefused:
    return UploadRefused(
        _(
            "This image is too large (more than %(limit)s megapixels): make it smaller and "
            "upload it again."
        )
        % {"limit": IMAGE_MAX_PIXELS // 1_000_000}
    )


def _record_image_metadata(image: Image.Image, removed: _Removed) -> None:
    exif = image.getexif()
    other = False
    for tag in exif:
        if tag == _GPS_TAG:
            removed.add(GPS)
        elif tag in _EXIF_PHRASES:
            removed.add(_EXIF_PHRASES[tag])
        elif tag not in _HARMLESS_EXIF:
            other = True
    try:
        details = exif.get_ifd(_EXIF_IFD)
    except (KeyError, ValueError, TypeError, OSError):
        details = {}
    for tag in details:
        if tag in _EXIF_PHRASES:
            removed.add(_EXIF_PHRASES[tag])
        else:
            other = True
    if other:
        removed.add(EXIF)
    info = image.info
    if any(key in info for key in ("xmp", "XML:com.adobe.xmp")):
        removed.add(XMP)
    if "photoshop" in info or "iptc" in info:
        removed.add(IPTC)
    if "comment" in info:
        removed.add(IMAGE_TEXT)
    text_chunks = getattr(image, "text", None) or {}
    for key in text_chunks:
        if key == "XML:com.adobe.xmp":
            continue
        removed.add(_PNG_TEXT_PHRASES.get(key.lower(), IMAGE_TEXT))


def _clean_image(data: bytes, image_format: str, removed: _Removed) -> bytes:
    """Re-encode an image from its pixels alone, so no metadata block can survive.

    Copying the pixels into a new image is more thorough than deleting known tags: EXIF,
    XMP, IPTC, text chunks and comments all stay behind with the old image object. The ICC
    colour profile is kept (it describes colours, not people). An animated PNG keeps its
    first frame only.
    """
    extension = "png" if image_format == "PNG" else "jpg"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format != image_format:
                    raise _unreadable(extension)
                width, height = probe.size
                if width * height > IMAGE_MAX_PIXELS:
                    raise _too_big_image()
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                _record_image_metadata(image, removed)
                icc_profile = image.info.get("icc_profile")
                transparency = image.info.get("transparency")
                upright = ImageOps.exif_transpose(image)
                safe_modes = _PNG_SAFE_MODES if image_format == "PNG" else _JPEG_SAFE_MODES
                if upright.mode not in safe_modes:
                    upright = upright.convert(
                        "RGBA" if image_format == "PNG" and "A" in upright.mode else "RGB"
                    )
                    transparency = None
                clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
                if upright.mode == "P":
                    palette = upright.getpalette()
                    if palette is not None:
                        clean.putpalette(palette)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_big_image() from error
    except UploadRefused:
        raise
    except (OSError, ValueError, SyntaxError, TypeError, EOFError) as error:
        raise _unreadable(extension) from error

    options: dict[str, object] = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    buffer = io.BytesIO()
    if image_format == "PNG":
        if transparency is not None and clean.mode in ("P", "L", "RGB"):
            options["transparency"] = transparency
        clean.save(buffer, "PNG", optimize=False, **options)
    else:
        clean.save(buffer, "JPEG", quality=90, **options)
    return buffer.getvalue()


# -- DOCX and ODT -----------------------------------------------------------------------------

_XML_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_blank_text": False,
}

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
EP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
DC = "http://purl.org/dc/elements/1.1/"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
CONFIG = "urn:oasis:names:tc:opendocument:xmlns:config:1.0"
LOEXT = "urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0"

_EMPTY_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="' + CP.encode() + b'" xmlns:dc="http://purl.org/dc/elements/'
    b'1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/'
    b'dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
)
_CORE_PHRASES = {
    "creator": AUTHOR,
    "lastModifiedBy": AUTHOR,
    "created": DATES,
    "modified": DATES,
    "lastPrinted": DATES,
    "title": TITLE,
    "subject": TITLE,
    "keywords": TITLE,
    "description": TITLE,
    "category": TITLE,
}
_APP_REMOVED = {
    "Company": ORGANISATION,
    "Manager": MANAGER,
    "Application": SOFTWARE,
    "AppVersion": SOFTWARE,
    "Template": TEMPLATE,
    "HyperlinkBase": PROPERTIES,
}
_DOCX_DROPPED = {"docProps/custom.xml": CUSTOM, "word/people.xml": COMMENT_AUTHORS}
_ODT_META_PHRASES = {
    f"{{{META}}}initial-creator": AUTHOR,
    f"{{{DC}}}creator": AUTHOR,
    f"{{{META}}}printed-by": AUTHOR,
    f"{{{META}}}creation-date": DATES,
    f"{{{DC}}}date": DATES,
    f"{{{META}}}print-date": DATES,
    f"{{{META}}}generator": SOFTWARE,
    f"{{{META}}}user-defined": CUSTOM,
    f"{{{META}}}template": TEMPLATE,
    f"{{{DC}}}title": TITLE,
    f"{{{DC}}}subject": TITLE,
    f"{{{DC}}}description": TITLE,
    f"{{{META}}}keyword": TITLE,
}
# What counts as harmless in meta.xml: statistics and editing counters name nobody.
_ODT_META_HARMLESS = {
    f"{{{META}}}document-statistic",
    f"{{{META}}}editing-cycles",
    f"{{{META}}}editing-duration",
}


def _zip_refused() -> UploadRefused:
    return UploadRefused(
        _(
            "This document is packed in a way that could harm the server (it would unpack "
            "to far more than its size, or has too many parts): it cannot be uploaded."
        )
    )


def _check_zip(archive: zipfile.ZipFile, extension: str) -> list[zipfile.ZipInfo]:
    """Refuse zip bombs and path tricks from the central directory, before reading anything."""
    infos = archive.infolist()
    if len(infos) > ZIP_MAX_ENTRIES:
        raise _zip_refused()
    total = 0
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if (
            name.startswith(("/", "\\"))
            or re.match(r"^[A-Za-z]:", name)
            or ".." in parts
            or "\x00" in name
            or name in seen
        ):
            raise _unreadable(extension)
        seen.add(name)
        if info.flag_bits & 0x1:
            raise UploadRefused(
                _(
                    "This document is protected with a password: remove the protection and "
                    "upload it again."
                )
            )
        if info.file_size > ZIP_MAX_ENTRY_BYTES:
            raise _zip_refused()
        total += info.file_size
        if total > ZIP_MAX_TOTAL_BYTES:
            raise _zip_refused()
        if info.file_size > ZIP_RATIO_MIN_BYTES and (
            info.compress_size == 0 or info.file_size / info.compress_size > ZIP_MAX_RATIO
        ):
            raise _zip_refused()
    return infos


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Read an entry, never more than its declared (already checked) size."""
    with archive.open(info) as entry:
        content = entry.read(info.file_size + 1)
    if len(content) > info.file_size:
        raise _zip_refused()
    return content


def _parse_xml(content: bytes, extension: str) -> etree._ElementTree:
    """Parse a document part safely: no entities, no DTD, no network."""
    parser = etree.XMLParser(**_XML_PARSER_OPTIONS)
    try:
        tree = etree.ElementTree(etree.fromstring(content, parser))
    except (etree.XMLSyntaxError, ValueError) as error:
        raise _unreadable(extension) from error
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise _unreadable(extension)
    return tree


def _serialise(tree: etree._ElementTree) -> bytes:
    standalone = tree.docinfo.standalone
    return etree.tostring(
        tree,
        xml_declaration=True,
        encoding="UTF-8",
        standalone=standalone if standalone is not None else None,
    )


def _rewrite_zip(
    data: bytes,
    extension: str,
    transform: Callable[[str, bytes, zipfile.ZipFile], bytes | None],
    first: str | None = None,
) -> bytes:
    """Copy a zip entry by entry through ``transform`` (None drops the entry).

    New entries get a fixed date and no extra fields: zip headers otherwise carry each
    part's modification time, and extra fields can carry the owner's user id.
    """
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _unreadable(extension) from error
    buffer = io.BytesIO()
    try:
        with source, zipfile.ZipFile(buffer, "w") as output:
            infos = _check_zip(source, extension)
            if first is not None:
                infos.sort(key=lambda info: info.filename != first)
            for info in infos:
                if info.is_dir():
                    continue
                content = transform(info.filename, _read_entry(source, info), source)
                if content is None:
                    continue
                entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                stored = info.filename == first
                entry.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                entry.external_attr = 0o644 << 16
                output.writestr(entry, content)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
        raise _unreadable(extension) from error
    return buffer.getvalue()


def _clean_embedded_image(name: str, content: bytes, removed: _Removed) -> bytes:
    """Photos pasted into a document keep their EXIF (GPS included): clean them too."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return _clean_image(content, "PNG", removed)
    if content.startswith(b"\xff\xd8\xff"):
        return _clean_image(content, "JPEG", removed)
    return content


def _part_base(rels_name: str) -> str:
    """The folder relative targets of a .rels part are resolved against."""
    folder = posixpath.dirname(posixpath.dirname(rels_name))
    return folder


def _clean_docx(data: bytes, removed: _Removed) -> bytes:
    """Rewrite a DOCX without its properties, comment and revision authors."""
    with zipfile.ZipFile(io.BytesIO(data)) as probe:
        names = set(probe.namelist())
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise UploadRefused(_("This document contains macros: it cannot be uploaded."))
    dropped = {name for name in _DOCX_DROPPED if name in names}

    def transform(name: str, content: bytes, _source: zipfile.ZipFile) -> bytes | None:
        if name in dropped:
            removed.add(_DOCX_DROPPED[name])
            return None
        if name == "docProps/core.xml":
            tree = _parse_xml(content, "docx")
            for child in tree.getroot():
                if isinstance(child.tag, str) and (child.text or len(child)):
                    local = etree.QName(child).localname
                    removed.add(_CORE_PHRASES.get(local, PROPERTIES))
            return _EMPTY_CORE
        if name == "docProps/app.xml":
            tree = _parse_xml(content, "docx")
            for child in list(tree.getroot()):
                if isinstance(child.tag, str):
                    local = etree.QName(child).localname
                    if local in _APP_REMOVED:
                        if (child.text or "").strip():
                            removed.add(_APP_REMOVED[local])
                        tree.getroot().remove(child)
            return _serialise(tree)
        if name == "[Content_Types].xml" and dropped:
            tree = _parse_xml(content, "docx")
            for override in list(tree.getroot().iter(f"{{{CT}}}Override")):
                if override.get("PartName", "").lstrip("/") in dropped:
                    override.getparent().remove(override)
            return _serialise(tree)
        if name.endswith(".rels") and dropped:
            tree = _parse_xml(content, "docx")
            base = _part_base(name)
            for relation in list(tree.getroot().iter(f"{{{REL}}}Relationship")):
                if relation.get("TargetMode") == "External":
                    continue
                target = relation.get("Target", "")
                if target.startswith("/"):
                    resolved = target.lstrip("/")
                else:
                    resolved = posixpath.normpath(posixpath.join(base, target))
                if resolved in dropped:
                    relation.getparent().remove(relation)
            return _serialise(tree)
        if name.startswith("word/") and name.endswith(".xml"):
            return _clean_word_part(name, content, removed)
        if name.startswith("word/media/") or name.startswith("docProps/thumbnail"):
            return _clean_embedded_image(name, content, removed)
        return content

    return _rewrite_zip(data, "docx", transform)


_W_AUTHOR = f"{{{W}}}author"
_W_INITIALS = f"{{{W}}}initials"
_W_DATE = f"{{{W}}}date"


def _clean_word_part(name: str, content: bytes, removed: _Removed) -> bytes:
    """Blank every w:author (kept, empty, because the schema requires it on w:ins/w:del),
    drop w:initials and w:date: comments and tracked changes name their author otherwise.
    """
    if (
        b"author" not in content
        and b"initials" not in content
        and b"date" not in content
        and b"Author" not in content
    ):
        return content
    tree = _parse_xml(content, "docx")
    in_comments = posixpath.basename(name).startswith("comments")
    phrase = COMMENT_AUTHORS if in_comments else REVISION_AUTHORS
    changed = False
    for element in tree.getroot().iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in list(element.attrib):
            local = etree.QName(attribute).localname
            if local == "author" and element.get(attribute):
                local_phrase = (
                    COMMENT_AUTHORS if etree.QName(element).localname == "comment" else phrase
                )
                removed.add(local_phrase)
                element.set(attribute, "")
                changed = True
            elif local == "initials":
                removed.add(COMMENT_AUTHORS)
                del element.attrib[attribute]
                changed = True
            elif local in ("date", "dateUtc"):
                removed.add(DATES)
                del element.attrib[attribute]
                changed = True
            elif local in ("userId", "providerId"):
                removed.add(phrase)
                del element.attrib[attribute]
                changed = True
    return _serialise(tree) if changed else content


def _clean_odt(data: bytes, removed: _Removed) -> bytes:
    """Rewrite an ODT without its meta.xml details and the names on comments and changes.

    The ``mimetype`` entry is written first and uncompressed: the OpenDocument standard
    requires it so, and readers identify the file by it.
    """

    def transform(name: str, content: bytes, _source: zipfile.ZipFile) -> bytes | None:
        if name == "meta.xml":
            return _clean_odt_meta(content, removed)
        if name in ("content.xml", "styles.xml"):
            return _clean_odt_content(content, removed)
        if name == "settings.xml":
            return _clean_odt_settings(content, removed)
        if name.startswith(("Pictures/", "Thumbnails/")):
            return _clean_embedded_image(name, content, removed)
        return content

    return _rewrite_zip(data, "odt", transform, first="mimetype")


def _clean_odt_meta(content: bytes, removed: _Removed) -> bytes:
    tree = _parse_xml(content, "odt")
    root = tree.getroot()
    for meta in root.iter(f"{{{OFFICE}}}meta"):
        for child in meta:
            if isinstance(child.tag, str) and child.tag not in _ODT_META_HARMLESS:
                removed.add(_ODT_META_PHRASES.get(child.tag, PROPERTIES))
    version = root.get(f"{{{OFFICE}}}version", "1.2")
    minimal = etree.Element(f"{{{OFFICE}}}document-meta", nsmap={"office": OFFICE})
    minimal.set(f"{{{OFFICE}}}version", version)
    etree.SubElement(minimal, f"{{{OFFICE}}}meta")
    return etree.tostring(minimal, xml_declaration=True, encoding="UTF-8")


_ODT_PERSON_TAGS = {
    f"{{{DC}}}creator",
    f"{{{META}}}creator-initials",
    f"{{{LOEXT}}}sender-initials",
}


def _clean_odt_content(content: bytes, removed: _Removed) -> bytes:
    """Empty dc:creator/dc:date on comments (office:annotation) and tracked changes."""
    tree = _parse_xml(content, "odt")
    changed = False
    for element in tree.getroot().iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag in _ODT_PERSON_TAGS or element.tag == f"{{{DC}}}date":
            has_value = bool((element.text or "").strip()) or len(element) > 0
            if element.tag == f"{{{DC}}}date":
                phrase = DATES
            elif any(
                ancestor.tag == f"{{{OFFICE}}}annotation" for ancestor in element.iterancestors()
            ):
                phrase = COMMENT_AUTHORS
            else:
                phrase = REVISION_AUTHORS
            if has_value:
                removed.add(phrase)
                for child in list(element):
                    element.remove(child)
                element.text = ""
                changed = True
    return _serialise(tree) if changed else content


def _clean_odt_settings(content: bytes, removed: _Removed) -> bytes:
    """LibreOffice stores the printer's name (often an office's) in settings.xml."""
    tree = _parse_xml(content, "odt")
    changed = False
    for item in list(tree.getroot().iter(f"{{{CONFIG}}}config-item")):
        if item.get(f"{{{CONFIG}}}name") in ("PrinterName", "PrinterSetup") and item.text:
            removed.add(PRINTER)
            item.text = ""
            changed = True
    return _serialise(tree) if changed else content


# -- plain text -------------------------------------------------------------------------------


def _clean_text(data: bytes, removed: _Removed) -> bytes:
    """Plain text carries no metadata; it is only normalised to UTF-8 without a BOM."""
    return data.decode("utf-8-sig").encode("utf-8")
