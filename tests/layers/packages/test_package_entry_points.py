"""The three ways in for a 汇交 database: the staff pages (upload, mapping, result with the
checks across layers and their map, publish with the acknowledgement), the API and the
``import_package`` command; and who may use them."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from layers.boundary import official_boundary
from layers.models import Layer, PackageJob, PackageState
from layers.packages.service import run_package_job
from planportal.models import StaffRole
from tests.factories import (
    grant,
    make_layer,
    make_other_plan,
    make_plan,
    make_user,
    token_header,
)
from tests.layers.packages.package_helpers import package_layers, write_geopackage


@pytest.fixture
def plan(db):
    return make_plan()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def gpkg(tmp_path):
    return write_geopackage(tmp_path / "huijiao.gpkg", package_layers())


def published(plan) -> set[str]:
    return set(
        Layer.objects.filter(plan=plan, published_revision__isnull=False).values_list(
            "code", flat=True
        )
    )


# --- pages -----------------------------------------------------------------------------------


def upload_on_the_page(client, plan, gpkg):
    with gpkg.open("rb") as handle:
        return client.post(
            reverse("staff-package-upload"), {"plan": plan.pk, "file": handle}, follow=False
        )


def test_the_pages_take_a_package_from_upload_to_publication(planner_client, plan, gpkg, media):
    response = upload_on_the_page(planner_client, plan, gpkg)
    job = PackageJob.objects.get(plan=plan)
    assert response.status_code == 302
    assert response.url == reverse("staff-package-mapping", args=[job.pk])
    page = planner_client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-layer="QTTC"' in html
    assert '<option value="new:XZQ" selected>' in html
    section = plan.chapters.get().sections.get(number="3.2")
    choices = {
        f"layer_{i}": value
        for i, value in enumerate(["new:XZQ", "new:YJJBNT", "new:CZKFBJ", "skip"])
    }
    answer = planner_client.post(
        response.url,
        {
            **choices,
            "section": section.pk,
            "data_status": "official",
            "source_note": "汇交数据库",
            "publication_note": "经镇人民政府同意公示",
        },
    )
    assert answer.status_code == 302
    job.refresh_from_db()
    assert job.state == PackageState.QUEUED
    assert job.queue_job_id is not None  # on the worker's queue
    run_package_job(job.pk)  # what the worker runs
    page = planner_client.get(reverse("staff-package", args=[job.pk]))
    html = page.content.decode()
    assert 'id="crosscheck-map"' in html
    assert "crosscheck-map-config" in html
    assert "YJ001" in html and "KF01" in html and "YJ002" in html
    assert 'name="acknowledge_overlaps"' in html
    publish = reverse("staff-package-publish", args=[job.pk])
    refused = planner_client.post(publish, follow=True)
    assert (
        "Nothing was published" in refused.content.decode()
        or "没有发布" in refused.content.decode()
    )
    assert published(plan) == set()
    planner_client.post(publish, {"acknowledge_overlaps": "1"})
    assert published(plan) == {"XZQ", "YJJBNT", "CZKFBJ"}
    assert official_boundary(plan) is not None


def test_anonymous_visitors_and_officials_are_kept_out_of_the_pages(
    client, official_client, plan, gpkg, media, planner
):
    anonymous = upload_on_the_page(client, plan, gpkg)
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous.url
    assert upload_on_the_page(official_client, plan, gpkg).status_code == 403
    assert not PackageJob.objects.exists()
    upload_on_the_page_as_planner = PackageJob.objects.create(
        plan=plan, stored_file="uploads/x.gpkg", original_name="x.gpkg", created_by=planner
    )
    for name in ("staff-package", "staff-package-mapping"):
        url = reverse(name, args=[upload_on_the_page_as_planner.pk])
        assert official_client.get(url).status_code == 403
        assert client.get(url).status_code == 302
    publish = reverse("staff-package-publish", args=[upload_on_the_page_as_planner.pk])
    assert official_client.post(publish).status_code == 403


# --- API ---------------------------------------------------------------------------------------


def test_the_api_uploads_checks_and_publishes_only_with_the_overlaps_acknowledged(
    client, planner, plan, gpkg, media
):
    section = plan.chapters.get().sections.get(number="3.2")
    with gpkg.open("rb") as handle:
        response = client.post(
            reverse("api-package-upload", args=[plan.slug]),
            {
                "file": handle,
                "mapping": json.dumps({"QTTC": "new"}),
                "section": section.number,
                "data_status": "official",
                "source_note": "汇交数据库",
                "publication_note": "经镇人民政府同意公示",
            },
            **token_header(planner),
        )
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    run_package_job(job_id)
    detail = client.get(reverse("api-package", args=[job_id]), **token_header(planner)).json()
    assert detail["state"] == "done"
    assert {layer["name"]: layer["state"] for layer in detail["layers"]}["QTTC"] == "done"
    assert detail["crosscheck"]["overlaps"][0]["hectares"] == pytest.approx(2.0, abs=0.001)
    publish = reverse("api-package-publish", args=[job_id])
    refused = client.post(publish, {}, content_type="application/json", **token_header(planner))
    assert refused.status_code == 400
    assert (
        any("acknowledge" in reason for reason in refused.json()["reasons"])
        or refused.json()["reasons"]
    )
    assert published(plan) == set()
    done = client.post(
        publish,
        {"acknowledge_overlaps": True},
        content_type="application/json",
        **token_header(planner),
    )
    assert done.status_code == 200, done.content
    assert published(plan) == {"XZQ", "YJJBNT", "CZKFBJ", ""}


def test_the_api_refuses_anonymous_clients_and_officials(client, official, plan, gpkg, media):
    url = reverse("api-package-upload", args=[plan.slug])
    with gpkg.open("rb") as handle:
        assert client.post(url, {"file": handle}).status_code in (401, 403)
    with gpkg.open("rb") as handle:
        assert client.post(url, {"file": handle}, **token_header(official)).status_code == 403
    assert not PackageJob.objects.exists()


# --- the command -------------------------------------------------------------------------------


def import_package(plan, path, *options):
    return call_command("import_package", plan.slug, str(path), *options)


def test_the_command_refuses_to_publish_overlaps_without_acknowledgement(
    plan, planner, gpkg, media, capsys
):
    gate = ["--section", "3.2", "--data-status", "正式", "--source", "汇交", "--note", "同意公示"]
    with pytest.raises(CommandError, match="Nothing was published|没有发布"):
        import_package(plan, gpkg, "--publish", "--actor", planner.username, *gate)
    captured = capsys.readouterr()
    assert "YJ001" in captured.out and "2.0 ha" in captured.out
    assert "acknowledge" in captured.err.lower() or "确认" in captured.err
    assert published(plan) == set()
    import_package(
        plan, gpkg, "--publish", "--acknowledge-overlaps", "--actor", planner.username, *gate
    )
    assert published(plan) == {"XZQ", "YJJBNT", "CZKFBJ"}
    assert official_boundary(plan) is not None


def test_the_command_names_the_layer_the_gate_refuses(plan, planner, gpkg, media, capsys):
    make_layer(plan, "test-town-yjjbnt", code="YJJBNT", source_note="")
    gate = ["--section", "3.2", "--data-status", "正式", "--source", "汇交", "--note", "同意公示"]
    with pytest.raises(CommandError):
        import_package(
            plan, gpkg, "--publish", "--acknowledge-overlaps", "--actor", planner.username, *gate
        )
    assert "test-town-yjjbnt" in capsys.readouterr().err
    assert published(plan) == set()


def test_the_command_needs_a_planner(plan, official, gpkg, media):
    with pytest.raises(CommandError):
        import_package(plan, gpkg, "--actor", official.username)
    assert not PackageJob.objects.exists()


def test_a_planner_of_one_plan_is_offered_and_may_use_only_that_plan(client, plan, gpkg, media):
    other = make_other_plan()
    planner = make_user("zhao.planner", is_staff=True)
    grant(planner, StaffRole.PLANNER, plan=plan)
    client.force_login(planner)
    page = client.get(reverse("staff-package-upload")).content.decode()
    assert f'value="{plan.pk}"' in page and f'value="{other.pk}"' not in page
    response = upload_on_the_page(client, other, gpkg)
    assert response.status_code == 200  # the form refuses a plan it does not offer
    assert not PackageJob.objects.exists()
    assert upload_on_the_page(client, plan, gpkg).status_code == 302
