"""What survives a download: GDAL keeps per-feature fields, so the SJZT mark is what a
schematic layer still carries after ``ogr2ogr`` has copied it from the live OGC API into a
GeoPackage (Debian's GDAL command-line tools, reading the live gunicorn server)."""

import re
import subprocess

import pytest

from layers.models import DataStatus, Layer
from planportal.models import Plan
from tests.conftest import DEMO_SLUG
from tests.factories import make_layer
from tests.layers.ogc.ogc_helpers import points
from tests.layers.ogc.test_ogc_with_gdal import gdal_environment

COLLECTION = "mark-gdal-schematic"


@pytest.fixture(scope="module")
def schematic_layer(django_db_setup, django_db_blocker):
    """A schematic (示意) layer of 12 points, committed so the live server sees it."""
    with django_db_blocker.unblock():
        plan = Plan.objects.get(slug=DEMO_SLUG)
        shapes = [
            {"geom": point, "properties": {"MC": f"点{index}"}}
            for index, point in enumerate(points(12))
        ]
        layer = make_layer(
            plan, COLLECTION, shapes=shapes, data_status=DataStatus.SCHEMATIC, title="示意点"
        )
    yield layer
    with django_db_blocker.unblock():
        Layer.objects.filter(pk=layer.pk).update(published_revision=None)
        Layer.objects.filter(pk=layer.pk).delete()


def gdal(*command: str) -> str:
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=gdal_environment(), check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.django_db
def test_ogr2ogr_keeps_the_mark_on_every_feature_it_copies(live_url, schematic_layer, tmp_path):
    copy = tmp_path / "copy.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(copy), f"OAPIF:{live_url}/ogc/", COLLECTION)
    # GDAL 3.6's ogrinfo has no -json: its text lists "SJZT: String (0.0)" among the fields,
    # then "  SJZT (String) = 示意" under each feature.
    info = gdal("ogrinfo", "-ro", "-al", "-geom=NO", str(copy))
    assert re.search(r"^SJZT: String", info, re.MULTILINE), info
    assert re.findall(r"^\s+SJZT \(String\) = (.*)$", info, re.MULTILINE) == ["示意"] * 12
