"""Every format planners really send is read, with correct Chinese text, and a source with
several layers makes the planner choose one."""

import pyogrio
import pytest

from layers.ingest import RejectedFile, list_layers, open_source, prepare_layer, read_layer
from tests.layers.ingest.samples import parcels, parcels_layer, zip_folder, zipped_shapefile


def test_a_utf8_shapefile_with_cpg_keeps_its_chinese_text(tmp_path):
    archive = zipped_shapefile(parcels(), tmp_path, encoding="UTF-8")
    with open_source(archive) as source:
        raw = read_layer(source)
    assert raw.encoding == "UTF-8"
    assert list(raw.frame["DLMC"]) == ["水田", "旱地", "乔木林地"]
    assert raw.problems == []


def test_a_gbk_shapefile_without_cpg_comes_out_with_correct_chinese_text(tmp_path):
    archive = zipped_shapefile(parcels(), tmp_path, encoding="GB18030", keep_cpg=False)
    with open_source(archive) as source:
        raw = read_layer(source)
    assert raw.encoding == "GB18030"
    assert list(raw.frame["DLMC"]) == ["水田", "旱地", "乔木林地"]
    assert [p.code for p in raw.problems] == ["encoding_guessed"]


def test_a_gbk_shapefile_whose_cpg_says_936_is_read_as_gbk_without_a_note(tmp_path):
    archive = zipped_shapefile(parcels(), tmp_path, encoding="GB18030", keep_cpg=False)
    folder = tmp_path / "parcels-files"
    (folder / "parcels.cpg").write_text("936")
    zip_folder(folder, archive)
    with open_source(archive) as source:
        raw = read_layer(source)
    assert list(raw.frame["DLMC"]) == ["水田", "旱地", "乔木林地"]
    assert raw.problems == []


def test_utf8_text_cut_in_the_middle_of_a_character_is_still_read_as_utf8(tmp_path):
    # Writers truncate long texts to the field width byte by byte, leaving half a character.
    archive = zipped_shapefile(parcels(40), tmp_path, encoding="UTF-8", keep_cpg=False)
    dbf = tmp_path / "parcels-files" / "parcels.dbf"
    dbf.write_bytes(dbf.read_bytes().replace("水田".encode(), "水田".encode()[:-1] + b" ", 1))
    zip_folder(tmp_path / "parcels-files", archive)
    with open_source(archive) as source:
        raw = read_layer(source)
    assert raw.encoding == "UTF-8"
    assert list(raw.frame["DLMC"][:3]) == ["水", "旱地", "乔木林地"]
    assert [p.code for p in raw.problems] == ["encoding_guessed", "encoding_mended"]


def test_chinese_field_names_of_a_gbk_shapefile_are_decoded_too(tmp_path):
    frame = parcels().rename(columns={"DLMC": "地类名称"})
    archive = zipped_shapefile(frame, tmp_path, encoding="GB18030", keep_cpg=False)
    with open_source(archive) as source:
        raw = read_layer(source)
    assert list(raw.frame["地类名称"]) == ["水田", "旱地", "乔木林地"]


def test_a_zip_with_two_shapefiles_offers_both_and_reads_the_one_picked(tmp_path):
    folder = tmp_path / "both"
    folder.mkdir()
    pyogrio.write_dataframe(parcels(2), folder / "现状.shp")
    pyogrio.write_dataframe(parcels(3), folder / "规划.shp")
    archive = zip_folder(folder, tmp_path / "both.zip")
    with open_source(archive) as source:
        names = sorted(layer.name for layer in list_layers(source))
        with pytest.raises(RejectedFile) as refused:
            read_layer(source)
        chosen = read_layer(source, "规划")
    assert names == ["现状", "规划"]
    assert refused.value.problems[0].code == "layer_choice_needed"
    assert "现状" in refused.value.problems[0].message
    assert len(chosen.frame) == 3


