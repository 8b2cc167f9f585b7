"""A 汇交 database as one upload: receive it, match its layers, queue it, run it (the job
worker), publish it all or nothing.

    job = receive_package(user, plan, uploaded)          # stored, layers listed and matched
    choose(job, user, {"GHFQ_2035": "skip", ...}, defaults)  # the planner's mapping; queued
    run_package_job(job.pk)                               # the worker: one revision per layer
    publish_package(job, user, acknowledge_overlaps=True)   # every layer, or none

The stored file is kept in the media storage as single uploads are (uploads.store_upload).
Each matched layer goes through the one pipeline (``ingest_file``: checks, CRS detection,
write) as a new, unpublished revision; its progress is written through a connection of its
own so the page sees it while the revision is being written. Afterwards the control lines and
the extent are checked across layers (layers/crosscheck.py). Publishing goes through
``publishing.publish_revision`` for each layer inside one transaction: a layer the pipeline or
the publish gate refuses stops the whole set, and nothing is published.
"""

import json
import logging
import re
import time
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app

from layers.crosscheck import check_across
from layers.ingest import RejectedFile, list_layers, open_source
from layers.ingest import problems as ingest_problems
from layers.ingest.diff import diff_revisions
from layers.models import Feature, Layer, LayerRevision, PackageJob, PackageState
from layers.revisions.confined import ResourceLimit, limit_reached
from layers.revisions.gate import missing_message, missing_settings, update_settings
from layers.revisions.publishing import PublishError, publish_revision
from layers.revisions.uploads import local_copy, remove_stored_file, store_upload
from planportal import audit
from planportal.models import Section
from planportal.versions import current_version

from .catalogue import match_code, new_layer_look, standard_title

logger = logging.getLogger(__name__)

PACKAGE_TASK = "layers.ingest_package"
PACKAGE_QUEUE = "ingest"
# The planner's choices for a layer of the file, besides an existing layer's collection id.
SKIP = "skip"
NEW = "new"  # "new" or "new:CODE"
PACKAGE_EXTENSIONS = (".zip", ".gpkg")
STAGE_SPANS = {"reading": (0, 15), "checking": (15, 35), "writing": (35, 100)}
DEFAULT_FIELDS = ("section", "data_status", "source_note", "publication_note")


