"""The plan's procedure (planportal/phases.py): the checks of a step, the legal dates around
their edges (批后公布 within 20 days of the approval, shown at least 30 days counted as a 公示
is, past a holiday), the deadline warnings and ``check_deadlines``, the records of a step
checked from their content, the audit events, and the staff API."""

import hashlib
import json
from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from planportal import phases
from planportal.models import AuditEvent, PhaseKind, PhaseRecord, PlanPhase
from planportal.periods import CHINA
from tests.factories import make_plan, make_planner, token_header
from tests.planportal import figure_files

pytestmark = pytest.mark.django_db


def china(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def plan(db):
    return make_plan()


def approval(plan, day: datetime, **fields) -> PlanPhase:
    values = {
        "kind": PhaseKind.APPROVAL,
        "starts_at": day,
        "authority": "孝义市人民政府",
        "document_number": "孝政函〔2025〕12号",
        **fields,
    }
    return PlanPhase.objects.create(plan=plan, **values)


def announcement(plan, starts: datetime, ends: datetime | None, **fields) -> PlanPhase:
    return PlanPhase.objects.create(
        plan=plan, kind=PhaseKind.ANNOUNCEMENT, starts_at=starts, ends_at=ends, **fields
    )


def refusals(plan, **fields) -> dict:
    with pytest.raises(ValidationError) as refused:
        phases.clean_fields(plan, {"is_public": True, **fields})
    return refused.value.message_dict


# --- The checks of a step, in Chinese ---------------------------------------------------------


def test_an_approval_needs_its_authority_document_number_and_date(plan):
    errors = refusals(plan, kind=PhaseKind.APPROVAL, starts_at=None)
    assert errors == {
        "starts_at": ["批准须填写批准日期。"],
        "authority": ["批准须填写批准机关。"],
        "document_number": ["批准须填写批准文号。"],
    }
    # Blank text counts as missing.
    errors = refusals(
        plan,
        kind=PhaseKind.APPROVAL,
        starts_at=china(2025, 6, 10),
        authority="  ",
        document_number="x",
    )
    assert errors == {"authority": ["批准须填写批准机关。"]}


@pytest.mark.parametrize("kind", [PhaseKind.HEARING, PhaseKind.EXPERT_REVIEW])
def test_a_hearing_or_review_notice_needs_a_place(plan, kind):
    errors = refusals(plan, kind=kind, starts_at=china(2025, 6, 10, 9))
    assert errors == {"place": ["论证会、听证会的公告须填写地点。"]}
    cleaned = phases.clean_fields(
        plan, {"kind": kind, "starts_at": china(2025, 6, 10, 9), "place": " 镇政府三楼会议室 "}
    )
    assert cleaned["place"] == "镇政府三楼会议室"


def test_the_end_comes_after_the_start(plan):
    start = china(2025, 6, 10, 9)
    for end in (start, start - timedelta(minutes=1)):
        errors = refusals(plan, kind=PhaseKind.CONGRESS, starts_at=start, ends_at=end)
        assert errors == {"ends_at": ["结束时间须晚于开始时间。"]}


def test_a_version_of_another_plan_is_refused(plan):
    other = make_plan("other-2021-2035")
    errors = refusals(
        plan,
        kind=PhaseKind.CONGRESS,
        starts_at=china(2025, 6, 10),
        version=other.versions.get(),
    )
    assert errors == {"version": ["该版本不属于本规划。"]}


# --- 批后公布: at least 30 days, counted as a 公示 is -------------------------------------------


def test_an_announcement_needs_an_end(plan):
    errors = refusals(plan, kind=PhaseKind.ANNOUNCEMENT, starts_at=china(2025, 3, 3, 9))
    assert errors == {"ends_at": ["批后公布须填写结束时间（不少于 30 日）。"]}


def test_an_announcement_lasts_30_days_from_the_day_after_it_starts(plan):
    # Starts Monday 2025-03-03: day 1 is 03-04, day 30 is Wednesday 2025-04-02, a working day.
    start = china(2025, 3, 3, 9)
    errors = refusals(
        plan, kind=PhaseKind.ANNOUNCEMENT, starts_at=start, ends_at=china(2025, 4, 2, 23, 59)
    )
    assert errors == {
        "ends_at": [
            "批后公布不得少于 30 日，自开始之次日起算（民法典第二百零一条、第二百零三条）："
            "最早可于北京时间 2025-04-02 24:00 结束。"
        ]
    }
    cleaned = phases.clean_fields(
        plan, {"kind": PhaseKind.ANNOUNCEMENT, "starts_at": start, "ends_at": china(2025, 4, 3)}
    )
    assert cleaned["ends_at"] == china(2025, 4, 3)


def test_an_announcement_whose_30th_day_is_a_holiday_runs_past_the_holiday(plan):
    # Starts 2025-09-01: the 30th day is 2025-10-01, the National Day holiday (10-01 to 10-08);
    # the last day moves to Thursday 10-09, so the earliest end is 10-10 00:00.
    start = china(2025, 9, 1, 9)
    assert phases.announcement_earliest_end(start) == china(2025, 10, 10)
    errors = refusals(
        plan, kind=PhaseKind.ANNOUNCEMENT, starts_at=start, ends_at=china(2025, 10, 2)
    )
    assert "最早可于北京时间 2025-10-09 24:00 结束" in errors["ends_at"][0]
    phases.clean_fields(
        plan, {"kind": PhaseKind.ANNOUNCEMENT, "starts_at": start, "ends_at": china(2025, 10, 10)}
    )


# --- 批后公布 within 20 days of the approval ---------------------------------------------------


def test_the_announcement_deadline_is_the_20th_day_after_the_approval():
    assert phases.announcement_deadline(date(2025, 6, 10)) == date(2025, 6, 30)
    # Calendar days: a deadline on a holiday is not moved (the warning comes early, not late).
    assert phases.announcement_deadline(date(2025, 9, 11)) == date(2025, 10, 1)


def levels(plan, today: date) -> list[tuple[str, str]]:
    return [(warning.level, warning.message) for warning in phases.deadline_warnings(plan, today)]


def test_an_approval_without_announcement_is_due_then_overdue(plan):
    approval(plan, china(2025, 6, 10))
    assert levels(plan, date(2025, 6, 9)) == []  # not approved yet on that day
    assert levels(plan, date(2025, 6, 10)) == [
        (
            phases.DUE,
            "还剩 20 天：规划于 2025-06-10 批准（孝政函〔2025〕12号），"
            "批后公布须于 2025-06-30 前开始。",
        )
    ]
    assert levels(plan, date(2025, 6, 30))[0][1].startswith("还剩 0 天")
    assert levels(plan, date(2025, 7, 1)) == [
        (
            phases.OVERDUE,
            "已逾期 1 天：规划于 2025-06-10 批准（孝政函〔2025〕12号），"
            "批后公布应于批准后 20 日内、即 2025-06-30 前开始，目前尚未登记批后公布。",
        )
    ]


def test_an_announcement_on_the_20th_day_is_in_time_and_one_on_the_21st_late(plan):
    approval(plan, china(2025, 6, 10))
    in_time = announcement(plan, china(2025, 6, 30, 9), china(2025, 8, 1))
    assert levels(plan, date(2025, 7, 15)) == []
    in_time.starts_at = china(2025, 7, 1, 9)
    in_time.save()
    warnings = phases.deadline_warnings(plan, date(2025, 7, 15))
    assert [(w.level, w.phase) for w in warnings] == [(phases.CHECK, in_time)]
    assert "晚于 2025-06-10 批准后 20 日（应不晚于 2025-06-30）" in warnings[0].message


def test_a_short_or_hidden_announcement_is_flagged(plan):
    approval(plan, china(2025, 3, 1))
    # Recorded past the form's check (the admin, the database): shown as a warning.
    announcement(plan, china(2025, 3, 3, 9), china(2025, 4, 2), is_public=False)
    messages = [message for level, message in levels(plan, date(2025, 3, 10))]
    assert any(message.startswith("批后公布不得少于 30 日") for message in messages)
    assert "2025-03-03 开始的批后公布未在公开时间线上显示。" in messages


def test_a_hearing_announced_late_or_not_public_is_flagged(plan, settings):
    settings.HEARING_NOTICE_DAYS = 7
    now = timezone.now()
    today = now.astimezone(CHINA).date()
    soon = PlanPhase.objects.create(
        plan=plan, kind=PhaseKind.HEARING, starts_at=now + timedelta(days=3), place="会议室"
    )
    PlanPhase.objects.create(
        plan=plan, kind=PhaseKind.HEARING, starts_at=now + timedelta(days=10), place="会议室"
    )
    hidden = PlanPhase.objects.create(
        plan=plan,
        kind=PhaseKind.EXPERT_REVIEW,
        starts_at=now + timedelta(days=30),
        place="会议室",
        is_public=False,
    )
    warnings = phases.deadline_warnings(plan, today)
    assert [(w.phase, w.level) for w in warnings] == [
        (soon, phases.CHECK),
        (hidden, phases.CHECK),
    ]
    notice = phases.notice_days(soon.created_at, soon.starts_at)
    assert f"仅提前 {notice} 天公告；本机关的提前公告期为至少 7 天" in warnings[0].message
    assert "未在公开时间线上显示" in warnings[1].message
    # A hearing that has taken place is history: no warning about its notice any more.
    assert phases.deadline_warnings(plan, today + timedelta(days=40)) == []


def test_check_deadlines_prints_the_warnings_and_fails_when_one_is_overdue(plan):
    approval(plan, china(2025, 6, 10))
    out = StringIO()
    call_command("check_deadlines", "--today", "2025-06-25", stdout=out)
    assert f"{plan.slug} [due] 还剩 5 天" in out.getvalue()
    assert "no deadline overdue on 2025-06-25" in out.getvalue()
    out = StringIO()
    with pytest.raises(CommandError, match="1 deadline"):
        call_command("check_deadlines", "--today", "2025-07-02", stdout=out)
    assert f"{plan.slug} [overdue] 已逾期 2 天" in out.getvalue()
    announcement(plan, china(2025, 7, 2, 9), china(2025, 8, 5))
    call_command("check_deadlines", "--today", "2025-07-02", stdout=StringIO())


# --- Changes and their audit events ---------------------------------------------------------


def test_adding_editing_and_deleting_a_step_is_audited(plan, new_audit_events):
    planner = make_planner()
    step = phases.add_phase(
        planner,
        plan,
        kind=PhaseKind.HEARING,
        title="规划方案听证会",
        starts_at=china(2025, 6, 20, 9, 30),
        place="镇政府三楼会议室",
        is_public=True,
    )
    phases.update_phase(planner, step, outcome="与会代表同意规划方案。", place="镇政府三楼会议室")
    phases.update_phase(planner, step, outcome="与会代表同意规划方案。")  # nothing changes
    phases.delete_phase(planner, step)
    events = list(new_audit_events().order_by("pk"))
    assert [event.action for event in events] == ["phase.add", "phase.edit", "phase.delete"]
    assert all(event.actor == planner for event in events)
    assert events[0].after["starts_at"] == "2025-06-20T09:30:00+08:00"
    assert events[0].after["place"] == "镇政府三楼会议室"
    assert events[1].before == {"outcome": ""}
    assert events[1].after == {"outcome": "与会代表同意规划方案。"}
    assert events[2].before["title"] == "规划方案听证会"
    assert not PlanPhase.objects.exists()


def test_a_refused_change_changes_nothing(plan, new_audit_events):
    step = approval(plan, china(2025, 6, 10))
    with pytest.raises(ValidationError):
        phases.update_phase(None, step, document_number="")
    step.refresh_from_db()
    assert step.document_number == "孝政函〔2025〕12号"
    assert not new_audit_events().exists()


# --- Records ----------------------------------------------------------------------------------


def test_a_record_is_stored_under_a_server_made_name_with_its_hash(
    plan, media, new_audit_events, django_capture_on_commit_callbacks
):
    step = approval(plan, china(2025, 6, 10))
    content = figure_files.pdf()
    item = phases.add_record(make_planner(), step, name="C:\\批复\\孝政函12号.pdf", content=content)
    assert item.title == "孝政函12号"
    assert item.original_name == "孝政函12号.pdf"
    assert item.content_type == "application/pdf"
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert "批复" not in item.file.name and item.file.name.endswith(".pdf")
    assert (media / item.file.name).read_bytes() == content
    with django_capture_on_commit_callbacks(execute=True):
        phases.delete_record(None, item)
    assert not (media / item.file.name).exists()
    actions = [event.action for event in new_audit_events().order_by("pk")]
    assert actions == ["phase.record_add", "phase.record_delete"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("批复.pdf", figure_files.HTML),  # HTML dressed as a PDF
        ("纪要.png", figure_files.jpeg()),  # a JPEG named .png
        ("纪要.jpg", figure_files.pdf()),  # a PDF named .jpg
    ],
)
def test_a_disguised_record_is_refused_and_nothing_is_stored(plan, media, name, content):
    step = approval(plan, china(2025, 6, 10))
    with pytest.raises(phases.RecordRefused, match="不是|不符"):
        phases.add_record(None, step, name=name, content=content)
    assert not PhaseRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="phase.record_add").exists()
    assert not any(media.rglob("*.*")) if media.exists() else True


