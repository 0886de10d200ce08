from django.urls import path

from events import feeds, views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("past/", views.past_events, name="past"),
    path("new/", views.event_create, name="create"),
    path("calendar/", views.calendar_now, name="calendar"),
    path("calendar/<int:year>/<int:month>/", views.month, name="month"),
    path("feed/", feeds.public_feed, name="feed"),
    path("calendar/private/", feeds.calendar_settings, name="feed_settings"),
    path("calendar/<str:token>.ics", feeds.private_calendar, name="private_calendar"),
    path("<int:pk>/event.ics", feeds.event_ics, name="ics"),
    path("<int:pk>/", views.event_detail, name="detail_short"),
    path("<int:pk>/edit/", views.event_edit, name="edit"),
    path("<int:pk>/cancel/", views.event_cancel, name="cancel"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/leave/", views.leave, name="leave"),
    path("<int:pk>/participants/", views.participants, name="participants"),
    path("<int:pk>/participants.csv", views.participants_csv, name="participants_csv"),
    path("<int:pk>/participants/<int:registration>/decide/", views.decide, name="decide"),
    # Last: an event's slug must not shadow the actions above.
    path("<int:pk>/<slug:slug>/", views.event_detail, name="detail"),
]
