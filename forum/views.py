"""Forum pages. Views parse input, call forum.services, and render; nothing more.

Members only (LoginRequiredMiddleware and MembershipMiddleware guard every view).
A thread or post the viewer may not see answers 404, never 403.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from common import filestore
from common.diff import line_diff
from common.drafts import DRAFT_CLEAR_KEY
from common.errors import ServiceError
from common.filters import active_filters
from common.forms import PurgeForm
from common.lengths import MARKDOWN_MAX_LENGTH
from common.links import query_without_page
from common.views import attempt
from forum import fragments, hooks, permissions, selectors, services
from forum.forms import (
    FlagForm,
    OpeningPostEditForm,
    PostEditForm,
    ReplyForm,
    RetagForm,
    TagEditForm,
    TagMergeForm,
    ThreadFilterForm,
    ThreadForm,
)
from forum.models import Post, PostRevision, Thread
from forum.services import ForumError
from members import selectors as member_selectors
from members.access import can_curate_tags, moderator_required
from members.models import Tag
from members.services import merge_tags, update_tag
from notifications import services as notifications

# --- Lists ----------------------------------------------------------------------


@require_safe
def thread_list(request: HttpRequest) -> HttpResponse:
    form = ThreadFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    sort = filters.get("sort") or "latest"
    threads = selectors.thread_list(
        request.user,
        sort=sort,
        tags=list(filters.get("tag") or []),
        kind=filters.get("kind", ""),
        language=filters.get("language", ""),
    )
    content = fragments.kept_thread_list(
        request,
        threads,
        template=fragments.THREAD_LIST_TEMPLATE,
        context={
            "form": form,
            "sort": sort,
            "query": query_without_page(request),
            "chips": active_filters(request, form, skip=("sort",)),
            "filtered": any(request.GET.get(name) for name in ("tag", "kind", "language")),
        },
        # What the content reads besides its rows: the query string (the form,
        # its chips and the page links are made from it) and the topics the
        # form offers.
        inputs=(
            sorted(request.GET.lists()),
            member_selectors.topic_vocabulary(),
        ),
    )
    return render(request, "forum/thread_list.html", {"content": content})


@require_safe
def tag_list(request: HttpRequest) -> HttpResponse:
    from forum.selectors import followed_tag_ids

    return render(
        request,
        "forum/tag_list.html",
        {
            "tags": member_selectors.by_shown_name(selectors.tag_list()),
            "followed": set(followed_tag_ids(request.user)),
            "can_curate": can_curate_tags(request.user),
        },
    )


@require_safe
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tag = selectors.tag_with_followers(slug, viewer=request.user)
    if tag is None:
        raise Http404
    threads = fragments.kept_thread_list(
        request,
        selectors.thread_list(request.user, tags=[tag]),
        template=fragments.TAG_THREADS_TEMPLATE,
        context={"tag_slug": tag.slug},
        inputs=(tag.slug,),
    )
    return render(
        request,
        "forum/tag_detail.html",
        {
            "tag": tag,
            "threads": threads,
            "following": tag.followed,
            "can_curate": can_curate_tags(request.user),
        },
    )


# --- Threads --------------------------------------------------------------------


def _topics(form: ThreadForm | OpeningPostEditForm | RetagForm) -> dict:
    """The ticked topics and the names typed; the service proposes the new ones."""
    cleaned = form.cleaned_data
    return {"tags": list(cleaned["topics"]), "new_topics": cleaned["new_topics"]}


def thread_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_post(request.user):
        raise Http404
    form = ThreadForm(request.POST or None, initial=_initial_from_query(request))
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = selectors.preview(form.cleaned_data["body"])
        else:
            posted = attempt(
                request,
                form,
                lambda: services.create_thread(
                    author=request.user,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    **_topics(form),
                    kind=form.cleaned_data["kind"],
                    language=form.cleaned_data["language"],
                    client_token=form.cleaned_data["client_token"],
                    files=_uploaded(request),
                ),
                refusals=ServiceError,
                success=_("Your thread is posted."),
                then=redirect,
            )
            if posted is not None:
                request.session[DRAFT_CLEAR_KEY] = "new-thread"
                return posted
    return render(request, "forum/thread_form.html", {"form": form, "preview": preview})


def _uploaded(request: HttpRequest) -> list[tuple[str, bytes]]:
    """The files attached to the form, read up to one byte over the limit (the
    pipeline in common.uploads refuses what is larger and checks everything else)."""
    return [
        (upload.name, upload.read(settings.UPLOAD_MAX_BYTES + 1))
        for upload in request.FILES.getlist("attachments")
    ]


@require_safe
def attachment(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """A file attached to a post, for whoever may see the post; 404 for everyone else."""
    attached = selectors.attachment_for(request.user, pk)
    if attached is None:
        raise Http404
    if name != attached.name:
        return redirect(attached.get_absolute_url(), permanent=True)
    return filestore.file_response(
        stored_as=attached.stored_as,
        encrypted=attached.encrypted,
        name=attached.name,
        media_type=attached.media_type,
        extension=attached.extension,
        public=False,
    )


def _initial_from_query(request: HttpRequest) -> dict:
    initial = {"language": (request.LANGUAGE_CODE or "en").split("-")[0]}
    tag = request.GET.get("tag")
    if tag:
        initial["topics"] = Tag.objects.filter(slug=tag, is_official=True)
    return initial


def _thread_or_404(request: HttpRequest, pk: int) -> Thread:
    thread = selectors.thread_for(request.user, pk)
    if thread is None:
        raise Http404
    return thread


def _thread_page(
    request: HttpRequest,
    thread: Thread,
    reply_form: ReplyForm | None = None,
    *,
    status: int = 200,
    preview: str | None = None,
    keep_as: tuple[bytes, selectors.PageProbe, int] | None = None,
) -> HttpResponse:
    """The thread page rendered for this request; with ``keep_as`` (a key of
    ``fragments.thread_page_key``, the probe and page number it was made
    from) also kept for the next member of its class."""
    posts = selectors.posts_of(thread, request.user)
    page = Paginator(posts, selectors.POSTS_PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    for post in shown:
        post.thread = thread  # what the page knows already; never a query per post
    if thread.accepted_post:
        shown.append(thread.accepted_post)
    selectors.attach_files(shown)
    state = selectors.viewer_state(request.user, thread, shown)
    can_reply = permissions.can_reply(request.user, thread)
    can_accept = permissions.can_accept(request.user, thread)
    opening = shown[0] if page.number == 1 and shown and shown[0].is_opening else None
    fragments.render_posts(
        request,
        fragments.ThreadPage(
            thread=thread,
            viewer=request.user,
            state=state,
            can_reply=can_reply,
            can_accept=can_accept,
        ),
        [(post, False) for post in page.object_list if not post.is_opening]
        + ([(opening, False)] if opening else [])
        + ([(thread.accepted_post, True)] if thread.accepted_post and page.number == 1 else []),
    )
    if reply_form is None:
        reply_form = ReplyForm(initial={"body": _quote(request, thread)})
    reply_box = fragments.render_reply_box(
        request, thread, can_reply=can_reply, form=reply_form, preview=preview
    )
    content = fragments.render_thread_content(
        {
            "user": request.user,
            "thread": thread,
            "page": page,
            "opening": opening,
            "viewer_state": state,
            "reply_box": reply_box,
            "can_reply": can_reply,
            "can_accept": can_accept,
            # What other apps show on the thread (the lessons made of it): forum.hooks.
            "thread_extras": hooks.thread_page_extras(request.user, thread),
        }
    )
    if keep_as is not None:
        _keep(request, keep_as, content, page=page, shown=shown, state=state, can_accept=can_accept)
    return _thread_shell(
        request,
        thread.title,
        fragments.fill_thread_page(
            request, content, client_token=reply_form.initial.get("client_token")
        ),
        clear_draft=request.session.pop(DRAFT_CLEAR_KEY, ""),
        status=status,
    )


def _keep(
    request: HttpRequest,
    keep_as: tuple[bytes, selectors.PageProbe, int],
    content: str,
    *,
    page: Any,
    shown: list[Post],
    state: selectors.Viewer,
    can_accept: bool,
) -> None:
    """Keep ``content`` only if it is what its key says: nothing of this viewer's
    own on it whatever the probe said, the page asked for (not the last page
    given for a number past it), and nothing changed while it was rendered
    (a write, a purge, a follow, a new relation: the probe asks again)."""
    key, probe, number = keep_as
    own = state.helpful or can_accept or state.open_flags or state.following != probe.following
    if own or any(post.author_id == request.user.pk for post in shown):
        return
    if page.number != number:
        return
    if selectors.thread_page_probe(request.user, probe.pk) != probe:
        return
    fragments.keep_thread_page(key, content)


def _thread_shell(
    request: HttpRequest, title: str, content: str, *, clear_draft: str = "", status: int = 200
) -> HttpResponse:
    """The site's header and footer around a thread page's content."""
    return render(
        request,
        "forum/thread.html",
        {"thread_title": title, "content": content, "clear_draft": clear_draft},
        status=status,
    )


def _quote(request: HttpRequest, thread: Thread) -> str:
    """?quote=<post id>: the reply box starts with that post quoted."""
    try:
        post_id = int(request.GET.get("quote", ""))
    except ValueError:
        return ""
    post = Post.objects.filter(pk=post_id, thread=thread, is_deleted=False, is_hidden=False).first()
    if post is None:
        return ""
    who = f"@{post.author.handle}" if post.author else _("A former member")
    quoted = "\n".join(f"> {line}" for line in post.body.splitlines())
    return f"{who} {_('wrote:')}\n{quoted}\n\n"


def _canonical(request: HttpRequest, url: str) -> HttpResponse:
    if request.GET:
        url += "?" + request.GET.urlencode()
    return redirect(url, permanent=True)


@require_safe
def thread_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    keep_as = None
    number = fragments.reusable_page_number(request)
    if number is not None:
        # One query: may they see it, its version, their relation (fragments).
        probe = selectors.thread_page_probe(request.user, pk)
        if probe is None:
            raise Http404
        if slug != probe.slug:
            return _canonical(request, Thread(pk=probe.pk, title=probe.title).get_absolute_url())
        if not probe.involved:
            key = fragments.thread_page_key(probe, viewer=request.user, number=number)
            kept = fragments.kept_thread_page(request, key)
            if kept is not None:
                return _thread_shell(
                    request, probe.title, fragments.fill_thread_page(request, kept)
                )
            keep_as = (key, probe, number)
    thread = _thread_or_404(request, pk)
    if slug != thread.slug:
        return _canonical(request, thread.get_absolute_url())
    return _thread_page(request, thread, keep_as=keep_as)


@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        if "preview" in request.POST:
            return _thread_page(
                request, thread, form, preview=selectors.preview(form.cleaned_data["body"])
            )
        posted = attempt(
            request,
            form,
            lambda: services.create_reply(
                author=request.user,
                thread=thread,
                body=form.cleaned_data["body"],
                client_token=form.cleaned_data["client_token"],
                files=_uploaded(request),
            ),
            refusals=ForumError,
            success=_("Your reply is posted."),
            then=lambda post: redirect(post.get_absolute_url()),
        )
        if posted is not None:
            request.session[DRAFT_CLEAR_KEY] = f"thread-{thread.pk}"
            return posted
    return _thread_page(request, thread, form, status=400)


@require_safe
def post_redirect(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    thread = post.thread
    page = selectors.page_of_post(post)
    url = thread.get_absolute_url()
    if page > 1:
        url += f"?page={page}"
    return redirect(f"{url}#post-{post.pk}")


@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The reply box's live preview: the body rendered by the one sanitising pipeline."""
    body = request.POST.get("body", "")
    if len(body) > MARKDOWN_MAX_LENGTH["post"]:
        return HttpResponseBadRequest(_("Too long to preview."))
    return HttpResponse(selectors.preview(body), content_type="text/html; charset=utf-8")


