from django.urls import path

from forum import views

app_name = "forum"

urlpatterns = [
    path("", views.thread_list, name="list"),
    path("new/", views.thread_create, name="create"),
    path("preview/", views.preview, name="preview"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("tags/<slug:slug>/edit/", views.tag_edit, name="tag_edit"),
    path("tags/<slug:slug>/merge/", views.tag_merge_view, name="tag_merge"),
    path("moderation/flags/", views.flags, name="flags"),
    path("posts/<int:pk>/", views.post_redirect, name="post"),
    path("files/<int:pk>/<str:name>", views.attachment, name="attachment"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/history/", views.post_history, name="post_history"),
    path("posts/<int:pk>/purge/", views.post_purge, name="post_purge"),
    path("posts/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path("posts/<int:pk>/restore/", views.post_restore, name="post_restore"),
    path("posts/<int:pk>/helpful/", views.post_helpful, name="post_helpful"),
    path("posts/<int:pk>/accept/", views.post_accept, name="post_accept"),
    path("posts/<int:pk>/flag/", views.post_flag, name="post_flag"),
    path("posts/<int:pk>/hide/", views.post_hide, name="post_hide"),
    path("posts/<int:pk>/dismiss-flags/", views.flags_dismiss, name="flags_dismiss"),
    path("<int:pk>/", views.thread_detail, name="thread_short"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/follow/", views.thread_follow, name="follow"),
    path("<int:pk>/unaccept/", views.thread_unaccept, name="unaccept"),
    path("<int:pk>/topics/", views.thread_retag, name="retag"),
    path("<int:pk>/moderate/<str:action>/", views.thread_moderate, name="moderate"),
    # Last: a thread's slug must not shadow the actions above.
    path("<int:pk>/<slug:slug>/", views.thread_detail, name="thread"),
]
