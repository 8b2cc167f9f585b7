"""The demonstration farmland layer (永久基本农田, ~3000 parcels), delivered again as a design
institute would send it (GBK Shapefile in EPSG:4546 without .cpg), goes through the pipeline
cleanly and compares as unchanged with the published revision."""

import geopandas as gpd
import pandas as pd
import shapely

from layers.ingest import diff_revisions, open_source, prepare_layer, write_revision
from layers.models import Layer
from tests.layers.ingest.samples import zipped_shapefile

FARMLAND = "yangquanqu-yjjbnt"


def published_as_frame(layer: Layer) -> gpd.GeoDataFrame:
    features = list(layer.published_revision.features.order_by("id"))
    return gpd.GeoDataFrame(
        pd.DataFrame([feature.properties for feature in features]),
        geometry=[shapely.from_wkb(bytes(feature.geom.wkb)) for feature in features],
        crs=4326,
    )


def test_the_published_farmland_delivered_again_is_unchanged(tmp_path, demo_plan):
    layer = Layer.objects.get(collection_id=FARMLAND)
    published = published_as_frame(layer)
    archive = zipped_shapefile(
        published.to_crs(4546), tmp_path, name="YJJBNT", encoding="GB18030", keep_cpg=False
    )
    with open_source(archive, name="永久基本农田.zip") as source:
        prepared = prepare_layer(layer, source)
    assert not prepared.rejected, [p.message for p in prepared.log.errors[:5]]
    assert prepared.source_crs == "EPSG:4546"
    assert list(prepared.frame["DLMC"][:3]) == list(published["DLMC"][:3])
    revision = write_revision(layer, prepared)
    diff = diff_revisions(layer, revision)
    assert diff.against == layer.published_revision.number
    assert (diff.added, diff.removed, diff.changed) == (0, 0, 0)
    assert diff.unchanged == len(published) > 1000
    assert abs(diff.area_ha_after - diff.area_ha_before) < 0.01
