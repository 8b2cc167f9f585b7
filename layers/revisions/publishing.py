"""Publishing and rolling back a layer's revisions: the pointer switch behind every public read.

    outcome = publish_revision(layer, revision, actor=user, expected_current=2)
    outcome = roll_back(layer, earlier_revision, actor=user, expected_current=3)
    outcome = withdraw(layer, actor=user, expected_current=3)

Publishing (and rolling back) goes through the publish gate (gate.py): a layer without a
section, a data status, a source and a publication note is refused with ``MissingSettings``,
naming what is missing, and nothing changes. ``withdraw`` takes a layer off the public
(``published_revision`` -> None) and keeps every revision, so it can be published again.

Each is one transaction that

- locks the layer's row (``SELECT ... FOR UPDATE``), so concurrent publishes of one layer run
  one after the other;
- checks what the caller saw: ``expected_current`` is the number of the revision the planner
  saw as published (``None``: nothing was published). When another publish won meanwhile, the
  loser gets ``PublishConflict`` ("已被他人发布第 N 版") and nothing changes. Callers that
  leave it out (the command line, the demo loader) are not checked;
- moves ``Layer.published_revision`` and writes an audit event ("layer.publish", or
  "layer.rollback" when the revision is older than the one it replaces) with the revision
  numbers before and after, in the same transaction.

Tiles, OGC answers and the diff cache are keyed by revision, so nothing needs purging: the
next request reads the new pointer. The only pointer cache is the tile layer lookup
(layers/tiles/lookup.py, a couple of seconds, per process): saving the layer clears it in this
process, now and again when the transaction commits.

Which revisions ever were published is read from the audit trail (``ever_published``), so the
models need no extra column and the record cannot be edited afterwards.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from layers.geopackage import queue_build
from layers.models import Layer, LayerRevision, RevisionStatus
from layers.revisions.gate import missing_message, missing_settings
from layers.tiles.bake import queue_bake
from planportal import audit
from planportal.models import AuditEvent

PUBLISH = "layer.publish"
ROLLBACK = "layer.rollback"
WITHDRAW = "layer.unpublish"
PUBLISH_ACTIONS = (PUBLISH, ROLLBACK)


class _Unchecked:
    def __repr__(self) -> str:
        return "UNCHECKED"


# expected_current's default: the caller did not say what it saw, so nothing is compared.
UNCHECKED = _Unchecked()


class PublishError(Exception):
    """A publish that was refused; ``str(error)`` is a sentence for the planner."""


class PublishConflict(PublishError):
    """Another publish (or rollback) won: the layer's published revision is not the one the
    caller saw. ``current`` is the number now published (None: none)."""

    def __init__(self, current: int | None, expected: int | None):
        self.current = current
        self.expected = expected
        if current is None:
            message = _("The layer's published revision was withdrawn meanwhile.")
        else:
            message = _("Someone else has published revision %(number)s meanwhile.") % {
                "number": current
            }
        super().__init__(message)


class NotPublishable(PublishError):
    """The revision cannot be published: another layer's, not ready, or (for a rollback) not
    older than the published one."""


class MissingSettings(NotPublishable):
    """The layer lacks what the publish gate asks for; ``missing`` names the fields."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(missing_message(missing))


@dataclass(frozen=True)
class PublishOutcome:
    layer: Layer
    revision: LayerRevision
    previous: LayerRevision | None
    action: str  # PUBLISH or ROLLBACK
    changed: bool  # False when the revision was already the published one
    event: AuditEvent | None


def publish_revision(
    layer: Layer,
    revision: LayerRevision,
    *,
    actor=None,
    expected_current: int | None | _Unchecked = UNCHECKED,
) -> PublishOutcome:
    """Makes ``revision`` the layer's published revision. Publishing an older revision than
    the current one is recorded as a rollback."""
    return _switch(layer, revision, actor, expected_current, rollback_only=False)


def roll_back(
    layer: Layer,
    revision: LayerRevision,
    *,
    actor=None,
    expected_current: int | None | _Unchecked = UNCHECKED,
) -> PublishOutcome:
    """Publishes an earlier revision again; refuses one that is not older than the published
    one."""
    return _switch(layer, revision, actor, expected_current, rollback_only=True)


