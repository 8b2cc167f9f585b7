"""Rights per plan, enforced by every staff page, API and export (planportal/roles.py).

Two plans of two townships of one county: 测试镇 (141181199, the target of every request) and
另一镇 (141181198), each with a layer (revision 1 published, 2 ready), an upload job, an open
consultation with a comment and a frozen report. A planner or official holds one grant:

- ``plan``: on 测试镇's plan (allowed),
- ``other-plan``: on 另一镇's plan only (refused),
- ``region``: on the county 141181000000, which covers both (allowed),
- ``other-region``: on the township 141181198000 of 另一镇 (refused).

A refused request is 403 (the same answer as for an account without the role) and writes
nothing to the audit trail; an allowed one gets the endpoint's normal answer. Pages of the
public that show planners more (a layer's revisions and diffs) show an unrelated planner what
they show the public: see test_rights_per_plan.py.
"""

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultation.models import Result, SubmitterKind
from consultation.report_freeze import freeze
from consultation.rounds_report_files import freeze_rounds
from layers.models import PackageJob, UploadJob
from planportal.models import (
    AuditEvent,
    PhaseKind,
    PhaseRecord,
    PlanPhase,
    StaffRole,
    VersionKind,
)
from planportal.versions import new_draft
from tests.factories import (
    COUNTY_CODE,
    OTHER_TOWN_CODE,
    add_photo,
    add_revision,
    audit_baseline,
    grant,
    make_comment,
    make_consultation,
    make_layer,
    make_other_plan,
    make_plan,
    make_user,
    square,
)
from tests.planportal import figure_files

pytestmark = pytest.mark.django_db

GRANTS = {
    "plan": True,
    "other-plan": False,
    "region": True,
    "other-region": False,
}


@dataclass
class PlanObjects:
    plan: object
    layer: object
    job: object
    consultation: object
    comment: object


def _objects(plan, collection_id: str, west: float) -> PlanObjects:
    layer = make_layer(plan, collection_id, shapes=[square(west + 0.01, 38.01, 0.01)])
    add_revision(layer, [square(west + 0.02, 38.02, 0.01)])
    job = UploadJob.objects.create(
        plan=plan,
        layer=layer,
        collection_id=collection_id,
        stored_file="uploads/none.zip",
        original_name="parcels.zip",
    )
    consultation = make_consultation(plan)
    comment = make_comment(consultation)
    return PlanObjects(plan, layer, job, consultation, comment)


@pytest.fixture
def plans():
    target = _objects(make_plan(), "test-town-parcels", 112.0)
    other = _objects(make_other_plan(), "other-town-parcels", 112.15)
    return {"target": target, "other": other}


def _holder(role: str, kind: str, plans) -> Client:
    user = make_user(f"{role}.{kind}", is_staff=True)
    scope = {
        "plan": {"plan": plans["target"].plan},
        "other-plan": {"plan": plans["other"].plan},
        "region": {"region_code": COUNTY_CODE},
        "other-region": {"region_code": OTHER_TOWN_CODE},
    }[kind]
    grant(user, role, **scope)
    client = Client()
    client.force_login(user)
    return client


def _json(client, method, url, body):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def _new_layer_upload(client, o):
    """A new layer of the plan, by the upload API: the plan is named in the body."""
    geojson = SimpleUploadedFile(
        "roads.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"BSM": "1"},
                        "geometry": {"type": "Point", "coordinates": [112.05, 38.05]},
                    }
                ],
            }
        ).encode(),
        content_type="application/geo+json",
    )
    url = reverse("api-layer-revisions", args=[f"{o.plan.slug}-new-roads"])
    return client.post(url, {"file": geojson, "plan": o.plan.slug})


# Each endpoint: (name, role, call(client, objects) -> response, status when allowed).
PLANNER = StaffRole.PLANNER
OFFICIAL = StaffRole.OFFICIAL


def _package_url(name, o):
    """A 汇交 package job of the plan, made on demand (the endpoints take its id)."""
    job = PackageJob.objects.create(
        plan=o.plan, stored_file="packages/none.gpkg", original_name="huijiao.gpkg"
    )
    return reverse(name, args=[job.pk])


def _plan_url(name, o):
    return reverse(name, args=[o.plan.slug])


def _phase(o):
    """A procedure step of the plan, made on demand without an audit event (the refused
    requests must leave the trail as it was)."""
    return PlanPhase.objects.create(
        plan=o.plan,
        kind=PhaseKind.HEARING,
        starts_at=timezone.now() + timedelta(days=20),
        place="镇政府会议室",
    )