class PackageRefused(Exception):
    """Nothing was published; ``str()`` tells the planner which layers and why."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(" ".join(reasons))


# --- Receiving and matching --------------------------------------------------------------------


def receive_package(user, plan, uploaded) -> PackageJob:
    """Stores the file, lists its layers and matches each to the plan's layers (draft).
    Raises RejectedFile (nothing kept) for a file that is not a database of layers."""
    if Path(uploaded.name or "").suffix.lower() not in PACKAGE_EXTENSIONS:
        raise RejectedFile(
            ingest_problems.error("unknown_format", extension=Path(uploaded.name).suffix)
        )
    relative, size = store_upload(uploaded)
    job = PackageJob(
        plan=plan,
        stored_file=relative,
        original_name=Path(uploaded.name).name[:255],
        size=size,
        created_by=user,
    )
    try:
        with local_copy(job) as path, open_source(path, name=job.original_name) as source:
            found = list_layers(source)
        if not found:
            raise RejectedFile(ingest_problems.error("no_dataset"))
        job.entries = match_entries(
            plan, [(f.name, f.geometry_type, f.feature_count) for f in found]
        )
    except BaseException:
        remove_stored_file(job)
        raise
    with transaction.atomic():
        job.save()
        audit.record(
            user,
            "package.created",
            job,
            summary=f"{plan.slug}: {job.original_name}",
            after={"file": job.original_name, "layers": [e["name"] for e in job.entries]},
        )
    return job


def match_entries(plan, layers: list[tuple[str, str | None, int]]) -> list[dict]:
    """One entry per layer of the file: matched to an existing layer of the plan by its code,
    to a new layer of a standard code, or left for the planner (action "")."""
    existing = {}
    for layer in Layer.objects.filter(plan=plan).exclude(code="").order_by("position", "pk"):
        existing.setdefault(layer.code.upper(), layer)
    entries, taken = [], set()
    for name, geometry_type, count in layers:
        code = match_code(name, tuple(existing))
        entry = {
            "name": name,
            "geometry_type": geometry_type or "",
            "feature_count": count,
            "code": code or "",
            "action": "",
            "collection_id": "",
            "title": "",
        }
        if code and code in taken:
            code = None  # a second layer of the same code: the planner says what it is
            entry["code"] = ""
        if code in existing:
            entry.update(action="existing", collection_id=existing[code].collection_id)
        elif code:
            entry.update(action=NEW, collection_id=new_collection_id(plan, code, entries))
            entry["title"] = standard_title(code, name)
        if code:
            taken.add(code)
        entries.append(_progress_fields(entry))
    return entries


def new_collection_id(plan, code: str, entries: list[dict]) -> str:
    """``<plan slug>-<code>``, numbered when taken (by a layer or by another entry)."""
    base = re.sub(r"[^a-z0-9-]+", "-", f"{plan.slug}-{code}".lower()).strip("-")[:90]
    planned = {entry["collection_id"] for entry in entries}
    candidate, number = base, 2
    while candidate in planned or Layer.objects.filter(collection_id=candidate).exists():
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _progress_fields(entry: dict) -> dict:
    entry.update(state="", stage="", percent=0, revision=None, number=None, problems=[], error="")
    return entry


# --- The planner's choices ---------------------------------------------------------------------


def choose(
    job: PackageJob, user, choices: dict[str, str], defaults: dict, *, defer: bool = True
) -> PackageJob:
    """Applies the planner's mapping (layer name -> collection id of a layer of the plan,
    "new", "new:CODE" or "skip"; layers not named keep their match, unmatched ones are
    skipped) and the settings new layers take, and queues the job (``defer=False``: the
    caller runs it at once, as ``import_package`` does)."""
    plan_layers = set(Layer.objects.filter(plan=job.plan).values_list("collection_id", flat=True))
    entries = [dict(entry) for entry in job.entries]
    for entry in entries:
        choice = (choices.get(entry["name"]) or "").strip()
        if choice == SKIP:
            entry.update(action=SKIP)
        elif choice == NEW or choice.startswith(NEW + ":"):
            code = choice.partition(":")[2].strip().upper()[:30]
            others = [e for e in entries if e is not entry]
            slug_source = code or re.sub(r"[^a-z0-9]+", "-", entry["name"].lower()) or "layer"
            entry.update(
                action=NEW,
                code=code,
                collection_id=new_collection_id(job.plan, slug_source, others),
                title=standard_title(code, entry["name"]) if code else entry["name"][:200],
            )
        elif choice:
            if choice not in plan_layers:
                raise ValueError(_("%(layer)s is not a layer of this plan.") % {"layer": choice})
            code = Layer.objects.get(collection_id=choice).code
            entry.update(action="existing", collection_id=choice, code=code)
        elif not entry["action"]:
            entry.update(action=SKIP)
    targets = [e["collection_id"] for e in entries if e["action"] != SKIP]
    if len(targets) != len(set(targets)):
        raise ValueError(_("Two layers of the file cannot go to the same layer."))
    if not targets:
        raise ValueError(_("Choose at least one layer of the file."))
    with transaction.atomic():
        locked = PackageJob.objects.select_for_update().get(pk=job.pk)
        if locked.state != PackageState.DRAFT:
            raise ValueError(_("This upload has been started already."))
        locked.entries = entries
        locked.defaults = _clean_defaults(job.plan, defaults)
        locked.state = PackageState.QUEUED
        locked.save()
        if defer:
            deferrer = app.configure_task(PACKAGE_TASK, queue=PACKAGE_QUEUE)
            locked.queue_job_id = deferrer.defer(job_id=locked.pk)
            locked.save(update_fields=["queue_job_id"])
        audit.record(
            user,
            "package.queued",
            locked,
            summary=f"{job.plan.slug}: {job.original_name}",
            after={"layers": {e["name"]: e["collection_id"] or SKIP for e in entries}},
        )
    job.refresh_from_db()
    return job


def _clean_defaults(plan, defaults: dict) -> dict:
    cleaned = {}
    for name in DEFAULT_FIELDS:
        value = defaults.get(name)
        if isinstance(value, Section):
            value = value.number
        if value:
            cleaned[name] = str(value).strip()
    if (
        "section" in cleaned
        and not Section.objects.filter(
            chapter__version=current_version(plan), number=cleaned["section"]
        ).exists()
    ):
        raise ValueError(_("The plan has no section %(number)s.") % {"number": cleaned["section"]})
    return cleaned


# --- The worker --------------------------------------------------------------------------------


def run_package_job(job_id: int) -> None:
    """The job worker's body: every chosen layer through the pipeline, then the checks across
    layers. A layer refused by the pipeline is marked with its problems; the others are
    written all the same (so the planner sees every problem at once), but the package cannot
    be published until it is uploaded again without the refusal."""
    with transaction.atomic():
        job = PackageJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != PackageState.QUEUED:
            return
        job.state = PackageState.RUNNING
        job.save(update_fields=["state", "updated_at"])
    job = PackageJob.objects.select_related("plan", "created_by").get(pk=job_id)
    writer = EntryProgress(job.pk)
    try:
        checked = {}
        # One local copy for all the layers (object storage); the file itself otherwise.
        with local_copy(job) as path:
            for index, entry in enumerate(job.entries):
                if entry["action"] == SKIP:
                    continue
                writer.index = index
                outcome = _ingest_entry(job, path, entry, writer)
                job.entries[index].update(outcome)
                writer.settle(outcome)
                if outcome.get("revision"):
                    checked[outcome["layer_id"]] = outcome["revision"]
        checks_started = time.monotonic()
        job.crosscheck = check_across(job.plan, checked) if checked else {}
        if job.crosscheck:
            job.crosscheck["seconds"] = round(time.monotonic() - checks_started, 1)
        refused = [e for e in job.entries if e["state"] == "failed"]
        job.state = PackageState.FAILED if refused else PackageState.DONE
    except Exception as exc:
        if limit := limit_reached(exc):
            logger.warning("package job %s stopped on a limit: %r", job.pk, exc)
            job.state, job.error = PackageState.FAILED, limit.message()
        else:
            logger.exception("package job %s failed", job.pk)
            job.state, job.error = PackageState.FAILED, f"{type(exc).__name__}: {exc}"[:1000]
    finally:
        writer.close()
        # Every layer is written (or refused) by now: the stored file is not needed again.
        remove_stored_file(job)
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save(update_fields=["entries", "crosscheck", "state", "error", "finished_at"])
        audit.record(
            job.created_by,
            "package.checked",
            job,
            summary=f"{job.plan.slug}: {job.original_name} ({job.state})",
            after={
                "state": job.state,
                "layers": {e["name"]: e["state"] or SKIP for e in job.entries},
                "warnings": (job.crosscheck or {}).get("warnings", 0),
            },
        )


def fail_stopped_package(job_id: int, limit: ResourceLimit) -> None:
    """Fails a package whose child process was killed before it could say why
    (layers/revisions/confined.py). Layers it had finished stay written, as after a refusal:
    the package cannot be published, and the planner sees which layers went through."""
    with transaction.atomic():
        job = PackageJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != PackageState.RUNNING:
            return
        job.state, job.error, job.finished_at = PackageState.FAILED, limit.message(), timezone.now()
        job.save(update_fields=["state", "error", "finished_at"])
        audit.record(
            job.created_by,
            "package.checked",
            job,
            summary=f"{job.plan.slug}: {job.original_name} ({job.state})",
            after={"state": job.state, "error": limit.code},
        )
    remove_stored_file(job)


def _ingest_entry(job: PackageJob, path: Path, entry: dict, writer: "EntryProgress") -> dict:
    # Imported here: pandas and pyarrow stay out of the web processes' memory.
    from layers.ingest.pipeline import Target, ingest_file

    target = Target(
        plan=job.plan,
        collection_id=entry["collection_id"],
        source_layer=entry["name"],
        title=entry["title"] if entry["action"] == NEW else "",
        code=entry["code"] if entry["action"] == NEW else "",
    )
    started = time.monotonic()
    try:
        result = ingest_file(
            path,
            target,
            name=job.original_name,
            created_by=job.created_by,
            progress=writer,
            on_written=lambda layer, revision: _dress_new_layer(job, entry, layer, revision),
        )
    except RejectedFile as rejected:
        return {"state": "failed", "percent": 100, "problems": _stored(rejected.problems)}
    if result.revision is None:
        return {"state": "failed", "percent": 100, "problems": result.prepared.log.stored()}
    diff = diff_revisions(result.layer, result.revision)
    return {
        "state": "done",
        "stage": "",
        "percent": 100,
        "seconds": round(time.monotonic() - started, 1),
        "layer_id": result.layer.pk,
        "revision": result.revision.pk,
        "number": result.revision.number,
        "features": result.revision.feature_count,
        "problems": result.revision.problems,
        "diff": {
            "against": diff.against,
            "added": diff.added,
            "removed": diff.removed,
            "changed": diff.changed,
            "unchanged": diff.unchanged,
            "area_ha_after": diff.area_ha_after,
        },
    }


def _dress_new_layer(job: PackageJob, entry: dict, layer: Layer, revision: LayerRevision) -> None:
    """A layer the package creates takes the standard's look and the package's settings, in
    the transaction that writes its first revision."""
    if entry["action"] != NEW or revision.number != 1:
        return
    look = new_layer_look(layer.code)
    category_field = look.pop("category_field", "")
    if category_field:
        layer.category_field = category_field
        table = connection.ops.quote_name(Feature._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET category = left(coalesce(properties ->> %s, ''), 50) "  # noqa: S608
                "WHERE revision_id = %s",
                [category_field, revision.pk],
            )
            cursor.execute(
                f"SELECT DISTINCT category FROM {table} "  # noqa: S608
                "WHERE revision_id = %s AND category <> ''",
                [revision.pk],
            )
            categories = [row[0] for row in cursor.fetchall()]
        look = new_layer_look(layer.code, categories)
        look.pop("category_field", None)
    for name, value in look.items():
        setattr(layer, name, value)
    layer.save(update_fields=[*look, "category_field"])
    changes = dict(job.defaults)
    if "section" in changes:
        changes["section"] = Section.objects.get(
            chapter__version=current_version(job.plan), number=changes["section"]
        )
    if changes:
        update_settings(layer, job.created_by, changes)


def _stored(problems) -> list[dict]:
    return [problem.as_dict() for problem in problems]


class EntryProgress:
    """The pipeline's ``progress(stage, done, total)`` for one layer of a package: written
    into the job's entries through a connection of its own (autocommit), outside the ingest
    transaction, so the page sees it as it goes."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.index = 0
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        self._shown: tuple[int, str, int] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        start, end = STAGE_SPANS.get(stage, (0, 100))
        share = min(max(done / total, 0.0), 1.0) if total else 1.0
        percent = int(start + (end - start) * share)
        if (self.index, stage, percent) == self._shown:
            return
        self._shown = (self.index, stage, percent)
        self._patch({"state": "running", "stage": stage, "percent": percent})

    def settle(self, outcome: dict) -> None:
        """The layer's outcome, shown at once (the job row is saved when all are done)."""
        self._patch(outcome)

    def _patch(self, values: dict) -> None:
        patch = json.dumps(values, ensure_ascii=False, default=str)
        table = self.connection.ops.quote_name(PackageJob._meta.db_table)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET entries = jsonb_set(entries, %s, "  # noqa: S608
                "(entries -> %s) || %s::jsonb), updated_at = now() WHERE id = %s",
                [[str(self.index)], self.index, patch, self.job_id],
            )

    def close(self) -> None:
        self.connection.close()


