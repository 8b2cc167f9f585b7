"""POST /api/consultations/{id}/comments/: what a resident may send, and what is stored."""

import json
import re

import pytest
from django.contrib.gis.geos import LineString, Point
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultation.models import Comment
from layers.models import PublicPolicy
from tests.consultation.submit_helpers import geojson, payload, post_comment
from tests.factories import (
    EAST,
    SOUTH,
    WEST,
    add_revision,
    make_layer,
    make_plan,
    square,
)

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_a_valid_comment_gets_201_with_its_id_and_a_receipt_code(client, consultation):
    response = post_comment(client, consultation)
    assert response.status_code == 201
    body = response.json()
    comment = Comment.objects.get(pk=body["id"])
    assert body["receipt_code"] == comment.receipt_code
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10}", body["receipt_code"])
    assert comment.stance == "suggest"
    assert comment.consent_privacy is True
    assert comment.channel == "web"
    assert comment.section is None and comment.feature is None and comment.drawn is None


def test_the_body_is_required_and_length_limited(client, consultation, settings):
    settings.COMMENT_MAX_CHARS = 50
    empty = post_comment(client, consultation, payload(consultation, body="   "))
    assert empty.status_code == 400
    assert list(empty.json()) == ["body"]
    long = post_comment(client, consultation, payload(consultation, body="意" * 51))
    assert long.status_code == 400
    assert "50" in long.json()["body"][0]
    assert (
        post_comment(client, consultation, payload(consultation, body="意" * 50)).status_code == 201
    )
    assert Comment.objects.filter(consultation=consultation).count() == 1


def test_the_stance_must_be_support_oppose_or_suggest(client, consultation):
    for stance in ("support", "oppose", "suggest"):
        assert (
            post_comment(client, consultation, payload(consultation, stance=stance)).status_code
            == 201
        )
    wrong = post_comment(client, consultation, payload(consultation, stance="maybe"))
    assert wrong.status_code == 400 and list(wrong.json()) == ["stance"]


def test_bad_input_gets_a_message_per_field_in_chinese(client, consultation):
    data = payload(consultation, body="", stance="x", email="not-an-email", phone="12345")
    del data["consent_privacy"]
    response = post_comment(client, consultation, data)
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"body", "stance", "email", "phone", "consent_privacy"}
    for field, messages in errors.items():
        assert all(CJK.search(message) for message in messages), (field, messages)


def test_english_messages_are_given_to_a_client_that_asks_for_english(client, consultation):
    headers = {"Accept-Language": "en"}
    response = post_comment(client, consultation, payload(consultation, body=""), **headers)
    assert response.json()["body"] == ["Please write your opinion in the box “Opinion”."]


def test_a_body_that_is_not_json_is_a_400(client, consultation):
    url = f"/api/consultations/{consultation.pk}/comments/"
    for text in ("{not json", '{"body": NaN}', "\xff"):
        response = client.post(url, data=text, content_type="application/json")
        assert response.status_code == 400, text
    assert client.post(url, data="body=x", content_type="text/plain").status_code == 415


def test_the_privacy_consent_is_required(client, consultation):
    response = post_comment(client, consultation, payload(consultation, consent_privacy=False))
    assert response.status_code == 400
    assert list(response.json()) == ["consent_privacy"]
    assert not Comment.objects.filter(consultation=consultation).exists()


def test_the_name_is_kept_with_its_separate_consent_to_be_shown(client, consultation):
    shown = post_comment(
        client, consultation, payload(consultation, name="张三", consent_show_name=True)
    )
    hidden = post_comment(client, consultation, payload(consultation, name="李四"))
    assert Comment.objects.get(pk=shown.json()["id"]).public_name == "张三"
    assert Comment.objects.get(pk=hidden.json()["id"]).public_name != "李四"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0358-7654321", "0358-7654321"),
        ("(0358)76543210", "0358-76543210"),
        ("010 12345678", "010-12345678"),
        ("+86 358 7654321", "0358-7654321"),
    ],
)
def test_chinese_mobile_and_landline_numbers_are_accepted_and_normalised(
    client, consultation, typed, stored
):
    response = post_comment(client, consultation, payload(consultation, phone=typed))
    assert response.status_code == 201, response.json()
    assert Comment.objects.get(pk=response.json()["id"]).phone == stored


@pytest.mark.parametrize(
    "typed", ["12812345678", "1381234567", "7654321", "abc", "+1 202 555 0100"]
)
def test_other_phone_numbers_are_refused(client, consultation, typed):
    response = post_comment(client, consultation, payload(consultation, phone=typed))
    assert response.status_code == 400 and list(response.json()) == ["phone"]


# -- what the comment points at ----------------------------------------------------------------


