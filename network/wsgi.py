"""WSGI entry point: gunicorn serves the pages in production."""

import os

from django.core.wsgi import get_wsgi_application

from network.env import exit_on_config_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")

application = exit_on_config_error(get_wsgi_application)

# gunicorn runs no system checks; a production process must not serve with a
# missing Content-Security-Policy or in-memory backends (network/checks.py).
from network.checks import exit_on_check_errors  # noqa: E402

exit_on_check_errors()