def test_a_geopackage_with_several_layers_names_the_choices(tmp_path):
    path = tmp_path / "规划成果.gpkg"
    pyogrio.write_dataframe(parcels(2), path, layer="YDYH")
    pyogrio.write_dataframe(parcels(3), path, layer="GHFQ")
    with open_source(path) as source:
        layers = {layer.name: layer.feature_count for layer in list_layers(source)}
        with pytest.raises(RejectedFile) as refused:
            read_layer(source)
        with pytest.raises(RejectedFile) as unknown:
            read_layer(source, "CZKFBJ")
        chosen = read_layer(source, "GHFQ")
    assert layers == {"YDYH": 2, "GHFQ": 3}
    message = refused.value.problems[0].message
    assert "YDYH" in message and "GHFQ" in message
    assert unknown.value.problems[0].code == "layer_not_found"
    assert list(chosen.frame["DLMC"]) == ["水田", "旱地", "乔木林地"]


def test_a_geojson_file_is_read_in_longitude_and_latitude(tmp_path):
    path = tmp_path / "parcels.geojson"
    pyogrio.write_dataframe(parcels(crs=4326), path, driver="GeoJSON")
    with open_source(path) as source:
        raw = read_layer(source)
    assert raw.layer.name == "parcels"
    assert 111.4 < raw.frame.total_bounds[0] < 111.6
    assert list(raw.frame["BSM"])[0] == "1411811010000001"


def test_a_kml_file_keeps_its_extended_data_fields(tmp_path):
    path = tmp_path / "parcels.kml"
    pyogrio.write_dataframe(parcels(crs=4326), path, driver="LIBKML")
    with open_source(path) as source:
        raw = read_layer(source)
    assert list(raw.frame["DLMC"]) == ["水田", "旱地", "乔木林地"]
    assert raw.frame.geom_type.unique().tolist() == ["Polygon"]


def test_a_zipped_filegdb_folder_is_read_with_its_feature_classes(tmp_path):
    folder = tmp_path / "export"
    gdb = folder / "规划成果.gdb"
    folder.mkdir()
    pyogrio.write_dataframe(parcels(3), gdb, layer="YDYH", driver="OpenFileGDB")
    pyogrio.write_dataframe(parcels(1), gdb, layer="CZKFBJ", driver="OpenFileGDB", append=True)
    archive = zip_folder(folder, tmp_path / "export.zip")
    with open_source(archive) as source:
        layers = {layer.name: layer.feature_count for layer in list_layers(source)}
        raw = read_layer(source, "YDYH")
    assert layers == {"YDYH": 3, "CZKFBJ": 1}
    assert list(raw.frame["DLMC"]) == ["水田", "旱地", "乔木林地"]
    assert "4546" in raw.crs_wkt or "111" in raw.crs_wkt


def test_gbk_file_names_inside_a_zip_from_chinese_windows_are_decoded(tmp_path):
    archive = zipped_shapefile(parcels(), tmp_path, name="ydyh")
    # What Chinese Windows writes: the name's GBK bytes (用地 is 4 bytes, as "ydyh"), without
    # the UTF-8 flag, which Python's zipfile then reads as cp437.
    archive.write_bytes(archive.read_bytes().replace(b"ydyh", "用地".encode("gbk")))
    with open_source(archive) as source:
        assert [layer.name for layer in list_layers(source)] == ["用地"]


def test_the_whole_pipeline_maps_and_checks_a_clean_shapefile_without_problems(tmp_path, demo_plan):
    layer = parcels_layer(demo_plan, "ingest-formats-clean")
    archive = zipped_shapefile(parcels(), tmp_path, encoding="UTF-8")
    stages = []
    with open_source(archive, name="用地.zip") as source:
        prepared = prepare_layer(layer, source, progress=lambda *s: stages.append(s))
    assert prepared.problems == []
    assert not prepared.rejected
    assert prepared.source_crs == "EPSG:4546"
    assert prepared.source_name == "用地.zip"
    assert len(prepared.checksum) == 64
    assert stages[0] == ("reading", 0, 1) and stages[-1] == ("checking", 3, 3)
