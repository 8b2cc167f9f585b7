"""`make audit`: checks every pinned package of requirements.txt against the known advisories
with pip-audit, keeps the answer in security/dependency-audit.json, and fails when a pinned
version has an advisory or when packages could not be checked at all.

The snapshot is committed, so the test suite checks it offline
(tests/planportal/test_dependency_audit.py) with the same rules (``problems``): a version with
an advisory, a snapshot that no longer matches requirements.txt, and a package the service
could not audit (pip-audit reports those as "skipped" and still exits 0, so "No known
vulnerabilities found" after checking nothing looks like a pass) all fail.

pip-audit asks PyPI's JSON API for each pinned version (``PIP_AUDIT_SERVICE=osv`` asks OSV
instead). Run it where that API answers; refresh after every change of requirements.txt and
from time to time, since advisories appear for versions already pinned.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REQUIREMENTS = REPO / "requirements.txt"
SNAPSHOT = REPO / "security" / "dependency-audit.json"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;#]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(text: str) -> dict[str, str]:
    """requirements.txt's ``name==version`` lines, by canonical name."""
    pins = {}
    for line in text.splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[canonical(match.group(1))] = match.group(2)
    return pins


def problems(snapshot: dict, pins: dict[str, str]) -> list[str]:
    """Why the snapshot does not show the pinned requirements free of known advisories
    (nothing when it does)."""
    found = []
    audited = {}
    for dependency in snapshot.get("dependencies", []):
        name = canonical(dependency.get("name", ""))
        if "skip_reason" in dependency:
            found.append(f"{name}: not audited ({dependency['skip_reason']})")
            continue
        audited[name] = dependency.get("version")
        for vulnerability in dependency.get("vulns", []):
            fixes = ", ".join(vulnerability.get("fix_versions", [])) or "no fixed version"
            found.append(
                f"{name} {dependency.get('version')}: {vulnerability.get('id')} (fixed in {fixes})"
            )
    if not audited:
        found.insert(0, "no package was audited: the snapshot checks nothing")
    for name, version in sorted(pins.items()):
        if name in audited and audited[name] != version:
            found.append(f"{name}: pinned {version}, audited {audited[name]}: run `make audit`")
        elif name not in audited and not any(p.startswith(f"{name}:") for p in found):
            found.append(f"{name}: pinned {version} but not in the snapshot: run `make audit`")
    return found


def run_pip_audit(service: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "audit.json"
        command = [
            str(Path(sys.executable).with_name("pip-audit")),
            "--requirement",
            str(REQUIREMENTS),
            "--no-deps",  # every dependency is pinned in the file itself
            "--disable-pip",
            "--vulnerability-service",
            service,
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--output",
            str(output),
        ]
        # Exit status 1 means "vulnerabilities found"; the JSON says which.
        completed = subprocess.run(command, check=False)  # noqa: S603
        if not output.exists():
            raise SystemExit(f"pip-audit wrote no report (exit status {completed.returncode})")
        return json.loads(output.read_text(encoding="utf-8"))


def pip_audit_version() -> str:
    from importlib.metadata import version

    return version("pip-audit")


def main() -> int:
    service = os.environ.get("PIP_AUDIT_SERVICE", "pypi")
    requirements = REQUIREMENTS.read_text(encoding="utf-8")
    report = run_pip_audit(service)
    snapshot = {
        "audited_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tool": f"pip-audit {pip_audit_version()}",
        "service": service,
        "requirements_sha256": hashlib.sha256(requirements.encode()).hexdigest(),
        "dependencies": sorted(report["dependencies"], key=lambda d: canonical(d["name"])),
    }
    SNAPSHOT.parent.mkdir(exist_ok=True)
    SNAPSHOT.write_text(
        json.dumps(snapshot, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    found = problems(snapshot, read_pins(requirements))
    audited = sum("skip_reason" not in d for d in snapshot["dependencies"])
    print(f"{audited} of {len(read_pins(requirements))} pinned packages audited ({service}).")
    for problem in found:
        print(f"  {problem}", file=sys.stderr)
    print(f"Snapshot: {SNAPSHOT.relative_to(REPO)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
