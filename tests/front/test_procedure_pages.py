"""The plan's procedure on the pages: the staff timeline (steps, records, warnings, Chinese
refusals), the warnings at the top of the staff pages, the public timeline on the plan page and
at /plans/<slug>/procedure/ (public steps and published versions only, records as downloads),
the 批准成果 mark with its 文号, and the public API."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from planportal import phases
from planportal.models import PhaseKind, PhaseRecord, PlanPhase, VersionKind
from planportal.periods import CHINA
from planportal.versions import new_draft, publish_version
from tests.factories import make_consultation, make_official, make_plan, make_planner
from tests.planportal import figure_files

HOSTILE = '<script>alert("听")</script>听证会'


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def plan(db, media):
    return make_plan()


def china(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


def step_form(**fields) -> dict:
    return {
        "kind": PhaseKind.HEARING,
        "title": "规划方案听证会",
        "starts_at": "2026-06-20T09:30",
        "ends_at": "",
        "place": "镇政府三楼会议室",
        "how_to_take_part": "",
        "outcome": "",
        "authority": "",
        "document_number": "",
        "version": "",
        "is_public": "on",
        **fields,
    }


# --- Staff pages ------------------------------------------------------------------------------


def test_an_official_adds_a_step_uploads_its_record_and_deletes_both(
    official_client, plan, media, new_audit_events
):
    url = f"/staff/plans/{plan.slug}/procedure/"
    assert 'href="/staff/procedure/"' in official_client.get(url).content.decode()  # in the nav
    response = official_client.post(url, step_form())
    assert response.status_code == 302
    step = PlanPhase.objects.get()
    assert (step.place, step.starts_at) == ("镇政府三楼会议室", china(2026, 6, 20, 9, 30))
    page = official_client.get(url).content.decode()
    assert "规划方案听证会" in page and "镇政府三楼会议室" in page

    records_url = f"/staff/plans/{plan.slug}/procedure/{step.pk}/records/"
    upload = SimpleUploadedFile("听证会纪要.pdf", figure_files.pdf())
    assert official_client.post(records_url, {"title": "", "file": upload}).status_code == 302
    item = PhaseRecord.objects.get()
    edit_page = official_client.get(f"/staff/plans/{plan.slug}/procedure/{step.pk}/edit/")
    assert "听证会纪要" in edit_page.content.decode()
    download = official_client.get(f"/staff/plans/{plan.slug}/procedure/records/{item.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"

    delete_url = f"/staff/plans/{plan.slug}/procedure/records/{item.pk}/delete/"
    assert official_client.post(delete_url).status_code == 302
    step_delete = f"/staff/plans/{plan.slug}/procedure/{step.pk}/delete/"
    assert official_client.get(step_delete).status_code == 200
    assert official_client.post(step_delete).status_code == 302
    assert not PlanPhase.objects.exists()
    actions = [event.action for event in new_audit_events().order_by("pk")]
    assert actions == ["phase.add", "phase.record_add", "phase.record_delete", "phase.delete"]


def test_the_staff_form_refuses_in_chinese_and_changes_nothing(
    planner_client, plan, new_audit_events
):
    url = f"/staff/plans/{plan.slug}/procedure/"
    approval = step_form(kind=PhaseKind.APPROVAL, place="", starts_at="")
    page = planner_client.post(url, approval)
    assert page.status_code == 400
    text = page.content.decode()
    for message in ("批准须填写批准日期。", "批准须填写批准机关。", "批准须填写批准文号。"):
        assert message in text
    hearing = planner_client.post(url, step_form(place=""))
    assert "论证会、听证会的公告须填写地点。" in hearing.content.decode()
    short = planner_client.post(
        url,
        step_form(
            kind=PhaseKind.ANNOUNCEMENT,
            starts_at="2025-09-01T09:00",
            ends_at="2025-10-02T00:00",
        ),
    )
    assert "最早可于北京时间 2025-10-09 24:00 结束" in short.content.decode()
    backwards = planner_client.post(
        url, step_form(kind=PhaseKind.CONGRESS, ends_at="2026-06-20T08:00")
    )
    assert "结束时间须晚于开始时间。" in backwards.content.decode()
    assert not PlanPhase.objects.exists()
    assert not new_audit_events().exists()


def test_a_disguised_record_is_refused_on_the_page(official_client, plan, media):
    step = PlanPhase.objects.create(
        plan=plan,
        kind=PhaseKind.APPROVAL,
        starts_at=china(2026, 5, 1),
        authority="市政府",
        document_number="孝政函〔2026〕3号",
    )
    upload = SimpleUploadedFile("批复.pdf", figure_files.HTML, content_type="application/pdf")
    response = official_client.post(
        f"/staff/plans/{plan.slug}/procedure/{step.pk}/records/", {"title": "批复", "file": upload}
    )
    assert response.status_code == 400
    assert "批复.pdf" in response.content.decode()
    assert not PhaseRecord.objects.exists()


def test_warnings_show_on_the_procedure_page_and_atop_the_staff_pages(planner_client, plan):
    approved_on = timezone.now() - timedelta(days=25)
    PlanPhase.objects.create(
        plan=plan,
        kind=PhaseKind.APPROVAL,
        starts_at=approved_on,
        authority="孝义市人民政府",
        document_number="孝政函〔2026〕9号",
    )
    procedure = planner_client.get(f"/staff/plans/{plan.slug}/procedure/").content.decode()
    assert "已逾期" in procedure and "孝政函〔2026〕9号" in procedure
    # Every staff page the planner lands on names the plan and links to its procedure.
    plans_page = planner_client.get("/staff/plans/").content.decode()
    assert 'class="deadline-warnings"' in plans_page
    assert f'href="/staff/plans/{plan.slug}/procedure/"' in plans_page
    overview = planner_client.get("/staff/procedure/").content.decode()
    assert "已逾期" in overview


def test_warnings_of_other_plans_are_not_shown(client, plan, db):
    from tests.factories import grant

    other = make_plan("other-2021-2035", region_code="141181198000", town="另一镇")
    PlanPhase.objects.create(
        plan=other,
        kind=PhaseKind.APPROVAL,
        starts_at=timezone.now() - timedelta(days=25),
        authority="孝义市人民政府",
        document_number="孝政函〔2026〕9号",
    )
    user = make_planner("township.planner")
    user.groups.clear()
    grant(user, "planner", plan=plan)
    client.force_login(user)
    page = client.get(f"/staff/plans/{plan.slug}/procedure/").content.decode()
    assert "孝政函〔2026〕9号" not in page
    assert client.get(f"/staff/plans/{other.slug}/procedure/").status_code == 403


# --- The public timeline --------------------------------------------------------------------


@pytest.fixture
def timeline_plan(plan, media):
    """A plan with a 公示 round, a public hearing with a record, a hidden step, and a step
    concerning a draft version."""
    make_consultation(plan, title="规划草案公示")
    official = make_official()
    hearing = phases.add_phase(
        official,
        plan,
        kind=PhaseKind.HEARING,
        title=HOSTILE,
        starts_at=timezone.now() + timedelta(days=10),
        place="镇政府<b>三楼</b>",
        how_to_take_part="电话报名：0358-7000000",
        is_public=True,
    )
    phases.add_record(official, hearing, name="听证公告.pdf", content=figure_files.pdf())
    hidden = phases.add_phase(
        official,
        plan,
        kind=PhaseKind.CONGRESS,
        title="内部预审会",
        starts_at=timezone.now() - timedelta(days=3),
        is_public=False,
    )
    phases.add_record(official, hidden, name="内部纪要.pdf", content=figure_files.pdf())
    draft = new_draft(plan, official, kind=VersionKind.SUBMISSION, label="报批稿")
    phases.add_phase(
        official,
        plan,
        kind=PhaseKind.SUBMISSION,
        title="报送市政府审批",
        starts_at=timezone.now() - timedelta(days=1),
        version=draft,
        is_public=True,
    )
    return plan


def test_the_public_timeline_shows_rounds_and_public_steps_only(client, timeline_plan):
    plan = timeline_plan
    for url in (f"/plans/{plan.slug}/", f"/plans/{plan.slug}/procedure/"):
        page = client.get(url).content.decode()
        assert "规划草案公示" in page and "（共 30 天）" in page
        assert "报送市政府审批" in page
        assert "内部预审会" not in page and "内部纪要" not in page
        # The draft version a step concerns is not named to the public.
        assert "第 2 版" not in page and "报批稿" not in page
        # User text is escaped.
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&quot;听&quot;)&lt;/script&gt;听证会" in page
        assert "镇政府&lt;b&gt;三楼&lt;/b&gt;" in page
        assert "下一步" in page  # the hearing is what comes next


def test_public_records_download_with_their_name_and_hidden_ones_do_not(client, timeline_plan):
    plan = timeline_plan
    public = PhaseRecord.objects.get(original_name="听证公告.pdf")
    hidden = PhaseRecord.objects.get(original_name="内部纪要.pdf")
    page = client.get(f"/plans/{plan.slug}/procedure/").content.decode()
    assert f'href="/plans/{plan.slug}/procedure/records/{public.pk}/"' in page
    response = client.get(f"/plans/{plan.slug}/procedure/records/{public.pk}/")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "%E5%90%AC%E8%AF%81%E5%85%AC%E5%91%8A.pdf" in response["Content-Disposition"]
    assert client.get(f"/plans/{plan.slug}/procedure/records/{hidden.pk}/").status_code == 404
    plan.is_published = False
    plan.save()
    assert client.get(f"/plans/{plan.slug}/procedure/records/{public.pk}/").status_code == 404
    assert client.get(f"/plans/{plan.slug}/procedure/").status_code == 404


def test_the_public_api_lists_rounds_and_public_steps(client, timeline_plan):
    answer = client.get(f"/api/plans/{timeline_plan.slug}/procedure/").json()
    kinds = [entry["kind"] for entry in answer["entries"]]
    assert kinds == ["round", "submission", "hearing"]
    round_, submission, hearing = answer["entries"]
    assert (round_["days"], round_["version"]) == (30, 1)
    assert submission["version"] is None  # a draft is not named
    assert hearing["is_next"] and hearing["place"] == "镇政府<b>三楼</b>"
    public = PhaseRecord.objects.get(original_name="听证公告.pdf")
    assert hearing["records"][0]["url"] == (
        f"http://testserver/plans/{timeline_plan.slug}/procedure/records/{public.pk}/"
    )
    assert "内部预审会" not in str(answer)


def test_the_approved_plan_is_marked_with_its_document_number(client, plan):
    page = client.get(f"/plans/{plan.slug}/").content.decode()
    assert "approval-mark" not in page
    official = make_official()
    approved = new_draft(plan, official, kind=VersionKind.APPROVED, label="批准成果")
    publish_version(approved, official)
    phases.add_phase(
        official,
        plan,
        kind=PhaseKind.APPROVAL,
        starts_at=china(2026, 5, 8),
        authority="孝义市人民政府",
        document_number="孝政函〔2026〕15号",
        version=approved,
        is_public=True,
    )
    page = client.get(f"/plans/{plan.slug}/").content.decode()
    assert 'class="approval-mark"' in page
    assert "批准成果" in page and "孝政函〔2026〕15号" in page and "2026-05-08 批准" in page
