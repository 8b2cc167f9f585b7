"""CSV and XLSX of all comments for officials: every comment, masked contact details and no
cell that a spreadsheet would run as a formula."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consultation import moderation
from consultation.exports import neutralise
from consultation.models import Result
from planportal.models import AuditEvent
from tests.factories import (
    EMAIL,
    PHONE,
    make_comment,
    make_planner,
)

pytestmark = pytest.mark.django_db

DANGEROUS = [
    '=HYPERLINK("http://evil.example","点我")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def comments(consultation, official):
    made = [make_comment(consultation, body=text, name="=cmd|' /C calc'!A0") for text in DANGEROUS]
    answered = make_comment(consultation, body=f"我的电话{PHONE}，邮箱{EMAIL}，请回电")
    moderation.answer(official, answered, Result.ADOPTED, "=采纳", publish=True)
    return [*made, answered]


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_cell_that_starts_like_a_formula_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["普通意见", "1+1", "a=b", "", " 空格开头"])
def test_other_cells_stay_as_they_are(text):
    assert neutralise(text) == text


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_lists_every_comment_with_nothing_a_spreadsheet_would_run(
    official_client, consultation, comments
):
    response = official_client.get(reverse("staff-export-csv", args=[consultation.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = read_csv(response)
    assert len(rows) == 1 + len(comments)
    codes = {row[1] for row in rows[1:]}
    assert codes == {c.receipt_code for c in comments}
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (cell, row)
    text = response.content.decode()
    assert PHONE not in text and EMAIL not in text
    assert "138****5678" in text and "z***@example.cn" in text
    assert "'=采纳" in text
    assert AuditEvent.objects.filter(action="consultation.export_csv").count() == 1


def test_the_xlsx_holds_the_same_rows_as_text_cells(official_client, consultation, comments):
    response = official_client.get(reverse("staff-export-xlsx", args=[consultation.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + len(comments)
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
    values = " ".join(str(v) for row in rows for v in row if v is not None)
    assert PHONE not in values and EMAIL not in values
    assert "'=HYPERLINK" in values


def test_control_characters_do_not_break_the_xlsx(official_client, consultation):
    make_comment(consultation, body="坏字符\x07\x1b\x0b结束")
    response = official_client.get(reverse("staff-export-xlsx", args=[consultation.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    opinion = rows[0].index("意见内容")
    assert [row[opinion] for row in rows[1:]] == ["坏字符结束"]


def test_the_csv_says_who_gave_an_opinion_and_when_a_letter_was_received(
    official_client, consultation
):
    letter = make_comment(
        consultation,
        body="来函",
        channel="letter",
        submitter_kind="department",
        organisation="孝义市交通运输局",
        received_on=timezone.localdate(consultation.opens_at),
    )
    response = official_client.get(reverse("staff-export-csv", args=[consultation.pk]))
    header, row = read_csv(response)
    cells = dict(zip(header, row, strict=True))
    assert cells["回执码"] == letter.receipt_code
    assert cells["收到（邮戳）日期"] == timezone.localdate(consultation.opens_at).isoformat()
    assert (cells["意见人类型"], cells["单位名称"]) == ("部门", "孝义市交通运输局")
    assert cells["声明未满十四周岁"] == "否"


def test_exports_are_for_officials_only(client, consultation, comments):
    for name in ("staff-export-csv", "staff-export-xlsx"):
        assert client.get(reverse(name, args=[consultation.pk])).status_code == 302
    client.force_login(make_planner())
    for name in ("staff-export-csv", "staff-export-xlsx"):
        assert client.get(reverse(name, args=[consultation.pk])).status_code == 403
