"""``manage.py import_layer`` runs the same pipeline: it creates the layer when needed, prints
the revision, the problems and the diff, publishes on request, and exits non-zero (changing
nothing) when the file is rejected."""

import io
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from layers.models import Layer
from planportal.models import AuditEvent
from tests.conftest import DEMO_SLUG, server_environment
from tests.factories import audit_baseline
from tests.layers.ingest.samples import parcels, zipped_shapefile

# What the publish gate asks for, as the command line gives it.
GATE = (
    "--section",
    "3.2",
    "--data-status",
    "示意",
    "--source",
    "县自然资源局",
    "--note",
    "经审定发布",
)


def run(*arguments) -> str:
    out = io.StringIO()
    call_command("import_layer", *[str(a) for a in arguments], stdout=out)
    return out.getvalue()


def test_it_creates_the_layer_and_prints_the_revision(tmp_path, demo_plan):
    archive = zipped_shapefile(parcels(3), tmp_path, name="ydyh")
    output = run(DEMO_SLUG, "ingest-command-new", archive, "--title", "规划用地")
    layer = Layer.objects.get(collection_id="ingest-command-new")
    assert (layer.title, layer.geometry_type, layer.key_field) == ("规划用地", "Polygon", "BSM")
    assert layer.plan == demo_plan and layer.published_revision is None
    revision = layer.revisions.get()
    assert revision.feature_count == 3
    assert "ingest-command-new" in output and "EPSG:4546" in output
    assert f"{revision.number}" in output and "3" in output


def test_a_second_import_prints_the_diff_and_publishes(tmp_path, demo_plan, planner):
    first = zipped_shapefile(parcels(3), tmp_path / "1")
    run(DEMO_SLUG, "ingest-command-diff", first, "--publish", *GATE, "--actor", planner.username)
    changed = parcels(3)
    changed.loc[0, "DLMC"] = "水浇地"
    second = zipped_shapefile(changed.iloc[:2], tmp_path / "2")
    with translation.override("en"):
        output = run(
            DEMO_SLUG, "ingest-command-diff", second, "--publish", "--actor", planner.username
        )
    layer = Layer.objects.get(collection_id="ingest-command-diff")
    assert layer.published_revision.number == 2
    assert "Compared with revision 1: 0 added, 1 removed, 1 changed, 1 unchanged" in output
    assert "area 0.75 ha, now 0.5 ha" in output
    assert "BSM 1411811010000001: DLMC: 水田 → 水浇地" in output


def test_a_rejected_file_raises_and_creates_nothing(tmp_path, demo_plan):
    bad = parcels(2, BSM=["same", "same"])
    archive = zipped_shapefile(bad, tmp_path)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_layer", DEMO_SLUG, "ingest-command-bad", str(archive), stdout=out)
    assert not Layer.objects.filter(collection_id="ingest-command-bad").exists()
    assert "BSM" in out.getvalue() and "same" in out.getvalue()


def test_a_layer_of_several_must_be_named(tmp_path, demo_plan):
    import pyogrio

    path = tmp_path / "two.gpkg"
    pyogrio.write_dataframe(parcels(2), path, layer="A")
    pyogrio.write_dataframe(parcels(1), path, layer="B")
    with pytest.raises(CommandError):
        run(DEMO_SLUG, "ingest-command-choice", path)
    run(DEMO_SLUG, "ingest-command-choice", path, "--layer", "B", "--key", "")
    layer = Layer.objects.get(collection_id="ingest-command-choice")
    assert layer.revisions.get().feature_count == 1 and layer.key_field == ""


