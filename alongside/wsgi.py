"""WSGI entry point for a deployment's application server (for example gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
application = get_wsgi_application()
