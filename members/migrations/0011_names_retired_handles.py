"""Retired handles (members/naming.py), and names stored before the name rules, cleaned.

Names written before members/naming.py could hold line breaks (which made the
outbox retry an email forever), zero-width characters and bidi overrides.
They are normalised here the way the rules normalise new ones: NFKC, the
refused characters taken out (a line break or tab becomes a space), spaces
collapsed. A topic whose cleaned name another topic already has keeps its
name (the page isolates it); a moderator can merge the two.
"""

import unicodedata

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# members.naming.REFUSED_CATEGORIES, as it was when this migration was written.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def clean_legacy_text(value: str, max_length: int) -> str:
    value = unicodedata.normalize("NFKC", value or "")
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if category in ("Zs", "Zl", "Zp") or char in "\t\n\r\v\f\x85":
            kept.append(" ")
        elif category not in REFUSED_CATEGORIES:
            kept.append(char)
    return " ".join("".join(kept).split())[:max_length]


def clean_legacy_names(apps, schema_editor) -> None:
    User = apps.get_model("members", "User")
    Profile = apps.get_model("members", "Profile")
    Tag = apps.get_model("members", "Tag")
    for model, field, max_length in (
        (User, "display_name", 80),
        (Profile, "organisation", 150),
    ):
        for pk, value in model.objects.exclude(**{field: ""}).values_list("pk", field).iterator():
            cleaned = clean_legacy_text(value, max_length)
            if cleaned != value:
                model.objects.filter(pk=pk).update(**{field: cleaned})
    for pk, name in Tag.objects.values_list("pk", "name").iterator():
        cleaned = clean_legacy_text(name, 100)
        if cleaned and cleaned != name and not Tag.objects.filter(name=cleaned).exists():
            Tag.objects.filter(pk=pk).update(name=cleaned)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0010_accounts_removal_discreet_outbox"),
    ]

    operations = [
        migrations.CreateModel(
            name="RetiredHandle",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.CharField(max_length=64, unique=True)),
                (
                    "member",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("retired_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.RunPython(clean_legacy_names, migrations.RunPython.noop, elidable=True),
    ]
