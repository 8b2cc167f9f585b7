"""A plan's villages and 社区, and what the plan says about one of them (the village page,
front/village_views.py).

A village is known from the plan's public village layers (layers.models.LayerRoles): its point
(行政村/社区, XZC) and its area (村庄分类, CZFL), matched by the 12-digit code the features
carry in XZQDM. What the page says is gathered from what already exists: the sentences of the
current version's text that name the village, the point report at the village
(layers/point_report.py), the named features of public layers inside the village's area, the
other public layers' records of the same code (e.g. 镇村体系 等级), and the published opinions
that were tagged with the village's name (Comment.villages). Nothing is invented: a value the
data gives as "草案未列明（示意）" is shown as such, with the layer's data mark.
"""

import json
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from front.search import CODE_PROPERTY
from layers.models import Feature, Layer, MercatorBox, PublicPolicy
from layers.point_report import _mark_words, _marked, report_at
from planportal.models import Plan, Section

CODE_PATTERN = re.compile(r"^\d{12}$")
# A village's short name (柳湾 for 柳湾村) counts as naming it only when one of these follows
# ("克俄、西河底两村"), so that 柳湾 in 柳湾煤矿 does not name 柳湾村.
SHORT_NAME_FOLLOWERS = "、，,；;和与及等两三四五村"
SENTENCE_END = re.compile(r"(?<=[。！？；])")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
MAX_AREA_FEATURES = 60


@dataclass
class Village:
    code: str
    name: str
    kind: str = ""  # 行政村 / 社区, as the village points layer says
    point: Feature | None = None
    point_layer: Layer | None = None
    area: Feature | None = None
    area_layer: Layer | None = None

    @property
    def classification(self) -> str:
        """The 村庄分类 of the village areas layer (its legend label), as the data says."""
        if self.area is None or self.area_layer is None:
            return ""
        return _category_label(self.area_layer, self.area.category)

    @property
    def classification_mark(self) -> str:
        return self.area_layer.data_mark if self.area_layer else ""

    @property
    def location(self):
        """Where the point report is asked: the village point, else a point of its area."""
        if self.point is not None:
            return self.point.geom
        if self.area is not None:
            return self.area.geom.point_on_surface
        return None


@dataclass
class TextMention:
    section: Section
    sentence: str


@dataclass
class VillageReport:
    village: Village
    mentions: list[TextMention] = field(default_factory=list)
    records: list[str] = field(default_factory=list)  # other layers' records of this code
    inside: list[str] = field(default_factory=list)  # named features inside the area
    nearby: list[str] = field(default_factory=list)  # the point report's sentences
    map_data: dict | None = None


def plan_villages(plan: Plan) -> list[Village]:
    """Every village and 社区 of the plan's public village layers with a 12-digit code, by
    code."""
    layers = Layer.objects.public().filter(plan=plan).order_by("position", "pk")
    villages: dict[str, Village] = {}
    point_layer = layers.village_points().first()
    area_layer = layers.village_areas().first()
    for layer, role in ((point_layer, "point"), (area_layer, "area")):
        if layer is None:
            continue
        for feature in Feature.objects.filter(revision_id=layer.published_revision_id).order_by(
            "pk"
        ):
            code = str(feature.properties.get(CODE_PROPERTY, "") or "")
            if not CODE_PATTERN.match(code):
                continue
            village = villages.setdefault(code, Village(code=code, name=feature.name))
            village.name = village.name or feature.name
            if getattr(village, role) is None:
                setattr(village, role, feature)
                setattr(village, f"{role}_layer", layer)
                if role == "point" and layer.category_field:
                    village.kind = _category_label(layer, feature.category)
    return sorted(villages.values(), key=lambda village: village.code)


def find_village(plan: Plan, code: str) -> Village | None:
    if not CODE_PATTERN.match(code):
        return None
    return next((village for village in plan_villages(plan) if village.code == code), None)


def village_report(plan: Plan, village: Village) -> VillageReport:
    report = VillageReport(village=village)
    report.mentions = text_mentions(plan, village.name)
    report.records = _records(plan, village)
    report.inside = _inside_area(plan, village)
    location = village.location
    if location is not None:
        report.nearby = report_at(plan, location.x, location.y).sentences
    report.map_data = _map_data(village)
    return report


# -- the text ----------------------------------------------------------------------------------


