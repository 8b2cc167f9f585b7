"""Hostile uploads are refused before GDAL parses them, leave nothing behind, and GDAL never
opens an upload with any driver but its format's, nor reaches the network."""

import contextlib
import json
import socket
import sqlite3
import threading
import zipfile
from pathlib import Path

import pyogrio
import pytest

from layers.ingest import RejectedFile, list_layers, open_source, read_layer
from layers.ingest.gdal import GdalError, opened
from layers.ingest.pipeline import Target, ingest_file
from tests.layers.ingest.samples import parcels, zipped_shapefile


def refusal(path: Path, **kwargs) -> str:
    with pytest.raises(RejectedFile) as refused, open_source(path, **kwargs) as source:
        read_layer(source)
    return refused.value.problems[0].code


def a_zip_with(tmp_path: Path, name: str, data: bytes = b"x", **attributes) -> Path:
    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        info = zipfile.ZipInfo(name)
        for key, value in attributes.items():
            setattr(info, key, value)
        bundle.writestr(info, data)
    return archive


def test_it_rejects_a_zip_with_paths_outside_the_folder(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    archive = a_zip_with(tmp_path, "../../escaped.shp")
    assert refusal(archive, workdir=scratch) == "archive_unsafe_path"
    assert not (tmp_path / "escaped.shp").exists()
    assert list(scratch.iterdir()) == []


def test_it_rejects_a_zip_with_an_absolute_path(tmp_path):
    assert refusal(a_zip_with(tmp_path, "/tmp/absolute.shp")) == "archive_unsafe_path"
    assert refusal(a_zip_with(tmp_path, "C:\\Windows\\x.shp")) == "archive_unsafe_path"


def test_it_rejects_a_zip_with_a_symbolic_link(tmp_path):
    link = a_zip_with(tmp_path, "parcels.dbf", b"/etc/passwd", external_attr=0o120777 << 16)
    assert refusal(link) == "archive_link"


def test_it_rejects_an_encrypted_entry(tmp_path):
    archive = a_zip_with(tmp_path, "parcels.shp")
    data = bytearray(archive.read_bytes())
    # Set the "encrypted" bit in the local header and in the central directory entry.
    data[6] |= 0x1
    data[data.index(b"PK\x01\x02") + 8] |= 0x1
    archive.write_bytes(bytes(data))
    assert refusal(archive) == "archive_encrypted"


def test_it_rejects_a_zip_that_holds_one_name_twice(tmp_path):
    archive = tmp_path / "twice.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("parcels.shp", b"first")
        with pytest.warns(UserWarning, match="Duplicate name"):
            bundle.writestr("parcels.shp", b"second")
    assert refusal(archive) == "archive_duplicate"
    with zipfile.ZipFile(archive, "w") as bundle:  # the same name for Windows and GDAL
        bundle.writestr("parcels.shp", b"first")
        bundle.writestr("PARCELS.SHP", b"second")
    assert refusal(archive) == "archive_duplicate"


def test_it_rejects_a_zip_with_too_many_entries(tmp_path, settings):
    settings.UPLOAD_MAX_ARCHIVE_ENTRIES = 10
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for index in range(11):
            bundle.writestr(f"file{index}.txt", b"")
    assert refusal(archive) == "archive_too_many_entries"


def test_it_rejects_a_zip_bomb_before_unpacking_it(tmp_path, settings):
    settings.UPLOAD_MAX_UNPACKED_BYTES = 5 * 1024 * 1024
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("parcels.dbf", b"\0" * (20 * 1024 * 1024))
    assert archive.stat().st_size < 100 * 1024  # 20 MB of zeros pack into a few kilobytes
    assert refusal(archive, workdir=scratch) == "archive_too_large"
    assert list(scratch.iterdir()) == []


def test_an_entry_that_lies_about_its_size_is_stopped_at_the_same_limit(tmp_path, settings):
    settings.UPLOAD_MAX_UNPACKED_BYTES = 1024 * 1024
    archive = tmp_path / "liar.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("a.bin", b"\0" * (600 * 1024))
        bundle.writestr("b.bin", b"\0" * (600 * 1024))
    # Each entry alone is under the limit; together they are not.
    assert refusal(archive) == "archive_too_large"


def test_it_rejects_an_upload_larger_than_the_setting(tmp_path, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    archive = zipped_shapefile(parcels(), tmp_path)
    assert refusal(archive) == "file_too_large"


def test_an_ogr_vrt_named_geojson_is_refused_before_gdal_opens_it(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("name,value\nsecret,42\n")
    vrt = tmp_path / "parcels.geojson"
    vrt.write_text(
        f"<OGRVRTDataSource><OGRVRTLayer name='parcels'>"
        f"<SrcDataSource>{secret}</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
    )
    assert refusal(vrt) == "content_mismatch"


def test_a_vrt_hidden_inside_a_zip_under_a_geojson_name_is_refused(tmp_path):
    archive = a_zip_with(tmp_path, "data/parcels.geojson", b"<OGRVRTDataSource/>")
    assert refusal(archive) == "content_mismatch"


def test_an_html_page_named_kml_is_refused(tmp_path):
    page = tmp_path / "parcels.kml"
    page.write_text("<!DOCTYPE html><html><body>not a map</body></html>")
    assert refusal(page) == "content_mismatch"


def test_a_kml_with_a_dtd_is_refused(tmp_path):
    kml = tmp_path / "entities.kml"
    kml.write_text(
        '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>&x;</Document></kml>'
    )
    assert refusal(kml) == "content_mismatch"


def test_a_zip_named_gpkg_is_refused(tmp_path):
    archive = zipped_shapefile(parcels(), tmp_path)
    disguised = tmp_path / "parcels.gpkg"
    archive.rename(disguised)
    assert refusal(disguised) == "content_mismatch"


def test_a_plain_sqlite_database_named_gpkg_is_refused(tmp_path):
    path = tmp_path / "plain.sqlite"
    pyogrio.write_dataframe(parcels(), path, driver="SQLite")
    disguised = path.rename(tmp_path / "plain.gpkg")
    assert refusal(disguised) == "content_mismatch"


def test_a_shapefile_part_that_is_not_a_shapefile_is_refused(tmp_path):
    folder = tmp_path / "fake"
    folder.mkdir()
    for suffix in (".shp", ".shx", ".dbf"):
        (folder / f"parcels{suffix}").write_text("<OGRVRTDataSource/>")
    archive = tmp_path / "fake.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in folder.iterdir():
            bundle.write(path, path.name)
    assert refusal(archive) == "content_mismatch"


def test_an_unknown_extension_is_refused(tmp_path):
    path = tmp_path / "parcels.vrt"
    path.write_text("<OGRVRTDataSource/>")
    assert refusal(path) == "unknown_format"


def test_gdal_paths_are_never_urls_or_virtual_file_systems(tmp_path):
    assert refusal(Path("/vsicurl/http://127.0.0.1:9/parcels.geojson")) == "file_missing"
    assert refusal(Path("http://127.0.0.1:9/parcels.geojson")) == "file_missing"


def test_a_valid_geojson_that_gdal_would_hand_to_the_vrt_driver_is_read_as_geojson(tmp_path):
    # A GeoJSON file passes the content check, yet carries the VRT driver's signature in a
    # string: GDAL's open-any-driver probing gives it to OGR_VRT, which reads a server file.
    secret = tmp_path / "secret.csv"
    secret.write_text("name,value\nsecret,42\n")
    sneaky = tmp_path / "sneaky.geojson"
    sneaky.write_text(
        '{"type": "FeatureCollection", "features": [], "x": "<OGRVRTDataSource>'
        f"<OGRVRTLayer name='secret'><SrcDataSource>{secret}</SrcDataSource></OGRVRTLayer>"
        '</OGRVRTDataSource>"}'
    )
    assert pyogrio.read_info(sneaky)["driver"] == "OGR_VRT"  # what an unguarded read does
    with open_source(sneaky) as source:
        raw = read_layer(source)
    assert len(raw.frame) == 0
    assert "secret" not in raw.frame.columns and "name" not in raw.frame.columns


def test_gdal_opens_a_file_only_with_the_driver_of_its_format(tmp_path):
    vrt = tmp_path / "x.vrt"
    vrt.write_text(
        "<OGRVRTDataSource><OGRVRTLayer name='x'><SrcDataSource>x.csv</SrcDataSource>"
        "</OGRVRTLayer></OGRVRTDataSource>"
    )
    with pytest.raises(GdalError), opened(vrt, "GeoJSON"):
        pass
    shapefile = tmp_path / "parcels.shp"
    pyogrio.write_dataframe(parcels(), shapefile)
    with pytest.raises(GdalError), opened(shapefile, "GPKG"):
        pass


@pytest.fixture
def listener():
    """A TCP server on 127.0.0.1 that counts the connections it gets."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    connections = []
    running = threading.Event()
    running.set()

    def accept():
        while running.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            connections.append(connection)
            connection.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    running.clear()
    thread.join(timeout=2)
    server.close()


@pytest.fixture
def gdal_fetching_external_styles():
    """The process-wide setting a deployment might have (e.g. from the environment) under
    which LIBKML fetches a style named by URL."""
    pyogrio.set_gdal_config_options({"LIBKML_EXTERNAL_STYLE": "YES"})
    yield
    pyogrio.set_gdal_config_options({"LIBKML_EXTERNAL_STYLE": None})


def test_gdal_does_not_reach_the_network_for_links_in_an_upload(
    tmp_path, listener, gdal_fetching_external_styles
):
    port, connections = listener
    url = f"http://127.0.0.1:{port}"
    kml = tmp_path / "linked.kml"
    kml.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
  <NetworkLink><name>more</name><Link><href>{url}/more.kml</href></Link></NetworkLink>
  <Placemark><name>a</name><styleUrl>{url}/style.kml#s</styleUrl>
    <Point><coordinates>111.535,37.07</coordinates></Point></Placemark>
</Document></kml>"""
    )
    with open_source(kml) as source:
        list_layers(source)
        raw = read_layer(source)
    assert len(raw.frame) >= 1
    assert connections == []


def square_feature_collection(**members) -> dict:
    lon, lat = 111.535, 37.07
    ring = [[lon, lat], [lon + 0.002, lat], [lon + 0.002, lat + 0.002], [lon, lat + 0.002]]
    feature = {
        "type": "Feature",
        "properties": {"BSM": "1"},
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
    }
    return {"type": "FeatureCollection", **members, "features": [feature]}


def geojson_naming_a_crs(folder: Path, url: str, kind: str) -> Path:
    crs = {
        "name": {"type": "name", "properties": {"name": f"{url}/crs"}},
        "link": {"type": "link", "properties": {"href": f"{url}/crs", "type": "proj4"}},
        "vsicurl": {"type": "name", "properties": {"name": f"/vsicurl/{url}/crs"}},
    }[kind]
    path = folder / f"crs-{kind}.geojson"
    path.write_text(json.dumps(square_feature_collection(crs=crs)))
    return path


def shapefile_with_prj(folder: Path, prj: str) -> Path:
    shapefile = zipped_shapefile(parcels(2, crs=4326), folder, "parcels")
    rebuilt = folder / "prj.zip"
    with zipfile.ZipFile(shapefile) as source, zipfile.ZipFile(rebuilt, "w") as target:
        for name in source.namelist():
            target.writestr(name, prj.encode() if name.endswith(".prj") else source.read(name))
    return rebuilt


def geopackage_view_reading_a_url(folder: Path, url: str) -> Path:
    """A GeoPackage whose layer is a view calling GDAL's SQL function on a /vsicurl/ path."""
    path = folder / "view.gpkg"
    pyogrio.write_dataframe(parcels(2, crs=4326), path, layer="parcels", driver="GPKG")
    with sqlite3.connect(path) as database:
        for statement in (
            "DELETE FROM gpkg_contents WHERE table_name = 'parcels'",
            "DELETE FROM gpkg_geometry_columns WHERE table_name = 'parcels'",
            "DELETE FROM gpkg_ogr_contents WHERE table_name = 'parcels'",
            "CREATE VIEW leak AS SELECT fid, geom, BSM, gdal_get_pixel_value("
            f"'/vsicurl/{url}/view.tif', 1, 'raw', 0, 0) AS remote FROM parcels",
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
            "VALUES ('leak', 'features', 'leak', 4326)",
            "INSERT INTO gpkg_geometry_columns VALUES ('leak', 'geom', 'POLYGON', 4326, 0, 0)",
        ):
            database.execute(statement)
    return path


HOSTILE_REFERENCES = {
    "geojson crs name": lambda folder, url: geojson_naming_a_crs(folder, url, "name"),
    "geojson crs link": lambda folder, url: geojson_naming_a_crs(folder, url, "link"),
    "geojson crs vsicurl": lambda folder, url: geojson_naming_a_crs(folder, url, "vsicurl"),
    "prj url": lambda folder, url: shapefile_with_prj(folder, f"{url}/prj"),
    "prj grid": lambda folder, url: shapefile_with_prj(
        folder, f"+proj=longlat +ellps=GRS80 +nadgrids=@{url}/grid.tif +no_defs"
    ),
    "prj projjson": lambda folder, url: shapefile_with_prj(
        folder, json.dumps({"$schema": f"{url}/projjson.schema.json", "type": "GeographicCRS"})
    ),
    "gpkg view": geopackage_view_reading_a_url,
}


@pytest.mark.parametrize("kind", HOSTILE_REFERENCES)
def test_the_whole_pipeline_never_follows_a_link_in_an_upload(kind, tmp_path, listener, demo_plan):
    """Every way a file can name an address (a CRS, a .prj, a grid, a database view),
    through reading, CRS recognition and checks: a canary listener sees no connection,
    whatever the pipeline decides about the file."""
    port, connections = listener
    path = HOSTILE_REFERENCES[kind](tmp_path, f"http://127.0.0.1:{port}")
    with contextlib.suppress(RejectedFile):
        ingest_file(path, Target(demo_plan, f"canary-{kind.replace(' ', '-')}", key_field=""))
    assert connections == []
