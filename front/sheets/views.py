"""The map sheets: the village sheet (打印本村规划) and the sheet of the map's current view
(打印当前地图), each as an HTML page laid out for paper and as a PDF made on the server."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from front.sheets.common import BadSheetRequest, answer, bad_request, paper_of, sheet_context
from front.sheets.drawing import SheetTooLarge, draw_map
from front.sheets.frame import Frame, scale_bar
from front.village import find_village, village_report
from layers.models import Layer
from planportal.models import Plan

# Around a village point without an area: this many degrees each way (about 1 km).
POINT_HALF_SPAN = 0.01
# A map sheet shows at most this many degrees across (about 50 km: a township, never a
# province; drawing costs grow with the area).
MAX_SPAN_DEGREES = 0.5
MAX_LAYERS = 30


def public_village(slug: str, code: str):
    """The public plan ``slug`` and its village ``code``, or 404."""
    plan = get_object_or_404(Plan.objects.public(), slug=slug)
    village = find_village(plan, code)
    if village is None:
        raise Http404("No village of this plan has that code.")
    return plan, village


def village_sheet(request, slug: str, code: str, as_pdf: bool = False):
    plan, village = public_village(slug, code)
    try:
        paper = paper_of(request)
    except BadSheetRequest as error:
        return bad_request(error)
    layers = village_layers(plan, village)

    def build_context():
        context = village_map_context(plan, village, layers, paper, paper.map_size(share=0.5))
        return context | {
            "report": village_report(plan, village),
            "pdf_url": _pdf_url(request, "plan-village-print-pdf", plan.slug, village.code),
        }

    return answer(
        request,
        "front/sheets/village.html",
        build_context,
        as_pdf=as_pdf,
        paper=paper,
        etag_parts=plan_revisions(plan, layers) + [village.code],
        filename=_("%(plan)s %(village)s.pdf") % {"plan": plan.name, "village": village.name},
    )


def village_map_context(plan: Plan, village, layers, paper, size, *, bar_share=0.3) -> dict:
    """What the village sheet and the poster share: the village's map of ``size`` (mm), its
    area outlined, with its scale, and the sheet's common parts for the village's page."""
    frame = Frame.around(village_bbox(village), *size, pad=0.12)
    sheet_map = draw_map(
        frame,
        layers,
        label=_("Map of %(village)s") % {"village": village.name},
        outline_feature_id=village.area.pk if village.area is not None else None,
    )
    page = reverse("plan-village", args=[plan.slug, village.code])
    context = sheet_context(page_path=page, paper=paper, layers=layers, sheet_map=sheet_map)
    return context | {
        "plan": plan,
        "village": village,
        "frame": frame,
        "scale": scale_bar(frame, longest_share=bar_share),
    }


def map_sheet(request, slug: str, as_pdf: bool = False):
    plan = get_object_or_404(Plan.objects.public(), slug=slug)
    try:
        paper = paper_of(request, default_orientation="landscape")
        layers = _chosen_layers(plan, request.GET.get("layers", ""))
        bbox = parse_bbox(request.GET.get("bbox", ""))
    except BadSheetRequest as error:
        return bad_request(error)

    def build_context():
        width, height = paper.map_size(share=0.62)
        frame = Frame.around(bbox, width, height)
        sheet_map = draw_map(frame, layers, label=_("Plan map"))
        page = _map_address(plan, layers, frame)
        context = sheet_context(page_path=page, paper=paper, layers=layers, sheet_map=sheet_map)
        return context | {
            "plan": plan,
            "frame": frame,
            "scale": scale_bar(frame),
            "pdf_url": _pdf_url(request, "plan-map-print-pdf", plan.slug),
        }

    try:
        return answer(
            request,
            "front/sheets/map.html",
            build_context,
            as_pdf=as_pdf,
            paper=paper,
            etag_parts=plan_revisions(plan, layers) + [",".join(map(str, bbox))],
            filename=_("%(plan)s map.pdf") % {"plan": plan.name},
        )
    except SheetTooLarge:
        return bad_request(BadSheetRequest(_("Too much to draw: zoom in or switch layers off.")))


def _map_address(plan: Plan, layers: list[Layer], frame: Frame) -> str:
    """The map at the sheet's centre with one of its layers on, as the map page's address
    understands it today (?layer=&lon=&lat=, static/js/map/main.js): the first layer that a
    first visit does not show already."""
    shown = next((layer for layer in layers if not layer.is_on_by_default), layers[0])
    lon, lat = frame.centre_lonlat
    view = {"layer": shown.collection_id, "lon": f"{lon:.5f}", "lat": f"{lat:.5f}"}
    return f"{reverse('plan-map', args=[plan.slug])}?{urlencode(view)}"


def _pdf_url(request, name: str, *args) -> str:
    query = request.GET.urlencode()
    return reverse(name, args=args) + (f"?{query}" if query else "")


def village_layers(plan: Plan, village) -> list[Layer]:
    """What the village sheet draws: the layers a first visit to the map shows (the
    villages, the seat, rivers, roads, the urban development boundary), and the village
    areas with their classification."""
    layers = list(Layer.objects.public().filter(plan=plan).select_related("published_revision"))
    area_layer_id = village.area_layer.pk if village.area_layer else None
    return [layer for layer in layers if layer.is_on_by_default or layer.pk == area_layer_id]


def village_bbox(village):
    if village.area is not None:
        return village.area.geom.extent
    point = village.location
    if point is None:
        raise Http404("The village has no place on the map.")
    return (
        point.x - POINT_HALF_SPAN,
        point.y - POINT_HALF_SPAN,
        point.x + POINT_HALF_SPAN,
        point.y + POINT_HALF_SPAN,
    )


def _chosen_layers(plan: Plan, text: str) -> list[Layer]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise BadSheetRequest(_("Choose at least one layer (layers=…)."))
    if len(ids) > MAX_LAYERS:
        raise BadSheetRequest(_("Too many layers for one sheet."))
    layers = {
        layer.collection_id: layer
        for layer in Layer.objects.public()
        .filter(plan=plan, collection_id__in=ids)
        .select_related("published_revision")
    }
    unknown = [collection_id for collection_id in ids if collection_id not in layers]
    if unknown:
        raise BadSheetRequest(_("This plan has no public layer %(id)s.") % {"id": unknown[0][:100]})
    return [layers[collection_id] for collection_id in dict.fromkeys(ids)]


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """west,south,east,north in degrees (EPSG:4326), at most MAX_SPAN_DEGREES across."""
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        raise BadSheetRequest(
            _("The map area (bbox) must be four numbers: west,south,east,north.")
        ) from None
    inside = -180 <= west < east <= 180 and -85 <= south < north <= 85
    if not inside:
        raise BadSheetRequest(_("The map area (bbox) is not a valid area in degrees."))
    if east - west > MAX_SPAN_DEGREES or north - south > MAX_SPAN_DEGREES:
        raise BadSheetRequest(_("The map area is too large for one sheet: zoom in."))
    return west, south, east, north


def plan_revisions(plan: Plan, layers: list[Layer]) -> list:
    """What the sheet's content depends on: the plan's version and text, the layers'
    published revisions and the settings they are drawn with."""
    parts = [plan.pk, plan.updated_at.isoformat(), plan.current_version.pk]
    for layer in layers:
        parts += [layer.collection_id, layer.published_revision_id, layer.public_policy]
        parts += [layer.data_status, layer.is_demo, layer.style, layer.legend, layer.title]
    return parts
