from django.urls import path

from library import feeds, views

app_name = "library"

urlpatterns = [
    path("", views.resource_list, name="list"),
    path("new/", views.resource_create, name="create"),
    path("review/", views.review_queue, name="review"),
    path("feed/", feeds.public_feed, name="feed"),
    path("collections/", views.collection_list, name="collections"),
    path("collections/new/", views.collection_create, name="collection_create"),
    path("collections/<slug:slug>/", views.collection_detail, name="collection"),
    path("collections/<slug:slug>/edit/", views.collection_edit, name="collection_edit"),
    path("collections/<slug:slug>/follow/", views.collection_follow, name="collection_follow"),
    path(
        "collections/<slug:slug>/items/<int:item>/",
        views.collection_item,
        name="collection_item",
    ),
    path("materials/<int:event>/", views.materials, name="materials"),
    path("materials/remove/<int:material>/", views.material_remove, name="material_remove"),
    path("<int:pk>/", views.resource_detail, name="detail_short"),
    path("<int:pk>/edit/", views.resource_edit, name="edit"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/unpublish/", views.unpublish, name="unpublish"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/collect/", views.collect, name="collect"),
    path("<int:pk>/cite.bib", views.bibtex, name="bibtex"),
    path("<int:pk>/files/<int:file_pk>/<str:name>", views.download, name="download"),
    # Last: a resource's slug must not shadow the actions above.
    path("<int:pk>/<slug:slug>/", views.resource_detail, name="detail"),
]
