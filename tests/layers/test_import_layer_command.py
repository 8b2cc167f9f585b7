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
from tests.conftest import DEMO_SLUG, server_environment
from tests.layers.ingest.samples import parcels, zipped_shapefile


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


def test_a_second_import_prints_the_diff_and_publishes(tmp_path, demo_plan):
    first = zipped_shapefile(parcels(3), tmp_path / "1")
    run(DEMO_SLUG, "ingest-command-diff", first, "--publish")
    changed = parcels(3)
    changed.loc[0, "DLMC"] = "水浇地"
    second = zipped_shapefile(changed.iloc[:2], tmp_path / "2")
    with translation.override("en"):
        output = run(DEMO_SLUG, "ingest-command-diff", second, "--publish")
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
