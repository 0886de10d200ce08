from django.urls import path

from lessons import export, feeds, views

app_name = "lessons"

urlpatterns = [
    path("", views.lesson_list, name="list"),
    path("new/", views.lesson_create, name="create"),
    path("mine/", views.my_lessons, name="mine"),
    path("review/", views.review_queue, name="review_queue"),
    path("standards/", views.standards, name="standards"),
    path("standards/<slug:slug>/", views.instrument_detail, name="instrument"),
    path("standards/<slug:slug>/follow/", views.instrument_follow, name="instrument_follow"),
    path("standards/<slug:slug>/<int:pk>/", views.provision_detail, name="provision"),
    path("standards/<slug:slug>/<int:pk>/follow/", views.provision_follow, name="provision_follow"),
    path("feed/", feeds.public_feed, name="feed"),
    path("feed/private/", feeds.private_feed_settings, name="feed_settings"),
    path("feed/<str:token>/", feeds.private_feed, name="private_feed"),
    path("<int:pk>/", views.lesson_detail, name="detail_short"),
    path("<int:pk>/edit/", views.lesson_edit, name="edit"),
    path("<int:pk>/act/", views.lesson_act, name="act"),
    path("<int:pk>/co-author/", views.co_author_invitation, name="co_author"),
    path("<int:pk>/topics/", views.lesson_retag, name="retag"),
    path("<int:pk>/history/", views.lesson_history, name="history"),
    path("<int:pk>/history/<int:revision>/restore/", views.revision_restore, name="restore"),
    path("<int:pk>/history/<int:revision>/purge/", views.revision_purge, name="purge"),
    path("<int:pk>/export.md", export.export_markdown, name="export"),
    path("<int:pk>/print/", export.print_view, name="print"),
    # Last: a lesson's slug must not shadow the actions above.
    path("<int:pk>/<slug:slug>/", views.lesson_detail, name="detail"),
]
