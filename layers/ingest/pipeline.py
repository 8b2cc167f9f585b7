"""The one way a file becomes a layer revision, for every entry point: the upload worker
(layers/revisions/worker.py), ``manage.py import_layer``, the demonstration loader
(layers/demo.py) and bench/ingest.py. A check or a write step added to the pipeline therefore
applies to all of them.

    result = ingest_file(path, Target(plan, "yangquanqu-yjjbnt"), created_by=user)
    if result.revision is None:            # rejected: result.prepared.problems say why
        ...

The layer is read, checked and written batch by batch (layers/ingest/streaming.py), so memory
does not grow with its size. A file refused as a whole raises RejectedFile; a file whose
features were refused comes back with ``revision=None`` and nothing written (what had been
written is rolled back). Otherwise the layer (created when it did not exist,
with the defaults below) and its new revision are written in one transaction; ``on_written``
runs inside it, so a caller's own row (an upload job, an audit event) commits with them or not
at all. The revision is not published.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from layers.models import Layer, LayerRevision, default_policy
from planportal.models import Plan

from .fields import map_fields
from .formats import open_source
from .prepare import PreparedLayer, Progress
from .reader import stream_layer
from .streaming import ingest_stream

# The key field a new layer takes when the file has it: 标识码, the standard's feature id.
DEFAULT_KEY_FIELD = "BSM"


@dataclass(frozen=True)
class Target:
    """Which layer a file is for, and the planner's choices."""

    plan: Plan
    collection_id: str
    source_layer: str | None = None  # the layer of the file to read when it holds several
    title: str = ""  # blank: keep the layer's (a new layer takes the file's layer name)
    # None: keep the layer's (a new layer takes BSM when the file has it); "": no key field,
    # revisions are then compared by geometry.
    key_field: str | None = None
    field_mapping: dict[str, str] | None = None
    code: str = ""  # a new layer's layer code (要素代码, e.g. YJJBNT); blank: none


@dataclass(frozen=True)
class IngestResult:
    layer: Layer
    prepared: PreparedLayer
    revision: LayerRevision | None  # None: the file was rejected and nothing was written
    created: bool  # the layer is new


def ingest_file(
    path: Path,
    target: Target,
    *,
    name: str | None = None,
    created_by=None,
    progress: Progress | None = None,
    on_prepared: Callable[[PreparedLayer], None] | None = None,
    on_written: Callable[[Layer, LayerRevision], None] | None = None,
) -> IngestResult:
    """Reads, checks and writes ``path`` (shown to people as ``name``) as the next revision
    of the target layer. ``on_prepared`` sees the problems found before the first feature is
    written (the file's, its coordinate system's, unusable coordinates); all of them are in
    ``result.prepared`` at the end."""
    report = progress or _silent
    source_name = name or Path(path).name
    with open_source(path, name=source_name) as source:
        report("reading", 0, 1)
        with stream_layer(source, target.source_layer or None) as stream:
            layer, changed = target_layer(target, stream.fields, stream.layer.name)
            created = layer.pk is None
            prepared, revision = ingest_stream(
                layer,
                stream,
                source_name=source_name,
                checksum=source.checksum,
                field_mapping=target.field_mapping or None,
                changed_fields=changed,
                created_by=created_by,
                progress=progress,
                on_prepared=on_prepared,
                on_written=on_written,
            )
    return IngestResult(layer, prepared, revision, created)


def target_layer(target: Target, fields: list[str], layer_name: str) -> tuple[Layer, list[str]]:
    """The existing layer with the title and key field the planner gave (and which of its
    fields that changes), or a new, unsaved one shaped by the data (its geometry type is
    set once the features have been surveyed), which is saved with its first revision."""
    layer = Layer.objects.select_related("plan").filter(collection_id=target.collection_id).first()
    if layer is None:
        return new_layer(target, fields, layer_name), []
    if layer.plan_id != target.plan.pk:
        raise ValueError(f"layer {layer.collection_id} belongs to another plan")
    wanted = {
        "key_field": layer.key_field if target.key_field is None else target.key_field,
        "title": target.title or layer.title,
    }
    changed = [field for field, value in wanted.items() if getattr(layer, field) != value]
    for field in changed:
        setattr(layer, field, wanted[field])
    return layer, changed


def new_layer(target: Target, fields: list[str], layer_name: str) -> Layer:
    """The defaults of a layer made by its first upload: the dominant geometry type (set by
    the streaming pass), the file's layer name as title, BSM as key field when the file has
    it (after mapping), and the public policy its code, collection id or title calls for
    (generalised for restricted designations, else tiles only: see
    layers/revisions/gate.py)."""
    key_field = target.key_field
    if key_field is None:
        targets = map_fields(fields, [], target.field_mapping).targets
        key_field = DEFAULT_KEY_FIELD if DEFAULT_KEY_FIELD in targets else ""
    title = (target.title or layer_name)[:200]
    return Layer(
        plan=target.plan,
        collection_id=target.collection_id,
        code=target.code.upper(),
        title=title,
        geometry_type="Polygon",
        key_field=key_field,
        public_policy=default_policy(target.code, target.collection_id, title),
    )


def _silent(stage: str, done: int, total: int) -> None:
    pass
