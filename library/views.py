"""Library pages. Views parse input, call library.services, and render.

The list, public resources, their files and the feed are open to visitors
(``login_not_required``); the rest is members only. A resource or file the
viewer may not open answers 404, never 403, so its existence does not leak.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from common import filestore, fulltext
from common.filters import active_filters
from common.fragments import kept_render
from common.links import query_without_page
from common.uploads import UploadRefused
from library import fragments, permissions, search, selectors, services
from library.forms import (
    CollectionForm,
    CollectionItemForm,
    LibraryFilterForm,
    MaterialForm,
    ResourceForm,
)
from library.models import Collection, CollectionItem, EventMaterial, Resource, ResourceFile
from library.services import CollectionData, LibraryError, ResourceData
from notifications.selectors import followed_ids

# --- Lists ------------------------------------------------------------------------


def _collection_choices() -> list[tuple[str, str]]:
    return list(Collection.objects.order_by("title").values_list("slug", "title"))


LIST_CONTENT_TEMPLATE = "library/includes/resource_list_content.html"


@login_not_required
@require_safe
def resource_list(request: HttpRequest) -> HttpResponse:
    """The catalogue: its search form, filters, rows, pages and collections.

    Without search words the whole content is kept (common.fragments): it
    shows the catalogue as the viewer's class sees it (members: every
    published resource; visitors: the public ones) filtered by the query
    string, and the database moves ``catalogue_version`` on every write to
    what it shows. The version is read first, so a write while the content
    is rendered is not kept under the older one. A search is rendered
    afresh (its excerpts are the search's own).
    """
    searched = ""
    if request.GET.get("q", "").strip():
        context = _list_content(request)
        searched = context["searched"]
        content = kept_render(
            request, LIST_CONTENT_TEMPLATE, inputs=None, context=lambda: context, keep=False
        )
    else:
        version = selectors.catalogue_version()
        content = kept_render(
            request,
            LIST_CONTENT_TEMPLATE,
            inputs=(
                version,
                selectors.lists_as_member(request.user),
                sorted(request.GET.lists()),
            ),
            context=lambda: _list_content(request),
            keep=version is not None,
        )
    return render(
        request,
        "library/resource_list.html",
        {
            "content": content,
            "searched": searched,
            "can_add": permissions.can_add(request.user),
            "waiting": selectors.review_queue(request.user).count()
            if permissions.is_reviewer(request.user)
            else 0,
        },
    )


def _list_content(request: HttpRequest) -> dict:
    """What the list's content is rendered from (resource_list_content.html)."""
    form = LibraryFilterForm(
        request.GET or None,
        languages=selectors.used_languages(request.user),
        years=selectors.used_years(request.user),
        countries_used=selectors.used_countries(request.user),
        collections=_collection_choices(),
        provisions=selectors.used_provisions(request.user),
    )
    d = form.cleaned_data if form.is_valid() else {}
    filters = selectors.Filters(
        kinds=d.get("kind") or None,
        tags=[t.slug for t in d.get("tag") or []] or None,
        provision=d["provision"].pk if d.get("provision") else None,
        country=d.get("country") or None,
        language=d.get("language") or None,
        year=d.get("year") or None,
        collection=d.get("collection") or None,
    )
    resources = selectors.filtered(selectors.listed_resources(request.user), filters)
    text = d.get("q") or ""
    sort = d.get("sort") or ("relevance" if text else "date")
    searched = bool(text and fulltext.has_searchable_words(text))
    if searched and sort == "relevance":
        results = search.search_resources(text, resources)
        page = Paginator(results, selectors.RESOURCES_PER_PAGE).get_page(request.GET.get("page"))
        capped = results.capped
    else:
        if searched:  # by date or title, among the matches
            resources = resources.filter(pk__in=search.search_resources(text, resources).ids())
        rows = selectors.with_rows(selectors.ordered(resources, sort), tags=False)
        page = Paginator(rows, selectors.RESOURCES_PER_PAGE).get_page(request.GET.get("page"))
        capped = False
        # Kept with the page: a row's CSRF token, were one added, is filled in per request.
        fragments.render_resource_rows(request, page.object_list, csrf=False)
    return {
        "form": form,
        "page": page,
        "searched": text if searched else "",
        "hits": searched and sort == "relevance",
        "no_words": bool(text) and not searched,
        "capped": capped,
        "query": query_without_page(request),
        "chips": active_filters(request, form, skip=("q", "sort")),
        "collections": selectors.collections(request.user)[:8],
    }


@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "library/review_queue.html",
        {
            "resources": selectors.review_queue(request.user),
            "is_reviewer": permissions.is_reviewer(request.user),
        },
    )


