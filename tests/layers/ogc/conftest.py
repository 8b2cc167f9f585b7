"""The OGC API tests' layer: 25 village points of the demo plan, published."""

import pytest

from layers.models import Layer
from tests.factories import make_layer
from tests.layers.ogc.ogc_helpers import points


@pytest.fixture
def villages(demo_plan) -> Layer:
    """ogc-test-villages: 25 points in a row along 37°N from 111.00°E to 111.24°E."""
    return make_layer(
        demo_plan,
        "ogc-test-villages",
        shapes=points(25),
        title="测试图层 ogc-test-villages",
        description="为 OGC API 测试建立",
    )
