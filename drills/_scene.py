"""The planner and the layer the upload drills start from, and what they check afterwards."""

import time
from pathlib import Path

import psycopg
from _clients import SLUG, upload_job
from _stack import manage

LAYER = "drill-parcels"
PLANNER = "drill-planner"
PLANNER_SCRIPT = f"""
from rest_framework.authtoken.models import Token
from tests.factories import make_user
user = make_user("{PLANNER}", "planners", is_staff=True)
print(Token.objects.get_or_create(user=user)[0].key)
"""


def parcels_file(path: Path, count: int) -> Path:
    """``count`` parcels of 4 m in a grid inside the plan area, as GeoJSON with BSM keys."""
    side = int(count**0.5) + 1
    lon0, lat0, step = 111.50, 37.03, 0.00006
    with path.open("w", encoding="utf-8") as out:
        out.write('{"type":"FeatureCollection","features":[')
        for n in range(count):
            x, y = lon0 + (n % side) * step, lat0 + (n // side) * step
            d = step * 0.7
            ring = f"[[{x:.6f},{y:.6f}],[{x + d:.6f},{y:.6f}],[{x + d:.6f},{y + d:.6f}],"
            ring += f"[{x:.6f},{y + d:.6f}],[{x:.6f},{y:.6f}]]"
            out.write(
                ("," if n else "")
                + f'{{"type":"Feature","properties":{{"BSM":"D{n:09d}","DLMC":"水田"}},'
                + f'"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}}'
            )
        out.write("]}")
    return path


def planner_with_a_published_layer(env: dict, first: Path) -> str:
    """A planner's API token, and LAYER published from ``first`` by ``import_layer``."""
    token = manage(env, "shell", "-c", PLANNER_SCRIPT).splitlines()[-1]
    manage(
        env, "import_layer", SLUG, LAYER, str(first), "--key", "BSM", "--publish",
        "--section", "3.2", "--data-status", "示意", "--source", "演练", "--note", "演练",
        "--actor", PLANNER,
    )  # fmt: skip
    return token


def layer_state(database: str) -> tuple[int | None, list[tuple[int, int, int]]]:
    """LAYER's published revision, and each revision with its stored features count against
    the count it declares (equal when whole)."""
    with psycopg.connect(database.replace("postgis://", "postgresql://")) as connection:
        published = connection.execute(
            "SELECT published_revision_id FROM layers_layer WHERE collection_id = %s", [LAYER]
        ).fetchone()[0]
        revisions = connection.execute(
            "SELECT r.number, r.feature_count, "
            "(SELECT count(*) FROM layers_feature f WHERE f.revision_id = r.id) "
            "FROM layers_layerrevision r JOIN layers_layer l ON l.id = r.layer_id "
            "WHERE l.collection_id = %s ORDER BY r.number",
            [LAYER],
        ).fetchall()
    return published, revisions


def wait_for_state(base, token, job_id, states, seconds=300, stage=None) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = upload_job(base, token, job_id)
        if job.get("state") in states and (stage is None or job.get("stage") == stage):
            return job
        time.sleep(0.1)
    return upload_job(base, token, job_id)


def upload_jobs(database: str) -> int:
    with psycopg.connect(database.replace("postgis://", "postgresql://")) as connection:
        return connection.execute("SELECT count(*) FROM layers_uploadjob").fetchone()[0]
