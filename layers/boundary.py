"""The plan's area: the official township boundary when the plan has one, else the
approximate extent (``Plan.extent``, 示意范围), which is never used as if it were legal.

The official boundary is the union of the published features of the plan's township boundary
layers (code XZQ) whose data status is official and that are not demonstration data. Only
with it are "outside the plan" answers and the upload extent check firm.
"""

from dataclasses import dataclass

from django.contrib.gis.db.models import Union
from django.contrib.gis.geos import GEOSGeometry

from layers.models import DataStatus, Feature, Layer, LayerRoles
from planportal.models import Plan


@dataclass(frozen=True)
class PlanArea:
    geometry: GEOSGeometry | None  # EPSG:4326; None when the plan has no area at all
    official: bool  # True only for the official boundary


def official_boundary(plan: Plan) -> GEOSGeometry | None:
    """The union of the plan's published official township boundary features, or None."""
    layers = Layer.objects.filter(
        LayerRoles.TOWNSHIP_BOUNDARY.q(),
        plan=plan,
        published_revision__isnull=False,
        is_demo=False,
        data_status=DataStatus.OFFICIAL,
    )
    revisions = layers.values("published_revision_id")
    union = Feature.objects.filter(revision_id__in=revisions).aggregate(area=Union("geom"))["area"]
    if union is None or union.empty:
        return None
    return union


def plan_area(plan: Plan) -> PlanArea:
    """The boundary answers and checks go by: the official one, else the approximate extent."""
    boundary = official_boundary(plan)
    if boundary is not None:
        return PlanArea(boundary, official=True)
    return PlanArea(plan.extent, official=False)
