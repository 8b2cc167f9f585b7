"""One plan's trail: every recorded change and step that concerns it, newest first, in one
shape (``Entry``) for the page and the exports.

Two sources are merged:

- the history rows the database triggers wrote (trail/models.py), read through pghistory's
  ``Events``, which pairs each row with the one before it of the same object (``pgh_diff``):
  the plan, its versions, chapters and sections, indicators, the steps of its procedure,
  consultations and layers, including rows deleted since;
- ``planportal.AuditEvent`` rows of the plan's objects: the plan itself, its consultations
  and their comments, its layers, their revisions and upload jobs, and any other object that
  reaches the plan through ``plan``, ``consultation`` or ``layer`` (``PLAN_PATHS``).

Staff accounts, their groups and logins belong to no plan. They are part of every plan's
trail (kind "accounts"): a group gives its role on every plan, so who could act on this plan,
and since when, is part of this plan's record, and an inspector gets it in the same export.
A right granted for one plan or one region (planportal.RoleGrant) is in the trail of each plan
it covers, from the grant's own audit events, so a revoked grant stays there too.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import FieldError, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from pghistory.models import Events

from consultation.models import Consultation
from layers.models import Layer
from planportal.models import AuditEvent, Chapter, PhaseKind, Plan, VersionKind, region_prefix
from trail import models as trail
from trail.values import Change, changes_between

KINDS = {
    "plan": gettext_lazy("Plan, text and status"),
    "indicators": gettext_lazy("Indicators"),
    "consultations": gettext_lazy("Consultations"),
    "comments": gettext_lazy("Comments"),
    "layers": gettext_lazy("Layers and uploads"),
    "accounts": gettext_lazy("Staff accounts and logins"),
}

EVENT_KINDS = {
    "plan": "plan",
    "version": "plan",
    "chapter": "plan",
    "section": "plan",
    "phase": "plan",
    "indicator": "indicators",
    "consultation": "consultations",
    "layer": "layers",
    "user": "accounts",
    "group": "accounts",
}

ROW_ACTIONS = {
    trail.CREATE: pgettext_lazy("trail", "created"),
    trail.UPDATE: pgettext_lazy("trail", "changed"),
    trail.DELETE: pgettext_lazy("trail", "deleted"),
    trail.PASSWORD_CHANGED: pgettext_lazy("trail", "password changed"),
    trail.GROUP_ADD: pgettext_lazy("trail", "added to group"),
    trail.GROUP_REMOVE: pgettext_lazy("trail", "removed from group"),
}

AUDIT_ACTIONS = {
    "comment.publish": gettext_lazy("comment published"),
    "comment.hide": gettext_lazy("comment hidden"),
    "comment.answer": gettext_lazy("comment answered"),
    "comment.enter": gettext_lazy("opinion entered by staff"),
    "comment.mark_duplicate": gettext_lazy("comment grouped as duplicate"),
    "comment.set_villages": gettext_lazy("villages of a comment corrected"),
    "comment.show_contact": gettext_lazy("contact details shown"),
    "consultation.export_csv": gettext_lazy("comments exported (CSV)"),
    "consultation.export_xlsx": gettext_lazy("comments exported (XLSX)"),
    "consultation.purge_contacts": gettext_lazy("contact details purged after retention"),
    "layer.publish": gettext_lazy("layer revision published"),
    "plan.create": gettext_lazy("plan created"),
    "plan.publish": gettext_lazy("plan shown on the portal"),
    "plan.unpublish": gettext_lazy("plan taken off the portal"),
    "version.create": gettext_lazy("plan version created"),
    "version.publish": gettext_lazy("plan version published"),
    "layer.rollback": gettext_lazy("layer rolled back"),
    "upload.created": gettext_lazy("upload received"),
    "upload.queued": gettext_lazy("upload queued"),
    "upload.done": gettext_lazy("upload written as a revision"),
    "upload.failed": gettext_lazy("upload failed"),
    "upload.rejected": gettext_lazy("upload rejected"),
    "upload.cancelled": gettext_lazy("upload cancelled"),
    "upload.interrupted": gettext_lazy("upload interrupted"),
    "upload.expired": gettext_lazy("upload expired"),
    "package.created": gettext_lazy("database package received"),
    "package.queued": gettext_lazy("database package queued"),
    "package.checked": gettext_lazy("database package checked"),
    "package.publish": gettext_lazy("database package published"),
    "package.interrupted": gettext_lazy("database package interrupted"),
    "package.expired": gettext_lazy("database package expired"),
    "login.succeeded": gettext_lazy("logged in"),
    "login.locked_out": gettext_lazy("login locked after failures"),
    "report.freeze": gettext_lazy("report frozen"),
    "reply.link_changes": gettext_lazy("answer linked to changes"),
    "version.changes.refresh": gettext_lazy("list of changes refreshed"),
    "version.change.add": gettext_lazy("change listed"),
    "version.change.explain": gettext_lazy("reason for a change written"),
    "version.change_note": gettext_lazy("foreword of the changes written"),
    "account.create": gettext_lazy("staff account created"),
    "account.deactivate": gettext_lazy("staff account deactivated"),
    "account.reactivate": gettext_lazy("staff account reactivated"),
    "grant.add": gettext_lazy("right granted"),
    "grant.revoke": gettext_lazy("right revoked"),
    "figure.add": gettext_lazy("figure uploaded"),
    "figure.edit": gettext_lazy("figure changed"),
    "figure.delete": gettext_lazy("figure deleted"),
    "trail.export_csv": gettext_lazy("trail exported (CSV)"),
    "trail.export_xlsx": gettext_lazy("trail exported (XLSX)"),
}

# How an audited object reaches its plan, tried in this order.
PLAN_PATHS = ("plan", "consultation__plan", "layer__plan", "comment__consultation__plan")
ACCOUNT_TYPES = ("auth.user", "axes.accessattempt")
# Audited objects shown by their name (str()) rather than their number.
NAMED_TYPES = {
    "auth.user",
    "planportal.plan",
    "consultation.consultation",
    "consultation.comment",
    "layers.layer",
    "layers.layerrevision",
    "layers.uploadjob",
    "layers.packagejob",
}
AUDIT_KINDS = {
    "planportal.plan": "plan",
    "consultation.consultation": "consultations",
    "consultation.comment": "comments",
    "auth.user": "accounts",
    "axes.accessattempt": "accounts",
    "planportal.rolegrant": "accounts",
}
GRANT_TYPE = "planportal.rolegrant"


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    via: str
    kind: str
    action: str
    subject: str
    changes: list[Change] = field(default_factory=list)
    summary: str = ""
    reference: str = ""

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))


@dataclass(frozen=True)
class Period:
    """Entries from ``since`` (inclusive) until ``until`` (exclusive); either may be open."""

    since: datetime | None = None
    until: datetime | None = None


def plan_trail(plan: Plan, *, kind: str = "", period: Period = Period()) -> list[Entry]:
    """The plan's entries of one kind (all kinds when blank) in the period, newest first."""
    entries = [
        *_history_entries(plan, kind, period),
        *_audit_entries(plan, kind, period),
    ]
    return sorted(entries, key=lambda entry: (entry.at, entry.reference), reverse=True)