# --- Posts ----------------------------------------------------------------------


def _post_or_404(request: HttpRequest, pk: int) -> Post:
    post = selectors.post_for(request.user, pk)
    if post is None:
        raise Http404
    return post


def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    if not permissions.can_edit(request.user, post):
        raise Http404
    thread = post.thread
    if post.is_opening:
        form = OpeningPostEditForm(
            request.POST or None,
            initial={
                "title": thread.title,
                "body": post.body,
                "topics": list(thread.tags.filter(is_official=True)),
                "new_topics": ", ".join(t.name for t in thread.tags.filter(is_official=False)),
            },
        )
    else:
        form = PostEditForm(request.POST or None, initial={"body": post.body})
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = selectors.preview(form.cleaned_data["body"])
        else:
            saved = attempt(
                request,
                form,
                lambda: services.edit_post(
                    editor=request.user,
                    post=post,
                    body=form.cleaned_data["body"],
                    title=form.cleaned_data.get("title"),
                    **(_topics(form) if post.is_opening else {}),
                ),
                refusals=ServiceError,
                success=_("Your changes are saved."),
                then=lambda _edited: redirect(post.get_absolute_url()),
            )
            if saved is not None:
                return saved
    return render(request, "forum/post_edit.html", {"form": form, "post": post, "preview": preview})