# --- One resource ---------------------------------------------------------------------


def _resource_or_404(request: HttpRequest, pk: int) -> Resource:
    resource = selectors.resource_for(request.user, pk)
    if resource is None:
        raise Http404
    return resource


@login_not_required
@require_safe
def resource_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    resource = _resource_or_404(request, pk)
    if slug != resource.slug:
        return redirect(resource.get_absolute_url(), permanent=True)
    user = request.user
    curate = permissions.can_curate(user)
    return render(
        request,
        "library/resource_detail.html",
        {
            "resource": resource,
            "files": [f for f in resource.files.all()],
            "citation": selectors.citation(resource),
            "collections": selectors.collections_of(user, resource),
            "can_edit": permissions.can_edit(user, resource),
            "can_publish": permissions.can_publish(user, resource),
            "can_unpublish": permissions.can_unpublish(user, resource),
            "can_delete": permissions.can_delete(user, resource),
            "revision_count": resource.revisions.count() if user.is_authenticated else 0,
            "collect_form": CollectionItemForm(collections=_collection_choices())
            if curate and resource.is_published
            else None,
        },
    )


@login_not_required
@require_safe
def bibtex(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _resource_or_404(request, pk)
    response = HttpResponse(selectors.bibtex(resource), content_type="application/x-bibtex")
    response["Content-Disposition"] = f'attachment; filename="resource-{resource.pk}.bib"'
    return response


@require_safe
def history(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _resource_or_404(request, pk)
    return render(
        request,
        "library/history.html",
        {"resource": resource, "revisions": selectors.revisions_of(resource)},
    )


@login_not_required
@require_safe
def download(request: HttpRequest, pk: int, file_pk: int, name: str) -> HttpResponse:
    """A stored file, to those who may read its resource; 404 to everyone else.

    PDFs and images open in the browser under ``Content-Security-Policy:
    sandbox`` (no script, no form, no same-origin access even if a file
    carried any); everything else is an attachment. Behind nginx the bytes go
    out through ``X-Accel-Redirect``, so no worker streams them.
    """
    resource = _resource_or_404(request, pk)
    file = get_object_or_404(ResourceFile, pk=file_pk, resource=resource)
    if name != file.name:
        return redirect(file.get_absolute_url(), permanent=True)
    return filestore.file_response(
        stored_as=file.stored_as,
        encrypted=file.encrypted,
        name=file.name,
        media_type=file.media_type,
        extension=file.extension,
        public=_public(resource),
    )


def _public(resource: Resource) -> bool:
    return resource.is_published and resource.visibility == "public"


# --- Adding and editing ------------------------------------------------------------------


def _data(form: ResourceForm) -> ResourceData:
    d = form.cleaned_data
    return ResourceData(
        kind=d["kind"],
        title=d["title"],
        authors=d["authors"],
        publisher=d["publisher"],
        published_on=d["published_on"],
        abstract=d["abstract"],
        country=d["country"],
        region=d["region"],
        series=d["series"],
        number=d["number"],
        source_url=d["source_url"],
        licence=d["licence"],
        visibility=d["visibility"],
        languages=d["languages"],
        tags=list(d["tags"]),
        provisions=list(d["provisions"]),
        author_members=d["author_members"],
    )


def _stage_uploads(request: HttpRequest, form: ResourceForm) -> tuple[list[ResourceFile], bool]:
    """The member's staged files: those kept from before and those sent now.

    Returns them and whether any is new (then the member first sees what was
    removed, and saves with a second click). A refused file is named in the
    form's errors; the rest of the form and the other files are kept.
    """
    ids = [int(value) for value in request.POST.getlist("staged") if value.isdigit()]
    staged = services.staged_files(actor=request.user, ids=ids)
    language = request.POST.get("file_language") or "en"
    new = False
    for upload in request.FILES.getlist("files"):
        if len(staged) >= services.FILES_MAX:
            form.add_error(
                "files",
                _("A resource can have at most %(max)d files.") % {"max": services.FILES_MAX},
            )
            break
        try:
            data = upload.read(settings.UPLOAD_MAX_BYTES + 1)
            staged.append(
                services.stage_file(
                    actor=request.user, name=upload.name, data=data, language=language
                )
            )
            new = True
        except (UploadRefused, LibraryError) as error:
            form.add_error("files", f"{upload.name}: {error}")
    return staged, new


def _form_page(
    request: HttpRequest,
    form: ResourceForm,
    *,
    staged: list[ResourceFile],
    resource: Resource | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "library/resource_form.html",
        {
            "form": form,
            "staged": staged,
            "resource": resource,
            "existing": list(resource.files.all()) if resource else [],
            "publishes_directly": permissions.publishes_directly(request.user),
        },
        status=status,
    )


def resource_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_add(request.user):
        raise Http404
    if request.method != "POST":
        return _form_page(request, ResourceForm(), staged=[])
    form = ResourceForm(request.POST, request.FILES)
    staged, new = _stage_uploads(request, form)
    if form.is_valid() and not new:
        try:
            resource = services.create_resource(actor=request.user, data=_data(form), staged=staged)
        except LibraryError as error:
            form.add_error(None, str(error))
        else:
            if resource.is_published:
                messages.success(request, _("The resource is in the library."))
            else:
                messages.success(
                    request,
                    _("The resource is saved and waits for review by an expert or a moderator."),
                )
            return redirect(resource.get_absolute_url())
    status = 200 if new and form.is_valid() else 400
    return _form_page(request, form, staged=staged, status=status)


def resource_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _resource_or_404(request, pk)
    if not permissions.can_edit(request.user, resource):
        raise Http404
    if request.method != "POST":
        form = ResourceForm(initial=ResourceForm.initial_for(resource))
        return _form_page(request, form, staged=[], resource=resource)
    form = ResourceForm(request.POST, request.FILES)
    staged, new = _stage_uploads(request, form)
    if form.is_valid() and not new:
        remove = [int(v) for v in request.POST.getlist("remove_file") if v.isdigit()]
        try:
            resource = services.update_resource(
                actor=request.user,
                resource=resource,
                data=_data(form),
                staged=staged,
                remove_files=remove,
            )
        except LibraryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect(resource.get_absolute_url())
    status = 200 if new and form.is_valid() else 400
    return _form_page(request, form, staged=staged, resource=resource, status=status)


def _act(request: HttpRequest, pk: int, action, success: str) -> HttpResponse:
    resource = _resource_or_404(request, pk)
    try:
        resource = action(actor=request.user, resource=resource)
    except LibraryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect(resource.get_absolute_url())


@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.publish_resource, _("The resource is published."))


@require_POST
def unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, services.unpublish_resource, _("The resource is back in the review queue.")
    )


