"""Errors of the JSON API are JSON.

DRF answers the errors its views raise as ``{"detail": "..."}``. What never reaches a view (a
path under /api/ that matches no route, e.g. ``/api/consultations/abc/``) or escapes it (a
server error) is answered by Django's error handlers, which planportal/urls.py points here:
under /api/ they answer the same JSON shape, elsewhere Django's own pages.

The OpenAPI description of these answers is shared by the API views: ``NOT_FOUND`` and the
others below, each a response with the ``ApiError`` body.
"""

from django.http import JsonResponse
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
    if _is_api(request):
        return api_error(500, _("A server error occurred."))
    return defaults.server_error(request, template_name)


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
