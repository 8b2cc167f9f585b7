"""Builders of test data: plain functions over the ORM, one per kind of row.

Each makes a valid row with defaults that say what a test does not care about, and takes
keyword arguments for what it does. The fixtures in ``tests/conftest.py`` and
``tests/consultation/conftest.py`` are built from these; a test that needs one more row calls
the builder itself.

Layers are made here with their features already in place, as a published revision would hold
them; tests of the upload pipeline make a bare layer (no ``shapes``) and let the pipeline write
its revisions (``tests/layers/ingest/samples.py``).
"""

import io
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db.models import Max
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token

from consultation.models import Comment, Consultation, Stance
from consultation.periods import calendar_floor
from consultation.photos import clean_photo
from layers.models import (
    DataStatus,
    Feature,
    Layer,
    LayerRevision,
    PublicPolicy,
    RevisionStatus,
)
from layers.revisions.publishing import publish_revision
from planportal.models import AuditEvent, Chapter, Plan, RoleGrant, Section
from planportal.roles import OFFICIALS, PLANNERS
from planportal.versions import publish_version

PASSWORD = "Answer-Every-Opinion-2035"
PHONE = "13812345678"
EMAIL = "zhang.san@example.cn"
# The own plan's area (make_plan): a 0.1 x 0.1 degree square well away from the demo plan, so
# the demo layers never touch what a test draws there.
WEST, SOUTH, EAST, NORTH = 112.0, 38.0, 112.1, 38.1


# --- People ----------------------------------------------------------------------------------


