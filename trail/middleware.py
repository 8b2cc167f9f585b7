"""Who is acting, for the history triggers: every staff request that may change rows (POST,
PUT, PATCH, DELETE; ``PGHISTORY_MIDDLEWARE_METHODS``), from a signed-in person or with an API
token, runs inside a ``pghistory.context`` holding the user and the path, so each row a
trigger copies says who changed it and where.

Residents' requests (no session user, no token) change no tracked row (a comment is not
tracked): they are left alone, so the submit path keeps its handful of statements instead of
carrying the context into every one, savepoints included.

django-pghistory's own HistoryMiddleware records the user's id only, and follows a change of
``request.user`` during the request (a login, DRF's token authentication) with the id alone.
This one keeps the name as it was too (an account may be renamed or deleted later), through
``planportal.audit.actor_metadata``, the same words a management command records, and the
keyed hash of the client's address, as audit events carry it.
"""

from django.core.handlers.wsgi import WSGIRequest
from django.urls import Resolver404, resolve
from pghistory import config

from planportal.audit import history_context, request_client_key

LOGIN_VIEWS = {"staff-login", "admin:login"}
LOGIN_PATH_END = "/login/"  # how the paths of LOGIN_VIEWS end


class _FollowsUser:
    """A request that updates the open context when its user is set (a login inside the
    request, or DRF authenticating a token in the view)."""

    def __setattr__(self, name, value):
        if name == "user" and getattr(value, "is_authenticated", False):
            history_context(value)  # called, not entered: adds to the context already open
        super().__setattr__(name, value)


class _TrailWSGIRequest(_FollowsUser, WSGIRequest):
    pass


class TrailContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in config.middleware_methods() or not _staff(request):
            return self.get_response(request)
        with history_context(
            getattr(request, "user", None),
            url=request.path[:500],
            client_key=request_client_key(request),
        ):
            if type(request) is WSGIRequest:
                request.__class__ = _TrailWSGIRequest
            return self.get_response(request)


def _staff(request) -> bool:
    """Signed in, calling the API with a token (DRF authenticates it in the view), or
    signing in (a login may upgrade the stored password hash: that change is on the record
    as made at the login page)."""
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False) or "HTTP_AUTHORIZATION" in request.META:
        return True
    # Both login views end in login/ (staff/login/, admin/login/); resolving every resident's
    # comment POST to learn that it is not one of them cost a twentieth of its CPU.
    if not request.path_info.endswith(LOGIN_PATH_END):
        return False
    try:
        return resolve(request.path_info).view_name in LOGIN_VIEWS
    except Resolver404:
        return False
