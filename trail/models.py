"""The history of the rows a plan's record is made of, written by PostgreSQL triggers
(django-pghistory on django-pgtrigger): plan, its versions, chapters, sections (the text),
indicators, the steps of its procedure, consultations (dates), layers (settings, public
policy), staff accounts and their groups.

Every tracked model is a proxy here, so the triggers and the event tables are this app's
migrations and no other app's migration changes. Each event row is a copy of the tracked row
as it was after an insert or update, or before a delete, with who acted (``pgh_context``,
stored in the row itself: a shared context table would be updated in place, and the trail must
not change after it is written). The event tables are append-only by trigger, like
``planportal.AuditEvent`` (migration 0002).

Not tracked: comments and their replies (their steps are ``AuditEvent`` rows, and a copy of a
resident's contact details here would outlive the retention purge), features and revisions
(an upload is ``AuditEvent`` rows; the revision itself never changes).
"""

import pghistory
from django.contrib.auth.models import User

from consultation.models import Consultation
from layers.models import Layer
from planportal.models import Chapter, Indicator, Plan, PlanPhase, PlanVersion, Section

# Labels of the row events (pgh_label).
CREATE, UPDATE, DELETE = "create", "update", "delete"
PASSWORD_CHANGED = "password.changed"  # noqa: S105 (a label; the hash itself is never copied)
GROUP_ADD, GROUP_REMOVE = "group.add", "group.remove"
# A copy of each row as it stood when the trail was installed (migration 0003): the "before"
# of its first recorded change. Not a change itself, so the trail pages leave it out.
BASELINE = "baseline"


def _row_events():
    return (
        pghistory.InsertEvent(CREATE),
        pghistory.UpdateEvent(UPDATE),
        pghistory.DeleteEvent(DELETE),
    )


def _tracked(*trackers, **options):
    """pghistory.track with the context (who acted) copied into each event row."""
    return pghistory.track(
        *(trackers or _row_events()),
        context_field=pghistory.ContextJSONField(),
        context_id_field=pghistory.ContextUUIDField(),
        **options,
    )


@_tracked(exclude=["updated_at"], model_name="PlanEvent")
class TrackedPlan(Plan):
    class Meta:
        proxy = True


@_tracked(model_name="ChapterEvent")
class TrackedChapter(Chapter):
    class Meta:
        proxy = True


@_tracked(model_name="SectionEvent")
class TrackedSection(Section):
    class Meta:
        proxy = True


@_tracked(model_name="IndicatorEvent")
class TrackedIndicator(Indicator):
    class Meta:
        proxy = True


@_tracked(model_name="PlanVersionEvent")
class TrackedPlanVersion(PlanVersion):
    class Meta:
        proxy = True


@_tracked(exclude=["updated_at"], model_name="PlanPhaseEvent")
class TrackedPlanPhase(PlanPhase):
    class Meta:
        proxy = True


@_tracked(model_name="ConsultationEvent")
class TrackedConsultation(Consultation):
    class Meta:
        proxy = True


@_tracked(model_name="LayerEvent")
class TrackedLayer(Layer):
    class Meta:
        proxy = True


@_tracked(
    *_row_events(),
    # Its own event when only the password changed; the hash is excluded from every copy.
    pghistory.UpdateEvent(PASSWORD_CHANGED, condition=pghistory.AnyChange("password")),
    exclude=["password", "last_login"],
    model_name="UserEvent",
)
class TrackedUser(User):
    class Meta:
        proxy = True


@_tracked(
    pghistory.InsertEvent(GROUP_ADD),
    pghistory.DeleteEvent(GROUP_REMOVE),
    obj_field=None,  # Django allows no foreign key to an auto-created through model
    model_name="UserGroupEvent",
)
class TrackedUserGroup(User.groups.through):
    class Meta:
        proxy = True


# The event models pghistory made above, for the pages and the migrations' table list.
PLAN_EVENT_MODELS = {
    "plan": TrackedPlan.pgh_event_model,
    "chapter": TrackedChapter.pgh_event_model,
    "section": TrackedSection.pgh_event_model,
    "indicator": TrackedIndicator.pgh_event_model,
    "version": TrackedPlanVersion.pgh_event_model,
    "phase": TrackedPlanPhase.pgh_event_model,
    "consultation": TrackedConsultation.pgh_event_model,
    "layer": TrackedLayer.pgh_event_model,
}
ACCOUNT_EVENT_MODELS = {
    "user": TrackedUser.pgh_event_model,
    "group": TrackedUserGroup.pgh_event_model,
}
