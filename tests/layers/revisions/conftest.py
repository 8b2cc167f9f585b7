"""The upload and revision tests' data: a layer for uploads, the known pair of revisions, and
uploads stored in the test's own folder."""

import pytest

from tests.layers.ingest.samples import parcels_layer
from tests.layers.revisions.revision_helpers import layer_with_two_revisions


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads are stored under the test's tmp_path (the worker tests, which share files with
    a live server, keep the real MEDIA_ROOT)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def layer(demo_plan):
    """A parcels layer of the demo plan without revisions, for uploads."""
    return parcels_layer(demo_plan, "test-upload")


@pytest.fixture
def known_pair(demo_plan, tmp_path, planner):
    """(layer, revision 1, revision 2): revision 1 published, revision 2 the known change of
    it (revision_helpers.KNOWN_COUNTS), both written by the planner through the pipeline."""
    return layer_with_two_revisions(demo_plan, "known-pair", tmp_path, user=planner)
