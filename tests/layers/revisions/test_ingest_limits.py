"""An upload that needs more CPU time or memory than one upload may have fails with a plain
message, and nothing else notices: the layer's published revision stays, the job worker goes
on with the next upload. Jobs run in a real worker (``manage.py procrastinate worker``) with
tight limits, whose child processes (layers/revisions/confined.py) meet them for real."""

import numpy as np
import pytest
from pyproj import Transformer

from layers.models import Feature, Layer, LayerRevision
from tests.layers.ingest.samples import CENTRE_LONLAT, TO_GK_PLAIN
from tests.layers.revisions.upload_helpers import (
    Scene,
    gbk_parcels_zip,
    http,
    log_tail,
    start_worker,
    stop_worker,
    wait_for_job,
)

pytestmark = pytest.mark.django_db

TO_LONLAT = Transformer.from_crs(4546, 4326, always_xy=True)

GBK_KEY = '{"DKBH": "BSM"}'  # gbk_parcels_zip names its key DKBH
LIMIT_CODES = ("ingest_cpu_limit", "ingest_memory_limit")


def grid_of_parcels(path, side: int):
    """side × side parcels of 4 m, 5 m apart, inside the plan area, as GeoJSON: a file an
    honest planner could send, only larger than the test's limits allow. Written as text:
    a GeoDataFrame of them takes several times longer to build."""
    x0, y0 = TO_GK_PLAIN.transform(*CENTRE_LONLAT)
    steps = np.arange(side) * 5.0
    xs, ys = np.meshgrid(x0 + steps, y0 + steps)
    xs, ys = xs.ravel(), ys.ravel()
    corners = [(xs, ys), (xs + 4, ys), (xs + 4, ys + 4), (xs, ys + 4), (xs, ys)]
    lonlat = [TO_LONLAT.transform(cx, cy) for cx, cy in corners]
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"type":"FeatureCollection","features":[')
        for n in range(len(xs)):
            ring = ",".join(f"[{lon[n]:.8f},{lat[n]:.8f}]" for lon, lat in lonlat)
            out.write(
                ("," if n else "")
                + f'{{"type":"Feature","properties":{{"BSM":"1411811010{n:08d}",'
                + '"DLBM":"0103","DLMC":"旱地"},'
                + f'"geometry":{{"type":"Polygon","coordinates":[[{ring}]]}}}}'
            )
        out.write("]}")
    return path


@pytest.fixture(scope="module")
def large_file(tmp_path_factory):
    # 490,000 parcels: 160,000 took less than the CPU limit's 3 s on a fast machine (the
    # ingest streams them at about ogr2ogr's speed); the worker is stopped at the limit, so
    # more parcels cost only the time to write the file.
    return grid_of_parcels(tmp_path_factory.mktemp("large") / "地块.geojson", side=700)


def one_huge_feature(path, vertices: int):
    """One parcel whose outline has ``vertices`` vertices, as GeoJSON: reading it needs
    hundreds of megabytes whatever the pipeline does (GDAL parses the whole feature), while a
    large file of ordinary parcels is read batch by batch in flat memory."""
    x0, y0 = TO_GK_PLAIN.transform(*CENTRE_LONLAT)
    angles = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    lon, lat = TO_LONLAT.transform(x0 + 200 * np.cos(angles), y0 + 200 * np.sin(angles))
    ring = ",".join(f"[{x:.8f},{y:.8f}]" for x, y in zip(lon, lat, strict=True))
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            '{"type":"FeatureCollection","features":[{"type":"Feature",'
            '"properties":{"BSM":"141181101000000001","DLBM":"0103","DLMC":"旱地"},'
            f'"geometry":{{"type":"Polygon","coordinates":[[{ring},[{lon[0]:.8f},{lat[0]:.8f}]]]}}}}]}}'
        )
    return path


@pytest.fixture(scope="module")
def huge_feature(tmp_path_factory):
    return one_huge_feature(tmp_path_factory.mktemp("huge") / "地块.geojson", 2_000_000)


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        scene = Scene()
        scene.planner_user = scene.planner()
        scene.planner_token = scene.token(scene.planner_user)
        scene.layers = {code: scene.layer(code.replace("_", "-")) for code in LIMIT_CODES}
    yield scene
    with django_db_blocker.unblock():
        scene.clean_up()


def upload(live_url, scene, collection_id, path, **fields):
    status, _, body = http(
        "POST",
        f"{live_url}/api/layers/{collection_id}/revisions/",
        token=scene.planner_token,
        files={"file": path},
        fields=fields,
    )
    assert status == 202, body
    return body["id"]


@pytest.mark.parametrize(
    ("limits", "code", "words"),
    [
        # Enough for the three parcels on the slowest machine seen (over 1 s there), far too
        # little for 490,000.
        ({"INGEST_CPU_SECONDS": "3"}, "ingest_cpu_limit", "处理时间超过了单次上传的上限 3 秒"),
        (
            {
                "INGEST_MEMORY_BYTES": str(300 * 1024**2),
                "UPLOAD_MAX_VERTICES_PER_FEATURE": "5000000",
            },
            "ingest_memory_limit",
            "所需的内存超过了单次上传的上限 300 MB",
        ),
    ],
    ids=["cpu", "memory"],
)
def test_an_upload_over_a_limit_fails_plainly_and_changes_nothing(
    scene, live_url, tmp_path, large_file, huge_feature, django_db_blocker, limits, code, words
):
    log = tmp_path / "worker.log"
    worker = start_worker(log, **limits)
    try:
        layer = scene.layers[code]
        small = gbk_parcels_zip(tmp_path)
        first = wait_for_job(upload(live_url, scene, layer.collection_id, small, mapping=GBK_KEY))
        assert first.state == "done", (first.problems, first.error, log_tail(log))
        with django_db_blocker.unblock():
            Layer.objects.filter(pk=layer.pk).update(published_revision=first.revision)

        # Many parcels take time; memory only one enormous feature takes (the ingest streams).
        big = large_file if code == "ingest_cpu_limit" else huge_feature
        job = wait_for_job(upload(live_url, scene, layer.collection_id, big), seconds=120)

        assert job.state == "failed", (job.error, log_tail(log))
        assert [p["code"] for p in job.problems] == [code], (job.problems, job.error)
        assert words in job.problems[0]["message"]
        assert job.error == ""  # no traceback text for the planner
        layer.refresh_from_db()
        assert layer.published_revision_id == first.revision_id
        numbers = LayerRevision.objects.filter(layer=layer).values_list("number", flat=True)
        assert list(numbers) == [1]
        assert Feature.objects.filter(revision__layer=layer).count() == 3

        # The worker lives on: the next upload goes through.
        again = wait_for_job(upload(live_url, scene, layer.collection_id, small, mapping=GBK_KEY))
        assert again.state == "done", log_tail(log)
    finally:
        stop_worker(worker)
