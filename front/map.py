"""The plan on a map: the page residents open, mostly on a phone.

The page itself is a thin shell; the ES modules in static/js/map/ draw the map from the layer
catalogue API. Everything they need (API addresses, translated words, the plan's extent, the
basemap) reaches them through one ``json_script`` block, so no path is written in JavaScript.
"""

from urllib.parse import quote

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from consultation.embed import comment_form_config, current_consultation
from consultation.models import Consultation
from front.share_meta import map_share
from layers.models import Layer, LayerRoles
from layers.serializers import LayerSerializer
from planportal.models import Plan

# 天地图 Web Mercator tiles (vec_w: streets, cva_w: Chinese labels), CGCS2000, no GCJ-02 offset.
TIANDITU_TEMPLATE = (
    "https://t{s}.tianditu.gov.cn/%(layer)s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=%(layer)s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%(key)s"
)
TIANDITU_APPROVAL = "GS(2024)0650号"
VILLAGE_PLACEHOLDER = "000000000000"


def plan_map(request, slug: str):
    plan = get_object_or_404(Plan.objects.public(), slug=slug)
    layers = list(
        Layer.objects.public()
        .filter(plan=plan)
        .select_related("plan", "chapter", "section", "published_revision")
    )
    config = map_config(plan, layers, current_consultation(plan))
    return render(
        request,
        "front/plan_map.html",
        {
            "plan": plan,
            "config": config,
            # The layer catalogue, as GET config.urls.layers answers it: on a slow line its
            # own request cost a round trip after the scripts, before any layer could load.
            "catalogue": LayerSerializer(layers, many=True, context={"request": request}).data,
            "has_demo_layers": any(layer.is_demo for layer in layers),
            "has_geopackage": any(layer.allows_features for layer in layers),
            "basemap_approval": TIANDITU_APPROVAL if config["basemap"] else "",
            "share": map_share(request, plan),
        },
    )


def map_config(plan: Plan, layers: list[Layer], consultation: Consultation | None = None) -> dict:
    return {
        "language": get_language(),
        "plan": {"slug": plan.slug, "name": plan.name},
        "urls": {
            "layers": reverse("api-plan-layers", args=[plan.slug]),
            "report": reverse("api-point-report", args=[plan.slug]),
            "plan": reverse("plan-detail", args=[plan.slug]),
            # A village's page: the popup of a village puts its code in place of the zeros.
            "village_page": reverse("plan-village", args=[plan.slug, VILLAGE_PLACEHOLDER]),
            "village_placeholder": VILLAGE_PLACEHOLDER,
            # The printable sheet of the current view (front/sheets/, static/js/map/print.js).
            "print": reverse("plan-map-print", args=[plan.slug]),
            # Loaded only when a resident comments: the form module and Leaflet.draw (which
            # django-leaflet ships; it is fetched on the first drawing).
            "comment_form_module": static("js/comment-form.js"),
            "draw_script": static("leaflet/draw/leaflet.draw.js"),
            "draw_css": static("leaflet/draw/leaflet.draw.css"),
            # Loaded with the first tiled layer drawn (static/js/map/layers.js).
            "vector_grid_script": static(
                "vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"
            ),
        },
        "extent": _extent(plan, layers),
        "basemap": _basemap(),
        "default_layers": [layer.collection_id for layer in layers if layer.is_on_by_default],
        "village_layer": next(
            (layer.collection_id for layer in layers if layer.is_village_points), None
        ),
        "labels": labelled_layers(layers),
        "background_layers": _background_layers(layers),
        "strings": _strings(),
        "comments": comment_form_config(consultation) if consultation else None,
        "shows_published_comments": bool(consultation and consultation.show_published_comments),
        "comment_strings": _comment_strings() if consultation else None,
    }


