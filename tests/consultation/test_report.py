"""The 意见采纳情况及理由 report of a consultation: one row per opinion in the columns practice
expects (序号, 意见人, 来源, 收到日期, 涉及条文或地块, 意见内容, 处理意见, 理由, 备注), repeated
opinions grouped, a cover with the notice's time, ways and places and the counts, hidden
comments listed apart without personal data, a sign-off block and page numbers in print;
names only as the public sees them, organisations by name; for officials only."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from consultation import moderation
from consultation.models import Channel, Result, SubmitterKind
from consultation.report import build_report
from tests.consultation.staff_helpers import TOWN, ensure_villages
from tests.factories import (
    PHONE,
    make_comment,
    make_consultation,
    make_planner,
    square,
)

pytestmark = pytest.mark.django_db

COLUMNS = [
    "序号",
    "意见人",
    "来源",
    "收到日期",
    "涉及条文或地块",
    "意见内容（摘要）",
    "处理意见",
    "理由",
    "由此修改",
    "备注",
]


@pytest.fixture
def consultation(demo_plan):
    """On the demo plan: the report names its sections and villages."""
    return make_consultation(
        demo_plan,
        title="阳泉曲镇总体规划草案公示",
        notice_methods="阳泉曲镇人民政府网站、国土空间规划公示平台、现场公示栏",
        notice_places="阳泉曲镇人民政府公示栏、各行政村村委会公示栏",
    )


@pytest.fixture
def opinions(consultation, official, demo_plan):
    section = demo_plan.chapters.get(number=7).sections.first()
    adopted = make_comment(
        consultation, body="建议增设公交站。", section=section, name="张三", consent_show_name=True
    )
    same = make_comment(consultation, body="同样建议增设公交站。", name="李四")
    rejected = make_comment(
        consultation,
        body=f"反对拆迁，电话{PHONE}",
        name="王五",
        channel=Channel.LETTER,
        received_on=date(2026, 11, 30),
    )
    open_one = make_comment(
        consultation,
        body="还没有答复的意见。",
        channel=Channel.ON_SITE,
        submitter_kind=SubmitterKind.DEPARTMENT,
        organisation="孝义市交通运输局",
    )
    explained = make_comment(consultation, body="请修路到我家门口。", name="赵六")
    spam = make_comment(consultation, body=f"广告：出售建材，联系{PHONE}", name="卖家")
    moderation.answer(official, adopted, Result.ADOPTED, "已增设站点。", publish=True)
    moderation.mark_duplicate(official, same, adopted)
    moderation.answer(official, rejected, Result.NOT_ADOPTED, "不涉及拆迁。")
    moderation.answer(official, explained, Result.EXPLAINED, "属村庄规划事项，已转村委会。")
    moderation.hide(official, spam, "广告")
    return {
        "adopted": adopted,
        "same": same,
        "rejected": rejected,
        "open": open_one,
        "explained": explained,
        "spam": spam,
    }


def test_each_opinion_has_one_row_and_repeats_share_it(consultation, opinions):
    report = build_report(consultation)
    assert [row.comment for row in report.rows] == [
        opinions["adopted"],
        opinions["rejected"],
        opinions["open"],
        opinions["explained"],
    ]
    first = report.rows[0]
    assert first.duplicates == [opinions["same"]]
    assert first.codes == [opinions["adopted"].receipt_code, opinions["same"].receipt_code]
    assert (first.result_label, first.reason) == (Result.ADOPTED.label, "已增设站点。")
    assert report.opinions == 5 and report.hidden == 1
    assert report.count(Result.ADOPTED) == 2  # the repeat shares the answer
    assert report.count(Result.NOT_ADOPTED) == 1 and report.count(None) == 1
    assert report.count(Result.EXPLAINED) == 1
    assert report.rows[3].result_label == "说明解释／不属于本规划事项"


def test_the_columns_say_who_how_and_when(consultation, opinions):
    rows = build_report(consultation).rows
    adopted, rejected, department, explained = rows
    assert adopted.people == "个人：张三、个人：村民"  # 李四 gave no consent
    assert department.people == "部门：孝义市交通运输局"
    assert explained.people == "个人：村民"
    assert (adopted.source, rejected.source, department.source) == ("网站", "来信", "现场公示栏")
    assert rejected.received == "2026-11-30"  # the postmark, not the day it was typed in
    assert adopted.received == timezone.localdate(opinions["adopted"].created_at).isoformat()
    assert adopted.subject.startswith("7.")  # the section concerned
    assert "共 2 人提出此意见" in adopted.remarks
    assert opinions["same"].receipt_code in adopted.remarks


def test_the_subject_names_the_section_or_the_drawn_place_and_the_villages(consultation):
    make_comment(consultation, drawn=square(*TOWN, 0.002), villages=["克俄村"])
    [row] = build_report(consultation).rows
    assert row.subject.endswith("；克俄村") and row.subject != "克俄村"


def test_names_appear_only_with_consent_and_phones_never(consultation, opinions):
    report = build_report(consultation)
    assert report.rows[1].people == "个人：村民"
    assert report.rows[1].text.startswith("反对拆迁，电话138") and PHONE not in report.rows[1].text


def test_the_cover_has_the_notice_and_the_counts(consultation, opinions, demo_plan):
    villages = ensure_villages(demo_plan)
    make_comment(consultation, body="村里的意见", villages=[villages[0]])
    cover = build_report(consultation).cover
    assert cover.methods.endswith("现场公示栏") and cover.places.startswith("阳泉曲镇人民政府")
    assert cover.opens == timezone.localdate(consultation.opens_at)
    assert (cover.last_day - cover.opens).days in (29, 30)
    assert cover.organisation == demo_plan.organisation
    by_chapter = dict(cover.by_chapter)
    assert by_chapter[str(demo_plan.chapters.get(number=7))] == 1  # the repeat names no section
    assert cover.by_village == [(villages[0], 1)]
    assert villages[0] not in cover.villages_without and villages[1] in cover.villages_without


def test_hidden_comments_are_listed_with_their_reason_and_no_personal_data(consultation, opinions):
    [hidden] = build_report(consultation).hidden_rows
    assert hidden.reason == "广告" and hidden.text.startswith("广告：出售建材")
    assert PHONE not in hidden.text


def test_the_printable_page_has_cover_columns_hidden_table_and_sign_off(
    official_client, consultation, opinions
):
    response = official_client.get(f"/consultations/{consultation.pk}/report/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "意见采纳情况及理由" in text and consultation.plan.name in text
    for column in COLUMNS:
        assert f'<th scope="col">{column}</th>' in text
    for fact in ("公示时间", "公示方式", "公示地点", "现场公示栏", "各行政村村委会公示栏"):
        assert fact in text
    for reason in ("已增设站点。", "不涉及拆迁。", "属村庄规划事项，已转村委会。"):
        assert reason in text
    # The hidden comment is listed apart with its reason, never with who gave it.
    assert "广告：出售建材" in text and "卖家" not in text
    assert PHONE not in text and "王五" not in text and "李四" not in text
    for line in ("组织编制机关", "编制单位", "日期", consultation.plan.organisation):
        assert line in text
    assert 'media="print"' in text  # printable: the print stylesheets are linked
    assert "counter(page)" in text and "第 " in text  # "第 x 页" in the page footer


def test_the_report_is_for_officials_only(client, consultation):
    for path in (
        f"/consultations/{consultation.pk}/report/",
        f"/consultations/{consultation.pk}/report.xlsx",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/staff/login/" in response["Location"]
    client.force_login(make_planner())
    for path in (
        f"/consultations/{consultation.pk}/report/",
        f"/consultations/{consultation.pk}/report.xlsx",
    ):
        assert client.get(path).status_code == 403


def test_an_unknown_consultation_has_no_report(official_client):
    assert official_client.get(reverse("consultation-report", args=[987654])).status_code == 404


def test_administrators_edit_the_notice_ways_and_places_and_the_compiler(client, consultation):
    from tests.factories import make_user

    client.force_login(make_user("admin.user", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/consultation/consultation/{consultation.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="notice_methods"' in text and 'name="notice_places"' in text
    plan_page = client.get(f"/admin/planportal/plan/{consultation.plan.pk}/change/")
    assert 'name="compiled_by"' in plan_page.content.decode()
