"""Forms for joining, the profile and the directory filters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from common import widgets
from common.catalogue import sort_key
from common.handles import HANDLE_PATTERN
from common.languages import languages_named_in
from members import language, naming, services
from members.models import (
    CONTACT_MESSAGE_MAX,
    ContactCategory,
    MemberRole,
    Profile,
    Tag,
    User,
)

INVITATION_SESSION_KEY = "members_invitation_token"
# What a topic name may be made of (the forms that propose or rename one).
TOPIC_NAME = re.compile(r"^[\w][\w &'\u2019-]{1,48}[\w]$")


# A filter box over the country list's ~250 options (network/forms.js); without
# JavaScript it is the same select.
COUNTRY_FILTER = {
    "data-filter-label": _("Filter the countries"),
    "data-filter-status": _("Countries shown: %(count)s"),
}


# Handles typed in a text field ("@ana @ben", "ana, ben"): an event's organisers
# and invitees, a resource's authors on the network.
HANDLE_SPLIT = re.compile(r"[\s,;]+")


def members_by_handle(text: str) -> list[User]:
    """The approved members named by handle in ``text``, in order; a handle nobody
    has is a validation error naming it."""
    handles = list(dict.fromkeys(h.lstrip("@").lower() for h in HANDLE_SPLIT.split(text) if h))
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
    return [found[h] for h in handles]


class _LanguageChoices(BaseChoiceIterator):
    """Lazy choices: the languages named and sorted in the interface language of
    the request that renders or validates the form, not of the import."""

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(languages_named_in(get_language()))


LANGUAGE_CHOICES = _LanguageChoices()


class _ByShownName(forms.models.ModelChoiceIterator):
    """Topics in the order of the names the member reads: a seed topic's name is
    translated (``Tag.display_name``), so the database's order by name is not theirs."""

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for tag in sorted(self.queryset, key=lambda tag: sort_key(tag.display_name)):
            yield self.choice(tag)


class TopicChoiceField(forms.ModelChoiceField):
    """One topic, labelled and sorted by its name in the interface language."""

    iterator = _ByShownName


class TopicMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several topics, labelled and sorted by their names in the interface language."""

    iterator = _ByShownName


class _OwnNameSelect(forms.Select):
    """Each language named in itself, marked so (screen readers pronounce it)."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["value"]:
            option["attrs"]["lang"] = option["value"]
        return option


