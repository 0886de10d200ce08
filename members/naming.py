"""The one rule for names members choose: display names, handles, organisations, topics.

Every form and service that sets one of these calls the ``clean_*`` function
for it, so the sign-up form, the profile form, the admin, the topic forms and
the services behind them refuse the same things with the same message:

- **Characters.** Text is normalised to NFKC (fullwidth letters, ligatures and
  compatibility forms become the letters they look like) and refused when it
  holds control characters (Cc: line breaks, NUL, escape), format characters
  (Cf: zero-width spaces and joiners, the byte order mark, the bidi embeddings,
  overrides and isolates U+202A-202E and U+2066-2069), line or paragraph
  separators (Zl, Zp), surrogates, private-use or unassigned code points. A
  name with U+202E reversed the timestamp beside it, and one with a line break
  broke email headers. Runs of spaces become one.
- **Staff-like names.** Display names and handles that read as the network's
  staff ("moderator", "admin", "support", the site name, in the site's
  languages) are reserved for moderators and admins. Separators, digits, case,
  diacritics and lookalike letters do not get round it: "Mod-erator",
  "admin1", "adm1n", "Moderator" with a Cyrillic o are all refused.
- **Moderators' names.** A display name or handle whose skeleton equals the
  skeleton of a current moderator's or admin's display name or handle is
  refused: nobody else can be "Nadia Okafor" (or the same with a Cyrillic a and a zero) when a
  moderator is.
- **Retired handles.** A handle given up (changed, or of a deleted account)
  is never given to someone else: old posts still say "@lina-h", and the
  mention must not come to point at a newcomer. Only a keyed digest of the
  handle's skeleton is kept (``RetiredHandle``), not the handle: the account's
  owner asked for their data to go.
- **Topics.** A new or renamed topic whose skeleton equals an existing topic's
  (its name, slug, or the translated name it is shown by) is refused with a
  message that names the existing topic.

The skeleton follows Unicode TR39 (section 4): NFD, each character replaced by
its prototype from Unicode's confusables data, NFD again. The data comes from
the ``confusable-homoglyphs`` package (it ships Unicode's confusables.txt as
JSON and is kept up to date with Unicode releases; it answers "is this
confusable?" but offers no skeleton, so the prototype table is built here
from its data). On top of TR39 the comparison key folds case, drops
combining marks (diacritics) and everything that is not a letter or a digit,
so "Use-of-force", "use of force" and "Use of forcé" (with a Cyrillic e) share one key.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from common.handles import HANDLE_PATTERN

# Unicode general categories no name needs: control, format (zero-width,
# BOM, bidi embeddings, overrides and isolates), line and paragraph
# separators, surrogates, private use, unassigned.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})

# Whole words (or the whole name, once separators are gone) that read as the
# network's staff. Folded (lower case, no diacritics) as ``_letters`` makes them.
STAFF_WORDS = frozenset(
    {
        # en
        "moderator", "moderators", "moderation", "mod", "mods", "modteam",
        "admin", "admins", "administrator", "administrators", "administration",
        "sysadmin", "superuser", "root", "staff", "support", "supportteam", "helpdesk",
        "webmaster", "postmaster", "hostmaster", "abuse", "noreply", "trustandsafety",
        # nl
        "beheerder", "beheerders", "moderatie",
        # fr
        "moderateur", "moderatrice", "moderateurs", "administrateur", "administratrice",
        # es
        "moderador", "moderadora", "moderadores", "administrador", "administradora",
        "soporte",
        # ar: moderator, the moderator, administration, the administration
        "مشرف", "المشرف", "مشرفة", "ادارة", "الادارة", "الإدارة", "إدارة",
    }
)  # fmt: skip
# Long enough that they are staff wherever they appear ("TheModerator",
# "chief-administrator"), and appear inside no ordinary word.
STAFF_INFIXES = ("moderator", "moderateur", "moderador", "administrat", "sysadmin", "webmaster")

# Digits typed for letters ("adm1n", "m0derator").
_LEET = str.maketrans("0134578@$", "oieastbas")


# --- Characters ----------------------------------------------------------------------


def _refused_characters(value: str) -> list[str]:
    return [char for char in value if unicodedata.category(char) in REFUSED_CATEGORIES]


def _clean_characters(value: str, *, max_length: int) -> str:
    # Every kind of white space (no-break, thin, ideographic) reads as a space;
    # tabs and line breaks are control characters and refused.
    value = unicodedata.normalize("NFKC", value or "")
    if _refused_characters(value):
        raise ValidationError(
            _(
                "This contains invisible or control characters (such as zero-width spaces, "
                "direction marks or line breaks). Please remove them."
            ),
            code="invisible",
        )
    value = "".join(" " if unicodedata.category(char) == "Zs" else char for char in value)
    value = " ".join(value.split(" ")).strip()
    if len(value) > max_length:
        # NFKC can lengthen a text ("ﬃ" is three letters).
        raise ValidationError(
            _("Please keep it under %(limit)d characters.") % {"limit": max_length},
            code="max_length",
        )
    return value


# --- Skeletons -----------------------------------------------------------------------


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each confusable character and the prototype it looks like (TR39 confusables.txt).

    The package stores the data both ways round: a prototype lists every
    character confusable with it, and each of those lists its prototype. A
    character with several confusables is a prototype, and so is a sequence
    ("rn" for "m"); a lone pair of single characters maps the higher code
    point to the lower (which is the prototype in Unicode's own data).
    """
    from confusable_homoglyphs.confusables import confusables_data

    def bare(text: str) -> str:
        # Right-to-left glyphs are stored wrapped in LEFT-TO-RIGHT MARKs for display.
        return text.replace("\u200e", "").replace("\u200f", "")

    data = {
        bare(key): [bare(entry["c"]) for entry in entries]
        for key, entries in confusables_data.items()
    }
    table: dict[str, str] = {}
    for key, entries in data.items():
        if len(key) > 1 or len(entries) > 1:
            for entry in entries:
                if len(entry) == 1 and entry != key:
                    table.setdefault(entry, key)
            continue
        (entry,) = entries
        if len(entry) > 1 or len(data.get(entry, ())) > 1 or key > entry:
            table.setdefault(key, entry)
    return {
        source: unicodedata.normalize("NFD", prototype)
        for source, prototype in table.items()
        if prototype != source
    }