def delete(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _resource_or_404(request, pk)
    if not permissions.can_delete(request.user, resource):
        raise Http404
    if request.method == "POST":
        try:
            services.delete_resource(actor=request.user, resource=resource)
        except LibraryError as error:
            messages.error(request, str(error))
            return redirect(resource.get_absolute_url())
        messages.success(request, _("The resource and its files are deleted."))
        return redirect("library:list")
    return render(request, "library/resource_delete.html", {"resource": resource})


@require_POST
def collect(request: HttpRequest, pk: int) -> HttpResponse:
    resource = _resource_or_404(request, pk)
    if not permissions.can_curate(request.user):
        raise Http404
    form = CollectionItemForm(request.POST, collections=_collection_choices())
    if not form.is_valid():
        messages.error(request, _("Choose a collection."))
        return redirect(resource.get_absolute_url())
    collection = get_object_or_404(Collection, slug=form.cleaned_data["collection"])
    try:
        services.add_to_collection(
            actor=request.user,
            collection=collection,
            resource=resource,
            note=form.cleaned_data["note"],
        )
    except LibraryError as error:
        messages.error(request, str(error))
        return redirect(resource.get_absolute_url())
    messages.success(request, _("Added to “%(title)s”.") % {"title": collection.title})
    return redirect(collection.get_absolute_url())


# --- Collections ---------------------------------------------------------------------


@login_not_required
@require_safe
def collection_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "library/collection_list.html",
        {
            "collections": selectors.collections(request.user),
            "can_curate": permissions.can_curate(request.user),
        },
    )


