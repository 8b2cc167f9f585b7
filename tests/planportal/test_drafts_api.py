"""The planners' drafts API (planportal/drafts_api.py): a new draft, its kind, label and
foreword, a section's title and blocks, publication and deletion; 409 for a published version
and a second draft, 403 for another plan's planner, 400 for blocks of another shape, CSRF for
a session without token. Real HTTP through the test client, real PostGIS."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from planportal.models import AuditEvent, Section, StaffRole, VersionKind, VersionState
from tests.factories import (
    audit_baseline,
    grant,
    make_consultation,
    make_other_plan,
    make_plan,
    make_user,
    token_header,
)

pytestmark = pytest.mark.django_db

BLOCKS = [
    {"type": "heading", "text": "一核"},
    {"type": "paragraph", "text": "以镇政府驻地为中心。"},
    {"type": "list", "marker": "■", "items": ["第一条", "第二条"]},
]


@pytest.fixture
def plan():
    return make_plan()  # version 1 published, chapter 3 with sections 3.1 and 3.2


def _send(client, method, url, body=None, **headers):
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(url, data, content_type="application/json", **headers)


def _drafts(plan):
    return reverse("api-drafts", args=[plan.slug])


def _draft(plan, number, name="api-draft", *args):
    return reverse(name, args=[plan.slug, number, *args])


def test_a_draft_is_made_edited_and_published_with_a_token(client, plan, planner):
    auth = token_header(planner)
    created = _send(client, "post", _drafts(plan), {"kind": "revised", "label": "修改稿"}, **auth)
    assert created.status_code == 201, created.content
    assert created.json() | {"created_at": None} == {
        "plan": plan.slug,
        "number": 2,
        "kind": "revised",
        "label": "修改稿",
        "title": "第 2 版（修改稿）",
        "state": "draft",
        "based_on": 1,
        "change_note": "",
        "created_at": None,
        "published_at": None,
        "published_by": None,
    }
    edited = _send(
        client, "patch", _draft(plan, 2), {"change_note": "根据第一轮意见修改。"}, **auth
    )
    assert edited.status_code == 200 and edited.json()["change_note"] == "根据第一轮意见修改。"
    section = _send(
        client,
        "put",
        _draft(plan, 2, "api-draft-section", "3.1"),
        {"title": "总体格局（修改）", "blocks": BLOCKS},
        **auth,
    )
    assert section.status_code == 200, section.content
    assert section.json() == {
        "chapter": 3,
        "number": "3.1",
        "title": "总体格局（修改）",
        "blocks": BLOCKS,
    }
    published_section = Section.objects.get(
        chapter__version__number=1, chapter__plan=plan, number="3.1"
    )
    assert (published_section.title, published_section.blocks) == ("总体格局", [])
    published = _send(client, "post", _draft(plan, 2, "api-draft-publish"), **auth)
    assert published.status_code == 200
    assert published.json()["state"] == "published"
    assert published.json()["published_by"] == planner.username
    version = plan.versions.get(number=2)
    assert version.state == VersionState.PUBLISHED and version.published_by == planner
    actions = list(
        AuditEvent.objects.filter(actor=planner).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["version.create", "version.edit", "version.section", "version.publish"]
    event = AuditEvent.objects.get(actor=planner, action="version.section")
    assert event.before["blocks"] == [] and event.after["blocks"] == BLOCKS


def test_a_published_version_is_answered_409(client, plan, planner):
    auth = token_header(planner)
    section = _send(
        client,
        "put",
        _draft(plan, 1, "api-draft-section", "3.1"),
        {"title": "改", "blocks": BLOCKS},
        **auth,
    )
    assert section.status_code == 409 and "已发布" in section.json()["detail"]
    assert _send(client, "patch", _draft(plan, 1), {"label": "改"}, **auth).status_code == 409
    assert _send(client, "delete", _draft(plan, 1), **auth).status_code == 409
    again = _send(client, "post", _draft(plan, 1, "api-draft-publish"), **auth)
    assert again.status_code == 409 and "已经发布" in again.json()["detail"]
    published = Section.objects.get(chapter__version__number=1, chapter__plan=plan, number="3.1")
    assert (published.title, published.blocks) == ("总体格局", [])
    assert not AuditEvent.objects.filter(actor=planner).exists()


def test_a_second_draft_is_refused(client, plan, planner):
    auth = token_header(planner)
    assert _send(client, "post", _drafts(plan), {}, **auth).status_code == 201
    second = _send(client, "post", _drafts(plan), {}, **auth)
    assert second.status_code == 409 and "仍在准备中" in second.json()["detail"]
    assert plan.versions.count() == 2


def test_bad_input_changes_nothing(client, plan, planner):
    auth = token_header(planner)
    kind = _send(client, "post", _drafts(plan), {"kind": "final"}, **auth)
    assert kind.status_code == 400 and "kind" in kind.json()
    _send(client, "post", _drafts(plan), {}, **auth)
    url = _draft(plan, 2, "api-draft-section", "3.1")
    bad = _send(client, "put", url, {"title": "x", "blocks": [{"type": "table"}]}, **auth)
    assert bad.status_code == 400 and "类型不可用" in bad.json()["blocks"][0]
    missing = _send(client, "put", _draft(plan, 2, "api-draft-section", "9.9"), {}, **auth)
    assert missing.status_code == 404
    assert (
        Section.objects.get(chapter__version__number=2, chapter__plan=plan, number="3.1").blocks
        == []
    )


def test_deleting_a_draft_and_a_draft_a_round_shows(client, plan, planner):
    auth = token_header(planner)
    _send(client, "post", _drafts(plan), {}, **auth)
    assert _send(client, "delete", _draft(plan, 2), **auth).status_code == 204
    assert list(plan.versions.values_list("number", flat=True)) == [1]
    _send(client, "post", _drafts(plan), {"kind": VersionKind.SUBMISSION}, **auth)
    make_consultation(plan, version=plan.versions.get(number=2))
    kept = _send(client, "delete", _draft(plan, 2), **auth)
    assert kept.status_code == 409 and "不能删除" in kept.json()["detail"]
    assert plan.versions.filter(number=2).exists()


def test_another_plans_planner_and_an_official_get_403(client, plan, official):
    stranger = make_user("other.planner", is_staff=True)
    grant(stranger, StaffRole.PLANNER, plan=make_other_plan())
    before = audit_baseline()
    for user in (stranger, official):
        response = _send(client, "post", _drafts(plan), {}, **token_header(user))
        assert response.status_code == 403
    assert _send(client, "post", _drafts(plan), {}).status_code in (401, 403)
    assert plan.versions.count() == 1
    assert not AuditEvent.objects.filter(pk__gt=before).exists()


def test_a_session_needs_the_csrf_token(planner, plan):
    client = Client(enforce_csrf_checks=True)
    client.force_login(planner)
    refused = _send(client, "post", _drafts(plan), {})
    assert refused.status_code == 403
    assert plan.versions.count() == 1
    client.get(reverse("staff-plan-versions", args=[plan.slug]))
    token = client.cookies["csrftoken"].value
    allowed = _send(client, "post", _drafts(plan), {}, HTTP_X_CSRFTOKEN=token)
    assert allowed.status_code == 201


def test_the_schema_documents_the_drafts_api(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    paths = schema["paths"]
    assert "post" in paths["/api/plans/{slug}/drafts/"]
    assert {"patch", "delete"} <= set(paths["/api/plans/{slug}/drafts/{number}/"])
    assert "post" in paths["/api/plans/{slug}/drafts/{number}/publish/"]
    assert "put" in paths["/api/plans/{slug}/drafts/{number}/sections/{section}/"]
