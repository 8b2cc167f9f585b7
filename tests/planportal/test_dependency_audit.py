"""The rules of the dependency audit (`make audit`, scripts/audit_dependencies.py), which
test_dependency_snapshot.py applies to the committed snapshot: it must cover every pinned
package of requirements.txt at its pinned version, with no known advisory. A snapshot in which
the service audited nothing (pip-audit "skips" such packages and still says "No known
vulnerabilities found") fails, as does a stale one."""

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def load_script():
    """Import the script by path: scripts/ is not a package."""
    spec = importlib.util.spec_from_file_location(
        "audit_dependencies", REPO / "scripts/audit_dependencies.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


audit = load_script()
PINS = {"django": "5.2.19", "pillow": "13.0.0"}


def snapshot(*dependencies) -> dict:
    return {"dependencies": list(dependencies)}


def clean(name, version):
    return {"name": name, "version": version, "vulns": []}


def test_a_snapshot_that_audited_nothing_fails():
    skipped = [
        {"name": name, "skip_reason": "Dependency not found on PyPI and could not be audited"}
        for name in PINS
    ]
    found = audit.problems(snapshot(*skipped), PINS)
    assert found[0] == "no package was audited: the snapshot checks nothing"
    assert audit.problems(snapshot(), PINS)[0].startswith("no package was audited")


def test_one_package_left_unaudited_fails():
    found = audit.problems(
        snapshot(clean("django", "5.2.19"), {"name": "pillow", "skip_reason": "timeout"}), PINS
    )
    assert found == ["pillow: not audited (timeout)"]


def test_a_pinned_version_with_an_advisory_fails():
    vulnerable = {
        "name": "Django",
        "version": "5.2.19",
        "vulns": [{"id": "PYSEC-2026-1", "fix_versions": ["5.2.20"]}],
    }
    found = audit.problems(snapshot(vulnerable, clean("pillow", "13.0.0")), PINS)
    assert found == ["django 5.2.19: PYSEC-2026-1 (fixed in 5.2.20)"]


def test_a_stale_snapshot_fails():
    found = audit.problems(snapshot(clean("django", "5.2.18")), PINS)
    assert "django: pinned 5.2.19, audited 5.2.18: run `make audit`" in found
    assert "pillow: pinned 13.0.0 but not in the snapshot: run `make audit`" in found


def test_a_clean_snapshot_of_every_pin_passes():
    complete = snapshot(clean("Django", "5.2.19"), clean("Pillow", "13.0.0"))
    assert audit.problems(complete, PINS) == []


@pytest.mark.parametrize(
    ("line", "pin"),
    [
        ("Django==5.2.19", ("django", "5.2.19")),
        ("pip_api==0.0.35", ("pip-api", "0.0.35")),
        ("psycopg[binary]==3.3.9 ; python_version >= '3.11'", ("psycopg", "3.3.9")),
    ],
)
def test_pins_are_read_by_their_canonical_name(line, pin):
    assert audit.read_pins(f"# a comment\n{line}\n") == dict([pin])