def test_a_comment_on_a_section_records_the_section(client, consultation, plan):
    response = post_comment(client, consultation, payload(consultation, section="3.2"))
    comment = Comment.objects.get(pk=response.json()["id"])
    assert comment.section.number == "3.2" and comment.section.chapter.plan == plan


def test_a_section_of_another_plan_is_refused(client, consultation, demo_plan):
    response = post_comment(client, consultation, payload(consultation, section="7.1"))
    assert response.status_code == 400 and list(response.json()) == ["section"]


def test_a_comment_on_a_feature_records_the_layer_and_the_published_revision(
    client, consultation, plan
):
    layer = make_layer(
        plan,
        "test-roads",
        geometry_type="LineString",
        shapes=[
            (LineString((112.01, 38.01), (112.05, 38.05), srid=4326), "乡道009"),
        ],
    )
    feature = layer.published_revision.features.get()
    response = post_comment(
        client,
        consultation,
        payload(consultation, collection_id="test-roads", feature_id=feature.pk),
    )
    assert response.status_code == 201, response.json()
    comment = Comment.objects.get(pk=response.json()["id"])
    assert (comment.layer, comment.revision, comment.feature) == (
        layer,
        layer.published_revision,
        feature,
    )


def test_a_feature_of_an_unpublished_revision_is_refused(client, consultation, plan):
    layer = make_layer(
        plan,
        "test-roads",
        geometry_type="LineString",
        shapes=[
            (LineString((112.01, 38.01), (112.05, 38.05), srid=4326), "旧线"),
        ],
    )
    draft = add_revision(layer, [(LineString((112.02, 38.01), (112.06, 38.05), srid=4326), "新线")])
    response = post_comment(
        client,
        consultation,
        payload(consultation, collection_id="test-roads", feature_id=draft.features.get().pk),
    )
    assert response.status_code == 400 and list(response.json()) == ["feature_id"]


def test_a_feature_of_another_plans_layer_is_refused(client, consultation, demo_plan):
    other = make_plan(slug="other-town")
    layer = make_layer(
        other,
        "other-roads",
        geometry_type="LineString",
        shapes=[
            (LineString((112.01, 38.01), (112.05, 38.05), srid=4326), "别处"),
        ],
    )
    response = post_comment(
        client,
        consultation,
        payload(
            consultation,
            collection_id="other-roads",
            feature_id=layer.published_revision.features.get().pk,
        ),
    )
    assert response.status_code == 400 and list(response.json()) == ["feature_id"]


def test_a_feature_of_a_tiles_only_layer_can_be_commented_on_by_its_id(client, consultation, plan):
    layer = make_layer(
        plan,
        "test-farmland",
        code="YJJBNT",
        policy=PublicPolicy.TILES_ONLY,
        shapes=[(square(112.03, 38.03, 0.001), "")],
    )
    feature = layer.published_revision.features.get()
    response = post_comment(
        client,
        consultation,
        payload(consultation, collection_id="test-farmland", feature_id=feature.pk),
    )
    assert response.status_code == 201
    assert Comment.objects.get(pk=response.json()["id"]).feature == feature


def test_a_feature_needs_both_its_layer_and_its_id(client, consultation):
    response = post_comment(client, consultation, payload(consultation, collection_id="test-roads"))
    assert response.status_code == 400 and list(response.json()) == ["feature_id"]


@pytest.mark.parametrize(
    "geometry",
    [
        Point(112.05, 38.05, srid=4326),
        LineString((112.01, 38.01), (112.02, 38.03), (112.04, 38.02), srid=4326),
        square(112.04, 38.04, 0.01),
    ],
    ids=["point", "line", "polygon"],
)
def test_a_drawn_point_line_or_polygon_inside_the_plan_is_stored(client, consultation, geometry):
    response = post_comment(client, consultation, payload(consultation, geometry=geojson(geometry)))
    assert response.status_code == 201, response.json()
    stored = Comment.objects.get(pk=response.json()["id"]).drawn
    assert stored.equals_exact(geometry, tolerance=1e-9)


def test_a_geojson_feature_wrapping_the_drawing_is_accepted(client, consultation):
    feature = {"type": "Feature", "properties": {}, "geometry": geojson(Point(112.05, 38.05))}
    response = post_comment(client, consultation, payload(consultation, geometry=feature))
    assert response.status_code == 201


def test_a_drawing_outside_the_plan_is_refused(client, consultation):
    # Well beyond the margin an approximate extent allows (tests/consultation/
    # test_drawn_place_boundary.py has the official boundary and the margin).
    crossing = LineString((112.05, 38.05), (EAST + 0.2, 38.05), srid=4326)
    for geometry in (Point(WEST - 0.2, SOUTH, srid=4326), crossing):
        response = post_comment(
            client, consultation, payload(consultation, geometry=geojson(geometry))
        )
        assert response.status_code == 400 and list(response.json()) == ["geometry"]