def skeleton(value: str) -> str:
    """The TR39 skeleton of ``value``: what it looks like, whatever letters it uses."""
    table = _prototypes()
    decomposed = unicodedata.normalize("NFD", value)
    return unicodedata.normalize("NFD", "".join(table.get(char, char) for char in decomposed))


def _letters(value: str) -> str:
    """Case folded, no combining marks, letters and digits only."""
    value = unicodedata.normalize("NFD", value.casefold())
    return "".join(char for char in value if char.isalnum())


def fold(value: str) -> str:
    """The comparison key: the skeleton without case, diacritics or separators.

    Applied twice over (the skeleton of a folded text can fold further: "0"
    looks like "O", which folds to "o").
    """
    value = unicodedata.normalize("NFKC", value).casefold()
    return _letters(skeleton(_letters(skeleton(value))))


# --- Staff-like names -------------------------------------------------------------------


@functools.cache
def _staff_keys(site_name: str) -> tuple[frozenset[str], tuple[str, ...]]:
    words = frozenset(fold(word) for word in STAFF_WORDS) | {fold(site_name)}
    infixes = tuple(fold(infix) for infix in STAFF_INFIXES)
    return words, infixes


def _readings(value: str) -> set[str]:
    """The ways ``value`` can be read: digits dropped, digits as letters, as typed."""
    value = unicodedata.normalize("NFKC", value).casefold()
    return {value, re.sub(r"\d", "", value), value.translate(_LEET)}


def is_staff_like(value: str) -> bool:
    words, infixes = _staff_keys(settings.SITE_NAME)
    for reading in _readings(value):
        whole = fold(reading)
        if not whole:
            continue
        if whole in words or any(infix in whole for infix in infixes):
            return True
        # Word by word: "Site admin", "The Moderators", "mod-sam".
        tokens = re.split(r"[\W\d_]+", reading)
        if any(fold(token) in words for token in tokens if token):
            return True
    return False


def _holds_staff_role(member: object | None) -> bool:
    # The role, not the session's powers: a moderator's name is theirs on any
    # device. Only names are exempted here; powers stay with ``can_moderate``.
    return bool(
        member is not None
        and getattr(member, "is_member", False)
        and (getattr(member, "is_moderator", False) or getattr(member, "is_superuser", False))
    )


def _staff_name_keys(member: object | None) -> set[str]:
    """The folded display names and handles of current moderators and admins but ``member``."""
    from members.models import Status, User

    staff = User.objects.filter(
        Q(is_moderator=True) | Q(is_superuser=True), status=Status.ACTIVE, is_banned=False
    )
    if member is not None and getattr(member, "pk", None):
        staff = staff.exclude(pk=member.pk)
    keys = set()
    for display_name, handle in staff.values_list("display_name", "handle"):
        keys.update(key for key in (fold(display_name), fold(handle)) if key)
    return keys


def _refuse_staff_likeness(value: str, member: object | None) -> None:
    if not value or _holds_staff_role(member):
        return
    if is_staff_like(value):
        raise ValidationError(
            _("This name is reserved for the network's moderators and staff. Choose another."),
            code="reserved",
        )
    if fold(value) in _staff_name_keys(member):
        raise ValidationError(
            _("This looks like the name of a moderator. Please choose another name."),
            code="moderator_lookalike",
        )


