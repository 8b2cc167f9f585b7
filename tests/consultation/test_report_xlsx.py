"""The report's XLSX, read back with openpyxl as a spreadsheet program would: a cover sheet
with the notice and the sign-off, the opinions sheet in the expected columns with widths,
wrapping, a frozen header row, the header repeated on every printed page and an A4 landscape
print set-up with page numbers, and the hidden comments apart without personal data."""

import io

import pytest
from openpyxl import load_workbook

from consultation import moderation
from consultation.models import Result, SubmitterKind
from tests.consultation.test_report import COLUMNS
from tests.factories import PHONE, make_comment, make_consultation

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(demo_plan):
    return make_consultation(
        demo_plan,
        title="阳泉曲镇总体规划草案公示",
        notice_methods="网站、现场公示栏",
        notice_places="镇政府公示栏",
    )


@pytest.fixture
def workbook(official_client, official, consultation):
    adopted = make_comment(consultation, body="建议增设公交站。", name="张三")
    make_comment(
        consultation,
        body="建议保留老街风貌。",
        submitter_kind=SubmitterKind.EXPERT,
        organisation="太原理工大学",
    )
    spam = make_comment(consultation, body=f'=HYPERLINK("x") 广告 {PHONE}', name="卖家")
    moderation.answer(official, adopted, Result.EXPLAINED, "属村庄规划事项。")
    moderation.hide(official, spam, "广告")
    response = official_client.get(f"/consultations/{consultation.pk}/report.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def values(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def test_the_workbook_has_a_cover_the_opinions_and_the_hidden_comments(workbook):
    assert workbook.sheetnames == ["封面", "意见汇总表", "已隐藏的留言"]
    assert workbook.active.title == "封面"  # opens on the cover
    # No other sheet selected with it (Excel would open them grouped, edits hitting both).
    assert not any(sheet.sheet_view.tabSelected for sheet in workbook.worksheets[1:])


def test_the_opinions_sheet_has_the_expected_columns_and_rows(workbook):
    rows = values(workbook["意见汇总表"])
    assert list(rows[0]) == COLUMNS
    first, second = rows[1], rows[2]
    assert first[0] == 1 and first[1] == "个人：村民" and first[2] == "网站"
    assert (first[6], first[7]) == ("说明解释／不属于本规划事项", "属村庄规划事项。")
    assert second[1] == "专家：太原理工大学" and second[6] == "尚未答复"
    labels = [row[0] for row in rows[3:] if row[0]]
    assert labels[:3] == ["组织编制机关（盖章）", "编制单位（盖章）", "日期"]


def test_the_opinions_sheet_is_set_up_for_screen_and_print(workbook):
    sheet = workbook["意见汇总表"]
    assert sheet.freeze_panes == "A2"
    assert sheet.print_title_rows == "$1:$1"
    assert [sheet.column_dimensions[c].width for c in "ABFH"] == [6, 18, 48, 40]
    assert sheet["F2"].alignment.wrap_text and sheet["A1"].font.bold
    setup = sheet.page_setup
    assert (setup.orientation, str(setup.paperSize)) == ("landscape", "9")  # 9 is A4
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert "意见采纳情况及理由" in sheet.oddHeader.center.text


def test_the_cover_names_the_notice_the_counts_and_the_sign_off(workbook, demo_plan):
    cover = values(workbook["封面"])
    assert cover[0][0] == demo_plan.name and cover[1][0] == "意见采纳情况及理由"
    facts = {row[0]: row[1] for row in cover if row and row[0]}
    assert facts["公示方式"] == "网站、现场公示栏" and facts["公示地点"] == "镇政府公示栏"
    assert facts["说明解释／不属于本规划事项"] == 1 and facts["尚未答复"] == 1
    assert facts["组织编制机关（盖章）"] == demo_plan.organisation
    assert "按章节统计" in facts and "按村统计" in facts
    assert workbook["封面"].page_setup.orientation == "landscape"


def test_hidden_comments_are_apart_with_their_reason_and_no_contact(workbook):
    sheet = workbook["已隐藏的留言"]
    rows = values(sheet)
    assert rows[0] == ("序号", "来源", "收到日期", "内容（联系方式已遮盖）", "隐藏理由")
    [hidden] = rows[1:]
    assert hidden[4] == "广告" and PHONE not in hidden[3] and "卖家" not in str(hidden)
    assert hidden[3].startswith("'=")  # a planted formula stays text
    assert sheet.freeze_panes == "A2" and sheet.print_title_rows == "$1:$1"
