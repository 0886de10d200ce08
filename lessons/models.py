"""Reference standards that lessons are tied to.

An instrument (the UN Code of Conduct, the Basic Principles, ...) has numbered
provisions; lessons (a later part of this app) link to provisions.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Instrument(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    short_title = models.CharField(_("short title"), max_length=80)
    adopted_by = models.CharField(_("adopted by"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year adopted"))
    source_url = models.URLField(_("official source"), max_length=500)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["position", "year"]

    def __str__(self) -> str:
        return self.short_title


class Provision(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="provisions")
    # Text, not a number: "6", "7.3", "Principle 15" sort by position instead.
    number = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("short title"), max_length=300)
    source_url = models.URLField(_("official source"), max_length=500)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("provision")
        verbose_name_plural = _("provisions")
        ordering = ["instrument", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "number"], name="lessons_provision_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument.short_title} {self.number}: {self.title}"
