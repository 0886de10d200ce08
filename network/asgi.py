"""ASGI entry point: daphne serves the WebSockets (and, under `make run`, everything).

HTTP goes to Django; WebSockets go through the Origin check (scheme, host and
port: network.origins), the session authentication and the limits on
connections per member (network.ratelimit) before reaching a consumer.
"""

import os

from django.core.asgi import get_asgi_application

from network.env import exit_on_config_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")

# Django must be set up before anything imports models (consumers do).
django_asgi_app = exit_on_config_error(get_asgi_application)

# daphne runs no system checks; a production process must not serve with a
# missing Content-Security-Policy or in-memory backends (network/checks.py).
from network.checks import exit_on_check_errors  # noqa: E402

exit_on_check_errors()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from network.origins import OriginValidator  # noqa: E402
from network.ratelimit import SocketLimitMiddleware  # noqa: E402
from network.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OriginValidator(
            AuthMiddlewareStack(SocketLimitMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
