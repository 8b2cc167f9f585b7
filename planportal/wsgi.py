"""WSGI entry point, served by gunicorn (see gunicorn.conf.py and scripts/serve.sh).

Tile revalidations are answered in front of Django (layers/tile_middleware.py): a browser
panning a map revalidates dozens of tiles at a time, and each 304 then costs little more than
gunicorn's own handling of the request.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planportal.settings")
django_application = get_wsgi_application()

from layers.tile_middleware import tile_revalidation_app  # noqa: E402 (needs Django set up)

application = tile_revalidation_app(django_application)