# --- history rows ----------------------------------------------------------------------------


def _history_entries(plan: Plan, kind: str, period: Period):
    names = Names()
    for events in _history_queries(plan, kind):
        events = events.exclude(pgh_label=trail.BASELINE)
        if period.since:
            events = events.filter(pgh_created_at__gte=period.since)
        if period.until:
            events = events.filter(pgh_created_at__lt=period.until)
        for event in events.order_by("-pgh_created_at"):
            yield _history_entry(event, names)


def _history_queries(plan: Plan, kind: str):
    wanted = [name for name, event_kind in EVENT_KINDS.items() if kind in ("", event_kind)]
    models = trail.PLAN_EVENT_MODELS
    by_plan = [models[name] for name in wanted if name in models and name != "section"]
    if by_plan:
        yield Events.objects.references(plan).across(*by_plan)
    if "section" in wanted:
        chapters = _ids_ever(Chapter.objects.filter(plan=plan), models["chapter"], plan)
        if chapters:
            chapter_rows = [Chapter(pk=pk) for pk in sorted(chapters)]
            yield Events.objects.references(chapter_rows).across(models["section"])
    accounts = [trail.ACCOUNT_EVENT_MODELS[name] for name in wanted if name in ("user", "group")]
    if accounts:
        yield Events.objects.across(*accounts)


def _ids_ever(live, event_model, plan: Plan) -> set[int]:
    """The ids of a plan's rows of one kind, those deleted since included."""
    recorded = event_model.objects.filter(plan_id=plan.pk).values_list("pgh_obj_id", flat=True)
    return set(live.values_list("pk", flat=True)) | set(recorded)