# --- Publishing --------------------------------------------------------------------------------


def publication_problems(job: PackageJob, *, acknowledge_overlaps: bool) -> list[str]:
    """Why the package cannot be published now (empty: it can), one sentence each."""
    reasons = []
    if job.state == PackageState.PUBLISHED:
        return [_("This package has been published already.")]
    if job.state == PackageState.CANCELLED:
        return [_("This upload was cancelled; upload the file again.")]
    if job.error:
        return [_("The job stopped before every layer was checked; upload the file again.")]
    if job.state not in (PackageState.DONE, PackageState.FAILED):
        return [_("The package is still being checked.")]
    for entry in job.entries:
        if entry["action"] == SKIP:
            continue
        if entry["state"] != "done":
            errors = [
                p.get("message", "") for p in entry["problems"] if p.get("severity") == "error"
            ]
            reasons.append(
                _("%(layer)s was refused by the checks: %(errors)s")
                % {
                    "layer": entry["name"],
                    "errors": "; ".join(errors[:3]) or entry.get("error", ""),
                }
            )
            continue
        layer = Layer.objects.get(pk=entry["layer_id"])
        missing = missing_settings(layer)
        if missing:
            reasons.append(f"{entry['name']} ({layer.collection_id}): {missing_message(missing)}")
    warnings = (job.crosscheck or {}).get("warnings", 0)
    if warnings and not acknowledge_overlaps:
        reasons.append(
            _(
                "The checks across layers found %(count)s overlaps or features outside the "
                "extent: acknowledge them to publish."
            )
            % {"count": warnings}
        )
    return reasons


