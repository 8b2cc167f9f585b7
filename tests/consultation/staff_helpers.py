"""Builders for the officials' tests (plain functions; each test file wraps the ones it needs
in fixtures). Comments are made with the ORM, as the resident API is built elsewhere."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point, Polygon
from django.utils import timezone

from consultation.models import Comment, Consultation, Stance
from consultation.staff_queue import plan_villages
from layers.models import Feature, Layer, LayerRevision, PublicPolicy, RevisionStatus
from layers.revisions.publishing import publish_revision
from planportal.roles import OFFICIALS, PLANNERS

PASSWORD = "Answer-Every-Opinion-2035"
PHONE = "13812345678"
EMAIL = "zhang.san@example.cn"
# Near 阳泉曲镇 (lon, lat), inside the plan's extent.
TOWN = (111.55, 37.13)


def make_user(username: str, group: str | None = None, **extra):
    user = get_user_model().objects.create_user(username, password=PASSWORD, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def make_official(username: str = "wang.official"):
    return make_user(username, OFFICIALS, is_staff=True)


def make_planner(username: str = "li.planner"):
    return make_user(username, PLANNERS, is_staff=True)


def make_consultation(plan, *, title="征求意见", days_open=30, started_days_ago=1):
    opens = timezone.now() - timedelta(days=started_days_ago)
    return Consultation.objects.create(
        plan=plan, title=title, opens_at=opens, closes_at=opens + timedelta(days=days_open)
    )


def make_comment(consultation, **fields) -> Comment:
    values = {
        "body": "建议在村口增设公交站点。",
        "stance": Stance.SUGGEST,
        "consent_privacy": True,
        "name": "张三",
        "phone": PHONE,
        "email": EMAIL,
    }
    values.update(fields)
    return Comment.objects.create(consultation=consultation, **values)


def make_layer(plan, collection_id: str, *, code="", geometry_type="Point", policy=None, **kw):
    layer = Layer.objects.create(
        plan=plan,
        collection_id=collection_id,
        code=code,
        title=kw.pop("title", collection_id),
        geometry_type=geometry_type,
        name_field="XZQMC",
        public_policy=policy or PublicPolicy.FEATURES,
        **kw,
    )
    revision = LayerRevision.objects.create(layer=layer, number=1, status=RevisionStatus.READY)
    publish_revision(layer, revision)
    return layer


def add_feature(layer, geom, name: str = "", **properties) -> Feature:
    revision = layer.published_revision
    revision.feature_count += 1
    revision.save(update_fields=["feature_count"])
    return Feature.objects.create(
        revision=revision, geom=geom, name=name, properties={"XZQMC": name, **properties}
    )


def ensure_villages(plan) -> list[str]:
    """The plan's village names: the demo village layer's once it is loaded, else three made
    here (inside the test's transaction)."""
    names = plan_villages(plan)
    if len(names) >= 3:
        return names
    layer = make_layer(plan, "test-officials-villages")
    for offset, name in enumerate(("克俄村", "西河底村", "春塔村")):
        add_feature(layer, Point(TOWN[0] + offset * 0.01, TOWN[1], srid=4326), name)
    return plan_villages(plan)


def square(lon: float, lat: float, size: float = 0.002) -> Polygon:
    polygon = Polygon.from_bbox((lon, lat, lon + size, lat + size))
    polygon.srid = 4326
    return polygon