def _history_entry(event: Events, names: "Names") -> Entry:
    event_model = apps.get_model(event.pgh_model)
    name = _event_name(event_model)
    columns = {f.column: f for f in event_model._meta.fields if not f.name.startswith("pgh_")}
    data = {k: v for k, v in (event.pgh_data or {}).items() if k != "id"}
    if event.pgh_label == trail.CREATE or event.pgh_label == trail.GROUP_ADD:
        changes = changes_between(None, data, columns, names.of)
    elif event.pgh_label in (trail.DELETE, trail.GROUP_REMOVE):
        changes = changes_between(data, None, columns, names.of)
    else:
        diff = {k: v for k, v in (event.pgh_diff or {}).items() if k != "id"}
        before = {k: pair[0] for k, pair in diff.items()}
        after = {k: pair[1] for k, pair in diff.items()}
        changes = changes_between(before, after, columns, names.of)
    if name == "group":
        changes = []  # the subject says it: who joined or left which group
    actor, via = actor_of(event.pgh_context)
    return Entry(
        at=event.pgh_created_at,
        actor=actor,
        via=via,
        kind=EVENT_KINDS[name],
        action=str(ROW_ACTIONS.get(event.pgh_label, event.pgh_label)),
        subject=_subject(name, data, names),
        changes=changes,
        reference=f"{event.pgh_model}:{event.pgh_id}",
    )


def _event_name(event_model) -> str:
    for name, model in {**trail.PLAN_EVENT_MODELS, **trail.ACCOUNT_EVENT_MODELS}.items():
        if model is event_model:
            return name
    raise LookupError(event_model)


def _subject(name: str, data: dict, names: "Names") -> str:
    if name == "plan":
        return _("Plan %(name)s") % {"name": data.get("name", "")}
    if name == "version":
        kind = _choice_label(VersionKind, data.get("kind"))
        if data.get("label") and data["label"] != kind:  # named as PlanVersion.title names it
            return _("Plan version %(number)s: %(label)s") % {
                "number": data["number"],
                "label": data["label"],
            }
        return _("Plan version %(number)s (%(label)s)") % {"number": data["number"], "label": kind}
    if name == "phase":
        title = data.get("title") or _choice_label(PhaseKind, data.get("kind"))
        return _("Procedure step %(title)s") % {"title": title}
    if name == "chapter":
        return _("Chapter %(number)s %(title)s") % data
    if name == "section":
        return _("Section %(number)s %(title)s") % data
    if name == "indicator":
        return _("Indicator %(name)s") % data
    if name == "consultation":
        return _("Consultation %(title)s") % data
    if name == "layer":
        return _("Layer %(title)s (%(collection_id)s)") % data
    if name == "user":
        return _("Staff account %(username)s") % data
    return _("%(user)s in group %(group)s") % {
        "user": names.user(data.get("user_id")),
        "group": names.group(data.get("group_id")),
    }


def _choice_label(choices, value) -> str:
    """A choice's label; a value the code no longer knows as it was stored."""
    return str(dict(choices.choices).get(value, value or ""))


class Names:
    """Names of accounts and groups by id, looked up once per trail; an account deleted
    since keeps the name its history last recorded. ``of`` names any other row a reference
    points at (a section, a revision), "#id" when it is gone."""

    def __init__(self):
        self._users: dict | None = None
        self._groups: dict | None = None
        self._rows: dict = {}

    def of(self, field, pk):
        if pk is None:
            return None
        model = field.related_model._meta.concrete_model
        if model is get_user_model():
            return self.user(pk)
        if (model, pk) not in self._rows:  # one look-up per row referred to
            row = model._default_manager.select_related().filter(pk=pk).first()
            self._rows[model, pk] = str(row) if row is not None else f"#{pk}"
        return self._rows[model, pk]

    def user(self, pk) -> str:
        if self._users is None:
            recorded = trail.ACCOUNT_EVENT_MODELS["user"].objects.order_by("pgh_id")
            self._users = dict(recorded.values_list("pgh_obj_id", "username"))
            self._users.update(get_user_model().objects.values_list("pk", "username"))
        return self._users.get(pk, f"#{pk}")

    def group(self, pk) -> str:
        if self._groups is None:
            self._groups = dict(Group.objects.values_list("pk", "name"))
        return self._groups.get(pk, f"#{pk}")


