"""The event forms. Times are typed in the event's own zone and stored in UTC."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common import widgets
from common.languages import languages_named_in
from events.models import DESCRIPTION_MAX, NOTE_MAX, Event, EventKind, EventVisibility
from members.forms import members_by_handle
from members.models import Tag, User
from members.services import time_zone_names


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in time_zone_names()]


def provision_model():
    # The lessons' standards, reached through the event's own field: no import of lessons.
    return Event._meta.get_field("provisions").related_model


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices, widget=widgets.Select)
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: **bold**, *italic*, lists, links."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone of the event"),
        widget=widgets.Select,
        help_text=_("The start and end are in this zone; members see them in their own too."),
    )
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeLocal())
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DateTimeLocal())
    registration_deadline = forms.DateTimeField(
        label=_("Registration closes"),
        required=False,
        widget=DateTimeLocal(),
        help_text=_("Empty: when the event starts."),
    )
    online_url = forms.URLField(
        label=_("Online link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Shown only to confirmed participants and the organisers."),
    )
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    place_public = forms.BooleanField(
        label=_("Show the place to everyone who sees the event"),
        required=False,
        help_text=_("Otherwise only confirmed participants and the organisers see it."),
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=10_000, initial=30)
    requires_approval = forms.BooleanField(
        label=_("Organisers accept each registration"), required=False
    )
    show_participants = forms.BooleanField(
        label=_("Participants see who else comes"),
        required=False,
        help_text=_("Otherwise they see only how many have registered."),
    )
    visibility = forms.ChoiceField(
        label=_("Who sees it"),
        choices=EventVisibility.choices,
        initial=EventVisibility.MEMBERS,
        widget=forms.RadioSelect,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        widget=widgets.CheckboxList(
            container_attrs={
                "class": "choice-scroll",
                "data-filter-label": _("Filter the languages"),
                "data-filter-status": _("Languages shown: %(count)s"),
            }
        ),
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Tag.objects.none(),
        required=False,
        widget=widgets.IsolatedCheckboxSelectMultiple,
    )
    provisions = forms.ModelMultipleChoiceField(
        label=_("Standards"),
        queryset=Tag.objects.none(),
        required=False,
        widget=widgets.SelectMultiple,
    )
    organisers = forms.CharField(
        label=_("Other organisers"),
        required=False,
        help_text=_("Handles of members, separated by spaces: @ana @ben"),
    )
    invitees = forms.CharField(
        label=_("Invited members"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For an invitation-only event: handles separated by spaces."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()
        self.fields["languages"].choices = languages_named_in(get_language())
        self.fields["tags"].queryset = Tag.objects.filter(is_official=True).order_by("name")
        self.fields["provisions"].queryset = (
            provision_model()
            .objects.select_related("instrument")
            .order_by("instrument", "position")
        )

    @classmethod
    def initial_for(cls, event: Event) -> dict[str, Any]:
        zone = zoneinfo.ZoneInfo(event.time_zone)

        def local(value: datetime | None) -> datetime | None:
            return timezone.localtime(value, zone).replace(tzinfo=None) if value else None

        return {
            "title": event.title,
            "kind": event.kind,
            "description": event.description,
            "time_zone": event.time_zone,
            "starts_at": local(event.starts_at),
            "ends_at": local(event.ends_at),
            "registration_deadline": local(event.registration_deadline),
            "online_url": event.online_url,
            "place": event.place,
            "place_public": event.place_public,
            "capacity": event.capacity,
            "requires_approval": event.requires_approval,
            "show_participants": event.show_participants,
            "visibility": event.visibility,
            "languages": [language.code for language in event.languages.all()],
            "tags": list(event.tags.all()),
            "provisions": list(event.provisions.all()),
            "organisers": " ".join(f"@{m.handle}" for m in event.organisers.all()),
            "invitees": " ".join(f"@{m.handle}" for m in event.invitees.all()),
        }

    def clean_organisers(self) -> list[User]:
        return members_by_handle(self.cleaned_data["organisers"])

    def clean_invitees(self) -> list[User]:
        return members_by_handle(self.cleaned_data["invitees"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        name = data.get("time_zone")
        if name:
            zone = zoneinfo.ZoneInfo(name)
            for field in ("starts_at", "ends_at", "registration_deadline"):
                value = data.get(field)
                if value is not None:
                    # Typed as a wall-clock time in the event's zone.
                    data[field] = timezone.make_aware(value.replace(tzinfo=None), zone)
        return data


class RegistrationForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the organisers (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only the organisers read it."),
    )


class DecisionForm(forms.Form):
    # The page's two submit buttons send these; no label of their own is shown.
    answer = forms.ChoiceField(choices=[("accept", "accept"), ("decline", "decline")])


class EventFilterForm(forms.Form):
    kind = forms.MultipleChoiceField(
        label=_("Kind"),
        choices=EventKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tag = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Tag.objects.none(),
        to_field_name="slug",
        required=False,
        widget=widgets.IsolatedCheckboxSelectMultiple,
    )
    language = forms.MultipleChoiceField(
        label=_("Language"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, languages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.filter(is_official=True).order_by("name")
        self.fields["language"].choices = languages