def publish_package(job: PackageJob, actor, *, acknowledge_overlaps: bool = False) -> list:
    """Publishes every layer's new revision in one transaction, or none (PackageRefused)."""
    with transaction.atomic():
        locked = PackageJob.objects.select_for_update().select_related("plan").get(pk=job.pk)
        reasons = publication_problems(locked, acknowledge_overlaps=acknowledge_overlaps)
        if reasons:
            raise PackageRefused(reasons)
        outcomes = []
        for entry in locked.entries:
            if entry["action"] == SKIP:
                continue
            layer = Layer.objects.get(pk=entry["layer_id"])
            revision = LayerRevision.objects.get(pk=entry["revision"])
            try:
                outcomes.append(publish_revision(layer, revision, actor=actor))
            except PublishError as refused:
                raise PackageRefused([f"{entry['name']}: {refused}"]) from None
        locked.state = PackageState.PUBLISHED
        locked.published_at = timezone.now()
        locked.save(update_fields=["state", "published_at", "updated_at"])
        audit.record(
            actor,
            "package.publish",
            locked,
            summary=f"{locked.plan.slug}: {locked.original_name}",
            after={
                "layers": {o.layer.collection_id: o.revision.number for o in outcomes},
                "warnings_acknowledged": (locked.crosscheck or {}).get("warnings", 0),
            },
        )
    job.refresh_from_db()
    return outcomes
