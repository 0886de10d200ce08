from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("<int:pk>/", views.event_detail, name="detail_short"),
    path("<int:pk>/participants/", views.participants, name="participants"),
    path("<int:pk>/<slug:slug>/", views.event_detail, name="detail"),
]