def _extent(plan: Plan, layers: list[Layer]) -> list[float] | None:
    """[west, south, east, north] of the plan area, else of its layers."""
    if plan.extent is not None:
        return list(plan.extent.extent)
    boxes = [
        layer.published_revision.extent.extent
        for layer in layers
        if layer.published_revision.extent is not None
    ]
    if not boxes:
        return None
    return [
        min(box[0] for box in boxes),
        min(box[1] for box in boxes),
        max(box[2] for box in boxes),
        max(box[3] for box in boxes),
    ]


# Which layers the map writes names of, and as what (static/js/map/labels.js decides from
# which zoom each kind shows and which wins when names collide).
LABEL_KINDS = (
    ("seat", LayerRoles.SEAT),
    ("river", LayerRoles.RIVERS),
    ("road", LayerRoles.ROADS),
)


def _label_kind(layer: Layer) -> str:
    if layer.is_village_points:
        return "village"
    return next((kind for kind, role in LABEL_KINDS if role.matches(layer)), "")


def labelled_layers(layers: list[Layer]) -> dict[str, dict]:
    """{collection id: {kind, field}} of the layers whose names are written on the map. Only
    layers whose features the public may download: a tiled layer's names stay in its popups."""
    return {
        layer.collection_id: {"kind": kind, "field": layer.name_field}
        for layer in layers
        if layer.name_field and layer.allows_features and (kind := _label_kind(layer))
    }


def _background_layers(layers: list[Layer]) -> list[str]:
    """Layers drawn as a light background when there is no basemap: the official township
    outline (an approximate one would read as the legal boundary), the rivers and the roads.
    Their names come with the labels."""
    return [
        layer.collection_id
        for layer in layers
        if layer.allows_features
        and (
            layer.is_official_boundary
            or LayerRoles.RIVERS.matches(layer)
            or LayerRoles.ROADS.matches(layer)
        )
    ]


def _basemap() -> dict | None:
    """The 天地图 basemap, or None without a key: then the page loads nothing from outside."""
    key = settings.TIANDITU_KEY
    if not key:
        return None
    key = quote(key, safe="")  # braces would otherwise read as Leaflet template fields
    return {
        "tiles": [TIANDITU_TEMPLATE % {"layer": name, "key": key} for name in ("vec", "cva")],
        "subdomains": "01234567",
        "max_zoom": 18,
    }


def _strings() -> dict[str, str]:
    """Words the ES modules show, translated here so the catalogue stays in one place."""
    return {
        "chapter": _("Chapter %(number)s"),
        "other_layers": _("Other layers"),
        "demo_badge": _("Demo data"),
        "schematic_badge": _("Schematic"),
        "boundary_label": _("Approximate extent (not a legal boundary)"),
        "no_features": _("No features in this layer."),
        "about_layer": _("About this layer"),
        "source": _("Source: "),
        "zoom_in_to_see": _("Visible from zoom level %(zoom)s."),
        "zoom_in": _("Zoom in"),
        "read_section": _("Read %(section)s in the plan text"),
        "read_text": _("Read the text"),
        "village_page": _("This village's plan"),
        "attribute_details": _("Detailed attributes"),
        "report_here": _("What the plan says here"),
        "report_loading": _("Looking up what the plan says here…"),
        "report_failed": _("The lookup failed. Please try again."),
        "report_point": _("Longitude %(lon)s, latitude %(lat)s"),
        "report_sections": _("Related sections"),
        "layer_failed": _("%(layer)s could not be loaded."),
        "layers_failed": _("The map layers could not be loaded. Please try again later."),
        # The sign over the map until its first shapes are drawn (static/js/map/loading.js).
        "loading_slow": _("The network is slow; still loading…"),
        "loading_failed": _("Loading failed. Tap here to try again."),
        # A result's name is its visible text (WCAG 2.5.3); this says what choosing one does.
        "search_found": _("%(count)s villages found. Choose one to show it on the map."),
        "search_none": _("No village found with that name."),
        "section_focus": _("Showing section %(section)s"),
        "section_no_layers": _("Section %(section)s has no map layer."),
        "section_no_features": _("The layers of section %(section)s have no features to show."),
        "close": _("Close"),
        "zoom_out": _("Zoom out"),
        "map_label": _("Plan map"),
        "legend": _("Legend"),
        "legend_empty": _("No layer is switched on."),
        "north": _("North"),
        "locate": _("Show where I am"),
        "locate_failed": _("Your position could not be found. Is location allowed?"),
        "located": _("You are here (within about %(metres)s m)"),
        "opacity": _("Opacity of %(layer)s"),
        "measure": _("Measure"),
        "measure_distance": _("Measure a distance"),
        "measure_area": _("Measure an area"),
        "measure_hint_distance": _("Tap the map at each point of the line."),
        "measure_hint_area": _("Tap the map at each corner of the area."),
        "measure_metres": _("%(value)s m"),
        "measure_kilometres": _("%(value)s km"),
        "measure_hectares": _("%(value)s hectares (about %(mu)s mu)"),
        "measure_square_metres": _("%(value)s square metres (about %(mu)s mu)"),
        "measure_distance_result": _("Distance: %(value)s"),
        "measure_area_result": _("Area: %(value)s"),
        "measure_undo": _("Undo the last point"),
        "measure_close": _("End measuring"),
        "compare": _("Compare two layers"),
        "compare_first": _("First layer (e.g. current state)"),
        "compare_second": _("Second layer (e.g. plan)"),
        "compare_paired": _("%(first)s and %(second)s"),
        "compare_show": _("Showing: %(layer)s. Tap to switch."),
        "compare_same": _("Choose two different layers."),
        "no_basemap": _(
            "No basemap: the light background is drawn from the plan's own layers. "
            "The site's administrator can add the Tianditu basemap (TIANDITU_KEY, see the README)."
        ),
    }


