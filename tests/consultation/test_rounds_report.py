"""The report across every round of a plan (/staff/plans/<slug>/report/): each opinion with
its round, the version it was made on, its answer and the change(s) it led to, as a page and
an XLSX, freezable like the per-round report (files with their SHA-256, an audit event, rows
PostgreSQL refuses to change); and the per-round report's 由此修改 column."""

import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.db import ProgrammingError, transaction
from django.test import Client
from openpyxl import load_workbook

from consultation import moderation
from consultation.models import FrozenReport, Result
from planportal import change_list
from planportal.models import AuditEvent
from tests.change_helpers import plan_with_text, publish, revised_draft
from tests.factories import PHONE, make_comment, make_consultation, make_planner

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    return plan_with_text()


@pytest.fixture
def rounds(plan, official):
    """Round 1 on version 1 (an adopted opinion linked to version 2's change of 3.2), then
    version 2 published and round 2 on it (an opinion not adopted)."""
    first = make_consultation(plan, opens_days_ago=60, title="第一次公示")
    adopted = make_comment(first, body="建议调整农田面积。", name="张三", consent_show_name=True)
    draft = revised_draft(plan, official)
    change_list.refresh_changes(draft)
    change = draft.changes.get(key="section:3.2")
    moderation.answer(official, adopted, Result.ADOPTED, "已调整。", publish=True, changes=[change])
    publish(draft)
    second = make_consultation(plan, title="第二次公示")
    rejected = make_comment(second, body=f"反对修改，电话{PHONE}", name="李四")
    moderation.answer(official, rejected, Result.NOT_ADOPTED, "符合上位规划。")
    return {"first": first, "second": second, "adopted": adopted, "change": change}


def url(plan, tail: str = "report/") -> str:
    return f"/staff/plans/{plan.slug}/{tail}"


def test_the_report_lists_the_opinions_of_both_rounds_with_their_versions(
    official_client, plan, rounds
):
    response = official_client.get(url(plan))
    assert response.status_code == 200
    text = response.content.decode()
    assert "历次公示意见采纳情况及理由" in text
    for column in ("公示轮次", "意见针对版本", "处理意见", "由此修改"):
        assert f'<th scope="col">{column}</th>' in text
    rows = text.split('id="rounds-opinions"')[1]
    first, second = rows.split('id="opinion-1"')[1].split('id="opinion-2"')
    assert "第一次公示" in first and "第 1 版（征求意见稿）" in first
    assert "采纳" in first and "第 2 版（修改稿）：3.2 控制线划定" in first
    assert "第二次公示" in second and "第 2 版（修改稿）" in second and "不予采纳" in second
    assert PHONE not in text and "李四" not in text


def test_the_xlsx_has_a_row_per_opinion_with_round_version_answer_and_change(
    official_client, plan, rounds
):
    response = official_client.get(url(plan, "report.xlsx"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["意见汇总表"].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:4] == ["序号", "公示轮次", "公示时间", "意见针对版本"]
    assert header[-2:] == ["由此修改", "备注"]
    assert [r[1] for r in rows[1:]] == ["第一次公示", "第二次公示"]
    assert [r[3] for r in rows[1:]] == ["第 1 版（征求意见稿）", "第 2 版（修改稿）"]
    assert rows[1][11] == "第 2 版（修改稿）：3.2 控制线划定（本节修改 1 处）"
    assert rows[2][11] is None or rows[2][11] == ""


def test_the_per_round_report_shows_the_changes_an_answer_led_to(official_client, rounds):
    first = rounds["first"]
    text = official_client.get(f"/consultations/{first.pk}/report/").content.decode()
    assert '<th scope="col">由此修改</th>' in text
    assert "第 2 版（修改稿）：3.2 控制线划定" in text
    book = load_workbook(
        io.BytesIO(official_client.get(f"/consultations/{first.pk}/report.xlsx").content)
    )
    rows = list(book["意见汇总表"].iter_rows(values_only=True))
    assert rows[0][8] == "由此修改" and rows[1][8].startswith("第 2 版（修改稿）")


def test_freezing_stores_both_files_with_their_sha256_and_an_audit_event(
    official_client, official, plan, rounds
):
    response = official_client.post(url(plan, "report/freeze/"))
    assert response.status_code == 302
    frozen = FrozenReport.objects.get(plan=plan, consultation__isnull=True)
    assert frozen.number == 1 and frozen.counts["rounds"] == 2
    assert frozen.counts["opinions"] == 2 and frozen.counts["led_to_changes"] == 1
    media = Path(settings.MEDIA_ROOT)
    xlsx = (media / frozen.file.name).read_bytes()
    html = (media / frozen.html_file.name).read_bytes()
    assert hashlib.sha256(xlsx).hexdigest() == frozen.sha256
    assert hashlib.sha256(html).hexdigest() == frozen.html_sha256
    assert "第一次公示" in html.decode() and "第二次公示" in html.decode()
    event = AuditEvent.objects.get(action="report.freeze", object_id=str(frozen.pk))
    assert event.actor == official and event.after["sha256"] == frozen.sha256
    assert event.after["plan"] == plan.pk and event.after["consultation"] is None
    download = official_client.get(url(plan, "report/frozen/1.xlsx"))
    assert download.status_code == 200 and download.content == xlsx
    # A later answer changes the live report, never the frozen file.
    second_opinion = make_comment(rounds["second"], body="再提一条。")
    moderation.answer(official, second_opinion, Result.EXPLAINED, "说明。")
    assert official_client.get(url(plan, "report/frozen/1.xlsx")).content == xlsx
    official_client.post(url(plan, "report/freeze/"))
    assert list(
        FrozenReport.objects.filter(plan=plan, consultation__isnull=True)
        .order_by("number")
        .values_list("number", flat=True)
    ) == [1, 2]
    with pytest.raises(ProgrammingError, match="cannot be changed"), transaction.atomic():
        FrozenReport.objects.filter(pk=frozen.pk).update(sha256="0" * 64)


def test_a_changed_frozen_file_is_not_handed_out(official_client, plan, rounds):
    official_client.post(url(plan, "report/freeze/"))
    frozen = FrozenReport.objects.get(plan=plan, consultation__isnull=True)
    (Path(settings.MEDIA_ROOT) / frozen.html_file.name).write_bytes(b"changed")
    assert official_client.get(url(plan, "report/frozen/1.html")).status_code == 409


def test_only_officials_of_the_plan_see_the_report(plan, rounds):
    planner = Client()
    planner.force_login(make_planner())
    assert planner.get(url(plan)).status_code == 403
    assert planner.post(url(plan, "report/freeze/")).status_code == 403
    assert not FrozenReport.objects.filter(plan=plan).exists()
