"""A gunicorn worker loads the WSGI application and every URL's view, but not the libraries
that only reading an uploaded layer needs: pandas, pyarrow and geopandas cost about 175 MiB
in each worker (bench/photo_flood.py's workers went over their 1 GiB goal before any photo
came in). The job worker's children import them when they read a file."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "pyarrow", "geopandas", "pyogrio")

PROBE = """
import json, sys
from planportal.wsgi import application
from django.urls import get_resolver
get_resolver().url_patterns  # every urlconf and view module
import layers.tasks, consultation.tasks, planportal.tasks  # what procrastinate's app loads
import layers.ingest
layers.ingest.RejectedFile, layers.ingest.RevisionDiff, layers.ingest.landuse_name
print(json.dumps([name for name in %r if name in sys.modules]))
"""


def modules_loaded_by(probe: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", probe % (HEAVY,)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={"DJANGO_SETTINGS_MODULE": "planportal.settings", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_web_application_loads_without_the_file_readers():
    assert modules_loaded_by(PROBE) == []


def test_the_probe_sees_a_reader_import():
    """The probe is not blind: importing the streaming reader brings pandas and pyarrow in."""
    loaded = modules_loaded_by(PROBE.replace("print(", "import layers.ingest.reader\nprint("))
    assert {"pandas", "pyarrow"} <= set(loaded)
