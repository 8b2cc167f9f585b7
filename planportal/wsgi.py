"""WSGI entry point, served by gunicorn (see gunicorn.conf.py and scripts/serve.sh).

The Django application is wrapped by each callable named in the WSGI_WRAPPERS setting, the way
MIDDLEWARE names middleware, so the project package imports no app. One wrapper answers
tile revalidations in front of Django (layers/tiles/fastpath.py): a browser panning a map
revalidates dozens of tiles at a time, and each 304 then costs little more than gunicorn's own
handling of the request. The other answers OGC items GETs with their view and only the
middleware that shapes their answer (layers/ogc/fastpath.py).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planportal.settings")
django_application = get_wsgi_application()

from django.conf import settings  # noqa: E402 (after Django is set up)
from django.utils.module_loading import import_string  # noqa: E402

application = django_application
for _wrapper in reversed(settings.WSGI_WRAPPERS):
    application = import_string(_wrapper)(application)
