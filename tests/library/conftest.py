from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

import pytest
from fpdf import FPDF
from PIL import Image

from library import services
from library.models import Resource
from members.models import User


def pdf_bytes(*pages: str, author: str = "Amina Testname") -> bytes:
    """A PDF with one page per text and identifying metadata (author, creator program)."""
    pdf = FPDF()
    pdf.set_author(author)
    pdf.set_creator("Secret Word Processor 9")
    pdf.set_title("Internal draft")
    for text in pages:
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), "teal")
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x013B] = "Amina Testname"  # Artist
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 22.0, 0.0)
    buffer = BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.fixture
def expert(make_user: Callable[..., User]) -> User:
    return make_user(is_expert=True, display_name="Eva Expert", handle="eva-expert")


@pytest.fixture
def moderator(make_user: Callable[..., User]) -> User:
    """With a TOTP authenticator: moderators' powers need a second factor (sign_in passes it)."""
    from allauth.mfa.models import Authenticator

    user = make_user(is_moderator=True, display_name="Mo Derator", handle="mo-derator")
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


@pytest.fixture
def make_resource(expert: User) -> Callable[..., Resource]:
    """A resource added through the services; ``pages`` makes it a PDF with those pages."""

    def make(
        by: User | None = None,
        *,
        pages: tuple[str, ...] = (),
        read: bool = True,
        **fields: object,
    ) -> Resource:
        actor = by or expert
        staged = []
        if pages:
            staged.append(
                services.stage_file(actor=actor, name="report.pdf", data=pdf_bytes(*pages))
            )
        values: dict[str, object] = {"kind": "report", "title": "Report on kettling"}
        if not pages:
            values["source_url"] = "https://example.org/report"
        values.update(fields)
        resource = services.create_resource(
            actor=actor, data=services.ResourceData(**values), staged=staged
        )
        if read:
            services.extract_pending()
        return resource

    return make