def _phase_url(name, o):
    return reverse(name, args=[o.plan.slug, _phase(o).pk])


def _record_url(name, o):
    record = PhaseRecord(
        phase=_phase(o),
        title="听证会纪要",
        original_name="纪要.pdf",
        content_type="application/pdf",
        size=4,
        sha256="0" * 64,
    )
    record.file.save("matrix-record.pdf", ContentFile(b"%PDF"), save=False)
    record.save()
    return reverse(name, args=[o.plan.slug, record.pk])


NEW_STEP = {
    "kind": PhaseKind.CONGRESS,
    "title": "镇人大审议",
    "starts_at": "2026-03-02T09:00",
    "is_public": "on",
}


def _draft_url(name, o, *args):
    """The plan's draft (version 2, made before the request: see ``NEEDS_DRAFT``)."""
    return reverse(name, args=[o.plan.slug, 2, *args])


def _layer_url(name, o, *args):
    return reverse(name, args=[o.layer.collection_id, *args])


ENDPOINTS = [
    # planners: the plan itself and its figures (图集)
    ("plan figures page", PLANNER, lambda c, o: c.get(_plan_url("staff-plan-figures", o)), 200),
    ("plan figures API", PLANNER, lambda c, o: c.get(_plan_url("api-plan-figures", o)), 200),
    # A draft package (nothing chosen yet) sends its planner on to the mapping page.
    ("package page", PLANNER, lambda c, o: c.get(_package_url("staff-package", o)), 302),
    ("package API", PLANNER, lambda c, o: c.get(_package_url("api-package", o)), 200),
    ("plan text page", PLANNER, lambda c, o: c.get(_plan_url("staff-plan-text", o)), 200),
    ("plan text import API", PLANNER, lambda c, o: c.post(_plan_url("api-text-imports", o)), 400),
    (
        "plan unpublish page",
        PLANNER,
        lambda c, o: c.post(_plan_url("staff-plan-publish", o), {"publish": "0"}),
        302,
    ),
    ("plan unpublish API", PLANNER, lambda c, o: c.post(_plan_url("api-plan-unpublish", o)), 200),
    ("plan publish API", PLANNER, lambda c, o: c.post(_plan_url("api-plan-publish", o)), 200),
    # planners: the plan's versions (pages and the drafts API); version 1 is published, so
    # a new draft is made first where the endpoint needs one
    ("versions page", PLANNER, lambda c, o: c.get(_plan_url("staff-plan-versions", o)), 200),
    (
        "new version page",
        PLANNER,
        lambda c, o: c.post(_plan_url("staff-version-create", o), {"kind": "revised"}),
        302,
    ),
    (
        "version section page",
        PLANNER,
        lambda c, o: c.post(
            _draft_url("staff-version-section", o, "3.1"), {"title": "总体格局", "text": "新"}
        ),
        302,
    ),
    (
        "version indicators page",
        PLANNER,
        lambda c, o: c.get(_draft_url("staff-version-indicators", o)),
        200,
    ),
    (
        "version publish page",
        PLANNER,
        lambda c, o: c.post(_draft_url("staff-version-publish", o)),
        302,
    ),
    (
        "version delete page",
        PLANNER,
        lambda c, o: c.post(_draft_url("staff-version-delete", o)),
        302,
    ),
    ("new draft API", PLANNER, lambda c, o: _json(c, "post", _plan_url("api-drafts", o), {}), 201),
    (
        "draft edit API",
        PLANNER,
        lambda c, o: _json(c, "patch", _draft_url("api-draft", o), {"label": "修改稿"}),
        200,
    ),
    (
        "draft section API",
        PLANNER,
        lambda c, o: _json(
            c,
            "put",
            _draft_url("api-draft-section", o, "3.1"),
            {"title": "总体格局", "blocks": [{"type": "paragraph", "text": "新"}]},
        ),
        200,
    ),
    (
        "draft publish API",
        PLANNER,
        lambda c, o: _json(c, "post", _draft_url("api-draft-publish", o), {}),
        200,
    ),
    ("draft delete API", PLANNER, lambda c, o: c.delete(_draft_url("api-draft", o)), 204),
    # planners and officials: the plan's procedure (hearings, approval, 批后公布)
    ("procedure page", PLANNER, lambda c, o: c.get(_plan_url("staff-plan-procedure", o)), 200),
    (
        "procedure page (official)",
        OFFICIAL,
        lambda c, o: c.get(_plan_url("staff-plan-procedure", o)),
        200,
    ),
    (
        "procedure add step",
        OFFICIAL,
        lambda c, o: c.post(_plan_url("staff-plan-procedure", o), NEW_STEP),
        302,
    ),
    ("phase edit page", PLANNER, lambda c, o: c.get(_phase_url("staff-phase-edit", o)), 200),
    ("phase delete", OFFICIAL, lambda c, o: c.post(_phase_url("staff-phase-delete", o)), 302),
    (
        "phase record upload",
        PLANNER,
        lambda c, o: c.post(
            _phase_url("staff-phase-records", o),
            {"title": "纪要", "file": SimpleUploadedFile("纪要.pdf", figure_files.pdf())},
        ),
        302,
    ),
    (
        "phase record download",
        OFFICIAL,
        lambda c, o: c.get(_record_url("staff-phase-record", o)),
        200,
    ),
    (
        "phase record delete",
        PLANNER,
        lambda c, o: c.post(_record_url("staff-phase-record-delete", o)),
        302,
    ),
    ("phases API", PLANNER, lambda c, o: c.get(_plan_url("api-plan-phases", o)), 200),
    (
        "phases API post",
        OFFICIAL,
        lambda c, o: _json(
            c,
            "post",
            _plan_url("api-plan-phases", o),
            {**NEW_STEP, "starts_at": "2026-03-02T09:00:00+08:00", "is_public": True},
        ),
        201,
    ),
    (
        "phase API patch",
        PLANNER,
        lambda c, o: _json(c, "patch", _phase_url("api-plan-phase", o), {"outcome": "通过"}),
        200,
    ),
    ("phase API delete", OFFICIAL, lambda c, o: c.delete(_phase_url("api-plan-phase", o)), 204),
    # planners: a version's change list (修改说明); version 1 is published, so changes are 409
    (
        "version changes page",
        PLANNER,
        lambda c, o: c.get(reverse("staff-version-changes", args=[o.plan.slug, 1])),
        200,
    ),
    (
        "version changes refresh",
        PLANNER,
        lambda c, o: c.post(
            reverse("staff-version-changes", args=[o.plan.slug, 1]), {"action": "refresh"}
        ),
        409,
    ),
    # planners' pages
    (
        "upload revision page",
        PLANNER,
        lambda c, o: c.get(_layer_url("staff-upload-revision", o)),
        200,
    ),
    (
        "upload revision post",
        PLANNER,
        lambda c, o: c.post(_layer_url("staff-upload-revision", o)),
        400,
    ),
    (
        "upload job page",
        PLANNER,
        lambda c, o: c.get(reverse("staff-upload-job", args=[o.job.pk])),
        200,
    ),
    (
        "upload job cancel",
        PLANNER,
        lambda c, o: c.post(reverse("staff-upload-cancel", args=[o.job.pk])),
        302,
    ),
    ("layer settings page", PLANNER, lambda c, o: c.get(_layer_url("layer-settings", o)), 200),
    ("layer settings post", PLANNER, lambda c, o: c.post(_layer_url("layer-settings", o), {}), 400),
    ("withdraw page", PLANNER, lambda c, o: c.get(_layer_url("layer-unpublish", o)), 200),
    (
        "withdraw post",
        PLANNER,
        lambda c, o: c.post(_layer_url("layer-unpublish", o), {"expected_current": "1"}),
        302,
    ),
    ("revision history", PLANNER, lambda c, o: c.get(_layer_url("layer-revisions", o)), 200),
    ("revision detail", PLANNER, lambda c, o: c.get(_layer_url("layer-revision", o, 2)), 200),
    (
        "revision diff map",
        PLANNER,
        lambda c, o: c.get(_layer_url("layer-revision-diff-geojson", o, 2)),
        200,
    ),
    ("publish page", PLANNER, lambda c, o: c.get(_layer_url("layer-revision-publish", o, 2)), 200),
    (
        "publish post",
        PLANNER,
        lambda c, o: c.post(_layer_url("layer-revision-publish", o, 2), {"expected_current": "1"}),
        302,
    ),
    (
        "rollback page",
        PLANNER,
        lambda c, o: c.get(_layer_url("layer-revision-rollback", o, 1)),
        200,
    ),
    # planners' API
    ("settings API get", PLANNER, lambda c, o: c.get(_layer_url("api-layer-settings", o)), 200),
    (
        "settings API patch",
        PLANNER,
        lambda c, o: _json(
            c, "patch", _layer_url("api-layer-settings", o), {"source_note": "县局 2026"}
        ),
        200,
    ),
    (
        "withdraw API",
        PLANNER,
        lambda c, o: _json(c, "post", _layer_url("api-layer-unpublish", o), {}),
        200,
    ),
    ("upload API", PLANNER, lambda c, o: c.post(_layer_url("api-layer-revisions", o), {}), 400),
    (
        "publish API",
        PLANNER,
        lambda c, o: _json(c, "post", _layer_url("api-layer-revision-publish", o, 2), {}),
        200,
    ),
    ("new layer upload API", PLANNER, _new_layer_upload, 202),
    (
        "upload job API",
        PLANNER,
        lambda c, o: c.get(reverse("api-upload-job", args=[o.job.pk])),
        200,
    ),
    (
        "upload job cancel API",
        PLANNER,
        lambda c, o: c.post(reverse("api-upload-job-cancel", args=[o.job.pk])),
        200,
    ),
    # officials' pages
    (
        "comment queue",
        OFFICIAL,
        lambda c, o: c.get(reverse("staff-queue"), {"consultation": o.consultation.pk}),
        200,
    ),
    (
        "comment queue map",
        OFFICIAL,
        lambda c, o: c.get(reverse("staff-queue-map"), {"consultation": o.consultation.pk}),
        200,
    ),
    (
        "batch",
        OFFICIAL,
        lambda c, o: c.post(
            reverse("staff-batch"),
            {
                "consultation": o.consultation.pk,
                "comments": [o.comment.pk],
                "action": "publish",
                "reason": "无个人信息",
            },
        ),
        302,
    ),
    (
        "group answer",
        OFFICIAL,
        lambda c, o: c.post(
            reverse("staff-group-answer", args=[o.consultation.pk]),
            {"comments": [o.comment.pk], "result": "adopted", "reason": "采纳"},
        ),
        302,
    ),
    (
        "comment page",
        OFFICIAL,
        lambda c, o: c.get(reverse("staff-comment", args=[o.comment.pk])),
        200,
    ),
    (
        "comment photo",
        OFFICIAL,
        lambda c, o: c.get(reverse("staff-comment-photo", args=[o.comment.pk])),
        200,
    ),
    (
        "publish comment",
        OFFICIAL,
        lambda c, o: c.post(
            reverse("staff-publish", args=[o.comment.pk]), {"reason": "无个人信息"}
        ),
        302,
    ),
    (
        "hide comment",
        OFFICIAL,
        lambda c, o: c.post(reverse("staff-hide", args=[o.comment.pk]), {"reason": "广告"}),
        302,
    ),
    (
        "answer comment",
        OFFICIAL,
        lambda c, o: c.post(
            reverse("staff-answer", args=[o.comment.pk]),
            {"result": Result.ADOPTED, "reason": "采纳。"},
        ),
        302,
    ),
    (
        "group duplicate",
        OFFICIAL,
        lambda c, o: c.post(reverse("staff-duplicate", args=[o.comment.pk]), {"original": ""}),
        302,
    ),
    (
        "show contact",
        OFFICIAL,
        lambda c, o: c.post(reverse("staff-contact", args=[o.comment.pk])),
        200,
    ),
    (
        # A web comment without an answer: the page says no letter is printed for it.
        "reply letter",
        OFFICIAL,
        lambda c, o: c.get(reverse("staff-reply-letter", args=[o.comment.pk])),
        409,
    ),
    (
        "submitter",
        OFFICIAL,
        lambda c, o: c.post(
            reverse("staff-submitter", args=[o.comment.pk]),
            {"submitter_kind": SubmitterKind.PERSON},
        ),
        302,
    ),
    (
        "villages",
        OFFICIAL,
        lambda c, o: c.post(reverse("staff-villages", args=[o.comment.pk]), {"villages": []}),
        302,
    ),
    (
        "enter on behalf",
        OFFICIAL,
        lambda c, o: c.get(reverse("staff-enter", args=[o.consultation.pk])),
        200,
    ),
    (
        "export CSV",
        OFFICIAL,
        lambda c, o: c.get(reverse("staff-export-csv", args=[o.consultation.pk])),
        200,
    ),
    (
        "export XLSX",
        OFFICIAL,
        lambda c, o: c.get(reverse("staff-export-xlsx", args=[o.consultation.pk])),
        200,
    ),
    (
        "statistics",
        OFFICIAL,
        lambda c, o: c.get(reverse("staff-stats", args=[o.consultation.pk])),
        200,
    ),
    (
        "report",
        OFFICIAL,
        lambda c, o: c.get(reverse("consultation-report", args=[o.consultation.pk])),
        200,
    ),
    (
        "report XLSX",
        OFFICIAL,
        lambda c, o: c.get(reverse("consultation-report-xlsx", args=[o.consultation.pk])),
        200,
    ),
    (
        "freeze report",
        OFFICIAL,
        lambda c, o: c.post(reverse("consultation-report-freeze", args=[o.consultation.pk])),
        302,
    ),
    (
        "frozen report",
        OFFICIAL,
        lambda c, o: c.get(
            reverse("consultation-report-frozen", args=[o.consultation.pk, 1, "xlsx"])
        ),
        200,
    ),
    (
        "report across rounds",
        OFFICIAL,
        lambda c, o: c.get(reverse("plan-rounds-report", args=[o.plan.slug])),
        200,
    ),
    (
        "report across rounds XLSX",
        OFFICIAL,
        lambda c, o: c.get(reverse("plan-rounds-report-xlsx", args=[o.plan.slug])),
        200,
    ),
    (
        "freeze report across rounds",
        OFFICIAL,
        lambda c, o: c.post(reverse("plan-rounds-report-freeze", args=[o.plan.slug])),
        302,
    ),
    (
        "frozen report across rounds",
        OFFICIAL,
        lambda c, o: c.get(reverse("plan-rounds-report-frozen", args=[o.plan.slug, 1, "xlsx"])),
        200,
    ),
    ("trail page", OFFICIAL, lambda c, o: c.get(reverse("plan-trail", args=[o.plan.slug])), 200),
    ("trail CSV", OFFICIAL, lambda c, o: c.get(reverse("plan-trail-csv", args=[o.plan.slug])), 200),
    (
        "trail XLSX",
        OFFICIAL,
        lambda c, o: c.get(reverse("plan-trail-xlsx", args=[o.plan.slug])),
        200,
    ),
    # officials' API
    (
        "answer API",
        OFFICIAL,
        lambda c, o: _json(
            c,
            "post",
            reverse("api-comment-answer", args=[o.comment.pk]),
            {"result": Result.ADOPTED, "reason": "采纳。"},
        ),
        200,
    ),
    (
        "submitter API",
        OFFICIAL,
        lambda c, o: _json(
            c,
            "post",
            reverse("api-comment-submitter", args=[o.comment.pk]),
            {"submitter_kind": SubmitterKind.PERSON},
        ),
        200,
    ),
    (
        "villages API",
        OFFICIAL,
        lambda c, o: _json(
            c, "post", reverse("api-comment-villages", args=[o.comment.pk]), {"villages": []}
        ),
        200,
    ),
]


