"""Forms of lessons. They validate what the member typed and keep it on error."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from common import widgets
from lessons.models import COMMENT_MAX, SECTION_MAX, Lesson, LessonState, Provision, Setting
from lessons.services import AUTHORS_MAX, PROVISIONS_MAX, SOURCES_MAX
from members.forms import (
    LANGUAGE_CHOICES,
    TopicChoiceField,
    TopicMultipleChoiceField,
    TopicsMixin,
)
from members.models import Tag, User

HANDLE_SPLIT = re.compile(r"[\s,;]+")


class ProvisionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Provision) -> str:
        # The instrument too: "Principle 13" exists in more than one instrument.
        return f"{obj.instrument.display_short_title}, {obj.display_number}: {obj.display_title}"


def markdown_field(label: str, *, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=SECTION_MAX,
        help_text=help_text,
        # dir=auto: text typed in Arabic reads right to left in any interface.
        widget=forms.Textarea(attrs={"rows": 8, "data-markdown": "true", "dir": "auto"}),
        error_messages={
            "required": gettext_lazy("This part is needed."),
            "max_length": gettext_lazy(
                "Please keep it under %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )


class LessonForm(TopicsMixin):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        min_length=8,
        max_length=200,
        help_text=gettext_lazy("What the lesson is about, in a line."),
        error_messages={
            "required": gettext_lazy("Give the lesson a title."),
            "min_length": gettext_lazy(
                "Make the title a little longer (at least %(limit_value)d characters)."
            ),
            "max_length": gettext_lazy(
                "Keep the title under %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Two or three sentences: the situation and the main lesson."),
        error_messages={
            "required": gettext_lazy("Write a short summary: it is what lists and feeds show."),
            "max_length": gettext_lazy(
                "Keep the summary under %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )
    setting = forms.ChoiceField(label=gettext_lazy("Setting"), choices=Setting.choices)
    country = LazyTypedChoiceField(
        label=gettext_lazy("Country"), choices=[("", "—"), *countries], required=False
    )
    region = forms.CharField(
        label=gettext_lazy("Region or place (optional)"), max_length=120, required=False
    )
    period = forms.CharField(
        label=gettext_lazy("Period (optional)"),
        max_length=80,
        required=False,
        help_text=gettext_lazy("For example “2019-2021” or “March 2023”."),
    )
    what_happened = markdown_field(
        gettext_lazy("What happened"),
        required=True,
        help_text=gettext_lazy(
            "Markdown. Leave out names and details that could put someone at risk."
        ),
    )
    what_worked = markdown_field(gettext_lazy("What worked"))
    what_did_not = markdown_field(gettext_lazy("What did not work"))
    recommendations = markdown_field(gettext_lazy("Recommendations"))
    provisions = ProvisionChoiceField(
        label=gettext_lazy("Standards this lesson concerns"),
        queryset=Provision.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": gettext_lazy(
                "That standard does not exist; choose from the list (%(value)s)."
            ),
            "invalid_pk_value": gettext_lazy("“%(pk)s” is not a standard from the list."),
        },
    )
    co_authors = forms.CharField(
        label=gettext_lazy("Co-authors (optional)"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("Their @handles, separated by commas."),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language you write in"), choices=LANGUAGE_CHOICES
    )
    public_requested = forms.BooleanField(
        label=gettext_lazy(
            "Ask to publish publicly: anyone may read it without logging in, once a "
            "reviewer agrees. Author names stay hidden unless your profile name is public."
        ),
        required=False,
    )

    field_order = [
        "title",
        "summary",
        "setting",
        "country",
        "region",
        "period",
        "what_happened",
        "what_worked",
        "what_did_not",
        "recommendations",
        "topics",
        "new_topics",
        "provisions",
        "co_authors",
        "language",
        "public_requested",
    ]

    def __init__(self, *args: object, author: User | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.author = author
        self.fields["provisions"].queryset = Provision.objects.select_related(
            "instrument"
        ).order_by("instrument__position", "position")

    def provision_groups(self) -> list[dict[str, object]]:
        """The provisions' checkboxes by instrument, for disclosures: each group with
        its instrument, its checkboxes (with their provision), how many are chosen
        and whether it opens (a provision chosen, or an error on the field)."""
        groups: dict[int, dict[str, object]] = {}
        has_error = bool(self["provisions"].errors)
        for checkbox in self["provisions"]:
            provision = checkbox.data["value"].instance
            group = groups.setdefault(
                provision.instrument_id,
                {"instrument": provision.instrument, "choices": [], "chosen": 0},
            )
            group["choices"].append((checkbox, provision))
            group["chosen"] += bool(checkbox.data["selected"])
        for group in groups.values():
            group["open"] = has_error or group["chosen"] > 0
        return list(groups.values())

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())

    def clean_provisions(self) -> list[Provision]:
        chosen = list(self.cleaned_data["provisions"])
        if len(chosen) > PROVISIONS_MAX:
            raise forms.ValidationError(
                _("Link at most %(max)d standards.") % {"max": PROVISIONS_MAX}
            )
        return chosen

    def clean_co_authors(self) -> list[User]:
        handles = [
            h.lstrip("@").lower() for h in HANDLE_SPLIT.split(self.cleaned_data["co_authors"]) if h
        ]
        handles = list(dict.fromkeys(h for h in handles if h))
        if len(handles) >= AUTHORS_MAX:
            raise forms.ValidationError(
                _("A lesson has at most %(max)d authors.") % {"max": AUTHORS_MAX}
            )
        found = {
            u.handle.lower(): u
            for u in User.objects.filter(handle__in=handles, status="active", is_banned=False)
        }
        missing = [h for h in handles if h not in found]
        if missing:
            raise forms.ValidationError(
                _("No member with the handle %(handles)s.")
                % {"handles": ", ".join(f"@{h}" for h in missing)}
            )
        return [found[h] for h in handles if not self.author or found[h].pk != self.author.pk]


class CoAuthorAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        # The page's two submit buttons send these; no label of their own is shown.
        choices=[("accept", "accept"), ("decline", "decline")],
        error_messages={"required": gettext_lazy("Choose to accept or to decline.")},
    )


class SourceForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title of the source"), max_length=300)
    publisher = forms.CharField(
        label=gettext_lazy("Publisher (optional)"), max_length=200, required=False
    )
    date = forms.DateField(
        label=gettext_lazy("Date (optional)"),
        required=False,
        # A date input takes ISO dates only, whatever the interface language
        # (a localised "17/09/2020" shows as an empty field and is lost on save).
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Enter a date like 2024-03-31.")},
    )
    url = forms.URLField(
        label=gettext_lazy("Address (optional)"),
        required=False,
        max_length=500,
        assume_scheme="https",
        # The form's <datalist> of library documents: typing a few letters of a
        # title offers them (lessons/lesson_form.html, lessons.hooks).
        widget=forms.URLInput(attrs={"list": "library-sources"}),
        help_text=gettext_lazy(
            "Type a few words of a title to choose a document from the library, "
            "or paste any web address."
        ),
        error_messages={"invalid": gettext_lazy("Enter a full web address such as https://…")},
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if url and not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(_("Only http and https addresses can be cited."))
        return url

    def has_content(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("title")) and not data.get("DELETE")


class BaseSourceFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        if sum(1 for f in self.forms if f.has_content()) > SOURCES_MAX:
            raise forms.ValidationError(_("Cite at most %(max)d sources.") % {"max": SOURCES_MAX})


SourceFormSet = forms.formset_factory(
    SourceForm, formset=BaseSourceFormSet, extra=2, can_delete=True, max_num=SOURCES_MAX
)


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=gettext_lazy("Comment (Markdown)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    make_public = forms.BooleanField(
        label=gettext_lazy("Publish publicly, as the authors asked"), required=False
    )


class RetagForm(forms.Form):
    topics = TopicMultipleChoiceField(
        label=gettext_lazy("Topics"),
        queryset=Tag.objects.none(),
        required=False,
        widget=widgets.IsolatedCheckboxSelectMultiple,
        to_field_name="slug",
    )
    provisions = LessonForm.base_fields["provisions"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = Tag.objects.filter(is_official=True)
        self.fields["provisions"].queryset = Provision.objects.select_related(
            "instrument"
        ).order_by("instrument__position", "position")


class LessonFilterForm(forms.Form):
    tag = TopicChoiceField(
        label=gettext_lazy("Topic"),
        queryset=Tag.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("Any topic"),
        widget=widgets.IsolatedSelect,
    )
    standard = forms.ModelChoiceField(
        label=gettext_lazy("Standard"),
        queryset=Provision.objects.none(),
        required=False,
        empty_label=gettext_lazy("Any standard"),
        widget=widgets.Select,
    )
    country = forms.ChoiceField(
        label=gettext_lazy("Country"), required=False, widget=widgets.Select
    )
    setting = forms.ChoiceField(
        label=gettext_lazy("Setting"), required=False, widget=widgets.Select
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), required=False, widget=widgets.Select
    )
    archived = forms.BooleanField(label=gettext_lazy("Include archived lessons"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.filter(is_official=True)
        self.fields["standard"].queryset = Provision.objects.select_related("instrument").order_by(
            "instrument__position", "position"
        )
        used = (
            Lesson.objects.filter(state=LessonState.PUBLISHED)
            .exclude(country="")
            .values_list("country", flat=True)
            .distinct()
        )
        names = dict(countries)
        used_countries = sorted(
            ((code, names.get(code, code)) for code in set(used)), key=lambda c: str(c[1])
        )
        self.fields["country"].choices = [("", _("Any country")), *used_countries]
        self.fields["setting"].choices = [("", _("Any setting")), *Setting.choices]
        self.fields["language"].choices = [("", _("Any language")), *LANGUAGE_CHOICES]
