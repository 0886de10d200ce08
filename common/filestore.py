"""Where members' files are kept once ``common.uploads`` cleaned them, and how they go out.

One storage of Django's storage API, ``STORAGES["uploads"]`` (a local directory
under ``MEDIA_ROOT`` by default, an S3-compatible bucket with django-storages):
the library's files and the files attached to forum posts. Names are random
(nothing of the member's file name), bytes are encrypted first when
``FILE_ENCRYPTION_KEY`` is set, and stored bytes are removed only after the
transaction that deleted their rows commits. ``file_response`` is the one way
a stored file leaves the server: the caller has decided the viewer may read it.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.http import Http404, HttpResponse

log = logging.getLogger(__name__)

# PDFs and images open in the browser (sandboxed); everything else downloads.
INLINE_EXTENSIONS = frozenset({"pdf", "png", "jpg"})


def storage():
    return storages["uploads"]


def random_name(extension: str) -> str:
    return f"{secrets.token_hex(2)}/{secrets.token_urlsafe(24)}.{extension}"


def _fernet():
    from cryptography.fernet import Fernet

    return Fernet(settings.FILE_ENCRYPTION_KEY.encode())


def store(data: bytes, extension: str) -> tuple[str, bool]:
    """Keep cleaned bytes under a random name; returns (stored name, encrypted)."""
    encrypted = bool(settings.FILE_ENCRYPTION_KEY)
    if encrypted:
        data = _fernet().encrypt(data)
    return storage().save(random_name(extension), ContentFile(data)), encrypted


def read(stored_as: str, *, encrypted: bool) -> bytes:
    with storage().open(stored_as, "rb") as handle:
        data = handle.read()
    return _fernet().decrypt(data) if encrypted else data


def delete_now(names: list[str]) -> None:
    for name in names:
        try:
            storage().delete(name)
        except OSError:  # gone already, or the storage is down
            log.warning("could not delete a stored file")


def delete_after_commit(names: list[str]) -> None:
    """Remove stored bytes once the rows that named them are gone for good."""
    names = list(names)
    if names:
        transaction.on_commit(lambda: delete_now(names))


def file_response(
    *, stored_as: str, encrypted: bool, name: str, media_type: str, extension: str, public: bool
) -> HttpResponse:
    """A stored file for a viewer who may read it.

    PDFs and images open in the browser, everything else is an attachment;
    always under ``Content-Security-Policy: sandbox`` (no script, no form, no
    same-origin access even if a file carried any) and ``nosniff``. Behind
    nginx (``LIBRARY_ACCEL_REDIRECT``) the bytes go out through
    ``X-Accel-Redirect``, so no worker streams them; encrypted files and S3
    are read here.
    """
    disposition = "inline" if extension in INLINE_EXTENSIONS else "attachment"
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    accel = settings.LIBRARY_ACCEL_REDIRECT
    if accel and not encrypted and not settings.LIBRARY_S3_BUCKET:
        response = HttpResponse(content_type=media_type)
        response["X-Accel-Redirect"] = f"{accel.rstrip('/')}/{stored_as}"
    else:
        try:
            data = read(stored_as, encrypted=encrypted)
        except OSError:
            raise Http404 from None
        response = HttpResponse(data, content_type=media_type)
    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private" if public else "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response._csp_exempt = True  # its own policy above, not the pages'
    return response