# --- Members' names ------------------------------------------------------------------------


def clean_display_name(value: str, *, member: object | None) -> str:
    """The display name ``member`` (None: someone signing up) may take, normalised."""
    value = _clean_characters(value, max_length=80)
    if not _is_current(value, member, "display_name"):
        _refuse_staff_likeness(value, member)
    return value


def clean_handle(value: str, *, member: object | None) -> str:
    """The handle ``member`` may take, normalised; the pattern is the form's and the model's."""
    value = _clean_characters(value, max_length=30).lower()
    if _is_current(value, member, "handle"):
        return value
    if not re.fullmatch(HANDLE_PATTERN, value):
        raise ValidationError(
            _("Use 3 to 30 lower-case letters, digits, hyphens or underscores."), code="invalid"
        )
    _refuse_staff_likeness(value, member)
    if is_retired_handle(value, member=member):
        raise ValidationError(
            _("This handle is not available. Please choose another."), code="retired"
        )
    return value


def clean_organisation(value: str) -> str:
    return _clean_characters(value, max_length=150)


def _is_current(value: str, member: object | None, field: str) -> bool:
    # A name the member already has is not re-judged on every profile save
    # (a moderator who arrived later with a similar name does not take it
    # from them); the characters are, since they are normalised anyway.
    return (
        member is not None and bool(getattr(member, "pk", None)) and getattr(member, field) == value
    )


# --- Retired handles ---------------------------------------------------------------------


def _handle_digests(handle: str) -> list[str]:
    # Keyed with SECRET_KEY (and its fallbacks, so that rotating the key does
    # not free every retired handle): short handles would be guessed back
    # from a plain hash.
    key = fold(handle)
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [
        salted_hmac("members.retired-handle", key, secret=secret, algorithm="sha256").hexdigest()
        for secret in secrets
    ]


def retire_handle(handle: str, *, member: object | None = None) -> None:
    """Keep ``handle`` (and its lookalikes) from being taken by anyone else.

    ``member``: the member who gave it up for another handle; they may take
    it back. None (account deletion, and every handle of an account once it
    is deleted, through SET_NULL): nobody ever may.
    """
    from members.models import RetiredHandle

    digest = _handle_digests(handle)[0]
    retired, created = RetiredHandle.objects.get_or_create(
        digest=digest, defaults={"member": member}
    )
    if not created and retired.member_id is not None and member is None:
        RetiredHandle.objects.filter(pk=retired.pk).update(member=None)


def is_retired_handle(handle: str, *, member: object | None = None) -> bool:
    """Whether ``handle`` was given up, by an account other than ``member``."""
    from members.models import RetiredHandle

    retired = RetiredHandle.objects.filter(digest__in=_handle_digests(handle))
    if member is not None and getattr(member, "pk", None):
        retired = retired.exclude(member=member)
    return retired.exists()


# --- Topics ------------------------------------------------------------------------------


def clean_topic_name(value: str, *, tag: object | None = None) -> str:
    """A topic name, normalised; refused when it looks like another existing topic."""
    value = _clean_characters(value, max_length=100)
    existing = lookalike_topic(value, exclude=tag)
    if existing is not None:
        raise ValidationError(
            _("“%(name)s” looks like the existing topic “%(existing)s”; choose that one instead.")
            % {"name": value, "existing": existing.display_name},
            code="topic_lookalike",
        )
    return value


def existing_topic(name: str) -> object | None:
    """The topic a member means by ``name``: same slug, the same name in another case,
    or the name it is shown by in the interface language ("Recours à la force")."""
    from django.utils.text import slugify

    from members.models import Tag

    slug = slugify(name)
    found = (Tag.objects.filter(slug=slug).first() if slug else None) or Tag.objects.filter(
        name__iexact=name
    ).first()
    if found is not None:
        return found
    wanted = name.casefold()
    return next(
        (t for t in Tag.objects.only("pk", "name", "slug") if t.display_name.casefold() == wanted),
        None,
    )


def lookalike_topic(value: str, *, exclude: object | None = None) -> object | None:
    """The existing topic whose name (or slug) has the same fold as ``value``, if any."""
    from members.models import Tag

    key = fold(value)
    if not key:
        return None
    topics = Tag.objects.only("pk", "name", "slug")
    if exclude is not None and getattr(exclude, "pk", None):
        topics = topics.exclude(pk=exclude.pk)
    for topic in topics.iterator():
        if key in (fold(topic.name), fold(topic.slug), fold(topic.display_name)):
            return topic
    return None