def test_a_drawing_with_too_many_vertices_is_refused(client, consultation, settings):
    settings.COMMENT_MAX_VERTICES = 20
    ring = [(112.05 + 0.01 * (i % 2), 38.01 + 0.001 * i) for i in range(30)]
    line = LineString(ring, srid=4326)
    response = post_comment(client, consultation, payload(consultation, geometry=geojson(line)))
    assert response.status_code == 400 and "20" in response.json()["geometry"][0]


@pytest.mark.parametrize(
    "geometry",
    [
        {
            "type": "Polygon",
            "coordinates": [
                [
                    [112.01, 38.01],
                    [112.03, 38.03],
                    [112.03, 38.01],
                    [112.01, 38.03],
                    [112.01, 38.01],
                ]
            ],
        },
        {"type": "Point", "coordinates": [112.01, 38.01, 900]},
        {"type": "Point", "coordinates": [512.01, 38.01]},
        {"type": "MultiPoint", "coordinates": [[112.01, 38.01]]},
        {"type": "Polygon", "coordinates": "nonsense"},
        "not json",
    ],
    ids=["bow-tie", "3d", "out-of-range", "multipoint", "nonsense", "text"],
)
def test_a_broken_drawing_is_refused_with_a_message(client, consultation, geometry):
    response = post_comment(client, consultation, payload(consultation, geometry=geometry))
    assert response.status_code == 400 and list(response.json()) == ["geometry"]


def test_a_comment_points_at_one_thing_only(client, consultation):
    data = payload(consultation, section="3.2", geometry=geojson(Point(112.05, 38.05)))
    response = post_comment(client, consultation, data)
    assert response.status_code == 400 and list(response.json()) == ["target"]


def statements_of(client, consultation, data, key) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = post_comment(client, consultation, data, key=key)
    assert response.status_code == 201, response.json()
    # Savepoints belong to the test's own transaction; the COMMIT a server sends is not seen.
    # A PREPARE comes once per database session and shape of statement (whether this one
    # comes depends on the tests before on the connection; test_prepared_statements.py).
    skipped = ("SAVEPOINT", "RELEASE", "PREPARE ")
    return [q["sql"] for q in queries if not q["sql"].startswith(skipped)]


def test_the_submit_path_is_a_handful_of_queries(client, consultation, plan):
    make_layer(plan, "test-czfl", code="CZFL", shapes=[(square(WEST, SOUTH, 0.05), "甲村")])
    first = statements_of(client, consultation, payload(consultation), "first-of-the-process")
    # Once per process and consultation (then kept for a few seconds): consultation, sections.
    assert len(first) == 3, first
    on_section = payload(consultation, section="3.2", phone="13812345678")
    # locks + counts + the INSERT when they allow it (its key's unique index decides), one message
    (counting,) = statements_of(client, consultation, on_section, "a-key-of-some-length")
    # the counting INSERT prepared once per session: run by EXECUTE after the locks
    assert counting.startswith("SELECT pg_advisory_xact_lock") and "EXECUTE planportal_" in counting
    drawn = payload(consultation, geometry=geojson(Point(112.01, 38.01)), phone="13812345678")
    # Once per process and consultation: the plan's touch layers; then the counting INSERT,
    # which works out the villages and control lines the place touches in the same statement
    assert len(statements_of(client, consultation, drawn, "another-key-of-length")) == 2
    again = payload(consultation, geometry=geojson(Point(112.02, 38.01)), phone="13912345678")
    assert len(statements_of(client, consultation, again, "a-third-key-of-length")) == 1
    assert Comment.objects.get(idempotency_key="a-third-key-of-length").villages == ["甲村"]


def test_the_comment_endpoint_is_described_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    post = schema["paths"]["/api/consultations/{id}/comments/"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in post["parameters"]]
    assert {"201", "400", "428", "429"} <= set(post["responses"])
    request = post["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    fields = schema["components"]["schemas"][request]["properties"]
    assert {"body", "stance", "section", "collection_id", "feature_id", "geometry", "photo"} <= set(
        fields
    )
    assert {"consent_privacy", "consent_show_name", "form_token", "phone"} <= set(fields)


def test_a_lone_surrogate_in_a_text_field_is_refused_with_its_code_point(client, consultation):
    # JSON may escape a lone surrogate (\ud800), which no text can store.
    text = json.dumps(payload(consultation, name="张三"), ensure_ascii=False)
    data = text.replace("张三", "\\ud800")
    response = client.post(
        f"/api/consultations/{consultation.pk}/comments/",
        data=data,
        content_type="application/json",
        REMOTE_ADDR="203.0.113.40",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["name"] and "U+D800" in response.json()["name"][0]
