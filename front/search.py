"""One search across the portal: a village or 乡镇 by name or 12-digit code, from the region
table and from the village points of every public plan, each hit leading to its plan and
place (the village's page, else the plan's map at the village), or to the region's page when
no published plan covers it; and the named features of the public layers (facilities, roads,
projects) by name, each leading to the plan's map at the feature. The page ``/search/?q=``
and ``/api/search/?q=`` answer from the same ``search``."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from layers.models import Feature, Layer, PublicPolicy
from planportal.models import Plan, Region, RegionLevel
from planportal.regions import covering_plans

MAX_QUERY = 50
MAX_HITS = 30
# Where a feature of a village layer keeps its 12-digit code (the 汇交 standard field).
CODE_PROPERTY = "XZQDM"
SEARCHED_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
# The level of a hit that is a named feature of a plan layer (a facility, a road, a project).
FEATURE_LEVEL = "feature"
# Named features are searched from a query of this length on (one character finds too much).
FEATURE_MIN_QUERY = 2


@dataclass
class Hit:
    name: str
    code: str
    level: str  # a RegionLevel value, or FEATURE_LEVEL
    level_display: str
    region: Region | None
    plan: Plan | None
    map_url: str  # the plan's map, at the village when its point is known; else ""
    region_url: str  # the region's page; "" when the region table does not hold it
    lon: float | None = None
    lat: float | None = None
    village_url: str = ""  # the village's page in its plan (front/village_views.py)

    @property
    def url(self) -> str:
        """Where the hit leads: the village's page, else the plan's map, else the region's
        page."""
        return self.village_url or self.map_url or self.region_url


def normalise(query: str) -> str:
    return query.strip()[:MAX_QUERY]


def search(query: str) -> list[Hit]:
    query = normalise(query)
    if not query:
        return []
    points = _village_points(query)
    hits: list[Hit] = []
    seen: set[tuple[int | None, str]] = set()
    regions = _regions(query)
    by_code = {region.code: region for region in regions}
    by_code.update(
        (region.code, region)
        for region in Region.objects.filter(
            code__in=[c for c in (_code_of(f) for f in points) if c]
        ).exclude(code__in=by_code)
    )
    for feature in points:
        code = _code_of(feature)
        hit = _point_hit(feature, by_code.get(code))
        seen.add((hit.plan.pk, code or hit.name))
        hits.append(hit)
    for region in regions:
        plans = covering_plans(region)
        for plan in plans:
            if (plan.pk, region.code) in seen or (plan.pk, region.display_name) in seen:
                continue
            hits.append(_region_hit(region, plan))
            seen.add((plan.pk, region.code))
        if not plans:
            hits.append(_region_hit(region, None))
    if len(query) >= FEATURE_MIN_QUERY and not query.isdigit():
        hits.extend(_feature_hit(feature) for feature in _named_features(query))
    hits.sort(key=lambda hit: _rank(hit, query))
    return hits[:MAX_HITS]


def _regions(query: str) -> list[Region]:
    regions = Region.objects.filter(level__in=SEARCHED_LEVELS).select_related("parent")
    if query.isdigit():
        regions = regions.filter(code__startswith=query)
    else:
        regions = regions.filter(Q(name__icontains=query) | Q(short_name__icontains=query))
    return list(regions.order_by("code")[:MAX_HITS])


def _village_points(query: str) -> list[Feature]:
    """Named village points of the public plans' village layers that match by name or code."""
    layers = Layer.objects.public().village_points()
    match = Q(name__icontains=query)
    if query.isdigit():
        match |= Q(**{f"properties__{CODE_PROPERTY}__startswith": query})
    return list(
        Feature.objects.filter(revision__in=layers.values("published_revision"))
        .filter(match)
        .select_related("revision__layer__plan")
        .order_by("name")[:MAX_HITS]
    )


def _named_features(query: str) -> list[Feature]:
    """Named features of the public plans' other layers (not the village points, not the
    generalised restricted layers, whose parcels have no public name) that match by name."""
    layers = (
        Layer.objects.public()
        .exclude(name_field="")
        .exclude(public_policy=PublicPolicy.GENERALISED)
        .exclude(pk__in=Layer.objects.public().village_points().values("pk"))
    )
    return list(
        Feature.objects.filter(revision__in=layers.values("published_revision"))
        .filter(name__icontains=query)
        .select_related("revision__layer__plan")
        .order_by("name", "pk")[:MAX_HITS]
    )


def _feature_hit(feature: Feature) -> Hit:
    layer = feature.revision.layer
    with_place = layer.public_policy == PublicPolicy.FEATURES
    point = feature.geom.point_on_surface if feature.geom.geom_type != "Point" else feature.geom
    params = {"layer": layer.collection_id}
    if with_place:
        params.update(lon=f"{point.x:.6f}", lat=f"{point.y:.6f}")
    map_url = f"{reverse('plan-map', args=[layer.plan.slug])}?{urlencode(params)}"
    return Hit(
        name=feature.name,
        code="",
        level=FEATURE_LEVEL,
        level_display=layer.title,
        region=None,
        plan=layer.plan,
        map_url=map_url,
        region_url="",
        lon=round(point.x, 6) if with_place else None,
        lat=round(point.y, 6) if with_place else None,
    )


def _code_of(feature: Feature) -> str:
    code = str(feature.properties.get(CODE_PROPERTY, "") or "")
    return code if len(code) == 12 and code.isdigit() else ""


def _point_hit(feature: Feature, region: Region | None) -> Hit:
    layer = feature.revision.layer
    # Coordinates only where the layer's features are public; a tiles-only layer still leads
    # to its plan's map.
    with_place = layer.public_policy == PublicPolicy.FEATURES
    point = feature.geom.point_on_surface if feature.geom.geom_type != "Point" else feature.geom
    level = region.level if region else RegionLevel.VILLAGE
    return Hit(
        name=feature.name,
        code=region.code if region else _code_of(feature),
        level=level,
        level_display=str(RegionLevel(level).label),
        region=region,
        plan=layer.plan,
        map_url=_map_url(layer.plan, feature.name if with_place else ""),
        region_url=reverse("region-detail", args=[region.code]) if region else "",
        lon=round(point.x, 6) if with_place else None,
        lat=round(point.y, 6) if with_place else None,
        village_url=_village_url(layer.plan, _code_of(feature)),
    )


def _village_url(plan: Plan, code: str) -> str:
    return reverse("plan-village", args=[plan.slug, code]) if code else ""


def _region_hit(region: Region, plan: Plan | None) -> Hit:
    return Hit(
        name=region.display_name,
        code=region.code,
        level=region.level,
        level_display=region.get_level_display(),
        region=region,
        plan=plan,
        map_url=_map_url(plan) if plan else "",
        region_url=reverse("region-detail", args=[region.code]),
    )


def _map_url(plan: Plan, village: str = "") -> str:
    url = reverse("plan-map", args=[plan.slug])
    return f"{url}?{urlencode({'village': village})}" if village else url


def _rank(hit: Hit, query: str) -> tuple:
    """Exact names first, then names that start with the query, places before features,
    villages before the regions above them, the most local plan first."""
    name = hit.name.lower()
    q = query.lower()
    exact = q in (name, hit.code, (hit.region.name.lower() if hit.region else ""))
    is_feature = hit.level == FEATURE_LEVEL
    return (not exact, not name.startswith(q), is_feature, hit.plan is None, hit.name, hit.code)