@login_not_required
@require_safe
def collection_detail(request: HttpRequest, slug: str) -> HttpResponse:
    collection = get_object_or_404(Collection, slug=slug)
    user = request.user
    following = user.is_authenticated and collection.pk in followed_ids(
        follower=user, model=Collection
    )
    return render(
        request,
        "library/collection_detail.html",
        {
            "collection": collection,
            "items": selectors.collection_items(user, collection),
            "can_curate": permissions.can_curate(user),
            "can_follow": permissions.can_follow(user),
            "following": following,
        },
    )


def _collection_data(form: CollectionForm) -> CollectionData:
    d = form.cleaned_data
    return CollectionData(
        title=d["title"], slug=d["slug"], introduction=d["introduction"], order=d["order"]
    )


def collection_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_curate(request.user):
        raise Http404
    form = CollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            collection = services.create_collection(actor=request.user, data=_collection_data(form))
        except LibraryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The collection is made. Add resources from their pages."))
            return redirect(collection.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "library/collection_form.html", {"form": form}, status=status)


def collection_edit(request: HttpRequest, slug: str) -> HttpResponse:
    collection = get_object_or_404(Collection, slug=slug)
    if not permissions.can_curate(request.user):
        raise Http404
    initial = {
        "title": collection.title,
        "slug": collection.slug,
        "introduction": collection.introduction,
        "order": collection.order,
    }
    form = CollectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            collection = services.update_collection(
                actor=request.user, collection=collection, data=_collection_data(form)
            )
        except LibraryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect(collection.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "library/collection_form.html",
        {"form": form, "collection": collection},
        status=status,
    )


@require_POST
def collection_follow(request: HttpRequest, slug: str) -> HttpResponse:
    collection = get_object_or_404(Collection, slug=slug)
    if request.POST.get("follow") == "0":
        services.unfollow_collection(member=request.user, collection=collection)
        messages.success(request, _("You no longer follow this collection."))
    else:
        try:
            services.follow_collection(member=request.user, collection=collection)
        except LibraryError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("You follow this collection: new items reach your inbox."))
    return redirect(collection.get_absolute_url())


@require_POST
def collection_item(request: HttpRequest, slug: str, item: int) -> HttpResponse:
    collection = get_object_or_404(Collection, slug=slug)
    if not permissions.can_curate(request.user):
        raise Http404
    entry = get_object_or_404(CollectionItem, pk=item, collection=collection)
    action = request.POST.get("action")
    try:
        if action == "remove":
            services.remove_from_collection(actor=request.user, item=entry)
            messages.success(request, _("Removed from the collection."))
        elif action in {"up", "down"}:
            services.move_item(actor=request.user, item=entry, by=-1 if action == "up" else 1)
    except LibraryError as error:
        messages.error(request, str(error))
    return redirect(collection.get_absolute_url())


# --- Event materials ----------------------------------------------------------------------


def materials(request: HttpRequest, event: int) -> HttpResponse:
    """An organiser picks library resources for their event (search, then attach)."""
    from django.apps import apps

    event_obj = get_object_or_404(apps.get_model("events", "Event"), pk=event)
    if not services.organises(request.user, event_obj):
        raise Http404
    if request.method == "POST":
        form = MaterialForm(request.POST)
        if form.is_valid():
            resource = selectors.resource_for(request.user, form.cleaned_data["resource"])
            if resource is None:
                raise Http404
            try:
                services.attach_material(
                    actor=request.user,
                    event=event_obj,
                    resource=resource,
                    when=form.cleaned_data["when"],
                )
            except LibraryError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The resource is a material of the event."))
        return redirect(request.path)
    text = request.GET.get("q", "")[:200]
    found = []
    if text and fulltext.has_searchable_words(text):
        results = search.search_resources(text, selectors.listed_resources(request.user))
        found = [hit.resource for hit in results[:20]]
    return render(
        request,
        "library/materials.html",
        {
            "event": event_obj,
            "materials": selectors.materials_for(event_obj, viewer=request.user),
            "found": found,
            "searched": text,
            "when_choices": MaterialForm.base_fields["when"].choices,
        },
    )


@require_POST
def material_remove(request: HttpRequest, material: int) -> HttpResponse:
    entry = get_object_or_404(EventMaterial.objects.select_related("event"), pk=material)
    try:
        services.detach_material(actor=request.user, material=entry)
    except LibraryError:
        raise Http404 from None
    messages.success(request, _("The material is removed from the event."))
    return redirect("library:materials", event=entry.event_id)
