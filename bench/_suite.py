"""`make bench`: every benchmark in bench/ in turn, on a database of their own, with the time
each took and the machine's load around it, against the 30-minute budget of the whole run.

The benchmarks make scratch plans, layers and comments and remove them again, but the audit
trail keeps its row history of them, and an interrupted run leaves them behind: so they run
on `planportal_bench` (made afresh from `template_postgis`, migrated and given the demo plan),
never on the database `make run` serves. Their files (the demo plan's document, comment
photos) go to a media folder of the run's own, not to the one `make run` serves. Both go at
the end (`--keep` keeps them).

    .venv/bin/python bench/_suite.py [--only tiles_vs_tipg,comments] [--keep]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

REPO = Path(__file__).resolve().parent.parent
PYTHON = str(REPO / ".venv/bin/python")
BUDGET_SECONDS = 30 * 60
DATABASE = os.environ.get("BENCH_DATABASE_NAME", "planportal_bench")
APPLICATION_URL = "postgis://planportal:planportal@127.0.0.1:5432/planportal"
OWNER_URL = "postgis://planportal_owner:planportal_owner@127.0.0.1:5432/planportal"


def on_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def libpq(url: str) -> str:
    return url.replace("postgis://", "postgresql://", 1)


def bench_environment() -> dict[str, str]:
    """The environment every benchmark runs in: the application's and the owner's roles
    (as `make run` has them, or as DATABASE_URL and MIGRATION_DATABASE_URL say) on the
    benchmarks' database."""
    application = os.environ.get("DATABASE_URL", APPLICATION_URL)
    owner = os.environ.get("MIGRATION_DATABASE_URL", OWNER_URL)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "planportal.settings",
        "DATABASE_URL": on_database(application, DATABASE),
        "MIGRATION_DATABASE_URL": on_database(owner, DATABASE),
    }


def fresh_database(env: dict[str, str]) -> None:
    """`planportal_bench` made again from the PostGIS template by the owner role (it may
    create databases; no superuser needed), migrated, with the demo plan."""
    maintenance = libpq(on_database(env["MIGRATION_DATABASE_URL"], "postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}" TEMPLATE template_postgis')
    for command in (["migrate", "-v", "0"], ["load_demo_plan"], ["bake_tiles"]):
        manage = [PYTHON, "manage.py", *command]
        subprocess.run(manage, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)


def drop_database(env: dict[str, str]) -> None:
    maintenance = libpq(on_database(env["MIGRATION_DATABASE_URL"], "postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def benchmarks(only: set[str]) -> list[Path]:
    found = sorted(p for p in (REPO / "bench").glob("[!_]*.py"))
    return [p for p in found if not only or p.stem in only]


def load() -> str:
    return "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="comma-separated script names, no .py")
    parser.add_argument("--keep", action="store_true", help="keep planportal_bench afterwards")
    args = parser.parse_args()
    env = {**bench_environment(), "MEDIA_ROOT": tempfile.mkdtemp(prefix="planportal-bench-media-")}
    started = time.monotonic()
    print(f"== setting up the database {DATABASE} (load {load()})", flush=True)
    fresh_database(env)
    rows = []
    try:
        for script in benchmarks({n for n in args.only.split(",") if n}):
            before, began = load(), time.monotonic()
            print(f"\n== {script.name} (load {before})", flush=True)
            code = subprocess.run([PYTHON, str(script)], cwd=REPO, env=env).returncode
            rows.append((script.name, time.monotonic() - began, before, load(), code))
    finally:
        if args.keep:
            print(f"kept: the database {DATABASE} and the media folder {env['MEDIA_ROOT']}")
        else:
            drop_database(env)
            shutil.rmtree(env["MEDIA_ROOT"], ignore_errors=True)
    total = time.monotonic() - started
    print("\n== summary (load average 1/5/15 min before and after each)")
    print(f"{'benchmark':<24} {'seconds':>8}  {'load before':<15} {'load after':<15} exit")
    for name, seconds, before, after, code in rows:
        print(f"{name:<24} {seconds:>8.0f}  {before:<15} {after:<15} {code}")
    verdict = "PASS" if total <= BUDGET_SECONDS else "MISS"
    budget = BUDGET_SECONDS // 60
    print(f"total {total / 60:.1f} min with the set-up, budget {budget} min: {verdict}")
    failed = [name for name, *_, code in rows if code != 0]
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