def _comment_strings() -> dict[str, str]:
    """Words of the comment tools on the map (static/js/map/comments.js, draw.js, published.js)."""
    return {
        "open_panel": _("Give your opinion"),
        "panel_title": _("Comment on the plan"),
        "close": _("Close the opinion panel"),
        "choose": _("What is your opinion about?"),
        "draw_point": _("Mark a point on the map"),
        "draw_line": _("Draw a line on the map"),
        "draw_polygon": _("Draw an area on the map"),
        "centre_point": _("Comment on the map centre point"),
        "whole_plan": _("Comment on the plan as a whole"),
        "feature_hint": _(
            "You can also tap a feature on the map and choose “Comment on this feature”."
        ),
        "not_open": _("This consultation is not open for opinions."),
        "comment_feature": _("Comment on this feature"),
        "comment_here": _("Comment on this place"),
        "back": _("Back"),
        "redraw": _("Draw the place again"),
        "done": _("Back to the map"),
        "draw_loading": _("Loading the drawing tools…"),
        "draw_failed": _("The drawing tools could not be loaded. Please try again."),
        "draw_hint_point": _("Tap the map where your opinion applies."),
        "draw_hint_line": _("Tap the map at each point of the line, then press “Finish”."),
        "draw_hint_polygon": _("Tap the map at each corner of the area, then press “Finish”."),
        "draw_count": _("Points placed: %(count)s"),
        "draw_finish": _("Finish"),
        "draw_cancel": _("Cancel"),
        "draw_undo": _("Undo the last point"),
        "draw_add_centre": _("Add the map centre"),
        "draw_use_centre": _("Use the map centre"),
        "draw_keyboard": _(
            "With the keyboard: move the map with the arrow keys and add its centre point."
        ),
        "published_layer": _("Published opinions"),
        "published_group": _("Public opinions"),
        "published_count": _("%(count)s published opinions"),
        "published_none": _("No opinion has been published yet."),
        "published_failed": _("The published opinions could not be loaded."),
        "published_show_on_map": _("Show on the map"),
        "published_show_all": _("Show them on the map"),
        "published_loading": _("Loading the published opinions…"),
        "about": _("About: %(target)s"),
        "answer": _("Answer: %(result)s"),
        "answered_on": _("Answered on %(date)s"),
        "not_answered": _("Not answered yet."),
        "villages": _("Villages: %(names)s"),
    }
