"""Errors of the JSON API are JSON.

DRF answers the errors its views raise as ``{"detail": "..."}``. What never reaches a view (a
path under /api/ that matches no route, e.g. ``/api/consultations/abc/``) or escapes it (a
server error) is answered by Django's error handlers, which planportal/urls.py points here:
under /api/ they answer the same JSON shape, elsewhere Django's own pages.

The OpenAPI description of these answers is shared by the API views: ``NOT_FOUND`` and the
others below, each a response with the ``ApiError`` body.
"""

import errno
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(status: int, detail: str) -> JsonResponse:
    """An error answer of the API outside DRF's views, in the shape of theirs (the messages
    are DRF's, so they come translated)."""
    return JsonResponse({"detail": detail}, status=status)


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    if _is_api(request):
        return api_error(400, _("Malformed request."))
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name=defaults.ERROR_403_TEMPLATE_NAME):
    if _is_api(request):
        return api_error(403, _("You do not have permission to perform this action."))
    return defaults.permission_denied(request, exception, template_name)


def not_found(request, exception, template_name=defaults.ERROR_404_TEMPLATE_NAME):
    if _is_api(request):
        return api_error(404, _("Not found."))
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    # Django calls this handler inside its except block: the exception is still at hand.
    answer = resource_failure_answer(request, sys.exc_info()[1])
    if answer is not None:
        return answer
    if _is_api(request):
        return api_error(500, _("A server error occurred."))
    return defaults.server_error(request, template_name)


# The database went away (a restart, a failover, a full disk): the request did nothing, and
# the same request will work again within seconds. 503 with Retry-After says exactly that to
# browsers, the API's clients and nginx, where a 500 would say the portal is broken.
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 10


# The disk under MEDIA_ROOT or the temporary folder is full: an upload or a photo could not
# be written (and what was written of it is removed by its writer). 507 names the cause.
STORAGE_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


def resource_failure_answer(request, error) -> HttpResponse | None:
    """The answer to a request that failed because the server lacks a resource, or None."""
    if isinstance(error, DATABASE_DOWN):
        return database_unavailable(request)
    if isinstance(error, OSError) and error.errno in STORAGE_FULL_ERRNOS:
        return storage_full(request)
    return None


def storage_full(request) -> HttpResponse:
    message = _(
        "The server has no room left to store what you sent, so your request was not "
        "completed and nothing was kept. Please try again later; if it fails again, tell the "
        "portal's administrator."
    )
    return _unavailable(request, 507, message)


def database_unavailable(request) -> HttpResponse:
    message = _(
        "The portal cannot reach its database for a moment, so your request was not "
        "completed. Please try again in a minute."
    )
    response = _unavailable(request, 503, message)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _unavailable(request, status: int, message: str) -> HttpResponse:
    if _is_api(request):
        response = api_error(status, message)
    else:
        # Rendered without the site's template: its context needs the database.
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=status)
    response["Cache-Control"] = "no-store"
    return response


# -- schema ---------------------------------------------------------------------------------


class ApiErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the language of the request.")


FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": 'Messages per field: {"field": ["message", ...]}; "detail" (a string) '
    "for what concerns the whole request.",
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
    },
}

NOT_FOUND = OpenApiResponse(ApiErrorSerializer, description="No such object (for you).")
NOT_AUTHENTICATED = OpenApiResponse(
    ApiErrorSerializer, description="Not authenticated, or an invalid token."
)
FORBIDDEN = OpenApiResponse(ApiErrorSerializer, description="Not allowed for this user.")
UNSUPPORTED_MEDIA_TYPE = OpenApiResponse(
    ApiErrorSerializer, description="The body is not of a media type the operation reads."
)


def staff_refusals(role: str, missing: str) -> dict[int, OpenApiResponse]:
    """The 401, 403 and 404 answers of a staff operation: ``role`` is who may call it ("a
    planner"), ``missing`` what a 404 means ("No such job.")."""
    return {
        401: NOT_AUTHENTICATED,
        403: OpenApiResponse(
            ApiErrorSerializer, description=f"Not {role}, or not for this object's plan."
        ),
        404: OpenApiResponse(ApiErrorSerializer, description=missing),
    }


def invalid(description: str) -> OpenApiResponse:
    """A 400 answer with the messages per field."""
    return OpenApiResponse(FIELD_ERRORS_SCHEMA, description=description)
