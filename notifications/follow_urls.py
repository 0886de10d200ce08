"""Following topics and members. Their addresses stay under /members/ (where the
profiles are); network/urls.py mounts these before members' own, and adds the
old topics page's address, which now leads to the forum's topics page (the one
list of topics, with these follow buttons)."""

from django.urls import path

from notifications import views

app_name = "follows"

urlpatterns = [
    path("topics/<slug:slug>/follow/", views.follow_tag, name="tag"),
    path("<str:handle>/follow/", views.follow_member, name="member"),
]