def _switch(
    layer: Layer,
    revision: LayerRevision,
    actor,
    expected_current: int | None | _Unchecked,
    *,
    rollback_only: bool,
) -> PublishOutcome:
    if revision.layer_id != layer.pk:
        raise NotPublishable(_("A layer can only publish its own revisions."))
    with transaction.atomic():
        locked = Layer.objects.select_for_update().get(pk=layer.pk)
        # Read after the lock: a publish that committed while we waited is seen here.
        previous = (
            LayerRevision.objects.filter(pk=locked.published_revision_id).first()
            if locked.published_revision_id
            else None
        )
        current_number = previous.number if previous else None
        if expected_current is not UNCHECKED and expected_current != current_number:
            raise PublishConflict(current_number, expected_current)
        missing = missing_settings(locked)
        if missing:
            raise MissingSettings(missing)
        target = LayerRevision.objects.get(pk=revision.pk)
        if target.status != RevisionStatus.READY:
            raise NotPublishable(
                _("Revision %(number)s is not ready (%(status)s) and cannot be published.")
                % {"number": target.number, "status": target.get_status_display()}
            )
        is_rollback = previous is not None and target.number < previous.number
        if rollback_only and not is_rollback:
            raise NotPublishable(
                _("Only a revision older than the published one can be rolled back to.")
            )
        action = ROLLBACK if is_rollback else PUBLISH
        if previous is not None and previous.pk == target.pk:
            _remember(layer, target)
            return PublishOutcome(locked, target, previous, action, False, None)
        locked.published_revision = target
        # save() (not a queryset update) so the post_save signal clears the tile lookup.
        locked.save(update_fields=["published_revision"])
        # The plan's GeoPackage of public layers is rebuilt once this publish is visible, and
        # the revision's tiles baked (layers/tiles/bake.py; plain SQL serves them meanwhile).
        transaction.on_commit(partial(queue_build, locked.plan_id))
        transaction.on_commit(partial(queue_bake, target.pk))
        event = audit.record(
            actor,
            action,
            locked,
            summary=f"{locked.collection_id}: r{current_number or '-'} -> r{target.number}",
            before={"revision": current_number, "revision_id": previous.pk if previous else None},
            after={"revision": target.number, "revision_id": target.pk},
        )
    _remember(layer, target)
    return PublishOutcome(locked, target, previous, action, True, event)


def _remember(layer: Layer, revision: LayerRevision | None) -> None:
    """The caller's layer object shows the new pointer too."""
    layer.published_revision = revision


@dataclass(frozen=True)
class WithdrawOutcome:
    layer: Layer
    previous: LayerRevision | None
    changed: bool  # False when nothing was published
    event: AuditEvent | None


def withdraw(
    layer: Layer, *, actor=None, expected_current: int | None | _Unchecked = UNCHECKED
) -> WithdrawOutcome:
    """Takes the layer off the public: no revision is published any more, none is deleted,
    and any of them can be published again. Under the layer's row lock, with a
    ``layer.unpublish`` audit event; ``expected_current`` as for publish_revision."""
    with transaction.atomic():
        locked = Layer.objects.select_for_update().get(pk=layer.pk)
        previous = (
            LayerRevision.objects.filter(pk=locked.published_revision_id).first()
            if locked.published_revision_id
            else None
        )
        current_number = previous.number if previous else None
        if expected_current is not UNCHECKED and expected_current != current_number:
            raise PublishConflict(current_number, expected_current)
        if previous is None:
            _remember(layer, None)
            return WithdrawOutcome(locked, None, False, None)
        locked.published_revision = None
        locked.save(update_fields=["published_revision"])
        transaction.on_commit(partial(queue_build, locked.plan_id))
        event = audit.record(
            actor,
            WITHDRAW,
            locked,
            summary=f"{locked.collection_id}: r{current_number} -> -",
            before={"revision": current_number, "revision_id": previous.pk},
            after={"revision": None, "revision_id": None},
        )
    _remember(layer, None)
    return WithdrawOutcome(locked, previous, True, event)


def ever_published(layer: Layer) -> dict[int, datetime | None]:
    """The numbers of the layer's revisions that are or ever were published, each with the
    time it was last published, from the append-only audit trail. The current one is always
    included (with None when it was published before the trail recorded publishes)."""
    events = (
        AuditEvent.objects.filter(
            action__in=PUBLISH_ACTIONS, object_type="layers.layer", object_id=str(layer.pk)
        )
        .order_by("at", "id")
        .values_list("after", "at")
    )
    published: dict[int, datetime | None] = {}
    for after, at in events:
        number = (after or {}).get("revision")
        if isinstance(number, int):
            published[number] = at
    current = (
        LayerRevision.objects.filter(pk=layer.published_revision_id)
        .values_list("number", flat=True)
        .first()
    )
    if current is not None:
        published.setdefault(current, None)
    return published