def test_other_types_and_oversized_records_are_refused(plan, media, settings):
    step = approval(plan, china(2025, 6, 10))
    with pytest.raises(phases.RecordRefused) as refused:
        phases.add_record(None, step, name="纪要.html", content=figure_files.HTML)
    assert str(refused.value) == "记录只能上传 PDF 文件或 PNG、JPEG 图片（纪要.html 不符合）。"
    settings.PHASE_RECORD_MAX_BYTES = 1024 * 1024
    with pytest.raises(phases.RecordRefused, match="文件过大：最多 1 MB"):
        phases.add_record(None, step, name="批复.pdf", content=b"%PDF-" + b"0" * 1024 * 1024)
    assert not PhaseRecord.objects.exists()


# --- The staff API ----------------------------------------------------------------------------


def api(client_method, url, body, planner, language="zh-hans"):
    return client_method(
        url,
        json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
        **token_header(planner),
    )


def test_the_api_records_changes_and_deletes_a_step(client, plan, new_audit_events):
    planner = make_planner()
    url = f"/api/plans/{plan.slug}/phases/"
    refused = api(
        client.post, url, {"kind": "approval", "starts_at": "2025-06-10T00:00:00+08:00"}, planner
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "authority": ["批准须填写批准机关。"],
        "document_number": ["批准须填写批准文号。"],
    }
    body = {
        "kind": "approval",
        "starts_at": "2025-06-10T00:00:00+08:00",
        "authority": "孝义市人民政府",
        "document_number": "孝政函〔2025〕12号",
        "version": 1,
    }
    created = api(client.post, url, body, planner)
    assert created.status_code == 201, created.content
    answer = created.json()
    assert (answer["kind"], answer["version"], answer["is_public"]) == ("approval", 1, True)
    step_url = f"{url}{answer['id']}/"
    unknown = api(client.patch, step_url, {"version": 7}, planner)
    assert unknown.status_code == 400
    assert unknown.json() == {"version": ["该版本不属于本规划。"]}
    changed = api(client.patch, step_url, {"outcome": "原则同意。"}, planner)
    assert changed.status_code == 200 and changed.json()["outcome"] == "原则同意。"
    listed = client.get(url, **token_header(planner)).json()
    assert [step["id"] for step in listed] == [answer["id"]]
    assert client.delete(step_url, **token_header(planner)).status_code == 204
    actions = [event.action for event in new_audit_events().order_by("pk")]
    assert actions == ["phase.add", "phase.edit", "phase.delete"]


def test_the_api_refuses_a_short_announcement(client, plan):
    response = api(
        client.post,
        f"/api/plans/{plan.slug}/phases/",
        {
            "kind": "announcement",
            "starts_at": "2025-09-01T09:00:00+08:00",
            "ends_at": "2025-10-02T00:00:00+08:00",
        },
        make_planner(),
    )
    assert response.status_code == 400
    assert "最早可于北京时间 2025-10-09 24:00 结束" in response.json()["ends_at"][0]
    assert not PlanPhase.objects.exists()


def test_the_api_refuses_a_date_outside_the_plans_years(client, plan):
    """Year 780 was once accepted and written back as "+08:05:43" (Shanghai's local mean
    time), which no ISO 8601 reader takes (found by the OpenAPI conformance test)."""
    response = api(
        client.post,
        f"/api/plans/{plan.slug}/phases/",
        {"kind": "congress", "starts_at": "0780-02-17T04:52:54-08:50"},
        make_planner(),
    )
    assert response.status_code == 400
    assert response.json() == {"starts_at": ["请填写 1980 年至 2100 年之间的日期。"]}
    assert not PlanPhase.objects.exists()
