"""The officials' trail of one plan: what was recorded, by whom, before and after, on a page
with filters and in CSV and XLSX; taking an export is itself recorded."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from layers.models import PublicPolicy
from planportal.audit import history_context
from planportal.roles import PLANNERS
from tests.factories import PASSWORD, make_consultation, make_layer, make_user
from tests.trail.conftest import chapter_form
from trail.entries import plan_trail

pytestmark = pytest.mark.django_db

OLD_TEXT = "镇域总体格局为“一心两轴”。"
NEW_TEXT = "镇域总体格局为“一心两轴三片”。"


@pytest.fixture
def recorded(plan, draft, admin_site, administrator, planner):
    """Something of every kind on the record: a section of the draft edited in /admin/, a
    consultation's close moved, a layer's public policy changed, an account created and put
    into a group, and a login."""
    chapter = draft.chapters.get()
    section = chapter.sections.get(number="3.1")
    section.blocks = [{"type": "paragraph", "text": OLD_TEXT}]
    section.save()
    blocks = [{"type": "paragraph", "text": NEW_TEXT}]
    url = f"/admin/planportal/chapter/{chapter.pk}/change/"
    assert admin_site.post(url, chapter_form(chapter, {"3.1": blocks})).status_code == 302

    with history_context(administrator):
        consultation = make_consultation(plan, title="阳泉曲镇规划征求意见")
        consultation.closes_at += timedelta(days=5)
        consultation.save()
    layer = make_layer(plan, "test-town-yjjbnt", code="YJJBNT", title="永久基本农田")
    with history_context(planner):
        layer.public_policy = PublicPolicy.TILES_ONLY
        layer.save()
    with history_context(administrator):
        newcomer = make_user("feng.planner", is_staff=True)
        newcomer.groups.add(Group.objects.get(name=PLANNERS))
    assert (
        Client()
        .post("/staff/login/", {"username": "feng.planner", "password": PASSWORD})
        .status_code
        == 302
    )
    return {"section": section, "consultation": consultation, "layer": layer}


def page_url(plan, suffix="/") -> str:
    return f"/staff/plans/{plan.slug}/trail{suffix}"


def test_the_trail_is_for_officials_only(client, planner_client, plan):
    response = client.get(page_url(plan))
    assert response.status_code == 302 and "/staff/login/" in response["Location"]
    assert planner_client.get(page_url(plan)).status_code == 403
    assert planner_client.get(page_url(plan, ".csv")).status_code == 403
    assert planner_client.get(page_url(plan, ".xlsx")).status_code == 403


def test_the_page_shows_who_changed_what_with_before_and_after(official_client, plan, recorded):
    response = official_client.get(page_url(plan))
    assert response.status_code == 200
    html = response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    # The section edited in the admin: who, where, and the words removed and added.
    assert (
        "zhou.admin" in html
        and f"/admin/planportal/chapter/{recorded['section'].chapter_id}/change/" in html
    )
    assert "第 3.1 节 总体格局" in html
    assert "<ins>三片</ins>" in html
    # The consultation's close, the layer's policy, the account, its group and its login.
    assert "征求意见 阳泉曲镇规划征求意见" in html
    assert '<span class="trail-field">截止时间</span>' in html
    assert "图层 永久基本农田（test-town-yjjbnt）" in html
    assert "<ins>仅瓦片（不提供坐标下载） (tiles-only)</ins>" in html
    assert "li.planner" in html
    assert "工作人员账号 feng.planner" in html
    assert "feng.planner 所在用户组：planners" in html
    assert "登录" in html


def test_the_kind_and_date_filters(official_client, plan, recorded):
    layers_only = official_client.get(page_url(plan), {"kind": "layers"}).content.decode()
    assert "图层 永久基本农田" in layers_only and "第 3.1 节" not in layers_only
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    nothing = official_client.get(page_url(plan), {"since": tomorrow}).content.decode()
    assert "所选条件下没有记录。" in nothing
    today = timezone.localdate().isoformat()
    everything = official_client.get(page_url(plan), {"since": today, "until": today})
    assert "第 3.1 节" in everything.content.decode()


def test_the_csv_export_holds_the_rows_and_is_itself_recorded(
    official_client, official, plan, recorded, new_audit_events
):
    response = official_client.get(page_url(plan, ".csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="trail-{plan.slug}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["序号", "时间", "操作人"]
    section_row = next(row for row in body if row[6].startswith("第 3.1 节"))
    assert section_row[2] == "zhou.admin"
    assert f"正文: {OLD_TEXT} → {NEW_TEXT}" in section_row[7]
    assert any(row[6] == "工作人员账号 feng.planner" and row[5] == "创建" for row in body)
    assert any(row[5] == "登录" and row[2] == "feng.planner" for row in body)
    (event,) = new_audit_events().filter(action="trail.export_csv")
    assert event.actor == official and event.object_id == str(plan.pk)
    assert event.after["entries"] == len(body)
    # The export is on the record from now on.
    again = official_client.get(page_url(plan, ".csv")).content.decode("utf-8-sig")
    assert "导出操作留痕（CSV）" in again


def test_the_xlsx_export_follows_the_filters(official_client, plan, recorded, new_audit_events):
    response = official_client.get(page_url(plan, ".xlsx"), {"kind": "accounts"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    kinds = {row[4] for row in values[1:]}
    assert kinds == {"工作人员账号与登录"}
    assert any(row[6] == "feng.planner 所在用户组：planners" for row in values[1:])
    (event,) = new_audit_events().filter(action="trail.export_xlsx")
    assert event.after["kind"] == "accounts"


def test_the_staff_navigation_leads_officials_to_the_trail(official_client, plan):
    home = official_client.get("/staff/comments/").content.decode()
    assert 'href="/staff/trail/"' in home
    response = official_client.get("/staff/trail/")
    # Two plans at least (the demo and this one): a list to choose from.
    assert response.status_code == 200
    assert page_url(plan) in response.content.decode()


def test_reading_the_trail_writes_nothing(official_client, plan, recorded, new_audit_events):
    """Only an export is recorded: reading is what the trail is for."""
    before = len(plan_trail(plan))
    assert official_client.get(page_url(plan)).status_code == 200
    assert not new_audit_events().exists()
    assert len(plan_trail(plan)) == before


def test_the_page_in_english(official_client, plan, recorded):
    response = official_client.get("/en" + page_url(plan))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Audit trail</h1>" in html and "Changes (before → after)" in html
