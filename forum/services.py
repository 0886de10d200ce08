"""Every write to the forum goes through these functions.

Each checks who may do it, runs in one transaction, keeps the denormalised
counters right, records moderator actions in the audit log and tells members
through ``notify()`` (pushed after commit). Views only translate a
``ForumError`` into a message.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from common import filestore, fulltext
from common.errors import ServiceError
from common.languages import in_site_language
from common.redaction import purged_placeholder, removed_placeholder, scrub_purged_text
from common.uploads import CleanFile, UploadRefused, clean_upload
from forum import search
from forum.models import (
    Flag,
    HelpfulMark,
    Post,
    PostAttachment,
    PostRevision,
    Thread,
    ThreadKind,
)
from forum.notification_kinds import NotificationKind
from forum.permissions import can_accept, can_delete, can_edit, can_post, can_purge, can_reply
from forum.selectors import render_body
from members.models import AuditEntry, Tag, User
from members.services import audit, check_topic_count, resolve_tags
from notifications.selectors import followers_of
from notifications.services import follow, forget_notifications_about, notify


class ForumError(ServiceError):
    """An action that is not allowed or not possible; the message is for the member."""


# --- Threads and posts ------------------------------------------------------------


def _existing_post(author: User, client_token: uuid.UUID | None) -> Post | None:
    if client_token is None:
        return None
    return Post.objects.filter(author=author, client_token=client_token).first()


# --- Attached files ---------------------------------------------------------------

ATTACHMENTS_MAX = 3


def clean_attachments(files: Sequence[tuple[str, bytes]]) -> list[CleanFile]:
    """Every file through the one upload pipeline before anything is written.

    A refused file refuses the post, with the pipeline's reason; nothing is stored.
    """
    if len(files) > ATTACHMENTS_MAX:
        raise ForumError(_("Attach at most %(max)d files to one post.") % {"max": ATTACHMENTS_MAX})
    cleaned = []
    for name, data in files:
        try:
            cleaned.append(clean_upload(name, data))
        except UploadRefused as error:
            raise ForumError(f"{name}: {error}") from None
    return cleaned


def _store_attachments(cleaned: Sequence[CleanFile]) -> list[tuple[CleanFile, str, bool]]:
    """Store cleaned files before the post's transaction (no file I/O inside it);
    the caller removes them again if the post is not written."""
    return [(clean, *filestore.store(clean.data, clean.extension)) for clean in cleaned]


def _attach(post: Post, stored: Sequence[tuple[CleanFile, str, bool]]) -> None:
    if not stored:
        return
    post.attachment_count = len(stored)
    Post.objects.filter(pk=post.pk).update(attachment_count=len(stored))
    PostAttachment.objects.bulk_create(
        PostAttachment(
            post=post,
            name=clean.name,
            media_type=clean.media_type,
            extension=clean.extension,
            size=len(clean.data),
            stored_as=stored_as,
            encrypted=encrypted,
            removed=list(clean.removed),
        )
        for clean, stored_as, encrypted in stored
    )


def _delete_attachments(post_ids: Iterable[int]) -> None:
    """Files of posts deleted, purged or removed with an account: gone for good."""
    post_ids = list(post_ids)
    attached = PostAttachment.objects.filter(post_id__in=post_ids)
    names = list(attached.values_list("stored_as", flat=True))
    if not names:
        return
    attached.delete()
    Post.objects.filter(pk__in=post_ids).update(attachment_count=0)
    filestore.delete_after_commit(names)


def create_thread(
    *,
    author: User,
    title: str,
    body: str,
    tags: list[Tag],
    new_topics: Sequence[str] = (),
    kind: str,
    language: str,
    client_token: uuid.UUID | None = None,
    files: Sequence[tuple[str, bytes]] = (),
) -> Thread:
    """Start a thread under ``tags`` and the topics named in ``new_topics`` (proposed
    here, in the thread's transaction: a refused thread proposes none). ``files``:
    (name, bytes) to attach, each through the upload pipeline first."""
    if not can_post(author):
        raise ForumError(_("Only approved members can start threads."))
    existing = _existing_post(author, client_token)
    if existing is not None:
        return existing.thread
    html, text, mentioned = render_body(body)
    stored = _store_attachments(clean_attachments(files))
    now = timezone.now()
    try:
        with transaction.atomic():
            tags = resolve_tags(names=new_topics, proposer=author, chosen=tags)
            check_topic_count(tags)
            thread = Thread.objects.create(
                title=title,
                kind=kind,
                language=language,
                author=author,
                created_at=now,
                last_activity_at=now,
                last_poster=author,
            )
            thread.tags.set(tags)
            post = Post.objects.create(
                thread=thread,
                author=author,
                is_opening=True,
                body=body,
                body_html=html,
                body_text=text,
                created_at=now,
                client_token=client_token,
            )
            _attach(post, stored)
            search.index_posts([post.pk])
            follow(follower=author, target=thread)
            _notify_new_thread(thread, post, tags, {m.pk for m in mentioned})
    except IntegrityError:
        filestore.delete_now([stored_as for _clean, stored_as, _enc in stored])
        # The same form submitted twice at once: the other request won.
        existing = _existing_post(author, client_token)
        if existing is None:
            raise
        return existing.thread
    except BaseException:
        filestore.delete_now([stored_as for _clean, stored_as, _enc in stored])
        raise
    return thread


def _followers(*targets: object) -> set[int]:
    """Who follows any of ``targets`` (a thread, a topic, a member)."""
    ids: set[int] = set()
    for target in targets:
        ids.update(followers_of(target=target).values_list("pk", flat=True))
    return ids


def _notify_about(
    post: Post, recipients: set[int], *, kind: str, actor: User, text: str, url: str
) -> None:
    """The forum's one call to ``notify()``: about ``post``, to nobody when empty."""
    if recipients:
        notify(recipients, kind=kind, actor=actor, text=text, url=url, about=post)


def _notify_mentioned(thread: Thread, post: Post, mentioned: set[int], *, url: str) -> None:
    _notify_about(
        post,
        mentioned,
        kind=NotificationKind.MENTION,
        actor=post.author,
        text=_("%(name)s mentioned you in “%(title)s”")
        % {"name": post.author.name, "title": thread.title},
        url=url,
    )


@in_site_language
def _notify_new_thread(thread: Thread, post: Post, tags: list[Tag], mentioned: set[int]) -> None:
    author = thread.author
    url = thread.get_absolute_url()
    _notify_mentioned(thread, post, mentioned, url=url)
    if thread.kind == ThreadKind.QUESTION:
        text = _("New question by %(name)s: “%(title)s”")
    else:
        text = _("New thread by %(name)s: “%(title)s”")
    _notify_about(
        post,
        _followers(*tags, author) - mentioned,
        kind=NotificationKind.NEW_THREAD,
        actor=author,
        text=text % {"name": author.name, "title": thread.title},
        url=url,
    )


def create_reply(
    *,
    author: User,
    thread: Thread,
    body: str,
    client_token: uuid.UUID | None = None,
    files: Sequence[tuple[str, bytes]] = (),
) -> Post:
    existing = _existing_post(author, client_token)
    if existing is not None:
        return existing
    html, text, mentioned = render_body(body)
    stored = _store_attachments(clean_attachments(files))
    try:
        with transaction.atomic():
            thread = Thread.objects.select_for_update().get(pk=thread.pk)
            if not can_reply(author, thread):
                if thread.is_locked:
                    raise ForumError(_("This thread is locked; no new replies."))
                raise ForumError(_("You cannot reply in this thread."))
            now = timezone.now()
            post = Post.objects.create(
                thread=thread,
                author=author,
                body=body,
                body_html=html,
                body_text=text,
                created_at=now,
                client_token=client_token,
            )
            Thread.objects.filter(pk=thread.pk).update(
                reply_count=F("reply_count") + 1, last_activity_at=now, last_poster=author
            )
            _attach(post, stored)
            search.index_posts([post.pk])
            follow(follower=author, target=thread)
            _notify_reply(thread, post, {m.pk for m in mentioned})
    except IntegrityError:
        filestore.delete_now([stored_as for _clean, stored_as, _enc in stored])
        existing = _existing_post(author, client_token)
        if existing is None:
            raise
        return existing
    except BaseException:
        filestore.delete_now([stored_as for _clean, stored_as, _enc in stored])
        raise
    return post


@in_site_language
def _notify_reply(thread: Thread, post: Post, mentioned: set[int]) -> None:
    url = post.get_absolute_url()
    _notify_mentioned(thread, post, mentioned, url=url)
    _notify_about(
        post,
        _followers(thread) - mentioned,
        kind=NotificationKind.REPLY,
        actor=post.author,
        text=_("%(name)s replied in “%(title)s”")
        % {"name": post.author.name, "title": thread.title},
        url=url,
    )


def edit_post(
    *,
    editor: User,
    post: Post,
    body: str,
    title: str | None = None,
    tags: list[Tag] | None = None,
    new_topics: Sequence[str] = (),
) -> Post:
    """Save a new text (and for an opening post, title and topics: ``tags`` and the
    names in ``new_topics``, proposed inside the edit's transaction)."""
    if not can_edit(editor, post):
        raise ForumError(_("You cannot edit this post."))
    thread = post.thread
    title_changed = post.is_opening and title is not None and title != thread.title
    if body == post.body and not title_changed and tags is None:
        return post
    html, text, _unused = render_body(body)
    with transaction.atomic():
        PostRevision.objects.create(
            post=post,
            editor=editor,
            title=thread.title if post.is_opening else "",
            body=post.body,
        )
        post.body, post.body_html, post.body_text = body, html, text
        post.edited_at = timezone.now()
        post.edit_count = F("edit_count") + 1
        post.save(update_fields=["body", "body_html", "body_text", "edited_at", "edit_count"])
        post.refresh_from_db(fields=["edit_count"])
        if title_changed:
            thread.title = title
            thread.save(update_fields=["title"])
        if post.is_opening and tags is not None:
            tags = resolve_tags(names=new_topics, proposer=editor, chosen=tags)
            check_topic_count(tags)
            thread.tags.set(tags)
        search.index_posts([post.pk])
    return post


def _recount(thread_id: int) -> None:
    visible = Post.objects.filter(
        thread_id=thread_id, is_opening=False, is_deleted=False, is_hidden=False
    )
    Thread.objects.filter(pk=thread_id).update(reply_count=visible.count())


def _forget_notifications(*, posts: Iterable[int] = (), threads: Iterable[int] = ()) -> None:
    """Removed content leaves other members' notifications: a removed post's, and
    every one about a removed thread (its title is in all of them)."""
    threads = list(threads)
    if threads:
        forget_notifications_about(
            model=Post, ids=Post.objects.filter(thread_id__in=threads).values("pk")
        )
    forget_notifications_about(model=Post, ids=posts)


def delete_post(*, actor: User, post: Post) -> None:
    if not can_delete(actor, post):
        raise ForumError(_("You cannot delete this post."))
    with transaction.atomic():
        post.is_deleted, post.deleted_at, post.deleted_by = True, timezone.now(), actor
        post.save(update_fields=["is_deleted", "deleted_at", "deleted_by"])
        # Its files go for good: restoring the post does not bring them back.
        _delete_attachments([post.pk])
        thread = post.thread
        if post.is_opening:
            Thread.objects.filter(pk=thread.pk).update(is_deleted=True)
            _forget_notifications(threads=[thread.pk])
        else:
            _forget_notifications(posts=[post.pk])
        # Deleting the accepted answer unaccepts it (restoring does not accept it
        # again). Asked of the database: the caller's thread may be stale.
        Thread.objects.filter(pk=thread.pk, accepted_post=post).update(accepted_post=None)
        _recount(thread.pk)
        if actor.pk != post.author_id:
            audit(
                actor=actor,
                action=AuditEntry.Action.DELETE_POST,
                target=post.author,
                detail=f"#{post.pk} in “{thread.title}”",
                url=thread.get_absolute_url(),
            )


def restore_post(*, actor: User, post: Post) -> None:
    if not actor.can_moderate:
        raise ForumError(_("Only moderators can restore posts."))
    with transaction.atomic():
        post.is_deleted, post.deleted_at, post.deleted_by = False, None, None
        post.save(update_fields=["is_deleted", "deleted_at", "deleted_by"])
        if post.is_opening:
            Thread.objects.filter(pk=post.thread_id).update(is_deleted=False)
        _recount(post.thread_id)
        audit(
            actor=actor,
            action=AuditEntry.Action.RESTORE_POST,
            target=post.author,
            detail=f"#{post.pk} in “{post.thread.title}”",
            url=post.thread.get_absolute_url(),
        )


def mark_helpful(*, member: User, post: Post) -> None:
    if not can_post(member):
        raise ForumError(_("Only members can mark posts helpful."))
    if post.author_id == member.pk:
        raise ForumError(_("You cannot mark your own post helpful."))
    if not post.is_visible:
        raise ForumError(_("This post is no longer available."))
    try:
        with transaction.atomic():
            HelpfulMark.objects.create(post=post, member=member)
            Post.objects.filter(pk=post.pk).update(helpful_count=F("helpful_count") + 1)
            Thread.objects.filter(pk=post.thread_id).update(helpful_count=F("helpful_count") + 1)
    except IntegrityError:
        raise ForumError(_("You already marked this post helpful.")) from None


def unmark_helpful(*, member: User, post: Post) -> None:
    with transaction.atomic():
        deleted, _rows = HelpfulMark.objects.filter(post=post, member=member).delete()
        if deleted:
            Post.objects.filter(pk=post.pk).update(helpful_count=F("helpful_count") - 1)
            Thread.objects.filter(pk=post.thread_id).update(helpful_count=F("helpful_count") - 1)


def accept_answer(*, actor: User, post: Post) -> None:
    thread = post.thread
    if not can_accept(actor, thread):
        raise ForumError(_("Only the person who asked, or a moderator, can accept an answer."))
    if post.is_opening or not post.is_visible:
        raise ForumError(_("This post cannot be accepted as the answer."))
    with transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(accepted_post=post)
        if post.author_id and post.author_id != actor.pk:
            _notify_accepted(thread, post, actor)


@in_site_language
def _notify_accepted(thread: Thread, post: Post, actor: User) -> None:
    _notify_about(
        post,
        {post.author_id},
        kind=NotificationKind.ANSWER_ACCEPTED,
        actor=actor,
        text=_("Your answer in “%(title)s” was accepted") % {"title": thread.title},
        url=post.get_absolute_url(),
    )


def unaccept_answer(*, actor: User, thread: Thread) -> None:
    if not can_accept(actor, thread):
        raise ForumError(_("Only the person who asked, or a moderator, can change the answer."))
    Thread.objects.filter(pk=thread.pk).update(accepted_post=None)


# --- Moderation -----------------------------------------------------------------


def flag_post(*, reporter: User, post: Post, reason: str, note: str = "") -> Flag:
    if not can_post(reporter):
        raise ForumError(_("Only members can flag posts."))
    try:
        with transaction.atomic():
            return Flag.objects.create(post=post, reporter=reporter, reason=reason, note=note)
    except IntegrityError:
        raise ForumError(_("You already flagged this post; a moderator will look at it.")) from None


def _moderate(actor: User) -> None:
    if not actor.can_moderate:
        raise ForumError(_("Only moderators can do that."))


def set_post_hidden(*, actor: User, post: Post, hidden: bool) -> None:
    _moderate(actor)
    with transaction.atomic():
        post.is_hidden, post.hidden_by = hidden, actor if hidden else None
        post.save(update_fields=["is_hidden", "hidden_by"])
        if post.is_opening:
            Thread.objects.filter(pk=post.thread_id).update(is_hidden=hidden)
        _recount(post.thread_id)
        if hidden:
            # Hidden counts as removed for notifications; unhiding does not
            # bring them back (a moderator hides what must not be read).
            if post.is_opening:
                _forget_notifications(threads=[post.thread_id])
            else:
                _forget_notifications(posts=[post.pk])
            # Hiding a post settles the flags on it.
            Flag.objects.filter(post=post, resolved_at__isnull=True).update(
                resolved_at=timezone.now(), resolved_by=actor, outcome="hidden"
            )
        audit(
            actor=actor,
            action=AuditEntry.Action.HIDE_POST if hidden else AuditEntry.Action.UNHIDE_POST,
            target=post.author,
            detail=f"#{post.pk} in “{post.thread.title}”",
            url=post.thread.get_absolute_url(),
        )


def dismiss_flags(*, actor: User, post: Post) -> int:
    _moderate(actor)
    with transaction.atomic():
        count = Flag.objects.filter(post=post, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=actor, outcome="dismissed"
        )
        audit(
            actor=actor,
            action=AuditEntry.Action.DISMISS_FLAG,
            target=post.author,
            detail=f"{count} flag(s) on #{post.pk} in “{post.thread.title}”",
            url=post.thread.get_absolute_url(),
        )
    return count


THREAD_SWITCHES = {
    "lock": ("is_locked", True, AuditEntry.Action.LOCK_THREAD),
    "unlock": ("is_locked", False, AuditEntry.Action.UNLOCK_THREAD),
    "pin": ("is_pinned", True, AuditEntry.Action.PIN_THREAD),
    "unpin": ("is_pinned", False, AuditEntry.Action.UNPIN_THREAD),
    "hide": ("is_hidden", True, AuditEntry.Action.HIDE_THREAD),
    "unhide": ("is_hidden", False, AuditEntry.Action.UNHIDE_THREAD),
}


def switch_thread(*, actor: User, thread: Thread, action: str) -> None:
    _moderate(actor)
    field, value, audit_action = THREAD_SWITCHES[action]
    with transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(**{field: value})
        if action == "hide":
            _forget_notifications(threads=[thread.pk])
        audit(
            actor=actor,
            action=audit_action,
            target=thread.author,
            detail=f"“{thread.title}”",
            url=thread.get_absolute_url(),
        )


def retag_thread(
    *, actor: User, thread: Thread, tags: list[Tag], new_topics: Sequence[str] = ()
) -> None:
    """File the thread under ``tags`` and the topics named in ``new_topics``."""
    _moderate(actor)
    with transaction.atomic():
        tags = resolve_tags(names=new_topics, proposer=actor, chosen=tags)
        check_topic_count(tags)
        before = sorted(thread.tags.values_list("slug", flat=True))
        thread.tags.set(tags)
        audit(
            actor=actor,
            action=AuditEntry.Action.RETAG_THREAD,
            target=thread.author,
            detail=f"“{thread.title}”: {', '.join(before)} -> {', '.join(t.slug for t in tags)}",
            url=thread.get_absolute_url(),
        )


# --- Purge: a moderator erases a version of a post --------------------------------

PURGE_REASON_MAX = 300


def _purge_check(actor: User, reason: str) -> str:
    if not can_purge(actor):
        raise ForumError(_("Only moderators can purge."))
    reason = " ".join(reason.split())
    if not reason:
        raise ForumError(_("Say why, for the audit log."))
    return reason[:PURGE_REASON_MAX]


def purge_post_revision(*, actor: User, revision: PostRevision, reason: str) -> None:
    """Erase an earlier version of a post: its title and text leave the database.

    The revision row stays, empty and marked, so the history says a version was
    removed and when. The audit log records who, which revision and why, never
    the text. A title no longer current is taken out of the notifications,
    emails and audit details that quoted it (common.redaction.scrub_purged_text).
    """
    reason = _purge_check(actor, reason)
    with transaction.atomic():
        revision = (
            PostRevision.objects.select_for_update()
            .select_related("post__thread")
            .get(pk=revision.pk)
        )
        if revision.is_purged:
            raise ForumError(_("This version is already purged."))
        post, thread = revision.post, revision.post.thread
        old_title = revision.title
        revision.title, revision.body = "", ""
        revision.purged_at, revision.purged_by = timezone.now(), actor
        revision.save(update_fields=["title", "body", "purged_at", "purged_by"])
        phrases = [old_title] if post.is_opening and old_title != thread.title else []
        _after_purge(
            actor=actor,
            post=post,
            detail=f"post #{post.pk}, version {revision.pk}: {reason}",
            phrases=phrases,
        )


def purge_post_text(*, actor: User, post: Post, reason: str) -> None:
    """Purge the current version: the text (and an opening post's title) becomes
    "[removed by a moderator]", and the replaced text is kept nowhere, not even as
    a revision. To keep the rest of a post, a moderator edits it instead (the
    text before the edit becomes a revision) and purges that earlier version.
    """
    reason = _purge_check(actor, reason)
    placeholder = purged_placeholder()
    with transaction.atomic():
        post = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
        thread = post.thread
        if post.body == placeholder and (not post.is_opening or thread.title == placeholder):
            raise ForumError(_("This version is already purged."))
        post.body, post.body_html, post.body_text = placeholder, f"<p>{escape(placeholder)}</p>", ""
        post.edited_at = timezone.now()
        post.save(update_fields=["body", "body_html", "body_text", "edited_at"])
        _delete_attachments([post.pk])
        phrases = []
        if post.is_opening and thread.title != placeholder:
            phrases.append(thread.title)
            Thread.objects.filter(pk=thread.pk).update(title=placeholder)
        search.index_posts([post.pk])
        _after_purge(
            actor=actor,
            post=post,
            detail=f"post #{post.pk}, current version: {reason}",
            phrases=phrases,
        )


def _after_purge(*, actor: User, post: Post, detail: str, phrases: list[str]) -> None:
    scrub_purged_text(
        phrases=phrases, url_prefix=reverse("forum:thread_short", args=[post.thread_id])
    )
    search.compact_index()
    audit(
        actor=actor,
        action=AuditEntry.Action.PURGE_POST_REVISION,
        target=post.author,
        detail=detail,
        url=post.get_absolute_url(),
    )


# --- A member deletes their account ------------------------------------------------


def forget_member(*, member: User, remove_posts: bool) -> None:
    """The forum's part of deleting an account (``network.privacy.delete_account``).

    Runs inside that transaction, before the User row goes; deleting it sets
    the author of whatever stays to NULL ("a former member"). The helpful
    marks the member gave go, and the counts with them. With ``remove_posts``
    every post of theirs becomes a deleted placeholder: its text, revisions
    and search entry erased, the helpful marks on it dropped, unaccepted if it
    was the answer. A thread they started keeps the others' replies readable
    under a placeholder title, or is deleted when nobody else wrote in it.
    The notes of flags they filed are erased; the flags stay for the moderators.
    """
    given = HelpfulMark.objects.filter(member=member)
    marked = list(given.values_list("post_id", "post__thread_id"))
    given.delete()
    post_ids = {post_id for post_id, _thread_id in marked}
    thread_ids = {thread_id for _post_id, thread_id in marked}
    own_ids: list[int] = []
    started: list[int] = []
    if remove_posts:
        placeholder = removed_placeholder()
        own = list(Post.objects.filter(author=member).values_list("pk", "thread_id"))
        own_ids = [post_id for post_id, _thread_id in own]
        post_ids.update(own_ids)
        thread_ids.update(thread_id for _post_id, thread_id in own)
        started = list(Thread.objects.filter(author=member).values_list("pk", flat=True))
        now = timezone.now()
        for chunk in fulltext.chunks(own_ids):
            _delete_attachments(chunk)
            PostRevision.objects.filter(post_id__in=chunk).delete()
            HelpfulMark.objects.filter(post_id__in=chunk).delete()
            Thread.objects.filter(accepted_post_id__in=chunk).update(accepted_post=None)
            Post.objects.filter(pk__in=chunk, is_deleted=False).update(
                is_deleted=True, deleted_at=now
            )
            Post.objects.filter(pk__in=chunk).update(
                body=placeholder,
                body_html=f"<p>{escape(placeholder)}</p>",
                body_text="",
                edited_at=None,
                edit_count=0,
                client_token=None,
            )
        for chunk in fulltext.chunks(started):
            Thread.objects.filter(pk__in=chunk).update(title=placeholder)
        Flag.objects.filter(reporter=member).update(note="")
        _forget_notifications(posts=own_ids, threads=started)
    _recount_helpful(sorted(post_ids), sorted(thread_ids))
    if remove_posts:
        _recount_replies(sorted(thread_ids))
        for chunk in fulltext.chunks(started):
            Thread.objects.filter(pk__in=chunk, reply_count=0).update(is_deleted=True)
        search.index_posts(own_ids)


def _recount_helpful(post_ids: list[int], thread_ids: list[int]) -> None:
    """Helpful counts from the marks themselves, for posts and threads that lost some."""
    per_post = (
        HelpfulMark.objects.filter(post=OuterRef("pk"))
        .order_by()
        .values("post")
        .annotate(n=Count("pk"))
        .values("n")
    )
    per_thread = (
        HelpfulMark.objects.filter(post__thread=OuterRef("pk"))
        .order_by()
        .values("post__thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    for chunk in fulltext.chunks(post_ids):
        Post.objects.filter(pk__in=chunk).update(helpful_count=Coalesce(Subquery(per_post), 0))
    for chunk in fulltext.chunks(thread_ids):
        Thread.objects.filter(pk__in=chunk).update(helpful_count=Coalesce(Subquery(per_thread), 0))


def _recount_replies(thread_ids: list[int]) -> None:
    visible = (
        Post.objects.filter(
            thread=OuterRef("pk"), is_opening=False, is_deleted=False, is_hidden=False
        )
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    for chunk in fulltext.chunks(thread_ids):
        Thread.objects.filter(pk__in=chunk).update(reply_count=Coalesce(Subquery(visible), 0))
