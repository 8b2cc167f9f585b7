"""Opinions that say the same thing, grouped for the official (consultation/similar.py): near
identical Chinese texts group, different ones do not; one answer reaches every opinion of a
group, each with its own reply and audit events; the report counts opinions and groups; and
the comment page speaks in words (no Polygon, YJJBNT or comment.publish) with its small map."""

import io

import pytest
from django.contrib.gis.geos import Point
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from consultation import moderation
from consultation.models import Comment, CommentState, Reply, Result
from consultation.report import build_report
from consultation.similar import consultation_groups, similar_groups
from layers.models import geometry_label
from planportal.models import AuditEvent
from tests.factories import (
    SOUTH,
    WEST,
    audit_baseline,
    make_comment,
    make_layer,
    make_official,
    make_user,
    square,
)

pytestmark = pytest.mark.django_db

BUS_STOP = "建议在柳湾村增设公交站点，方便老人出行。"
BUS_STOP_REORDERED = "方便老人出行，建议柳湾村增设公交站点！"
BUS_STOP_WORDIER = "我们建议在柳湾村增设一个公交站点，方便村里老人出行"
JOINT = "柳湾村全体村民联名：要求保留村东的打谷场，不要划为建设用地。"
JOINT_SIGNED = "柳湾村全体村民联名要求保留村东打谷场，不要划成建设用地！——村民张三"
WASTE = "反对在马庄村东侧建设垃圾中转站，离水源太近。"
ROAD = "建议拓宽柳湾村到镇上的道路。"


def test_near_identical_texts_group_and_different_texts_do_not():
    texts = [BUS_STOP, WASTE, BUS_STOP_REORDERED, JOINT, ROAD, BUS_STOP_WORDIER, JOINT_SIGNED]
    assert similar_groups(texts, 0.6) == [[0, 2, 5], [3, 6]]


def test_the_threshold_setting_decides_how_close_is_similar():
    texts = [JOINT, JOINT_SIGNED]
    with override_settings(SIMILAR_OPINION_THRESHOLD=0.6):
        assert similar_groups(texts) == [[0, 1]]
    with override_settings(SIMILAR_OPINION_THRESHOLD=0.9):
        assert similar_groups(texts) == []


def test_hidden_comments_are_not_grouped(consultation):
    make_comment(consultation, body=BUS_STOP)
    make_comment(consultation, body=BUS_STOP_REORDERED, state=CommentState.HIDDEN)
    assert consultation_groups(consultation) == []


def _bus_stop_group(consultation):
    return [
        make_comment(consultation, body=body)
        for body in (BUS_STOP, BUS_STOP_REORDERED, BUS_STOP_WORDIER)
    ]


def test_one_answer_to_a_group_reaches_each_opinion_with_its_own_record(client, consultation):
    first, second, third = _bus_stop_group(consultation)
    other = make_comment(consultation, body=WASTE)
    client.force_login(make_official())
    page = client.get(reverse("staff-queue"), {"consultation": consultation.pk})
    html = page.content.decode()
    assert 'id="similar-groups"' in html
    assert html.count('class="opinion-group"') == 1
    assert first.receipt_code in html and third.receipt_code in html
    since = audit_baseline()

    response = client.post(
        reverse("staff-group-answer", args=[consultation.pk]),
        {
            "comments": [first.pk, second.pk, third.pk],
            "result": Result.PARTLY_ADOPTED,
            "reason": "已在规划中预留公交站点用地。",
            "publish": "on",
        },
    )

    assert response.status_code == 302
    replies = Reply.objects.filter(comment__in=[first, second, third])
    assert [(r.result, r.reason, r.is_published) for r in replies] == [
        (Result.PARTLY_ADOPTED, "已在规划中预留公交站点用地。", True)
    ] * 3
    assert not Reply.objects.filter(comment=other).exists()
    assert set(
        Comment.objects.filter(pk__in=[second.pk, third.pk]).values_list("duplicate_of", flat=True)
    ) == {first.pk}
    events = AuditEvent.objects.filter(pk__gt=since)
    answered = events.filter(action="comment.answer").values_list("object_id", flat=True)
    assert sorted(answered) == sorted(str(c.pk) for c in (first, second, third))
    assert events.filter(action="comment.mark_duplicate").count() == 2
    assert events.filter(action="comment.group_answer", object_id=str(first.pk)).count() == 1
    # Each resident's own receipt now shows the answer.
    receipt = client.get(reverse("receipt-page", args=[third.receipt_code]))
    assert "已在规划中预留公交站点用地。" in receipt.content.decode()


