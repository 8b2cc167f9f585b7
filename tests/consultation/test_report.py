"""The 意见采纳情况及理由 report of a consultation: one row per opinion with its result and
reason, repeated opinions grouped, hidden comments counted but not listed, names only as
the public sees them; a printable page and XLSX, for officials only."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from consultation import moderation
from consultation.models import Result
from consultation.report import build_report
from tests.consultation.staff_helpers import TOWN
from tests.factories import (
    PHONE,
    make_comment,
    make_consultation,
    make_planner,
    square,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(demo_plan):
    """On the demo plan: the report names its sections and villages."""
    return make_consultation(demo_plan, title="阳泉曲镇总体规划草案公示")


@pytest.fixture
def opinions(consultation, official, demo_plan):
    section = demo_plan.chapters.get(number=7).sections.first()
    adopted = make_comment(
        consultation, body="建议增设公交站。", section=section, name="张三", consent_show_name=True
    )
    same = make_comment(consultation, body="同样建议增设公交站。", name="李四")
    rejected = make_comment(consultation, body=f"反对拆迁，电话{PHONE}", name="王五")
    open_one = make_comment(consultation, body="还没有答复的意见。")
    spam = make_comment(consultation, body="广告：出售建材")
    moderation.answer(official, adopted, Result.ADOPTED, "已增设站点。", publish=True)
    moderation.mark_duplicate(official, same, adopted)
    moderation.answer(official, rejected, Result.NOT_ADOPTED, "不涉及拆迁。")
    moderation.hide(official, spam, "广告")
    return {"adopted": adopted, "same": same, "rejected": rejected, "open": open_one}


def test_each_opinion_has_one_row_and_repeats_share_it(consultation, opinions):
    report = build_report(consultation)
    assert [row.comment for row in report.rows] == [
        opinions["adopted"],
        opinions["rejected"],
        opinions["open"],
    ]
    first = report.rows[0]
    assert first.duplicates == [opinions["same"]]
    assert first.codes == [opinions["adopted"].receipt_code, opinions["same"].receipt_code]
    assert (first.result_label, first.reason) == (Result.ADOPTED.label, "已增设站点。")
    assert report.opinions == 4 and report.hidden == 1
    assert report.count(Result.ADOPTED) == 2  # the repeat shares the answer
    assert report.count(Result.NOT_ADOPTED) == 1 and report.count(None) == 1


def test_the_subject_names_the_section_or_the_drawn_place_and_the_villages(consultation):
    make_comment(consultation, drawn=square(*TOWN, 0.002), villages=["克俄村"])
    [row] = build_report(consultation).rows
    assert row.subject.endswith("；克俄村") and row.subject != "克俄村"


def test_names_appear_only_with_consent_and_phones_never(consultation, opinions):
    report = build_report(consultation)
    villager = str(opinions["open"].public_name)  # 村民
    assert report.rows[0].people == f"张三、{villager}"
    assert report.rows[1].people == villager
    assert report.rows[1].text.startswith("反对拆迁，电话138") and PHONE not in report.rows[1].text


def test_the_printable_page_lists_results_and_reasons(official_client, consultation, opinions):
    response = official_client.get(f"/consultations/{consultation.pk}/report/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "意见采纳情况及理由" in text or "Opinions and how they were handled" in text
    assert consultation.plan.name in text
    for reason in ("已增设站点。", "不涉及拆迁。"):
        assert reason in text
    assert "广告：出售建材" not in text
    assert PHONE not in text and "王五" not in text and "李四" not in text
    assert 'media="print"' in text  # printable: the print stylesheet is linked


def test_the_xlsx_report_has_a_row_per_opinion(official_client, consultation, opinions):
    response = official_client.get(f"/consultations/{consultation.pk}/report.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    preamble, header, body = rows[:2], rows[2], rows[3:]
    assert consultation.plan.name in preamble[0][0]
    assert len(header) == 7 and len(body) == 3
    assert body[0][1] == f"{opinions['adopted'].receipt_code}、{opinions['same'].receipt_code}"
    assert (body[0][5], body[0][6]) == (Result.ADOPTED.label, "已增设站点。")
    assert body[2][6] is None or body[2][6] == ""


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
