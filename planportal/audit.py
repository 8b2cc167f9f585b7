"""Writing to the audit trail. Every state change of a staff action calls ``record`` inside
the same transaction as the change, so a change and its record land or fail together."""

from django.db import models

from planportal.models import AuditEvent


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
    )
