"""The library's forms: a resource with its files, a collection, the list's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from common import widgets
from common.forms import MultipleFileField
from common.languages import languages_named_in
from library.models import (
    ABSTRACT_MAX,
    INTRODUCTION_MAX,
    NOTE_MAX,
    CollectionOrder,
    MaterialWhen,
    Resource,
    ResourceKind,
    ResourceVisibility,
)
from members.forms import members_by_handle
from members.models import Tag, User


def provision_model():
    # The lessons' standards, reached through the resource's own field: no import of lessons.
    return Resource._meta.get_field("provisions").related_model


class ResourceForm(forms.Form):
    # What a member has at hand first: the document, its title and type.
    field_order = (
        "title",
        "kind",
        "files",
        "file_language",
        "source_url",
        "authors",
        "author_members",
        "publisher",
        "published_on",
        "abstract",
        "languages",
        "tags",
        "provisions",
        "series",
        "number",
        "country",
        "region",
        "licence",
        "visibility",
    )
    kind = forms.ChoiceField(label=_("Type"), choices=ResourceKind.choices, widget=widgets.Select)
    title = forms.CharField(label=_("Title"), max_length=300)
    authors = forms.CharField(
        label=_("Authors"),
        max_length=500,
        required=False,
        help_text=_("As the document names them, separated by semicolons."),
    )
    author_members = forms.CharField(
        label=_("Authors on the network (optional)"),
        required=False,
        help_text=_("Handles of members, separated by spaces: @ana @ben"),
    )
    publisher = forms.CharField(label=_("Publisher"), max_length=200, required=False)
    published_on = forms.DateField(
        label=_("Publication date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    abstract = forms.CharField(
        label=_("Abstract"),
        max_length=ABSTRACT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown: **bold**, *italic*, lists, links."),
    )
    files = MultipleFileField(
        label=_("Files (optional)"),
        required=False,
        help_text=_(
            "PDF, Word (.docx), OpenDocument (.odt), plain text, PNG or JPEG, up to "
            "%(mb)d MB each. Before anything is saved you see what we removed from "
            "them: author names, GPS positions, editing software."
        )
        % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
    )
    file_language = forms.ChoiceField(
        label=_("Language of the files"),
        widget=widgets.Select,
        help_text=_("Add language versions one language at a time."),
    )
    source_url = forms.URLField(
        label=_("Source address"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the original is published. Needed when there is no file."),
    )
    series = forms.CharField(label=_("Series"), max_length=200, required=False)
    number = forms.IntegerField(
        label=_("Number in the series"), required=False, min_value=1, max_value=100_000
    )
    licence = forms.CharField(
        label=_("Licence"),
        max_length=200,
        required=False,
        help_text=_("For example: CC BY 4.0, or “All rights reserved, shared with permission”."),
    )
    country = forms.ChoiceField(label=_("Country"), required=False, widget=widgets.Select)
    region = forms.CharField(
        label=_("Region"),
        max_length=100,
        required=False,
        help_text=_("When it concerns more than one country: “West Africa”, “Europe”."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages of the resource"),
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
    visibility = forms.ChoiceField(
        label=_("Who can read it"),
        choices=ResourceVisibility.choices,
        initial=ResourceVisibility.MEMBERS,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        named = languages_named_in(get_language())
        self.fields["languages"].choices = named
        self.fields["file_language"].choices = named
        self.fields["country"].choices = [("", _("None or several")), *countries]
        self.fields["tags"].queryset = Tag.objects.filter(is_official=True).order_by("name")
        self.fields["provisions"].queryset = (
            provision_model()
            .objects.select_related("instrument")
            .order_by("instrument", "position")
        )
        if not self.is_bound:
            self.initial.setdefault("languages", ["en"])
            self.initial.setdefault("file_language", "en")

    @classmethod
    def initial_for(cls, resource: Resource) -> dict[str, Any]:
        return {
            "kind": resource.kind,
            "title": resource.title,
            "authors": resource.authors,
            "author_members": " ".join(f"@{m.handle}" for m in resource.author_members.all()),
            "publisher": resource.publisher,
            "published_on": resource.published_on,
            "abstract": resource.abstract,
            "source_url": resource.source_url,
            "series": resource.series,
            "number": resource.number,
            "licence": resource.licence,
            "country": resource.country.code if resource.country else "",
            "region": resource.region,
            "languages": [language.code for language in resource.languages.all()],
            "tags": list(resource.tags.all()),
            "provisions": list(resource.provisions.all()),
            "visibility": resource.visibility,
            "file_language": next((lang.code for lang in resource.languages.all()), "en"),
        }

    def clean_author_members(self) -> list[User]:
        return members_by_handle(self.cleaned_data["author_members"])


class CollectionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Address"),
        max_length=80,
        required=False,
        help_text=_("The last part of the collection's address; empty: made from the title."),
    )
    introduction = forms.CharField(
        label=_("Introduction"),
        max_length=INTRODUCTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown: **bold**, *italic*, lists, links."),
    )
    order = forms.ChoiceField(
        label=_("Order"),
        choices=CollectionOrder.choices,
        initial=CollectionOrder.CURATED,
        widget=forms.RadioSelect,
    )


class CollectionItemForm(forms.Form):
    collection = forms.ChoiceField(label=_("Collection"), widget=widgets.Select)
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why it belongs here, shown under the item."),
    )

    def __init__(self, *args: Any, collections: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collection"].choices = collections


class MaterialForm(forms.Form):
    resource = forms.IntegerField(widget=forms.HiddenInput)
    when = forms.ChoiceField(
        label=_("When"), choices=MaterialWhen.choices, widget=forms.RadioSelect
    )


SORT_CHOICES = [
    ("date", _("Newest first")),
    ("title", _("Title")),
    ("relevance", _("Best match (with a search)")),
]


class LibraryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search the library"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_("Titles, abstracts and the text inside the files."),
    )
    kind = forms.MultipleChoiceField(
        label=_("Type"),
        choices=ResourceKind.choices,
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
    provision = forms.ModelChoiceField(
        label=_("Standard"),
        queryset=Tag.objects.none(),
        required=False,
        widget=widgets.Select,
        empty_label=_("Any"),
    )
    country = forms.ChoiceField(label=_("Country"), required=False, widget=widgets.Select)
    language = forms.ChoiceField(label=_("Language"), required=False, widget=widgets.Select)
    year = forms.TypedChoiceField(
        label=_("Year"), required=False, coerce=int, empty_value=None, widget=widgets.Select
    )
    collection = forms.ChoiceField(label=_("Collection"), required=False, widget=widgets.Select)
    sort = forms.ChoiceField(
        label=_("Sort"), choices=SORT_CHOICES, required=False, widget=widgets.Select
    )

    def __init__(
        self,
        *args: Any,
        languages: list[tuple[str, str]],
        years: list[int],
        countries_used: list[str],
        collections: list[tuple[str, str]],
        provisions: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.filter(is_official=True).order_by("name")
        self.fields["provision"].queryset = provisions
        any_ = ("", _("Any"))
        self.fields["language"].choices = [any_, *languages]
        self.fields["year"].choices = [any_, *((str(y), str(y)) for y in years)]
        names = dict(countries)
        self.fields["country"].choices = [
            any_,
            *sorted(((c, names.get(c, c)) for c in countries_used), key=lambda p: str(p[1])),
        ]
        self.fields["collection"].choices = [any_, *collections]