def actor_of(context: dict | None) -> tuple[str, str]:
    """Who acted and by what way (a page's path, or a command), from a history row's
    context (planportal.audit.actor_metadata)."""
    if not context:
        return _("(not recorded)"), _("outside a staff request or command")
    name = context.get("username") or ""
    command = context.get("command")
    if command:
        via = _("command %(name)s") % {"name": command}
        if context.get("os_user"):
            via += _(" run by %(account)s") % {"account": context["os_user"]}
        return name or _("system"), via
    return name or _("anonymous"), context.get("url", "")


# --- audit events ----------------------------------------------------------------------------


def _audit_entries(plan: Plan, kind: str, period: Period):
    events = AuditEvent.objects.filter(_audit_scope(plan))
    if period.since:
        events = events.filter(at__gte=period.since)
    if period.until:
        events = events.filter(at__lt=period.until)
    events = [e for e in events.order_by("-at", "-pk") if kind in ("", _audit_kind(e.object_type))]
    names = _object_names(events)
    for event in events:
        entry_kind = _audit_kind(event.object_type)
        yield Entry(
            at=event.at,
            actor=event.actor_name or _("system"),
            via="",
            kind=entry_kind,
            action=str(AUDIT_ACTIONS.get(event.action, event.action)),
            subject=_audit_subject(event, names),
            changes=changes_between(event.before, event.after),
            summary=event.summary,
            reference=f"audit:{event.pk}",
        )


def _audit_scope(plan: Plan) -> Q:
    """The audit events of the plan's objects, and the accounts' events."""
    scope = Q(object_type__in=ACCOUNT_TYPES)
    types = AuditEvent.objects.values_list("object_type", flat=True).distinct()
    for object_type in types.order_by():
        if object_type == GRANT_TYPE:
            scope |= Q(pk__in=_grant_events(plan))
            continue
        ids = _object_ids(plan, object_type)
        if ids:
            scope |= Q(object_type=object_type, object_id__in=[str(pk) for pk in ids])
    return scope


def _grant_events(plan: Plan) -> list[int]:
    """The grant and revoke events of the rights that cover the plan: its own plan grants
    and the grants of every region it lies in (RoleGrant.as_record)."""
    events = AuditEvent.objects.filter(object_type=GRANT_TYPE)
    covering = []
    for pk, before, after in events.values_list("pk", "before", "after"):
        held = after or before or {}
        region = held.get("region_code") or ""
        if held.get("plan_id") == plan.pk or (
            region and plan.region_code.startswith(region_prefix(region))
        ):
            covering.append(pk)
    return covering


def _object_ids(plan: Plan, object_type: str) -> set:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return set()
    if model is Plan:
        return {plan.pk}
    ids = set()
    for path in PLAN_PATHS:
        try:
            ids = set(model._default_manager.filter(**{path: plan}).values_list("pk", flat=True))
        except FieldError:
            continue
        break
    # Layers and consultations deleted since still have their history rows.
    if model is Layer:
        ids |= _ids_ever(Layer.objects.none(), trail.PLAN_EVENT_MODELS["layer"], plan)
    if model is Consultation:
        ids |= _ids_ever(Consultation.objects.none(), trail.PLAN_EVENT_MODELS["consultation"], plan)
    return ids


def _audit_kind(object_type: str) -> str:
    if object_type in AUDIT_KINDS:
        return AUDIT_KINDS[object_type]
    if object_type.startswith("layers."):
        return "layers"
    return "plan" if object_type.startswith("planportal.") else "consultations"


def _object_names(events: list[AuditEvent]) -> dict[tuple[str, str], str]:
    """What each audited object is called now (a layer's title, a comment's receipt code, an
    account's name), one query per kind of object; only kinds whose name holds no personal
    data (a failed-login row names the address and what was typed as the username)."""
    wanted: dict[str, set[str]] = {}
    for event in events:
        if event.object_type in NAMED_TYPES:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    names = {}
    for object_type, ids in wanted.items():
        try:
            model = apps.get_model(object_type)
            found = model._default_manager.in_bulk([model._meta.pk.to_python(i) for i in ids])
        except (LookupError, ValueError, ValidationError):
            continue
        names |= {(object_type, str(pk)): str(obj) for pk, obj in found.items()}
    return names


def _audit_subject(event: AuditEvent, names: dict) -> str:
    try:
        label = str(apps.get_model(event.object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        label = event.object_type
    name = names.get((event.object_type, event.object_id))
    return f"{label} {name}" if name else f"{label} #{event.object_id}"
