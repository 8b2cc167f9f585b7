"""Coordinate systems: declared ones however loosely named, missing ones from the coordinates
when only one fits, and a clear refusal otherwise. Output is EPSG:4326; areas use the plan's
Gauss-Krüger zone."""

import numpy as np
import pytest
import shapely
from django.utils import translation
from pyproj import CRS, Transformer

from layers.ingest import (
    RejectedFile,
    area_srid,
    open_source,
    prepare_layer,
    recognise_crs,
    zone_epsg_for_longitude,
)
from layers.ingest.crs import gk3_epsg
from tests.layers.ingest.samples import (
    CENTRE_LONLAT,
    ESRI_CM_111E,
    ESRI_ZONE_37,
    parcels,
    parcels_layer,
    zipped_shapefile,
)

PLAN_AREA = shapely.box(111.47, 37.0, 111.59, 37.12)


def prepared_from(tmp_path, demo_plan, frame, **shapefile_options):
    layer = parcels_layer(demo_plan, "ingest-crs")
    archive = zipped_shapefile(frame, tmp_path, **shapefile_options)
    with open_source(archive) as source:
        return prepare_layer(layer, source)


def first_corner(prepared) -> tuple[float, float]:
    """The vertex of the first parcel nearest CENTRE_LONLAT, where its south-west corner was
    placed (writers may start and orient the ring as they like)."""
    vertices = np.asarray(prepared.frame.geometry.iloc[0].exterior.coords)
    return tuple(vertices[np.argmin(np.hypot(*(vertices - CENTRE_LONLAT).T))])


def test_every_cgcs2000_three_degree_zone_has_the_epsg_code_proj_knows():
    for zone in range(25, 46):
        meridian = zone * 3
        plain, prefixed = gk3_epsg(meridian, prefixed=False), gk3_epsg(meridian, prefixed=True)
        assert plain == 4534 + zone - 25 and prefixed == 4513 + zone - 25
        for code, false_easting in ((plain, 500_000), (prefixed, zone * 1_000_000 + 500_000)):
            parameters = {p.name: p.value for p in CRS.from_epsg(code).coordinate_operation.params}
            assert parameters["Longitude of natural origin"] == meridian
            assert parameters["False easting"] == false_easting


def test_an_esri_prj_named_cm_111e_is_epsg_4546_and_lands_in_the_plan_area(tmp_path, demo_plan):
    prepared = prepared_from(tmp_path, demo_plan, parcels(), prj=ESRI_CM_111E)
    assert prepared.source_crs == "EPSG:4546"
    lon, lat = first_corner(prepared)
    assert lon == pytest.approx(CENTRE_LONLAT[0], abs=1e-6)
    assert lat == pytest.approx(CENTRE_LONLAT[1], abs=1e-6)
    assert prepared.problems == []


def test_an_esri_prj_named_zone_37_with_prefixed_eastings_is_epsg_4525(tmp_path, demo_plan):
    frame = parcels(crs=4525)
    assert frame.total_bounds[0] > 37_000_000
    prepared = prepared_from(tmp_path, demo_plan, frame, prj=ESRI_ZONE_37)
    assert prepared.source_crs == "EPSG:4525"
    assert first_corner(prepared)[0] == pytest.approx(CENTRE_LONLAT[0], abs=1e-6)


def test_a_prj_that_only_names_the_system_is_recognised_by_its_name(tmp_path, demo_plan):
    prepared = prepared_from(
        tmp_path, demo_plan, parcels(), prj='PROJCS["CGCS2000_3_Degree_GK_CM_111E"]'
    )
    assert prepared.source_crs == "EPSG:4546"
    assert first_corner(prepared)[0] == pytest.approx(CENTRE_LONLAT[0], abs=1e-6)


def test_prefixed_eastings_without_prj_are_recognised_from_the_zone_number(tmp_path, demo_plan):
    prepared = prepared_from(tmp_path, demo_plan, parcels(crs=4525), keep_prj=False)
    assert prepared.source_crs == "EPSG:4525"
    assert [p.code for p in prepared.problems] == ["crs_guessed"]
    assert "EPSG:4525" in prepared.problems[0].message
    assert first_corner(prepared)[1] == pytest.approx(CENTRE_LONLAT[1], abs=1e-6)