def test_the_command_exits_with_a_non_zero_status_when_the_file_is_rejected(
    tmp_path, django_db_blocker
):
    archive = tmp_path / "parcels.zip"
    archive.write_text("<html>not a zip</html>")
    with django_db_blocker.unblock():
        database = connection.settings_dict
    url = (
        f"postgis://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
        f"{database['PORT']}/{database['NAME']}"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "import_layer", DEMO_SLUG, "ingest-command-exit", archive],
        cwd=settings.BASE_DIR,
        env=server_environment(DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "parcels.zip" in result.stdout


def test_publish_without_the_gate_settings_is_refused_naming_them_and_writes_nothing(
    tmp_path, demo_plan, planner
):
    archive = zipped_shapefile(parcels(3), tmp_path)
    before = audit_baseline()
    with pytest.raises(CommandError) as refused:
        run(
            DEMO_SLUG, "ingest-command-gate", archive, "--publish", "--section", "3.2",
            "--actor", planner.username,
        )  # fmt: skip
    message = str(refused.value)
    assert "数据状态" in message and "来源" in message and "发布说明" in message
    assert "规划章节" not in message
    assert not Layer.objects.filter(collection_id="ingest-command-gate").exists()
    assert not AuditEvent.objects.filter(pk__gt=before).exists()


def test_the_command_exits_non_zero_when_the_gate_refuses(tmp_path, demo_plan):
    archive = zipped_shapefile(parcels(2), tmp_path)
    database = connection.settings_dict
    url = (
        f"postgis://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
        f"{database['PORT']}/{database['NAME']}"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "import_layer", DEMO_SLUG, "ingest-command-refused",
         archive, "--publish", "--section", "3.2"],
        cwd=settings.BASE_DIR,
        env=server_environment(DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "发布说明" in result.stderr and "来源" in result.stderr
    assert not Layer.objects.filter(collection_id="ingest-command-refused").exists()


def test_publish_with_the_gate_settings_names_its_actor(tmp_path, demo_plan, planner):
    archive = zipped_shapefile(parcels(3), tmp_path)
    before = audit_baseline()
    run(
        DEMO_SLUG, "ingest-command-actor", archive, "--publish", "--section", "3.2",
        "--data-status", "official", "--source", "县自然资源局 2024 年成果",
        "--note", "经镇人民政府审定", "--actor", planner.username,
    )  # fmt: skip
    layer = Layer.objects.get(collection_id="ingest-command-actor")
    assert layer.published_revision.number == 1
    assert layer.published_revision.created_by == planner
    assert (layer.section.number, layer.data_status) == ("3.2", "official")
    assert (layer.source_note, layer.publication_note) == (
        "县自然资源局 2024 年成果",
        "经镇人民政府审定",
    )
    events = AuditEvent.objects.filter(pk__gt=before).order_by("pk")
    assert [(e.action, e.actor) for e in events] == [
        ("layer.settings", planner),
        ("layer.publish", planner),
    ]
    assert events[0].after["section"] == "3.2" and events[0].before["section"] is None


def test_publish_needs_an_actor_who_is_a_planner(tmp_path, demo_plan, official):
    archive = zipped_shapefile(parcels(2), tmp_path)
    with pytest.raises(CommandError, match="--actor"):
        run(DEMO_SLUG, "ingest-command-noactor", archive, "--publish", *GATE)
    with pytest.raises(CommandError):
        run(DEMO_SLUG, "ingest-command-noactor", archive, "--publish", *GATE,
            "--actor", official.username)  # fmt: skip
    with pytest.raises(CommandError):
        run(DEMO_SLUG, "ingest-command-noactor", archive, "--publish", *GATE,
            "--actor", "nobody")  # fmt: skip
    assert not Layer.objects.filter(collection_id="ingest-command-noactor").exists()


def test_an_invalid_data_status_is_refused(tmp_path, demo_plan):
    archive = zipped_shapefile(parcels(2), tmp_path)
    with pytest.raises(CommandError):
        run(DEMO_SLUG, "ingest-command-status", archive, "--data-status", "maybe")


@pytest.mark.parametrize(
    "collection_id, code, policy",
    [
        ("ingest-command-yjjbnt", "", "generalised"),
        ("ingest-command-farm", "STBHHX", "generalised"),
        ("ingest-command-plain", "", "tiles-only"),
    ],
)
def test_a_new_layers_policy_follows_its_code(tmp_path, demo_plan, collection_id, code, policy):
    archive = zipped_shapefile(parcels(2), tmp_path)
    run(DEMO_SLUG, collection_id, archive, *(["--code", code] if code else []))
    layer = Layer.objects.get(collection_id=collection_id)
    assert (layer.public_policy, layer.code) == (policy, code)


def test_nan_and_infinite_coordinates_are_refused_by_feature_number(tmp_path, demo_plan):
    from tests.layers.ingest.broken_coordinates import broken_polygons

    path = broken_polygons(tmp_path / "坐标有误.geojson")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_layer", DEMO_SLUG, "ingest-command-nan", str(path), stdout=out)
    assert not Layer.objects.filter(collection_id="ingest-command-nan").exists()
    printed = out.getvalue()
    for number in range(2, 10):
        assert f"第 {number} 个要素：第 " in printed
    assert "（1e+308）" in printed and "GEOSException" not in printed
