"""A resident's photo, for the officials of the comment's plan only (``official_required``
and ``require_moderation_right``): never under a public /media/ address. Every look is
audited, like a look at the contact details.

Behind nginx (``MEDIA_X_ACCEL_REDIRECT``, deploy/nginx-planportal.conf) the answer is an empty
response whose ``X-Accel-Redirect`` names the file under the internal location
``/protected-media/``, so nginx sends it and no gunicorn thread is held by a slow phone;
without nginx in front (`make run`, the tests) Django sends the file itself.

The file is always the portal's own re-encoded JPEG or PNG (consultation/photos.py), served
as an image with ``nosniff`` and never cached by a browser or a proxy.
"""

import posixpath

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.views.decorators.http import require_GET

from consultation.staff_views import staff_comment
from planportal.audit import record
from planportal.roles import official_required

PHOTO_FOLDER = "comment-photos/"
INTERNAL_PREFIX = "/protected-media/"
CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def stored_name(comment) -> str:
    """The photo's path inside MEDIA_ROOT, 404 when there is none or it is not a photo's."""
    name = comment.photo.name if comment.photo else ""
    if not name or posixpath.normpath(name) != name or not name.startswith(PHOTO_FOLDER):
        raise Http404
    if posixpath.splitext(name)[1].lower() not in CONTENT_TYPES:
        raise Http404
    return name


@require_GET
@official_required
def comment_photo(request, pk: int):
    comment = staff_comment(request.user, pk)
    name = stored_name(comment)
    content_type = CONTENT_TYPES[posixpath.splitext(name)[1].lower()]
    if settings.MEDIA_X_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = INTERNAL_PREFIX + name
    else:
        try:
            photo = comment.photo.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(photo, content_type=content_type)
    record(request.user, "comment.view_photo", comment)
    response["Content-Disposition"] = f'inline; filename="{comment.receipt_code}{name[-4:]}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