def test_plain_eastings_without_prj_take_the_one_zone_that_fits_the_plan(tmp_path, demo_plan):
    prepared = prepared_from(tmp_path, demo_plan, parcels(), keep_prj=False)
    assert prepared.source_crs == "EPSG:4546"
    assert [p.code for p in prepared.problems] == ["crs_guessed"]
    assert first_corner(prepared)[0] == pytest.approx(CENTRE_LONLAT[0], abs=1e-6)


def test_plain_eastings_without_prj_that_fit_no_zone_are_refused_with_the_reason(
    tmp_path, demo_plan
):
    far_away = parcels()
    far_away.geometry = far_away.translate(yoff=-1_500_000)  # 1500 km south of the plan
    with pytest.raises(RejectedFile) as refused:
        prepared_from(tmp_path, demo_plan, far_away, keep_prj=False)
    problem = refused.value.problems[0]
    assert problem.code == "crs_missing_no_zone"
    with translation.override("en"):
        assert "no Gauss-Krüger zone puts its coordinates" in problem.message
        assert "add the .prj file" in problem.message


def test_plain_eastings_are_ambiguous_when_the_plan_spans_several_zones():
    bounds = (480_000.0, 4_100_000.0, 520_000.0, 4_110_000.0)
    wide_plan = shapely.box(100, 30, 120, 45)
    with pytest.raises(RejectedFile) as refused:
        recognise_crs(None, bounds, wide_plan)
    assert refused.value.problems[0].code == "crs_missing_ambiguous"
    assert "EPSG:4546" in refused.value.problems[0].message


def test_plain_eastings_need_a_plan_extent_to_tell_the_zone():
    with pytest.raises(RejectedFile) as refused:
        recognise_crs(None, (480_000.0, 4_100_000.0, 520_000.0, 4_110_000.0), None)
    assert refused.value.problems[0].code == "crs_missing_no_extent"


def test_coordinates_that_are_neither_degrees_nor_gauss_kruger_are_refused():
    with pytest.raises(RejectedFile) as refused:
        recognise_crs(None, (5.0e8, 1.0e9, 5.1e8, 1.1e9), PLAN_AREA)
    problem = refused.value.problems[0]
    assert problem.code == "crs_missing_unknown"
    assert "500000000" in problem.message


def test_a_prj_without_prefix_on_prefixed_eastings_is_corrected_with_a_note(tmp_path, demo_plan):
    prepared = prepared_from(tmp_path, demo_plan, parcels(crs=4525), prj=ESRI_CM_111E)
    assert prepared.source_crs == "EPSG:4525"
    assert [p.code for p in prepared.problems] == ["crs_corrected"]
    assert first_corner(prepared)[0] == pytest.approx(CENTRE_LONLAT[0], abs=1e-6)


def test_beijing_1954_coordinates_are_refused(tmp_path, demo_plan):
    beijing = CRS.from_epsg(2434).to_wkt("WKT1_ESRI")  # Beijing 1954 / 3-degree GK CM 111E
    with pytest.raises(RejectedFile) as refused:
        prepared_from(tmp_path, demo_plan, parcels(), prj=beijing)
    assert refused.value.problems[0].code == "crs_unsupported_datum"


def test_cgcs2000_and_wgs84_degrees_are_stored_as_they_are(tmp_path, demo_plan):
    layer = parcels_layer(demo_plan, "ingest-crs-degrees")
    for code in (4490, 4326):
        frame = parcels(crs=code)
        folder = tmp_path / str(code)
        folder.mkdir()
        with open_source(zipped_shapefile(frame, folder)) as source:
            prepared = prepare_layer(layer, source)
        assert prepared.source_crs == f"EPSG:{code}"
        assert np.allclose(prepared.frame.total_bounds, frame.total_bounds, atol=1e-9), (
            "degrees are kept as they are"
        )


def test_stored_coordinates_are_longitude_first_in_epsg_4326(tmp_path, demo_plan):
    prepared = prepared_from(tmp_path, demo_plan, parcels(), prj=ESRI_CM_111E)
    assert prepared.frame.crs.to_epsg() == 4326
    back = Transformer.from_crs(4326, 4546, always_xy=True)
    x, y = back.transform(*first_corner(prepared))
    assert (x, y) == pytest.approx(parcels().geometry.iloc[0].bounds[:2], abs=1e-3)


def test_areas_are_measured_in_the_gauss_kruger_zone_of_the_plan(demo_plan):
    assert zone_epsg_for_longitude(111.54) == 4546
    assert zone_epsg_for_longitude(114.2) == 4547
    layer = parcels_layer(demo_plan, "ingest-crs-area")
    assert area_srid(layer) == 4546
