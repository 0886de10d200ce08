"""WSGI entry point: gunicorn serves the pages in production."""

import os

from django.core.wsgi import get_wsgi_application

from network.env import exit_on_config_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network.settings")

application = exit_on_config_error(get_wsgi_application)
