"""What the public sees of the opinions: published comments and published answers, by section
and on the map, when the consultation shows them; a name only with its own consent, otherwise
村民; phone numbers and e-mail addresses in no public output at all."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import LineString, Point
from django.template.loader import render_to_string
from django.utils import timezone

from consultation.embed import plan_page_context
from consultation.models import Comment, CommentState, Reply, Result
from layers.models import PublicPolicy
from planportal.models import Plan
from planportal.versions import with_text
from tests.consultation.submit_helpers import geojson, payload, post_comment
from tests.factories import EMAIL, PHONE, make_consultation, make_layer, square

pytestmark = pytest.mark.django_db


def submit(client, consultation, **fields) -> Comment:
    response = post_comment(client, consultation, payload(consultation, **fields))
    assert response.status_code == 201, response.json()
    return Comment.objects.get(pk=response.json()["id"])


def publish(comment: Comment, answer: str | None = None, answer_published: bool = True):
    comment.state = CommentState.PUBLISHED
    comment.published_at = timezone.now()
    comment.save()
    if answer:
        official = get_user_model().objects.get_or_create(username="official")[0]
        Reply.objects.create(
            comment=comment,
            result=Result.ADOPTED,
            reason=answer,
            is_published=answer_published,
            answered_by=official,
        )
    return comment


def published_api(client, consultation) -> dict:
    response = client.get(f"/api/consultations/{consultation.pk}/comments/published/")
    assert response.status_code == 200
    return response.json()


def test_only_published_comments_are_listed(client, consultation):
    shown = publish(submit(client, consultation, body="公开的意见"))
    submit(client, consultation, body="待审核的意见")
    hidden = submit(client, consultation, body="被隐藏的意见")
    hidden.state = CommentState.HIDDEN
    hidden.save()
    features = published_api(client, consultation)["features"]
    assert [f["properties"]["body"] for f in features] == ["公开的意见"]
    assert features[0]["id"] == shown.pk


def test_nothing_is_listed_when_the_consultation_does_not_show_comments(client, plan):
    quiet = make_consultation(plan, show_published_comments=False)
    publish(submit(client, quiet))
    collection = published_api(client, quiet)
    assert collection["features"] == [] and collection["shows_comments"] is False


def test_a_name_is_shown_only_with_its_consent_otherwise_villager(client, consultation):
    publish(submit(client, consultation, name="张三", consent_show_name=True))
    publish(submit(client, consultation, name="李四"))
    names = [f["properties"]["name"] for f in published_api(client, consultation)["features"]]
    assert names == ["张三", "村民"]


def test_published_answers_are_shown_and_unpublished_ones_are_not(client, consultation):
    publish(submit(client, consultation), answer="已采纳，第3.2节修改。")
    publish(submit(client, consultation), answer="内部草稿", answer_published=False)
    replies = [f["properties"]["reply"] for f in published_api(client, consultation)["features"]]
    assert replies[0]["result"] == "adopted" and replies[0]["reason"] == "已采纳，第3.2节修改。"
    assert replies[1] is None


def test_the_map_gets_drawn_places_and_feature_points_but_no_tiles_only_coordinates(
    client, consultation, plan
):
    roads = make_layer(
        plan,
        "test-roads",
        geometry_type="LineString",
        shapes=[(LineString((112.01, 38.01), (112.03, 38.03), srid=4326), "乡道")],
    )
    farmland = make_layer(
        plan,
        "test-farmland",
        code="YJJBNT",
        policy=PublicPolicy.TILES_ONLY,
        shapes=[(square(112.05, 38.05, 0.002), "")],
    )
    road = roads.published_revision.features.get()
    parcel = farmland.published_revision.features.get()
    publish(submit(client, consultation, geometry=geojson(Point(112.02, 38.04))))
    publish(submit(client, consultation, collection_id="test-roads", feature_id=road.pk))
    publish(submit(client, consultation, collection_id="test-farmland", feature_id=parcel.pk))
    publish(submit(client, consultation, section="3.1"))
    drawn, on_road, on_parcel, on_section = published_api(client, consultation)["features"]
    assert drawn["geometry"] == {"type": "Point", "coordinates": [112.02, 38.04]}
    assert on_road["geometry"]["type"] == "Point"
    assert on_road["properties"]["target"]["collection_id"] == "test-roads"
    assert on_parcel["geometry"] is None
    assert on_parcel["properties"]["target"] == {
        "type": "feature",
        "collection_id": "test-farmland",
        "feature_id": parcel.pk,
        "layer_title": "test-farmland",
        "label": on_parcel["properties"]["target"]["label"],
    }
    assert on_parcel["properties"]["control_lines"] == ["YJJBNT"]
    assert on_section["geometry"] is None
    assert on_section["properties"]["target"]["section"] == "3.1"


def test_phone_numbers_and_emails_typed_into_the_text_are_blotted_out(client, consultation):
    body = "请联系我 138 1234 5678 或 0358-7654321，邮箱 li@example.cn。"
    publish(submit(client, consultation, body=body, name="13912345678", consent_show_name=True))
    shown = published_api(client, consultation)["features"][0]["properties"]
    assert "1234 5678" not in shown["body"] and "7654321" not in shown["body"]
    assert "li@example.cn" not in shown["body"] and "请联系我" in shown["body"]
    assert "12345678" not in shown["name"]


def test_each_section_shows_its_published_comments_and_answers(client, consultation, plan):
    publish(submit(client, consultation, section="3.2", body="控制线意见"), answer="已采纳。")
    publish(submit(client, consultation, section="3.1", body="格局意见"))
    submit(client, consultation, section="3.2", body="尚未公开")
    page_plan = with_text(Plan.objects.get(pk=plan.pk))
    plan_page_context(page_plan)
    sections = {s.number: s for c in page_plan.chapters.all() for s in c.sections.all()}
    html = render_to_string(
        "consultation/public/_section_comments.html",
        {"section": sections["3.2"], "comments": sections["3.2"].public_comments},
    )
    assert "控制线意见" in html and "已采纳。" in html and "村民" in html
    assert "格局意见" not in html and "尚未公开" not in html


def test_no_public_output_contains_a_submitted_phone_number_or_email(
    client, consultation, plan, caplog
):
    caplog.set_level(logging.DEBUG)
    comment = publish(
        submit(
            client,
            consultation,
            section="3.2",
            name="张三",
            phone=PHONE,
            email=EMAIL,
            geometry=None,
        ),
        answer="已采纳。",
    )
    drawn = publish(
        submit(client, consultation, phone="0358-7654321", geometry=geojson(Point(112.02, 38.02)))
    )
    # A refused submission is logged by Django ("Bad Request: ..."): without its data.
    post_comment(client, consultation, payload(consultation, phone=PHONE, stance="?"))
    code = comment.receipt_code
    pk = consultation.pk
    urls = [
        f"/api/consultations/?plan={plan.slug}",
        f"/api/consultations/{pk}/form/",
        f"/api/consultations/{pk}/privacy/",
        f"/api/consultations/{pk}/comments/published/",
        f"/api/receipts/{code}/",
        f"/api/receipts/{drawn.receipt_code}/",
        f"/receipts/{code}/",
        f"/en/receipts/{code}/",
        f"/receipts/?code={code}",
        f"/consultations/{pk}/comment/",
        f"/consultations/{pk}/comment/form/?section=3.2",
        f"/plans/{plan.slug}/",
        f"/en/plans/{plan.slug}/",
        f"/api/plans/{plan.slug}/",
    ]
    outputs = []
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        outputs.append((url, response.content.decode()))
    page_plan = with_text(Plan.objects.get(pk=plan.pk))
    context = plan_page_context(page_plan)
    outputs.append(("_state.html", render_to_string("consultation/public/_state.html", context)))
    for chapter in page_plan.chapters.all():
        for section in chapter.sections.all():
            snippet = render_to_string(
                "consultation/public/_section_comments.html",
                {"section": section, "comments": section.public_comments},
            )
            outputs.append((section.number, snippet))
    outputs.append(("log", "\n".join(record.getMessage() for record in caplog.records)))
    assert "已采纳。" in "".join(text for _, text in outputs)  # the outputs are not empty
    for where, text in outputs:
        for secret in (PHONE, "138 1234 5678", "7654321", EMAIL, "zhang.san"):
            assert secret not in text, (where, secret)