def test_a_group_answer_with_a_bad_reason_changes_nothing(client, consultation):
    first, second, _third = _bus_stop_group(consultation)
    client.force_login(make_official())
    since = audit_baseline()
    response = client.post(
        reverse("staff-group-answer", args=[consultation.pk]),
        {"comments": [first.pk, second.pk], "result": Result.ADOPTED, "reason": "  "},
    )
    assert response.status_code == 302
    assert not Reply.objects.filter(comment__in=[first, second]).exists()
    assert not AuditEvent.objects.filter(pk__gt=since).exists()


def test_the_report_counts_each_opinion_and_each_group(client, consultation):
    official = make_official()
    group = _bus_stop_group(consultation)
    make_comment(consultation, body=WASTE)
    moderation.answer_group(official, group, Result.ADOPTED, "采纳。")

    report = build_report(consultation)
    assert report.opinions == 4
    assert len(report.rows) == 2
    assert len(report.groups) == 1
    assert report.grouped_opinions == 3
    assert report.counts()["groups"] == 1
    assert report.count(Result.ADOPTED) == 3

    client.force_login(official)
    page = client.get(reverse("consultation-report", args=[consultation.pk])).content.decode()
    assert "1 组，共 3 条意见" in page
    workbook = client.get(reverse("consultation-report-xlsx", args=[consultation.pk]))
    cover = load_workbook(io.BytesIO(workbook.content)).worksheets[0]
    pairs = {row[0]: row[1] for row in cover.iter_rows(values_only=True) if row and row[0]}
    assert pairs["内容相同或相近的意见组"] == 1
    assert pairs["组内意见数"] == 3
    assert pairs["汇总表条目数"] == 2


def test_the_comment_page_speaks_in_words_and_maps_the_place(client, consultation, plan):
    make_layer(
        plan,
        "test-town-yjjbnt",
        code="YJJBNT",
        shapes=[(square(WEST + 0.01, SOUTH + 0.01, 0.01), "")],
    )
    drawn = square(WEST + 0.012, SOUTH + 0.012, 0.002)
    comment = make_comment(consultation, drawn=drawn, control_lines=["YJJBNT"])
    similar = make_comment(consultation, body="建议在村口增设一个公交站点")
    official = make_official()
    moderation.publish(official, comment, "")
    moderation.answer(official, comment, Result.ADOPTED, "采纳。", publish=True)
    client.force_login(official)

    html = client.get(reverse("staff-comment", args=[comment.pk])).content.decode()

    assert '<span id="drawn-kind">面</span>' in html
    assert "(Polygon)" not in html
    layer_title = plan.layers.get(code="YJJBNT").title
    assert f'<dd id="control-lines">{layer_title}</dd>' in html
    assert ">YJJBNT<" not in html
    assert "comment.publish" not in html and "comment.answer" not in html
    assert "已公开" in html and "公开时间" not in html
    assert 'id="comment-place-map"' in html and 'id="comment-map-config"' in html
    assert "staff-comment-map.js" in html
    assert 'id="similar-opinions"' in html and similar.receipt_code in html


def test_a_comment_without_a_place_has_no_map(client, comment):
    client.force_login(make_official())
    html = client.get(reverse("staff-comment", args=[comment.pk])).content.decode()
    assert "comment-place-map" not in html


def test_a_group_answer_needs_the_plan_right(client, consultation):
    first, second, _third = _bus_stop_group(consultation)
    client.force_login(make_user("resident"))
    response = client.post(
        reverse("staff-group-answer", args=[consultation.pk]),
        {"comments": [first.pk, second.pk], "result": Result.ADOPTED, "reason": "采纳"},
    )
    assert response.status_code == 403
    assert not Reply.objects.filter(comment__in=[first, second]).exists()


def test_point_and_line_geometry_types_are_named_in_words():
    assert [geometry_label(t) for t in ("Point", "MultiPoint", "LineString", "MultiPolygon")] == [
        "点",
        "点",
        "线",
        "面",
    ]
    assert geometry_label(Point(0, 0).geom_type) == "点"
