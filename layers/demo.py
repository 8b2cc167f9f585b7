"""Loads the demonstration layers of a plan from its catalogue (fixtures/<plan>/layers.json).

Each layer is matched by its collection id. A layer file whose checksum equals that of the
published revision is skipped, so loading again is quick and creates nothing; a changed file
goes through the upload pipeline (layers/ingest/pipeline.py: the same reading, checks and
writer as a planner's upload) and its new revision is published.

Publishing goes through the publish gate (layers/revisions/gate.py), so every demo layer needs
a section, a data status, a source and a publication note. A catalogue that states them
(``data_status`` and ``publication_note`` in its entries) must state them for every layer, and
a layer without them is refused. An older catalogue that states neither is loaded as before:
its layers are schematic, with FALLBACK_PUBLICATION_NOTE.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from layers.ingest.pipeline import Target, ingest_file
from layers.models import DataStatus, Layer
from layers.revisions.gate import parse_data_status
from layers.revisions.publishing import publish_revision
from planportal.models import Plan
from planportal.versions import current_version

# What a catalogue that predates the publish gate's fields says for its demonstration layers.
FALLBACK_PUBLICATION_NOTE = "演示数据（示意），供了解规划草案之用，不是经批准的规划成果。"
GATE_FIELDS = ("section", "data_status", "source_note", "publication_note")


@dataclass(frozen=True)
class LayerLoad:
    collection_id: str
    revision: int
    feature_count: int
    created: bool


def load_layers(plan: Plan, catalogue_path: Path) -> list[LayerLoad]:
    catalogue = json.loads(catalogue_path.read_text(encoding="utf-8"))
    strict = any(
        "data_status" in entry or "publication_note" in entry for entry in catalogue["layers"]
    )
    if strict:
        for entry in catalogue["layers"]:
            missing = [name for name in GATE_FIELDS if not str(entry.get(name) or "").strip()]
            if "data_status" not in missing and parse_data_status(entry["data_status"]) is None:
                missing.append("data_status")
            if missing:
                raise ValueError(
                    f"demonstration layer {entry.get('collection_id')} lacks {missing}: the "
                    "publish gate needs a section, a data status, a source and a publication note"
                )
    return [
        _load_layer(plan, entry, position, catalogue_path.parent)
        for position, entry in enumerate(catalogue["layers"])
    ]


@transaction.atomic
def _load_layer(plan: Plan, entry: dict, position: int, folder: Path) -> LayerLoad:
    layer, _ = Layer.objects.update_or_create(
        collection_id=entry["collection_id"], defaults=_layer_fields(plan, entry, position)
    )
    source = folder / entry["file"]
    checksum = hashlib.sha256(source.read_bytes()).hexdigest()
    current = layer.published_revision
    if current is not None and current.checksum == checksum:
        return LayerLoad(layer.collection_id, current.number, current.feature_count, False)
    result = ingest_file(source, Target(plan, layer.collection_id))
    if result.revision is None:
        errors = [problem.message for problem in result.prepared.log.errors[:5]]
        raise ValueError(f"demonstration layer {layer.collection_id} was rejected: {errors}")
    publish_revision(layer, result.revision)
    revision = result.revision
    return LayerLoad(layer.collection_id, revision.number, revision.feature_count, True)


def _layer_fields(plan: Plan, entry: dict, position: int) -> dict:
    chapter = current_version(plan).chapters.filter(number=entry.get("chapter")).first()
    section = chapter.sections.filter(number=entry.get("section")).first() if chapter else None
    return {
        "plan": plan,
        "chapter": chapter,
        "section": section,
        "code": entry.get("code", ""),
        "title": entry["title"],
        "description": entry.get("description", ""),
        "geometry_type": entry["geometry_type"],
        "style": entry.get("style", {}),
        "legend": entry.get("categories", []),
        "attribute_schema": entry.get("attributes", []),
        "key_field": entry.get("key_field") or "",
        "name_field": entry.get("name_field") or "",
        "category_field": entry.get("category_field") or "",
        "public_policy": entry.get("public_policy", "features"),
        "min_zoom": entry.get("min_zoom", 0),
        "is_demo": entry.get("is_demo", True),
        "data_status": parse_data_status(entry.get("data_status") or "") or DataStatus.SCHEMATIC,
        "source_note": entry.get("source_note", ""),
        "publication_note": entry.get("publication_note") or FALLBACK_PUBLICATION_NOTE,
        "position": position,
    }
