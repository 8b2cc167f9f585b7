"""WSGI entry point, served by gunicorn (see the Makefile's ``serve`` target)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planportal.settings")
application = get_wsgi_application()
