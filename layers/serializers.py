"""JSON shapes of layers for the map and for API clients."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from layers.models import Layer


def _absolute(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


class LayerSerializer(serializers.ModelSerializer):
    chapter = serializers.SerializerMethodField()
    section = serializers.SerializerMethodField()
    delivery = serializers.CharField(help_text='"geojson" for small layers, "tiles" otherwise')
    data_mark = serializers.CharField(
        read_only=True,
        help_text="The SJZT value every feature of the layer carries: 演示数据, 示意 or 正式; "
        "blank when not said.",
    )
    is_approximate_boundary = serializers.BooleanField(
        read_only=True,
        help_text="A township outline that is not the official boundary: "
        "示意范围（非法定界线）, not drawn by default.",
    )
    revision = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = Layer
        fields = [
            "collection_id",
            "code",
            "title",
            "description",
            "chapter",
            "section",
            "geometry_type",
            "style",
            "legend",
            "attribute_schema",
            "key_field",
            "name_field",
            "category_field",
            "public_policy",
            "delivery",
            "min_zoom",
            "is_demo",
            "data_mark",
            "is_approximate_boundary",
            "source_note",
            "revision",
            "links",
        ]

    def to_representation(self, layer: Layer) -> dict:
        data = super().to_representation(layer)
        if layer.is_generalised:
            # Its tiles carry no attribute (layers/tiles/sql.py), so nothing describes any.
            data |= {
                "attribute_schema": [],
                "legend": [],
                "key_field": "",
                "name_field": "",
                "category_field": "",
            }
        return data

    @extend_schema_field({"type": "object", "nullable": True})
    def get_chapter(self, layer: Layer) -> dict | None:
        chapter = layer.chapter
        return {"number": chapter.number, "title": chapter.title} if chapter else None

    @extend_schema_field({"type": "object", "nullable": True})
    def get_section(self, layer: Layer) -> dict | None:
        section = layer.section
        if section is None:
            return None
        page = _absolute(self.context["request"], "plan-detail", layer.plan.slug)
        return {
            "number": section.number,
            "title": section.title,
            "anchor": section.anchor,
            "url": f"{page}#{section.anchor}",
        }

    @extend_schema_field({"type": "object"})
    def get_revision(self, layer: Layer) -> dict:
        revision = layer.published_revision
        return {
            "number": revision.number,
            "feature_count": revision.feature_count,
            "bbox": list(revision.extent.extent) if revision.extent else None,
        }

    @extend_schema_field({"type": "object"})
    def get_links(self, layer: Layer) -> dict:
        """Where the map fetches the layer: OGC API items (features layers only) and
        vector tiles (every layer)."""
        request = self.context["request"]
        tiles_base = request.build_absolute_uri("/tiles/")
        links = {
            "tilejson": f"{tiles_base}{layer.collection_id}.json",
            "tiles": f"{tiles_base}{layer.collection_id}/{{z}}/{{x}}/{{y}}.mvt",
        }
        if layer.allows_features:
            items = request.build_absolute_uri(f"/ogc/collections/{layer.collection_id}/items")
            links["items"] = items
        return links
