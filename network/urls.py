"""The site's URLs: every app's routes, composed here."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from members import language, signout
from members import urls as members_urls
from members import views as members_views
from network import privacy_views, robots, search, views
from notifications import follow_urls

# The account-wide privacy pages span every app, so their views are network's;
# their URLs and names stay members' (/members/me/data/, members:data_export).
members_patterns = [
    path("me/data/", privacy_views.data_export, name="data_export"),
    path("me/delete/", privacy_views.account_delete, name="account_delete"),
    *members_urls.urlpatterns,
]

# One topics page: the forum's list, with the inbox's follow buttons. The old
# address of the topics to follow (bookmarks, emails) leads there.
follows_patterns = [
    path(
        "topics/",
        RedirectView.as_view(
            pattern_name="forum:tags", permanent=True, http_method_names=["get", "head"]
        ),
        name="topics",
    ),
    *follow_urls.urlpatterns,
]

urlpatterns = [
    path("", views.landing, name="landing"),
    path("welcome/dismiss/", views.first_steps_dismiss, name="first_steps_dismiss"),
    path("healthz", views.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("robots.txt", robots.robots_txt, name="robots"),
    path("i18n/setlang/", language.set_language, name="set_language"),
    # Following topics and members: the inbox's views at members' addresses.
    path("members/", include((follows_patterns, follow_urls.app_name))),
    path("members/", include((members_patterns, members_urls.app_name))),
    path("notifications/", include("notifications.urls")),
    path("forum/", include("forum.urls")),
    path("lessons/", include("lessons.urls")),
    path("events/", include("events.urls")),
    path("library/", include("library.urls")),
    path("search/", search.search, name="search"),
    # Anyone may write to the moderators, with or without an account.
    path("contact/", members_views.contact, name="contact"),
    path("accounts/forget-device/", signout.forget_device, name="forget_device"),
    path("signed-out/", signout.signed_out, name="signed_out"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "network.views.bad_request"
handler403 = "network.views.permission_denied"
handler404 = "network.views.page_not_found"
handler500 = "network.views.server_error"

if settings.BENCH_REFERENCE_VIEWS:
    # make bench's bare reference page (network/bench_views.py); never in production.
    from network import bench_views

    urlpatterns += [
        path(
            "_bench/reference/thread/<int:pk>/",
            bench_views.reference_thread,
            name="bench_reference_thread",
        ),
    ]

if settings.DEBUG:  # pragma: no cover - a convenience for looking at error pages
    urlpatterns += [
        path("_errors/<int:status>/", views.error_preview),
    ]
