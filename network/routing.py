"""WebSocket routes of every app, composed here as the HTTP urls are in urls.py."""

from django.urls import path

from network.consumers import PingConsumer
from notifications.consumers import NotificationConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
