"""Writing to the audit trail. Every state change of a staff action calls ``record`` inside
the same transaction as the change, so a change and its record land or fail together."""

import contextvars
import getpass

import pghistory
from django.core.management.base import BaseCommand
from django.db import models

from planportal.clients import client_from_meta
from planportal.models import AuditEvent

# The keyed hash of the address of the request being served, for every event it records
# (set by ``client_recorded``); blank in commands and jobs.
_current_client_key = contextvars.ContextVar("audit_client_key", default="")


def record(
    actor,
    action: str,
    obj: models.Model,
    *,
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_name=user.get_username() if user else "",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary[:300],
        before=before,
        after=after,
        client_key=_current_client_key.get(),
    )


def request_client_key(request) -> str:
    """The keyed hash of the request's client address (its /64 for IPv6), as the login
    events and comment limits keep it."""
    client = client_from_meta(request.META)
    return client.key if client.ip else ""


def client_recorded(get_response):
    """Middleware: every audit event recorded while serving a request carries the keyed hash
    of the client's address."""

    def middleware(request):
        token = _current_client_key.set(request_client_key(request))
        try:
            return get_response(request)
        finally:
            _current_client_key.reset(token)

    return middleware


# --- Who is acting, for the history triggers -----------------------------------------------
# Plan text, indicators, consultations, layers and staff accounts are recorded by database
# triggers (django-pghistory, app ``trail``), which learn who is acting from the context set
# here: by the middleware for a web request, by ``RecordedCommand`` for a management command.


def actor_metadata(user=None, *, command: str = "") -> dict:
    """What the history triggers store about who acted: the user (id and name as they were),
    and for a command its name and the operating-system account that ran it."""
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    metadata = {
        "user": user.pk if signed_in else None,
        "username": user.get_username() if signed_in else "",
    }
    if command:
        metadata["command"] = command
        metadata["os_user"] = _os_user()
    return metadata


def history_context(user=None, *, command: str = "", **extra):
    """``with history_context(command="load_demo_plan"):``: every tracked change inside is
    recorded with this actor. Nested inside another context it adds to that one."""
    return pghistory.context(**actor_metadata(user, command=command), **extra)


def attribute_to(user) -> None:
    """Names the person behind the changes of the context already open (e.g. a command run
    ``--actor wang`` or a job run for the planner who uploaded); outside one it does nothing."""
    pghistory.context(user=user.pk, username=user.get_username())


class RecordedCommand(BaseCommand):
    """A management command whose changes to tracked rows carry the command's name (and the
    account that ran it) as their actor."""

    def execute(self, *args, **options):
        with history_context(command=self.__module__.rsplit(".", 1)[-1]):
            return super().execute(*args, **options)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the process's uid (a bare container)
        return ""
