"""Following topics and members. Their addresses stay under /members/ (where the
topics and profiles are); network/urls.py mounts these before members' own."""

from django.urls import path

from notifications import views

app_name = "follows"

urlpatterns = [
    path("topics/", views.topics, name="topics"),
    path("topics/<slug:slug>/follow/", views.follow_tag, name="tag"),
    path("<str:handle>/follow/", views.follow_member, name="member"),
]
