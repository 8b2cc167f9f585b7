"""What the officials' tests share beyond tests/factories.py: a place in the demo plan and its
villages (the queue filters, statistics and report count by village)."""

from django.contrib.gis.geos import Point

from consultation.staff_queue import plan_villages
from tests.factories import make_layer

# Near 阳泉曲镇 (lon, lat), inside the plan's extent.
TOWN = (111.55, 37.13)


def ensure_villages(plan) -> list[str]:
    """The plan's village names: the demo village layer's once it is loaded, else three made
    here (inside the test's transaction)."""
    names = plan_villages(plan)
    if len(names) >= 3:
        return names
    villages = [
        (Point(TOWN[0] + offset * 0.01, TOWN[1], srid=4326), name)
        for offset, name in enumerate(("克俄村", "西河底村", "春塔村"))
    ]
    make_layer(plan, "test-officials-villages", name_field="XZQMC", shapes=villages)
    return plan_villages(plan)
