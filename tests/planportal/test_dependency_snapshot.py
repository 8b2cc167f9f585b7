"""The committed snapshot of `make audit` (security/dependency-audit.json) shows every pinned
package of requirements.txt audited at its pinned version, with no known advisory (the rules:
test_dependency_audit.py). It fails when the snapshot is stale, names an advisory, or checked
nothing: refresh it with `make audit` where the vulnerability service answers."""

import json

from tests.planportal.test_dependency_audit import audit


def test_the_pinned_requirements_have_no_known_advisory_in_the_snapshot():
    pins = audit.read_pins(audit.REQUIREMENTS.read_text(encoding="utf-8"))
    assert len(pins) > 50  # the whole file was read
    recorded = json.loads(audit.SNAPSHOT.read_text(encoding="utf-8"))
    found = audit.problems(recorded, pins)
    assert found == [], (
        f"security/dependency-audit.json ({recorded.get('audited_at')}, {recorded.get('tool')}"
        f" via {recorded.get('service')}): {len(found)} problems; run `make audit` where the "
        "vulnerability service answers. First ones:\n" + "\n".join(found[:10])
    )
