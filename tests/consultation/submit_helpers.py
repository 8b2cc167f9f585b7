"""Builders for the residents' side tests (plain functions; test files wrap what they need in
fixtures). Most tests use a small plan of their own, far from the demo plan, so the demo
layers never touch what they draw."""

import json
import time
from datetime import timedelta

from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.core import signing
from django.utils import timezone

from consultation.abuse import CHALLENGE_SALT, FORM_TOKEN_SALT
from consultation.models import Consultation
from layers.models import Feature, Layer, LayerRevision, PublicPolicy, RevisionStatus
from layers.revisions.publishing import publish_revision
from planportal.models import Chapter, Plan, Section

# The test plan's area: a 0.1 x 0.1 degree square well away from the demo plan.
WEST, SOUTH, EAST, NORTH = 112.0, 38.0, 112.1, 38.1
PHONE = "13812345678"
EMAIL = "zhang.san@example.cn"


def square(west: float, south: float, size: float) -> Polygon:
    polygon = Polygon.from_bbox((west, south, west + size, south + size))
    polygon.srid = 4326
    return polygon


def make_plan(slug: str = "test-town-2021-2035", published: bool = True) -> Plan:
    plan = Plan.objects.create(
        name="测试镇国土空间总体规划（2021-2035年）",
        slug=slug,
        region_code="141181199000",
        region_name="测试镇",
        organisation="测试镇人民政府",
        period_start=2021,
        period_end=2035,
        is_published=published,
        contact_phone="0358-7000000",
        extent=square(WEST, SOUTH, 0.1),
    )
    chapter = Chapter.objects.create(plan=plan, number=3, title="国土空间格局")
    for position, (number, title) in enumerate([("3.1", "总体格局"), ("3.2", "控制线划定")]):
        Section.objects.create(chapter=chapter, number=number, title=title, position=position)
    return plan


def make_consultation(plan: Plan, *, opens_days_ago: float = 1, days: int = 30, **fields):
    opens = timezone.now() - timedelta(days=opens_days_ago)
    return Consultation.objects.create(
        plan=plan,
        title=fields.pop("title", "规划草案征求意见"),
        opens_at=opens,
        closes_at=opens + timedelta(days=days),
        **fields,
    )


def make_layer(plan, collection_id, *, code="", geometry_type="Polygon", policy=None, shapes=()):
    """A published layer whose features are (geometry, name) pairs."""
    layer = Layer.objects.create(
        plan=plan,
        collection_id=collection_id,
        code=code,
        title=collection_id,
        geometry_type=geometry_type,
        name_field="MC",
        public_policy=policy or PublicPolicy.FEATURES,
    )
    revision = add_revision(layer, shapes)
    publish_revision(layer, revision)
    return layer


def add_revision(layer: Layer, shapes) -> LayerRevision:
    number = layer.revisions.count() + 1
    revision = LayerRevision.objects.create(
        layer=layer, number=number, status=RevisionStatus.READY, feature_count=len(shapes)
    )
    for geometry, name in shapes:
        Feature.objects.create(revision=revision, geom=geometry, name=name, properties={"MC": name})
    return revision


def form_token(consultation: Consultation, age: float = 60) -> str:
    """A form token as the form endpoint issues it, ``age`` seconds ago."""
    return signing.dumps({"c": consultation.pk, "t": time.time() - age}, salt=FORM_TOKEN_SALT)


def expired_form_token(consultation: Consultation) -> str:
    """A token signed two days ago (signing's timestamp is what expiry reads)."""
    signer = signing.TimestampSigner(salt=FORM_TOKEN_SALT)
    signer.timestamp = lambda: signing.b62_encode(int(time.time()) - 2 * 86400)
    return signer.sign_object({"c": consultation.pk, "t": time.time() - 2 * 86400})


def payload(consultation: Consultation, **fields) -> dict:
    values = {
        "body": "建议在村口增设公交站点，方便老人出行。",
        "stance": "suggest",
        "consent_privacy": True,
        "form_token": form_token(consultation),
    }
    values.update(fields)
    return {key: value for key, value in values.items() if value is not None}


def comments_url(consultation: Consultation) -> str:
    return f"/api/consultations/{consultation.pk}/comments/"


def post_comment(client, consultation, data=None, *, key=None, ip="203.0.113.10", **headers):
    """POSTs JSON as comment-form.js does; ``ip`` is the client's REMOTE_ADDR."""
    if key:
        headers["Idempotency-Key"] = key
    return client.post(
        comments_url(consultation),
        data=json.dumps(payload(consultation) if data is None else data),
        content_type="application/json",
        headers=headers,
        REMOTE_ADDR=ip,
    )


def solve(challenge: dict) -> str:
    """What static/js/pow.js does, in Python."""
    import hashlib

    from consultation.abuse import leading_zero_bits

    counter = 0
    while True:
        digest = hashlib.sha256(f"{challenge['token']}:{counter}".encode()).digest()
        if leading_zero_bits(digest) >= challenge["difficulty"]:
            return str(counter)
        counter += 1


def challenge_payload(token: str) -> dict:
    return signing.loads(token, salt=CHALLENGE_SALT)


def geojson(geometry: GEOSGeometry) -> dict:
    return json.loads(geometry.geojson)