@require_safe
def post_history(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    if not permissions.can_see_history(request.user, post):
        raise Http404
    revisions = list(PostRevision.objects.filter(post=post).select_related("editor", "purged_by"))
    # Each revision holds the text before an edit; the next one (or the
    # current post) holds the text after it. A purged version is compared with nothing.
    versions = [(r.title, r.body, r.is_purged) for r in revisions] + [
        (post.thread.title if post.is_opening else "", post.body, False)
    ]
    changes = []
    for index, revision in enumerate(revisions):
        before, after = versions[index], versions[index + 1]
        purged = before[2] or after[2]
        changes.append(
            {
                "revision": revision,
                "editor": revision.editor,
                "when": revision.created_at,
                "purged": purged,
                "title_before": "" if purged else before[0],
                "title_after": "" if purged else after[0],
                "lines": [] if purged else line_diff(before[1], after[1]),
            }
        )
    changes.reverse()
    return render(
        request,
        "forum/post_history.html",
        {"post": post, "changes": changes, "can_purge": permissions.can_purge(request.user)},
    )


@moderator_required
def post_purge(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then erase one version of a post: ``version`` is a revision id or "current"."""
    post = _post_or_404(request, pk)
    version = request.POST.get("version") or request.GET.get("version") or "current"
    revision = None
    if version != "current":
        try:
            revision = PostRevision.objects.get(pk=int(version), post=post, purged_at=None)
        except (ValueError, PostRevision.DoesNotExist):
            raise Http404 from None
    form = PurgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        purged = attempt(
            request,
            form,
            lambda: (
                services.purge_post_text(actor=request.user, post=post, reason=reason)
                if revision is None
                else services.purge_post_revision(
                    actor=request.user, revision=revision, reason=reason
                )
            ),
            refusals=ForumError,
            success=_("Purged: that text is erased everywhere."),
            then=lambda _none: redirect("forum:post_history", post.pk),
        )
        if purged is not None:
            return purged
    if revision is None:
        title, body = (post.thread.title if post.is_opening else ""), post.body
    else:
        title, body = revision.title, revision.body
    return render(
        request,
        "forum/post_purge.html",
        {
            "post": post,
            "form": form,
            "version": version,
            "revision": revision,
            "title": title,
            "lines": body.splitlines(),
        },
        status=400 if request.method == "POST" else 200,
    )


def post_delete(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    if not permissions.can_delete(request.user, post):
        raise Http404
    if request.method == "POST":
        services.delete_post(actor=request.user, post=post)
        messages.success(request, _("The post is deleted."))
        if post.is_opening and not request.user.can_moderate:
            return redirect("forum:list")
        return redirect(post.thread.get_absolute_url())
    return render(request, "forum/post_delete.html", {"post": post})


@require_POST
@moderator_required
def post_restore(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    services.restore_post(actor=request.user, post=post)
    messages.success(request, _("The post is restored."))
    return redirect(post.get_absolute_url())


@require_POST
def post_helpful(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    try:
        if request.POST.get("helpful") == "0":
            services.unmark_helpful(member=request.user, post=post)
        else:
            services.mark_helpful(member=request.user, post=post)
    except ForumError as error:
        messages.error(request, str(error))
    return redirect(post.get_absolute_url())


@require_POST
def post_accept(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    try:
        services.accept_answer(actor=request.user, post=post)
    except ForumError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Answer accepted."))
    return redirect(post.thread.get_absolute_url())


@require_POST
def thread_unaccept(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    try:
        services.unaccept_answer(actor=request.user, thread=thread)
    except ForumError as error:
        messages.error(request, str(error))
    return redirect(thread)


def post_flag(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_post(
                reporter=request.user,
                post=post,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ForumError as error:
            messages.info(request, str(error))
        else:
            messages.success(request, _("Thank you. A moderator will look at this post."))
        return redirect(post.get_absolute_url())
    return render(request, "forum/post_flag.html", {"form": form, "post": post})


@require_POST
@moderator_required
def post_hide(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    hidden = request.POST.get("hidden") != "0"
    services.set_post_hidden(actor=request.user, post=post, hidden=hidden)
    messages.success(
        request, _("The post is hidden.") if hidden else _("The post is visible again.")
    )
    if request.POST.get("next") == "flags":
        return redirect("forum:flags")
    return redirect(post.get_absolute_url())


@require_POST
@moderator_required
def flags_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post_or_404(request, pk)
    services.dismiss_flags(actor=request.user, post=post)
    messages.success(request, _("Flags dismissed; the post stays."))
    return redirect("forum:flags")


@require_safe
@moderator_required
def flags(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.open_flags(), 25).get_page(request.GET.get("page"))
    return render(request, "forum/flags.html", {"page": page})


# --- Thread actions ------------------------------------------------------------


@require_POST
def thread_follow(request: HttpRequest, pk: int) -> HttpResponse:
    thread = _thread_or_404(request, pk)
    if request.POST.get("follow") == "0":
        notifications.unfollow(follower=request.user, target=thread)
        messages.success(request, _("You no longer follow this thread."))
    else:
        notifications.follow(follower=request.user, target=thread)
        messages.success(request, _("You follow this thread: you are told of every reply."))
    return redirect(thread)


@require_POST
@moderator_required
def thread_moderate(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    thread = get_object_or_404(Thread, pk=pk)
    if action not in services.THREAD_SWITCHES:
        raise Http404
    services.switch_thread(actor=request.user, thread=thread, action=action)
    messages.success(request, _("Done."))
    return redirect(thread)


@moderator_required
def thread_retag(request: HttpRequest, pk: int) -> HttpResponse:
    thread = get_object_or_404(Thread, pk=pk)
    form = RetagForm(
        request.POST or None,
        initial={
            "topics": list(thread.tags.filter(is_official=True)),
            "new_topics": ", ".join(t.name for t in thread.tags.filter(is_official=False)),
        },
    )
    if request.method == "POST" and form.is_valid():
        retagged = attempt(
            request,
            form,
            lambda: services.retag_thread(actor=request.user, thread=thread, **_topics(form)),
            refusals=ServiceError,
            success=_("Topics changed."),
            then=lambda _none: redirect(thread),
        )
        if retagged is not None:
            return retagged
    return render(request, "forum/thread_retag.html", {"form": form, "thread": thread})


# --- Topic curation ------------------------------------------------------------


def _curator_or_404(request: HttpRequest) -> None:
    if not can_curate_tags(request.user):
        raise Http404


def tag_edit(request: HttpRequest, slug: str) -> HttpResponse:
    _curator_or_404(request)
    tag = get_object_or_404(Tag, slug=slug)
    form = TagEditForm(request.POST or None, instance=tag)
    merge_form = TagMergeForm(source=tag)
    if request.method == "POST" and form.is_valid():
        saved = attempt(
            request,
            form,
            lambda: update_tag(
                actor=request.user,
                tag=Tag.objects.get(pk=tag.pk),
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                official=tag.is_official or "make_official" in request.POST,
            ),
            refusals=ValidationError,
            field="name",
            success=_("Topic saved."),
            then=lambda updated: redirect(reverse("forum:tag", args=[updated.slug])),
        )
        if saved is not None:
            return saved
    return render(
        request, "forum/tag_edit.html", {"form": form, "merge_form": merge_form, "tag": tag}
    )


@require_POST
def tag_merge_view(request: HttpRequest, slug: str) -> HttpResponse:
    _curator_or_404(request)
    source = get_object_or_404(Tag, slug=slug)
    form = TagMergeForm(request.POST, source=source)
    if not form.is_valid():
        return render(
            request,
            "forum/tag_edit.html",
            {"form": TagEditForm(instance=source), "merge_form": form, "tag": source},
            status=400,
        )
    target = merge_tags(actor=request.user, source=source, target=form.cleaned_data["into"])
    messages.success(
        request,
        _("“%(source)s” is merged into “%(target)s”.")
        % {"source": source.name, "target": target.name},
    )
    return redirect(reverse("forum:tag", args=[target.slug]))
