"""Seeding the reference standards; idempotent, safe on a production database."""

from __future__ import annotations

from django.db import transaction

from lessons.models import Instrument, Provision
from lessons.standards import STANDARDS


def ensure_standards() -> int:
    """Create missing instruments and provisions; return how many provisions were created."""
    created = 0
    with transaction.atomic():
        for position, data in enumerate(STANDARDS):
            instrument, _ = Instrument.objects.get_or_create(
                slug=data.slug,
                defaults={
                    "title": data.title,
                    "short_title": data.short_title,
                    "adopted_by": data.adopted_by,
                    "year": data.year,
                    "source_url": data.source_url,
                    "position": position,
                },
            )
            for provision_position, (number, title) in enumerate(data.provisions):
                _, was_created = Provision.objects.get_or_create(
                    instrument=instrument,
                    number=number,
                    defaults={
                        "title": title,
                        "source_url": data.source_url,
                        "position": provision_position,
                    },
                )
                created += was_created
    return created