# The endpoints that act on a draft version of the plan.
NEEDS_DRAFT = {name for name, _role, _call, _status in ENDPOINTS if "draft" in name} | {
    "version section page",
    "version indicators page",
    "version publish page",
    "version delete page",
}
NEEDS_DRAFT.discard("new draft API")


@pytest.mark.parametrize("kind", list(GRANTS))
@pytest.mark.parametrize(
    ("name", "role", "call", "allowed_status"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
def test_each_staff_endpoint_serves_only_the_plans_of_the_grant(
    plans, name, role, call, allowed_status, kind
):
    target = plans["target"]
    if name == "comment photo":  # a resident's photo to look at
        add_photo(target.comment)
    if name == "frozen report":  # a frozen version to download, made by someone else
        freeze(make_user("freezer", is_superuser=True), target.consultation)
    if name == "frozen report across rounds":
        freeze_rounds(make_user("freezer", is_superuser=True), target.plan)
    if name in NEEDS_DRAFT:  # version 2 as a draft, copied from the published version 1
        new_draft(target.plan, kind=VersionKind.REVISED)
    client = _holder(role, kind, plans)
    before = audit_baseline()
    response = call(client, target)
    if GRANTS[kind]:
        assert response.status_code == allowed_status, (name, kind, response.content[:300])
    else:
        assert response.status_code == 403, (name, kind, response.content[:300])
        assert not AuditEvent.objects.filter(pk__gt=before).exists(), (name, kind)
