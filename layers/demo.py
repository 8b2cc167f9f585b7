"""Loads the demonstration layers of a plan from its catalogue (fixtures/<plan>/layers.json).

Each layer is matched by its collection id. A layer file whose checksum equals that of the
published revision is skipped, so loading again is quick and creates nothing; a changed file
becomes a new revision that is then published, as a planner's upload would be.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db import transaction

from layers.models import Feature, Layer, LayerRevision, RevisionStatus
from planportal.models import Plan

BATCH = 2000


@dataclass(frozen=True)
class LayerLoad:
    collection_id: str
    revision: int
    feature_count: int
    created: bool


def load_layers(plan: Plan, catalogue_path: Path) -> list[LayerLoad]:
    catalogue = json.loads(catalogue_path.read_text(encoding="utf-8"))
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
    data = source.read_bytes()
    checksum = hashlib.sha256(data).hexdigest()
    current = layer.published_revision
    if current is not None and current.checksum == checksum:
        return LayerLoad(layer.collection_id, current.number, current.feature_count, False)
    revision = _create_revision(layer, source.name, checksum, json.loads(data))
    layer.publish(revision)
    return LayerLoad(layer.collection_id, revision.number, revision.feature_count, True)


def _layer_fields(plan: Plan, entry: dict, position: int) -> dict:
    chapter = plan.chapters.filter(number=entry.get("chapter")).first()
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
        "source_note": entry.get("source_note", ""),
        "position": position,
    }


def _create_revision(layer: Layer, name: str, checksum: str, collection: dict) -> LayerRevision:
    last = layer.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    revision = LayerRevision.objects.create(
        layer=layer,
        number=last + 1,
        source_name=name,
        source_crs="EPSG:4326",
        checksum=checksum,
        status=RevisionStatus.PROCESSING,
    )
    features = [
        Feature(
            revision=revision,
            geom=GEOSGeometry(json.dumps(item["geometry"]), srid=4326),
            properties=item["properties"],
            category=str(item["properties"].get(layer.category_field) or "")[:50],
            name=str(item["properties"].get(layer.name_field) or "")[:200],
        )
        for item in collection["features"]
    ]
    Feature.objects.bulk_create(features, batch_size=BATCH)
    bounds = revision.features.aggregate(extent=Extent("geom"))["extent"]
    revision.feature_count = len(features)
    revision.extent = Polygon.from_bbox(bounds) if bounds else None
    if revision.extent is not None:
        revision.extent.srid = 4326
    revision.status = RevisionStatus.READY
    revision.save(update_fields=["feature_count", "extent", "status"])
    return revision
