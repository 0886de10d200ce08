"""Lesson pages. Views parse input, call lessons.services, and render.

Published public lessons, their lists and the reference standards are open to
visitors (``login_not_required``); everything else is members only. A lesson
the viewer may not see answers 404, never 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from common.diff import line_diff
from common.drafts import DRAFT_CLEAR_KEY
from common.errors import ServiceError
from common.filters import active_filters
from common.forms import PurgeForm
from common.links import query_without_page
from common.views import attempt
from lessons import hooks, permissions, selectors, services
from lessons.forms import (
    CoAuthorAnswerForm,
    LessonFilterForm,
    LessonForm,
    RetagForm,
    SourceFormSet,
    TransitionForm,
)
from lessons.models import (
    CoAuthorInvitation,
    Instrument,
    Lesson,
    LessonRevision,
    LessonState,
    Provision,
)
from lessons.services import LessonData, LessonError, SourceData
from members.access import moderator_required
from notifications import selectors as notification_selectors
from notifications import services as notifications

# --- Lists ----------------------------------------------------------------------


@login_not_required
@require_safe
def lesson_list(request: HttpRequest) -> HttpResponse:
    form = LessonFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    tag = filters.get("tag")
    lessons = selectors.published_lessons(
        request.user,
        tag=tag.slug if tag else "",
        provision=filters.get("standard"),
        country=filters.get("country", ""),
        setting=filters.get("setting", ""),
        language=filters.get("language", ""),
        include_archived=bool(filters.get("archived")),
    )
    page = Paginator(lessons, selectors.LESSONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "lessons/lesson_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "chips": active_filters(request, form),
            "can_create": permissions.can_create(request.user),
            "is_reviewer": permissions.is_reviewer(request.user),
        },
    )


@require_safe
def my_lessons(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.my_lessons(request.user), selectors.LESSONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "lessons/my_lessons.html",
        {"page": page, "invitations": selectors.invitations_for(request.user)},
    )


@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    if not permissions.is_reviewer(request.user):
        raise Http404
    page = Paginator(selectors.review_queue(request.user), selectors.LESSONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "lessons/review_queue.html", {"page": page})


# --- One lesson -----------------------------------------------------------------


def _lesson_or_404(request: HttpRequest, pk: int) -> Lesson:
    lesson = selectors.lesson_for(request.user, pk)
    if lesson is None:
        raise Http404
    return lesson


def _lesson_page(
    request: HttpRequest, lesson: Lesson, action_form: TransitionForm | None = None, status=200
) -> HttpResponse:
    user = request.user
    is_member = user.is_authenticated and user.is_member
    sees_review = is_member and (
        permissions.is_author(user, lesson) or permissions.is_reviewer(user) or user.can_moderate
    )
    # "Discussed in": the thread came with the lesson (select_related); the
    # page needs its title and address, and whether this member may open it.
    thread = lesson.from_thread if is_member else None
    if thread is not None and not (thread.is_visible or user.can_moderate):
        thread = None
    # "Came out of this training": the event, if this member may open it.
    event = lesson.from_event
    if event is not None and not hooks.event_source().visible(user, event):
        event = None
    sources = list(lesson.sources.all())
    # A source that is a library resource the viewer may open shows its type and year.
    documents = hooks.document_source().describe_sources(
        [source.url for source in sources if source.url], viewer=user
    )
    for source in sources:
        source.document = documents.get(source.url)
    return render(
        request,
        "lessons/lesson_detail.html",
        {
            "lesson": lesson,
            "authors": selectors.authors_for(lesson, user),
            "provisions": list(lesson.provisions.all()),
            "sources": sources,
            "event": event,
            "thread": thread,
            "actions": permissions.allowed_actions(user, lesson) if is_member else [],
            "action_form": action_form or TransitionForm(),
            "transitions": (
                list(lesson.transitions.select_related("actor")) if sees_review else []
            ),
            "sees_review": sees_review,
            "can_edit": permissions.can_edit(user, lesson),
            "can_retag": permissions.can_retag(user, lesson),
            "can_see_history": permissions.can_see_history(user, lesson),
            "invitation": selectors.pending_invitation(user, lesson.pk),
            "invitations": (
                selectors.invitations_of(lesson) if permissions.is_author(user, lesson) else []
            ),
            "is_member": is_member,
            "clear_draft": request.session.pop(DRAFT_CLEAR_KEY, "")
            if request.user.is_authenticated
            else "",
        },
        status=status,
    )


@login_not_required
@require_safe
def lesson_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    lesson = _lesson_or_404(request, pk)
    if slug != lesson.slug:
        return redirect(lesson.get_absolute_url(), permanent=True)
    return _lesson_page(request, lesson)


def _sources(formset: SourceFormSet) -> list[SourceData]:
    return [
        SourceData(
            title=f.cleaned_data["title"],
            publisher=f.cleaned_data.get("publisher", ""),
            date=f.cleaned_data.get("date"),
            url=f.cleaned_data.get("url", ""),
        )
        for f in formset.forms
        if f.has_content()
    ]


def _data(form: LessonForm, formset: SourceFormSet) -> LessonData:
    cleaned = form.cleaned_data
    return LessonData(
        title=cleaned["title"],
        summary=cleaned["summary"],
        setting=cleaned["setting"],
        country=cleaned.get("country") or "",
        region=cleaned["region"],
        period=cleaned["period"],
        what_happened=cleaned["what_happened"],
        what_worked=cleaned["what_worked"],
        what_did_not=cleaned["what_did_not"],
        recommendations=cleaned["recommendations"],
        language=cleaned["language"],
        public_requested=cleaned["public_requested"],
        tags=list(cleaned["topics"]),
        new_topics=tuple(cleaned["new_topics"]),
        provisions=cleaned["provisions"],
        co_authors=cleaned["co_authors"],
        sources=_sources(formset),
    )


def _save(
    request: HttpRequest, form: LessonForm, formset: SourceFormSet, save, *, success: str
) -> HttpResponse | None:
    """Validate both, call ``save(data)``: the redirect to the lesson, or None when
    the form is to be shown again (a refusal's message joins the form's errors)."""
    if not (form.is_valid() and formset.is_valid()):
        return None
    return attempt(
        request,
        form,
        lambda: save(_data(form, formset)),
        refusals=ServiceError,
        success=success,
        then=redirect,
    )


def lesson_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create(request.user):
        raise Http404
    thread = None
    initial: dict = {"language": (request.LANGUAGE_CODE or "en").split("-")[0]}
    thread_id = request.GET.get("from_thread") or request.POST.get("from_thread")
    if thread_id:
        # "Turn into a lesson": the thread comes from lessons.hooks (the forum's, installed
        # by network), only if this member may turn it into a lesson.
        source = hooks.thread_source()
        try:
            thread = source.thread_to_turn(request.user, int(thread_id))
        except ValueError:
            thread = None
        if thread is None:
            raise Http404
        initial.update(source.draft(thread, viewer=request.user))
    event = None
    event_id = request.GET.get("from_event") or request.POST.get("from_event")
    if event_id:
        # "Capture what was learned" after a training: lessons.hooks (the events', installed
        # by network), only for its organisers and confirmed participants, once it ended.
        events = hooks.event_source()
        try:
            event = events.event_to_capture(request.user, int(event_id))
        except ValueError:
            event = None
        if event is None:
            raise Http404
        initial.update(events.draft(event, viewer=request.user))
    form = LessonForm(request.POST or None, initial=initial, author=request.user)
    formset = SourceFormSet(request.POST or None, prefix="sources")
    if request.method == "POST":
        saved = _save(
            request,
            form,
            formset,
            lambda data: services.create_lesson(
                author=request.user, data=data, from_thread=thread, from_event=event
            ),
            success=_("Your draft is saved. Submit it for review when it is ready."),
        )
        if saved is not None:
            request.session[DRAFT_CLEAR_KEY] = "new-lesson"
            return saved
    return render(
        request,
        "lessons/lesson_form.html",
        {
            "form": form,
            "formset": formset,
            "thread": thread,
            "event": event,
            "lesson": None,
            "library_sources": hooks.document_source().source_choices(viewer=request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


def lesson_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = _lesson_or_404(request, pk)
    if not permissions.can_edit(request.user, lesson):
        if (
            request.method == "POST"
            and lesson.state == LessonState.IN_REVIEW
            and permissions.is_reviewer(request.user)
        ):
            messages.error(
                request,
                _("Only the authors can edit this lesson; leave them a comment instead."),
            )
            return redirect(lesson)
        raise Http404
    authors = [a.member for a in lesson.authorships.all()]
    # The field lists the co-authors and the members still asked to be one.
    invited = [
        i.member
        for i in selectors.invitations_of(lesson)
        if i.state == CoAuthorInvitation.State.PENDING
    ]
    initial = {
        "title": lesson.title,
        "summary": lesson.summary,
        "setting": lesson.setting,
        "country": lesson.country.code or "",
        "region": lesson.region,
        "period": lesson.period,
        "what_happened": lesson.what_happened,
        "what_worked": lesson.what_worked,
        "what_did_not": lesson.what_did_not,
        "recommendations": lesson.recommendations,
        "language": lesson.language,
        "public_requested": lesson.public_requested,
        "topics": [t for t in lesson.tags.all() if t.is_official],
        "new_topics": ", ".join(t.name for t in lesson.tags.all() if not t.is_official),
        "provisions": list(lesson.provisions.all()),
        "co_authors": ", ".join(f"@{m.handle}" for m in [*authors[1:], *invited]),
    }
    sources = [
        {"title": s.title, "publisher": s.publisher, "date": s.date, "url": s.url}
        for s in lesson.sources.all()
    ]
    form = LessonForm(request.POST or None, initial=initial, author=authors[0] if authors else None)
    formset = SourceFormSet(request.POST or None, initial=sources, prefix="sources")
    if request.method == "POST":
        saved = _save(
            request,
            form,
            formset,
            lambda data: services.edit_lesson(editor=request.user, lesson=lesson, data=data),
            success=_("Your changes are saved."),
        )
        if saved is not None:
            request.session[DRAFT_CLEAR_KEY] = f"lesson-{lesson.pk}"
            return saved
    return render(
        request,
        "lessons/lesson_form.html",
        {
            "form": form,
            "formset": formset,
            "thread": None,
            "lesson": lesson,
            "library_sources": hooks.document_source().source_choices(viewer=request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def lesson_act(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = _lesson_or_404(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _lesson_page(request, lesson, form, status=400)
    action = form.cleaned_data["action"]
    if action not in permissions.TRANSITIONS:
        raise Http404
    try:
        services.transition(
            actor=request.user,
            lesson=lesson,
            action=action,
            comment=form.cleaned_data["comment"],
            make_public=form.cleaned_data["make_public"],
        )
    except LessonError as error:
        form.add_error(None, str(error))
        lesson = _lesson_or_404(request, pk)
        return _lesson_page(request, lesson, form, status=400)
    messages.success(request, DONE_MESSAGES.get(action, _("Done.")))
    lesson = selectors.lesson_for(request.user, pk)
    if lesson is None:  # e.g. a reviewer sent it back to draft: no longer theirs to see
        return redirect("lessons:review_queue")
    return redirect(lesson)


def co_author_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    """The invited member reads what they are asked to co-author, and accepts or declines."""
    invitation = selectors.pending_invitation(request.user, pk)
    if invitation is None:
        raise Http404
    lesson = invitation.lesson
    form = CoAuthorAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept = form.cleaned_data["answer"] == "accept"
        answered = attempt(
            request,
            form,
            lambda: services.answer_invitation(member=request.user, lesson=lesson, accept=accept),
            refusals=LessonError,
            success=_("You are now a co-author of this lesson.")
            if accept
            else _("You declined. Your name will not appear on the lesson."),
            then=lambda _lesson: redirect(lesson) if accept else redirect("lessons:mine"),
        )
        if answered is not None:
            return answered
    return render(
        request,
        "lessons/co_author_invitation.html",
        {"invitation": invitation, "lesson": lesson, "form": form},
        status=400 if request.method == "POST" else 200,
    )


DONE_MESSAGES = {
    "submit": gettext_lazy("Submitted. Reviewers are told; you will hear when they decide."),
    "withdraw": gettext_lazy("Back to draft."),
    "request_changes": gettext_lazy("Sent back to the authors with your comment."),
    "publish": gettext_lazy("Published."),
    "comment": gettext_lazy("Comment added."),
    "make_public": gettext_lazy("The lesson is now public."),
    "make_members_only": gettext_lazy("The lesson is now for members only."),
    "archive": gettext_lazy("Archived."),
    "unarchive": gettext_lazy("Published again."),
}


def lesson_retag(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = _lesson_or_404(request, pk)
    if not permissions.can_retag(request.user, lesson):
        raise Http404
    form = RetagForm(
        request.POST or None,
        initial={
            "topics": [t for t in lesson.tags.all() if t.is_official],
            "provisions": list(lesson.provisions.all()),
        },
    )
    if request.method == "POST" and form.is_valid():
        retagged = attempt(
            request,
            form,
            lambda: services.retag_lesson(
                actor=request.user,
                lesson=lesson,
                tags=list(form.cleaned_data["topics"]),
                provisions=list(form.cleaned_data["provisions"]),
            ),
            refusals=LessonError,
            success=_("Topics and standards changed."),
            then=lambda _none: redirect(lesson),
        )
        if retagged is not None:
            return retagged
    return render(request, "lessons/lesson_retag.html", {"form": form, "lesson": lesson})


FIELDS_SHOWN = [
    ("title", gettext_lazy("Title")),
    ("summary", gettext_lazy("Summary")),
    ("what_happened", gettext_lazy("What happened")),
    ("what_worked", gettext_lazy("What worked")),
    ("what_did_not", gettext_lazy("What did not work")),
    ("recommendations", gettext_lazy("Recommendations")),
]


@require_safe
def lesson_history(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = _lesson_or_404(request, pk)
    if not permissions.can_see_history(request.user, lesson):
        raise Http404
    revisions = list(
        LessonRevision.objects.filter(lesson=lesson).select_related("editor", "purged_by")
    )
    current = selectors.snapshot(lesson)
    # Revisions are newest first; each holds the text before its edit, so the
    # text after it is the next newer revision's (or the lesson as it is now).
    # A purged version is compared with nothing.
    changes = []
    after: dict | None = current
    for revision in revisions:
        before = None if revision.is_purged else revision.snapshot
        if before is None or after is None:
            changes.append({"revision": revision, "purged": True})
            after = before
            continue
        fields = [
            {"label": label, "lines": line_diff(str(before.get(f, "")), str(after.get(f, "")))}
            for f, label in FIELDS_SHOWN
            if before.get(f, "") != after.get(f, "")
        ]
        tags_before, tags_after = before.get("tags", []), after.get("tags", [])
        changes.append(
            {
                "revision": revision,
                "fields": fields,
                "tags": (tags_before, tags_after) if tags_before != tags_after else None,
                "standards_changed": before.get("provisions") != after.get("provisions"),
                "sources_changed": before.get("sources") != after.get("sources"),
            }
        )
        after = before
    return render(
        request,
        "lessons/lesson_history.html",
        {
            "lesson": lesson,
            "changes": changes,
            "can_restore": permissions.can_restore_revision(request.user, lesson),
            "can_purge": permissions.can_purge(request.user),
        },
    )


@require_POST
def revision_restore(request: HttpRequest, pk: int, revision: int) -> HttpResponse:
    lesson = _lesson_or_404(request, pk)
    old = get_object_or_404(LessonRevision, pk=revision, lesson=lesson, purged_at=None)
    if not permissions.can_restore_revision(request.user, lesson):
        raise Http404
    services.restore_revision(actor=request.user, lesson=lesson, revision=old)
    messages.success(request, _("The earlier version is back; the replaced text is kept too."))
    return redirect(lesson)


@moderator_required
def revision_purge(request: HttpRequest, pk: int, revision: int) -> HttpResponse:
    """Confirm, then erase one earlier version of a lesson."""
    lesson = _lesson_or_404(request, pk)
    old = get_object_or_404(LessonRevision, pk=revision, lesson=lesson, purged_at=None)
    form = PurgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        purged = attempt(
            request,
            form,
            lambda: services.purge_revision(
                actor=request.user, revision=old, reason=form.cleaned_data["reason"]
            ),
            refusals=LessonError,
            success=_("Purged: that text is erased everywhere."),
            then=lambda _none: redirect("lessons:history", lesson.pk),
        )
        if purged is not None:
            return purged
    return render(
        request,
        "lessons/revision_purge.html",
        {
            "lesson": lesson,
            "revision": old,
            "form": form,
            "fields": [
                (label, str(old.snapshot.get(f, "")).splitlines())
                for f, label in FIELDS_SHOWN
                if old.snapshot.get(f)
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Standards ------------------------------------------------------------------


@login_not_required
@require_safe
def standards(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "lessons/standards.html",
        {"instruments": selectors.instruments_with_counts(request.user)},
    )


@login_not_required
@require_safe
def instrument_detail(request: HttpRequest, slug: str) -> HttpResponse:
    instrument = get_object_or_404(Instrument, slug=slug)
    provisions = [
        p
        for i in selectors.instruments_with_counts(request.user)
        if i.pk == instrument.pk
        for p in i.provisions.all()
    ]
    lessons = selectors.published_lessons(request.user, instrument=instrument)
    page = Paginator(lessons, selectors.LESSONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "lessons/instrument.html",
        {
            "instrument": instrument,
            "provisions": provisions,
            "page": page,
            "following": _following(request, instrument),
            "followers": notification_selectors.followers_of(target=instrument).count(),
        },
    )


@login_not_required
@require_safe
def provision_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    provision = get_object_or_404(
        Provision.objects.select_related("instrument"), pk=pk, instrument__slug=slug
    )
    lessons = selectors.published_lessons(request.user, provision=provision)
    page = Paginator(lessons, selectors.LESSONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "lessons/provision.html",
        {
            "provision": provision,
            "instrument": provision.instrument,
            "page": page,
            "following": _following(request, provision),
            "followers": notification_selectors.followers_of(target=provision).count(),
            "documents": hooks.document_source().for_provision(provision, viewer=request.user),
        },
    )


def _following(request: HttpRequest, target) -> bool:
    user = request.user
    return bool(
        user.is_authenticated
        and user.is_member
        and notification_selectors.is_following(follower=user, target=target)
    )


def _toggle_follow(request: HttpRequest, target, url: str) -> HttpResponse:
    if request.POST.get("follow") == "0":
        notifications.unfollow(follower=request.user, target=target)
        messages.success(request, _("You no longer follow this standard."))
    else:
        notifications.follow(follower=request.user, target=target)
        messages.success(
            request, _("You follow this standard: you are told when a lesson on it is published.")
        )
    return redirect(url)


@require_POST
def instrument_follow(request: HttpRequest, slug: str) -> HttpResponse:
    instrument = get_object_or_404(Instrument, slug=slug)
    return _toggle_follow(request, instrument, instrument.get_absolute_url())


@require_POST
def provision_follow(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    provision = get_object_or_404(
        Provision.objects.select_related("instrument"), pk=pk, instrument__slug=slug
    )
    return _toggle_follow(request, provision, provision.get_absolute_url())