class SignupForm(AllauthSignupForm):
    """allauth's sign-up plus what a moderator needs to approve the request."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_("How other members will see you. A pseudonym is fine."),
    )
    organisation = forms.CharField(
        label=_("Organisation or section"),
        max_length=150,
        required=False,
        help_text=_("Optional. Only moderators and, if you choose, members see it."),
    )
    role = forms.ChoiceField(
        label=_("Your work"), choices=[("", _("Choose one")), *MemberRole.choices]
    )
    motivation = forms.CharField(
        label=_("Why do you want to join?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few sentences for the moderators who review requests to join."),
    )

    def clean_display_name(self) -> str:
        return naming.clean_display_name(self.cleaned_data["display_name"], member=None)

    def clean_organisation(self) -> str:
        return naming.clean_organisation(self.cleaned_data["organisation"])

    def try_save(self, request: HttpRequest) -> tuple[User | None, Any]:
        if self.account_already_exists:
            # allauth answers a registered address as it answers a new one,
            # but skips the account, and so the password hash that is most of
            # a new sign-up's time: the response time told which addresses
            # are registered. Hash this password too, for nothing.
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)

    def save(self, request: HttpRequest) -> User:
        user = super().save(request)
        return services.record_sign_up(
            user=user,
            display_name=self.cleaned_data["display_name"],
            organisation=self.cleaned_data["organisation"],
            role=self.cleaned_data["role"],
            motivation=self.cleaned_data["motivation"],
            invitation_token=request.session.pop(INVITATION_SESSION_KEY, None),
        )


class ProfileForm(forms.ModelForm):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_("How other members see you. A pseudonym is fine; a real name is never needed."),
    )
    handle = forms.RegexField(
        label=_("Handle"),
        regex=f"^{HANDLE_PATTERN}$",
        max_length=30,
        help_text=_("3 to 30 lower-case letters, digits, hyphens or underscores."),
        error_messages={
            "invalid": _("Use 3 to 30 lower-case letters, digits, hyphens or underscores.")
        },
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"),
        choices=LANGUAGE_CHOICES,
        required=False,
        # Checkboxes in a scrolling list with a filter box (network/forms.js): no
        # Ctrl-click to choose several, and the chosen ones come first.
        widget=widgets.CheckboxList(
            container_attrs={
                "class": "choice-scroll",
                "data-filter-label": _("Filter the languages"),
                "data-filter-status": _("Languages shown: %(count)s"),
            }
        ),
    )
    expertise = TopicMultipleChoiceField(
        label=_("Expertise"),
        queryset=Tag.objects.all(),
        required=False,
        widget=widgets.IsolatedCheckboxSelectMultiple,
        help_text=_("Topics you know well; members look for experts by these."),
    )
    site_language = forms.ChoiceField(
        label=_("Language of the site"),
        required=False,
        widget=_OwnNameSelect,
        help_text=_("The language of menus, buttons and messages, on every device you use."),
    )

    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        required=False,
        widget=widgets.Select,
        help_text=_("Times of events are shown in it."),
    )

    class Meta:
        model = Profile
        fields = [
            "bio",
            "organisation",
            "country",
            "role",
            "open_to_questions",
            "name_visibility",
            "bio_visibility",
            "organisation_visibility",
            "country_visibility",
            "languages_visibility",
            "role_visibility",
            "expertise_visibility",
        ]
        widgets = {"bio": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "bio": _(
                "Markdown: **bold**, _italic_, [link text](https://…). Up to 2,000 characters."
            ),
            "open_to_questions": _("Show members that they may ask you questions directly."),
        }

    def __init__(self, *args: Any, member: User, **kwargs: Any) -> None:
        self.member = member
        profile = kwargs.get("instance")
        initial = kwargs.setdefault("initial", {})
        initial.update(
            {
                "display_name": member.display_name,
                "handle": member.handle,
                "site_language": member.language,
                "time_zone": member.time_zone,
            }
        )
        if profile is not None and profile.pk:
            initial["languages"] = list(profile.languages.values_list("code", flat=True))
            initial["expertise"] = list(profile.expertise.all())
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name.endswith("_visibility"):
                field.label = _("Who can see it")
        self.fields["site_language"].choices = [
            ("", _("Your browser's language")),
            *language.shipped_languages(),
        ]
        self.fields["country"].widget.attrs.update(COUNTRY_FILTER)
        self.fields["time_zone"].choices = [
            (name, name.replace("_", " ")) for name in services.time_zone_names()
        ]
        if self.member.time_zone in ("", "UTC") and not self.is_bound:
            # Never chosen: forms.js preselects the browser's zone (UTC without JavaScript).
            self.fields["time_zone"].widget.attrs["data-browser-zone"] = "suggest"

    def clean_display_name(self) -> str:
        return naming.clean_display_name(self.cleaned_data["display_name"], member=self.member)

    def clean_organisation(self) -> str:
        return naming.clean_organisation(self.cleaned_data["organisation"])

    def clean_handle(self) -> str:
        handle = naming.clean_handle(self.cleaned_data["handle"], member=self.member)
        if User.objects.filter(handle=handle).exclude(pk=self.member.pk).exists():
            raise forms.ValidationError(_("Another member already uses this handle."))
        return handle

    def save(self, commit: bool = True) -> Profile:
        profile_fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        language.member_language_set(
            member=self.member, language=self.cleaned_data["site_language"]
        )
        services.set_time_zone(member=self.member, name=self.cleaned_data["time_zone"] or "UTC")
        return services.update_profile(
            member=self.member,
            display_name=self.cleaned_data["display_name"],
            handle=self.cleaned_data["handle"],
            profile_fields=profile_fields,
            languages=self.cleaned_data["languages"],
            expertise=self.cleaned_data["expertise"],
        )

    def visibility_pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """(field, its visibility) in display order, for the template."""
        return [
            (self["display_name"], self["name_visibility"]),
            (self["bio"], self["bio_visibility"]),
            (self["organisation"], self["organisation_visibility"]),
            (self["country"], self["country_visibility"]),
            (self["languages"], self["languages_visibility"]),
            (self["role"], self["role_visibility"]),
            (self["expertise"], self["expertise_visibility"]),
        ]


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=80)
    tag = TopicChoiceField(
        label=_("Expertise"),
        queryset=Tag.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Any topic"),
        widget=widgets.IsolatedSelect,
    )
    country = forms.ChoiceField(
        label=_("Country"), required=False, widget=widgets.Select(attrs=COUNTRY_FILTER)
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        widget=widgets.Select(
            attrs={
                "data-filter-label": _("Filter the languages"),
                "data-filter-status": _("Languages shown: %(count)s"),
            }
        ),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", _("Any role")), *MemberRole.choices],
        widget=widgets.Select,
    )
    open = forms.BooleanField(label=_("Open to questions"), required=False)
    experts = forms.BooleanField(label=_("Experts only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Any country")), *countries]
        self.fields["language"].choices = [("", _("Any language")), *LANGUAGE_CHOICES]


class InvitationForm(forms.Form):
    note = forms.CharField(
        label=_("Note for yourself (who is it for?)"),
        max_length=200,
        required=False,
        help_text=_("Only you and moderators see this note."),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the person)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BanForm(forms.Form):
    reason = forms.CharField(label=_("Reason (for the audit log)"), max_length=500)


class ContactForm(forms.Form):
    """The contact form: anyone may write to the moderators, with or without an account."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        required=False,
        help_text=_("Optional. Any name you like."),
    )
    reply_to = forms.EmailField(
        label=_("Email address for a reply"),
        required=False,
        help_text=_("Optional. Leave it empty if you want no answer."),
    )
    category = forms.ChoiceField(
        label=_("What is it about?"),
        choices=[("", _("Choose one")), *ContactCategory.choices],
    )
    message = forms.CharField(
        label=_("Message"),
        max_length=CONTACT_MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    # A trap for robots that fill in every field: people never see it (the
    # template hides it), so a message with it filled in is quietly dropped.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    @property
    def is_from_a_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class TopicsMixin(forms.Form):
    """1 to 5 topics: official ones ticked, plus new ones proposed by name.

    The topic fields of every form that files something under topics (a
    thread, a lesson): the tag vocabulary is members', so the rule is said
    once, here. The names typed in ``new_topics`` are not created by the form:
    the service that saves the thread or lesson proposes them inside its
    transaction (``members.services.resolve_tags``).
    """

    topics = TopicMultipleChoiceField(
        label=_("Topics"),
        queryset=Tag.objects.none(),
        required=False,
        widget=widgets.IsolatedCheckboxSelectMultiple,
        to_field_name="slug",
    )
    new_topics = forms.CharField(
        label=_("Propose a new topic (optional)"),
        required=False,
        max_length=160,
        help_text=_(
            "Comma-separated names, if no topic above fits. Experts and moderators review them."
        ),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = Tag.objects.filter(is_official=True)

    def clean_new_topics(self) -> list[str]:
        names = [" ".join(n.split()) for n in self.cleaned_data["new_topics"].split(",")]
        names = [n for n in names if n]
        for name in names:
            if not TOPIC_NAME.match(name):
                raise forms.ValidationError(
                    gettext(
                        "“%(name)s” is not a usable topic name: use 3 to 50 letters, digits, "
                        "spaces, hyphens or apostrophes."
                    )
                    % {"name": name[:60]}
                )
        # A new topic must not pass for an existing one ("Use of force" with a
        # Cyrillic e); the existing topic's own name (any case) still chooses it.
        return [
            name if naming.existing_topic(name) is not None else naming.clean_topic_name(name)
            for name in names
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen = list(cleaned.get("topics") or [])
        new = cleaned.get("new_topics") or []
        if "new_topics" in self.errors or "topics" in self.errors:
            return cleaned
        known = {t.name.lower() for t in chosen} | {t.slug for t in chosen}
        count = len(chosen) + len([n for n in new if n.lower() not in known])
        if not services.TOPICS_MIN <= count <= services.TOPICS_MAX:
            self.add_error(
                "topics",
                gettext("Choose between %(min)d and %(max)d topics (you chose %(count)d).")
                % {"min": services.TOPICS_MIN, "max": services.TOPICS_MAX, "count": count},
            )
        return cleaned


# allauth's own forms, with labels in the site's sentence case ("Remember Me",
# "New Password (again)" beside the site's "Password (again)").
class LoginForm(AllauthLoginForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["remember"].label = _("Remember me")


class ChangePasswordForm(AllauthChangePasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["oldpassword"].label = _("Current password")
        self.fields["password1"].label = _("New password")
        self.fields["password2"].label = _("New password (again)")


class ResetPasswordKeyForm(AllauthResetPasswordKeyForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = _("New password")
        self.fields["password2"].label = _("New password (again)")