def text_mentions(plan: Plan, name: str) -> list[TextMention]:
    """The sentences of the current version's sections that name the village."""
    if not name:
        return []
    sections = Section.objects.filter(chapter__version=plan.current_version).order_by(
        "chapter__number", "position"
    )
    mentions = []
    for section in sections:
        for text in block_texts(section.blocks):
            for sentence in SENTENCE_END.split(_BOLD.sub(r"\1", text)):
                sentence = sentence.strip()
                if sentence and names_village(sentence, name):
                    mentions.append(TextMention(section=section, sentence=sentence))
    return mentions


def names_village(sentence: str, name: str) -> bool:
    if name in sentence:
        return True
    short = name[:-1] if name.endswith("村") else ""
    if len(short) < 2:
        return False
    for match in re.finditer(re.escape(short), sentence):
        following = sentence[match.end() : match.end() + 1]
        if following == "" or following in SHORT_NAME_FOLLOWERS:
            return True
    return False


def block_texts(blocks: list) -> list[str]:
    texts = []
    for block in blocks or []:
        if block.get("type") == "list":
            texts.extend(str(item) for item in block.get("items", []))
        elif block.get("type") == "paragraph":
            texts.append(str(block.get("text", "")))
    return texts


# -- the layers --------------------------------------------------------------------------------


def _category_label(layer: Layer, category: str) -> str:
    labels = {str(item.get("value")): item.get("label", "") for item in layer.legend}
    return labels.get(category, "") or category


def _with_mark(sentence: str, layer: Layer) -> str:
    """The sentence with its layer's data mark (（演示数据）), as the point report says it."""
    return _marked(sentence, _mark_words(layer.data_mark))


def _other_layers(plan: Plan, village: Village):
    """Public layers whose features may be named: not the village layers, not generalised
    (a restricted layer names no parcel)."""
    skip = [layer.pk for layer in (village.point_layer, village.area_layer) if layer]
    return (
        Layer.objects.public()
        .filter(plan=plan)
        .exclude(pk__in=skip)
        .exclude(public_policy=PublicPolicy.GENERALISED)
        .order_by("position", "pk")
    )


def _records(plan: Plan, village: Village) -> list[str]:
    """What other layers record for the village's code: "镇村体系（示意）：镇政府驻地"."""
    sentences = []
    layers = {layer.published_revision_id: layer for layer in _other_layers(plan, village)}
    features = Feature.objects.filter(
        revision_id__in=list(layers), **{f"properties__{CODE_PROPERTY}": village.code}
    ).order_by("revision_id", "pk")
    for feature in features:
        layer = layers[feature.revision_id]
        if not feature.category:
            continue
        sentence = _("%(layer)s: %(value)s.") % {
            "layer": layer.title,
            "value": _category_label(layer, feature.category),
        }
        sentences.append(_with_mark(sentence, layer))
    return sentences


def _inside_area(plan: Plan, village: Village) -> list[str]:
    """The named features of public layers inside the village's area: projects, facilities,
    hazards and zones ("柳湾东山森林生态修复（生态修复重点工程（示意））")."""
    if village.area is None:
        return []
    layers = {layer.published_revision_id: layer for layer in _other_layers(plan, village)}
    features = (
        Feature.objects.filter(
            revision_id__in=list(layers),
            geom_3857__bboverlaps=MercatorBox(village.area.geom),
            geom__intersects=village.area.geom,
        )
        .exclude(name="")
        .order_by("revision_id", "name")[:MAX_AREA_FEATURES]
    )
    seen, sentences = set(), []
    for feature in features:
        layer = layers[feature.revision_id]
        if (layer.pk, feature.name) in seen:
            continue
        seen.add((layer.pk, feature.name))
        sentence = _("%(name)s (%(layer)s).") % {"name": feature.name, "layer": layer.title}
        sentences.append(_with_mark(sentence, layer))
    return sentences


def _map_data(village: Village) -> dict | None:
    """The village's point and area for the small map, only from layers whose coordinates
    are public (PublicPolicy.FEATURES); None when neither is."""
    shapes = []
    for feature, layer, kind in (
        (village.area, village.area_layer, "area"),
        (village.point, village.point_layer, "point"),
    ):
        if feature is not None and layer is not None and layer.allows_features:
            shapes.append(
                {
                    "type": "Feature",
                    "properties": {"kind": kind},
                    "geometry": json.loads(feature.geom.geojson),
                }
            )
    if not shapes:
        return None
    return {"type": "FeatureCollection", "features": shapes}
