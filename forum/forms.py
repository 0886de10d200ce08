"""Forms of the forum. They validate what the member typed and keep it on error."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import widgets
from common.forms import MultipleFileField
from forum.models import BODY_MAX, TITLE_MAX, TITLE_MIN, FlagReason, ThreadKind
from members import naming
from members.forms import (
    LANGUAGE_CHOICES,
    TOPIC_NAME,
    TopicChoiceField,
    TopicMultipleChoiceField,
    TopicsMixin,
)
from members.models import Tag


class ClientTokenField(forms.UUIDField):
    """A per-form random id: the same submission posted twice makes one post."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: object) -> None:
        super().__init__(required=False, **kwargs)


def body_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=BODY_MAX,
        # dir=auto: text typed in Arabic reads right to left in any interface.
        widget=forms.Textarea(attrs={"rows": 10, "data-markdown": "true", "dir": "auto"}),
        help_text=gettext_lazy(
            "Markdown: **bold**, *italic*, [link](https://…), > quote, - list. "
            "Mention a member with @handle. Images are shown as links."
        ),
        error_messages={
            "required": gettext_lazy("Write something first."),
            "max_length": gettext_lazy(
                "Please keep it under %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )


def attachments_field() -> forms.FileField:
    return MultipleFileField(
        label=gettext_lazy("Attach files (optional)"),
        required=False,
        help_text=gettext_lazy(
            "Up to 3: PDF, Word (.docx), OpenDocument (.odt), plain text, PNG or JPEG. "
            "Author names, GPS positions and other metadata are removed before they are "
            "stored; they are shown as downloads, never as images in the page."
        ),
    )


class ThreadForm(TopicsMixin):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        min_length=TITLE_MIN,
        max_length=TITLE_MAX,
        help_text=gettext_lazy("A short, specific summary: what happened, where, what you ask."),
        error_messages={
            "required": gettext_lazy("Give your thread a title."),
            "min_length": gettext_lazy(
                "Make the title a little longer (at least %(limit_value)d characters)."
            ),
            "max_length": gettext_lazy(
                "Keep the title under %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=ThreadKind.choices,
        initial=ThreadKind.QUESTION,
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language you write in"), choices=LANGUAGE_CHOICES
    )
    body = body_field(gettext_lazy("Your question or topic"))
    attachments = attachments_field()
    client_token = ClientTokenField()

    field_order = [
        "title",
        "kind",
        "body",
        "attachments",
        "topics",
        "new_topics",
        "language",
        "client_token",
    ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_token", uuid.uuid4())

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())


class ReplyForm(forms.Form):
    body = body_field(gettext_lazy("Your reply"))
    client_token = ClientTokenField()
    # Read by the view from request.FILES (several), checked by the upload pipeline.
    attachments = attachments_field()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_token", uuid.uuid4())


class PostEditForm(forms.Form):
    body = body_field(gettext_lazy("Text"))


class OpeningPostEditForm(TopicsMixin):
    title = ThreadForm.base_fields["title"]
    body = body_field(gettext_lazy("Your question or topic"))

    field_order = ["title", "body", "topics", "new_topics"]

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())


class RetagForm(TopicsMixin):
    pass


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("What is wrong with this post?"),
        choices=FlagReason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Anything the moderators should know (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ThreadFilterForm(forms.Form):
    SORTS = [
        ("latest", gettext_lazy("Latest activity")),
        ("new", gettext_lazy("New")),
        ("unanswered", gettext_lazy("Unanswered questions")),
        ("helpful", gettext_lazy("Most helpful")),
    ]
    sort = forms.ChoiceField(label=gettext_lazy("Show"), choices=SORTS, required=False)
    tag = TopicMultipleChoiceField(
        label=gettext_lazy("Topics"),
        queryset=Tag.objects.none(),
        to_field_name="slug",
        required=False,
        widget=widgets.IsolatedCheckboxSelectMultiple,
        help_text=gettext_lazy("Threads with all the chosen topics."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False, widget=widgets.Select)
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), required=False, widget=widgets.Select
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.all()
        self.fields["kind"].choices = [("", _("Questions and discussions")), *ThreadKind.choices]
        self.fields["language"].choices = [("", _("Any language")), *LANGUAGE_CHOICES]


class TagEditForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "description"]
        labels = {"name": gettext_lazy("Name"), "description": gettext_lazy("Description")}

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not TOPIC_NAME.match(name):
            raise forms.ValidationError(
                _("Use 3 to 50 letters, digits, spaces, hyphens or apostrophes.")
            )
        return naming.clean_topic_name(name, tag=self.instance)


class TagMergeForm(forms.Form):
    into = TopicChoiceField(
        label=gettext_lazy("Merge into"),
        queryset=Tag.objects.none(),
        to_field_name="slug",
        widget=widgets.IsolatedSelect,
        help_text=gettext_lazy(
            "Every thread, lesson, follower and expertise of this topic moves to the one you "
            "choose; this topic is then removed."
        ),
    )

    def __init__(self, *args: object, source: Tag, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = Tag.objects.exclude(pk=source.pk)