def make_user(username: str, group: str | None = None, **fields):
    """A user with the password ``PASSWORD``, in ``group`` (OFFICIALS, PLANNERS) if given."""
    user = get_user_model().objects.create_user(username, password=PASSWORD, **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def make_official(username: str = "wang.official"):
    return make_user(username, OFFICIALS, is_staff=True)


def make_planner(username: str = "li.planner"):
    return make_user(username, PLANNERS, is_staff=True)


def token_header(user) -> dict:
    """The header of a request made with the user's API token."""
    token, _ = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


# --- Plans -----------------------------------------------------------------------------------


def square(west: float, south: float, size: float) -> Polygon:
    """A square ``size`` degrees wide from its south-west corner, in EPSG:4326."""
    polygon = Polygon.from_bbox((west, south, west + size, south + size))
    polygon.srid = 4326
    return polygon


def make_plan(
    slug: str = "test-town-2021-2035",
    published: bool = True,
    *,
    name: str = "",
    region_code: str = "141181199000",
    region_name: str = "",
    town: str = "测试镇",
    west: float = WEST,
    south: float = SOUTH,
) -> Plan:
    """测试镇's plan: its area is WEST..EAST, SOUTH..NORTH (or the same square from ``west``,
    ``south``); chapter 3 with sections 3.1 and 3.2; no layers. ``region_code``, ``town`` (or
    ``region_name``) and ``west`` make another township's plan (see ``make_second_plan``,
    ``make_other_plan``)."""
    region_name = region_name or town
    plan = Plan.objects.create(
        name=name or f"{region_name}国土空间总体规划（2021-2035年）",
        slug=slug,
        region_code=region_code,
        region_name=region_name,
        organisation=f"{region_name}人民政府",
        period_start=2021,
        period_end=2035,
        is_published=published,
        contact_phone="0358-7000000",
        extent=square(west, south, EAST - WEST),
    )
    chapter = Chapter.objects.create(plan=plan, number=3, title="国土空间格局")
    for position, (number, title) in enumerate([("3.1", "总体格局"), ("3.2", "控制线划定")]):
        Section.objects.create(chapter=chapter, number=number, title=title, position=position)
    if published:
        # What residents read of a plan on the portal is its published version.
        publish_version(plan.versions.get(number=1))
    return plan


# The second plan's area: the same size as the first's, 0.2 degrees east of it, so nothing of
# one plan lies in the other's.
SECOND_WEST, SECOND_SOUTH = WEST + 0.2, SOUTH


def make_second_plan(slug: str = "second-town-2021-2035", published: bool = True) -> Plan:
    """第二测试乡's plan, beside make_plan's (tests of what one plan must not show of another):
    its area is the square from SECOND_WEST, SECOND_SOUTH; its region code lies under 孝义市
    as make_plan's does."""
    return make_plan(
        slug,
        published,
        name="第二测试乡国土空间总体规划（2021-2035年）",
        region_code="141181299000",
        region_name="第二测试乡",
        west=SECOND_WEST,
        south=SECOND_SOUTH,
    )


# 另一镇, beside 测试镇 in the same county (141181): a second township's plan, for the tests of
# rights per plan and per region and of what one plan must not show of another.
OTHER_TOWN_CODE = "141181198000"
COUNTY_CODE = "141181000000"


def make_other_plan(slug: str = "other-town-2021-2035", published: bool = True) -> Plan:
    """另一镇's plan: the same shape as ``make_plan``'s, just east of it, region 141181198."""
    return make_plan(slug, published, region_code=OTHER_TOWN_CODE, town="另一镇", west=EAST + 0.05)


def grant(user, role: str, *, plan: Plan | None = None, region_code: str = "") -> RoleGrant:
    """A right for ``user`` (``StaffRole.PLANNER``/``OFFICIAL``) on a plan or a region."""
    return RoleGrant.objects.create(user=user, role=role, plan=plan, region_code=region_code)


# --- Layers ----------------------------------------------------------------------------------


def make_layer(
    plan: Plan,
    collection_id: str,
    *,
    geometry_type: str = "",
    code: str = "",
    shapes: Iterable | None = None,
    policy: str = PublicPolicy.FEATURES,
    published: bool = True,
    **fields,
) -> Layer:
    """A layer of ``plan``, titled by its collection id unless ``fields`` say otherwise.

    It has what the publish gate asks for (layers/revisions/gate.py) unless ``fields`` say
    otherwise: the plan's first section, schematic data, a source and a publication note
    (``section=None`` or a blank note make a layer the gate refuses).

    Without ``shapes`` the layer has no revision (the ingest tests write theirs). With
    ``shapes`` (a list, even an empty one) it has revision 1 holding them (see
    ``add_revision``), published unless ``published`` is false. The geometry type is the
    first shape's, else Polygon.
    """
    shapes = None if shapes is None else list(shapes)
    if not geometry_type:
        first = _fields(shapes[0])["geom"] if shapes else None
        geometry_type = first.geom_type.removeprefix("Multi") if first else "Polygon"
    if "section" not in fields:
        fields["section"] = (
            Section.objects.filter(chapter__plan=plan)
            .order_by("chapter__number", "position")
            .first()
        )
    if fields["section"] is not None and "chapter" not in fields:
        fields["chapter"] = fields["section"].chapter
    gate = {
        "data_status": DataStatus.SCHEMATIC,
        "source_note": "测试数据",
        "publication_note": "测试用图层，经规划科同意发布。",
    }
    layer = Layer.objects.create(
        plan=plan,
        collection_id=collection_id,
        code=code,
        title=fields.pop("title", collection_id),
        geometry_type=geometry_type,
        public_policy=policy,
        **{**gate, **fields},
    )
    if shapes is not None:
        revision = add_revision(layer, shapes)
        if published:
            publish_revision(layer, revision)
    return layer


def add_revision(layer: Layer, shapes: Iterable) -> LayerRevision:
    """The layer's next revision, ready but not published, with one feature per shape and its
    count and extent set as the ingest pipeline sets them.

    A shape is a geometry, a ``(geometry, name)`` pair, or a dict of Feature fields (``geom``
    and any of ``name``, ``category``, ``properties``). Without ``properties`` a feature
    carries its name under the layer's name field; without a name it takes the value of
    that field.
    """
    last = layer.revisions.aggregate(last=Max("number"))["last"] or 0
    revision = LayerRevision.objects.create(
        layer=layer, number=last + 1, status=RevisionStatus.READY, source_crs="EPSG:4326"
    )
    features = Feature.objects.bulk_create(_feature(layer, revision, shape) for shape in shapes)
    revision.feature_count = len(features)
    bounds = revision.features.aggregate(extent=Extent("geom"))["extent"]
    if bounds:
        revision.extent = Polygon.from_bbox(bounds)
        revision.extent.srid = 4326
    revision.save(update_fields=["feature_count", "extent"])
    return revision


def add_feature(layer: Layer, geom: GEOSGeometry, name: str = "", **properties) -> Feature:
    """One more feature in the layer's published revision; ``properties`` beside its name."""
    revision = layer.published_revision
    revision.feature_count += 1
    # The stored summary (layers/summary.py) no longer holds: worked out again on next use.
    revision.geometry_types = revision.property_types = None
    revision.save(update_fields=["feature_count", "geometry_types", "property_types"])
    if layer.name_field:
        properties = {layer.name_field: name, **properties}
    return Feature.objects.create(revision=revision, geom=geom, name=name, properties=properties)


def _fields(shape) -> dict:
    """A shape as the fields of a Feature."""
    if isinstance(shape, dict):
        return dict(shape)
    if isinstance(shape, GEOSGeometry):
        return {"geom": shape}
    geom, name = shape
    return {"geom": geom, "name": name}


def _feature(layer: Layer, revision: LayerRevision, shape) -> Feature:
    fields = _fields(shape)
    if "properties" not in fields:
        name = fields.get("name", "")
        fields["properties"] = {layer.name_field: name} if layer.name_field else {}
    if "name" not in fields:
        fields["name"] = str(fields["properties"].get(layer.name_field, ""))
    return Feature(revision=revision, **fields)


# --- Consultations ---------------------------------------------------------------------------


def make_consultation(
    plan: Plan, *, opens_days_ago: float = 1, days_open: int = 30, **fields
) -> Consultation:
    """A consultation of ``plan`` that opened ``opens_days_ago`` days ago (negative: it opens
    later) and stays open ``days_open`` days (at least 30) counted from the next day, to 24:00
    China time of the last (the calendar floor, without the holiday rule): by default open
    since yesterday, for 30 days."""
    opens = timezone.now() - timedelta(days=opens_days_ago)
    return Consultation.objects.create(
        plan=plan,
        title=fields.pop("title", "规划草案征求意见"),
        opens_at=opens,
        closes_at=calendar_floor(opens, days_open),
        **fields,
    )


def make_comment(consultation: Consultation, **fields) -> Comment:
    """A received comment with a body, a stance, consent and contact details, made with the
    ORM (the residents' API is what tests/consultation/test_submit_*.py test)."""
    values = {
        "body": "建议在村口增设公交站点。",
        "stance": Stance.SUGGEST,
        "consent_privacy": True,
        "name": "张三",
        "phone": PHONE,
        "email": EMAIL,
    }
    return Comment.objects.create(consultation=consultation, **{**values, **fields})


def add_photo(comment: Comment, size=(320, 240), colour=(40, 120, 60)) -> Comment:
    """The comment with a photo, stored as a resident's is (re-encoded, a random name)."""
    raw = io.BytesIO()
    Image.new("RGB", size, colour).save(raw, "JPEG")
    upload = clean_photo(raw.getvalue()).as_file()
    comment.photo.save(upload.name, upload, save=True)
    return comment


# --- The audit trail -------------------------------------------------------------------------


def audit_baseline() -> int:
    """The newest audit event's id: the append-only trail is never emptied (live-server tests
    commit events too), so tests count the events after it."""
    return AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0
