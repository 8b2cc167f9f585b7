"""JSON shapes of plans for the public API."""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from planportal.models import Chapter, Indicator, Plan, PlanFigure, Section
from planportal.plans import plan_region_name


class BlockSerializer(serializers.Serializer):
    """One piece of a section's text: a paragraph, a sub-heading or a list."""

    type = serializers.ChoiceField(choices=["paragraph", "heading", "list"])
    text = serializers.CharField(required=False, help_text="paragraph or heading text")
    marker = serializers.CharField(required=False, help_text="the list's bullet as printed")
    items = serializers.ListField(child=serializers.CharField(), required=False)


class SectionSerializer(serializers.ModelSerializer):
    blocks = BlockSerializer(many=True)
    url = serializers.SerializerMethodField(help_text="the section on the plan page")

    class Meta:
        model = Section
        fields = ["number", "title", "anchor", "url", "blocks"]

    def get_url(self, section: Section) -> str:
        path = reverse("plan-detail", args=[section.chapter.plan.slug])
        return self.context["request"].build_absolute_uri(f"{path}#{section.anchor}")


class ChapterSerializer(serializers.ModelSerializer):
    intro = BlockSerializer(many=True)
    sections = SectionSerializer(many=True)

    class Meta:
        model = Chapter
        fields = ["number", "title", "anchor", "intro", "sections"]


class IndicatorSerializer(serializers.ModelSerializer):
    value = serializers.DecimalField(max_digits=14, decimal_places=4, coerce_to_string=False)
    section = serializers.SlugRelatedField(slug_field="number", read_only=True)
    role_display = serializers.CharField(
        source="get_role_display", help_text="base-year value (基期值) or planned value"
    )
    kind_display = serializers.CharField(
        source="get_kind_display", help_text="约束性/预期性 as the plan labels it, or 草案未标注"
    )

    class Meta:
        model = Indicator
        fields = [
            "name",
            "comparator",
            "value",
            "unit",
            "year",
            "role",
            "role_display",
            "kind",
            "kind_display",
            "display_value",
            "section",
        ]


class FigureSerializer(serializers.ModelSerializer):
    """A sheet of the plan's 图集; ``url`` downloads it (while the plan is published)."""

    section = serializers.SlugRelatedField(
        slug_field="number",
        read_only=True,
        allow_null=True,
        help_text="the number of its section; null for the plan as a whole",
    )
    url = serializers.SerializerMethodField(help_text="the file, named by the title")
    thumbnail = serializers.SerializerMethodField(help_text="a JPEG thumbnail of an image")

    class Meta:
        model = PlanFigure
        fields = [
            "id",
            "title",
            "review_number",
            "section",
            "kind",
            "content_type",
            "size",
            "sha256",
            "width",
            "height",
            "pages",
            "position",
            "created_at",
            "url",
            "thumbnail",
        ]

    def get_url(self, figure: PlanFigure) -> str:
        path = reverse("plan-figure", args=[figure.plan.slug, figure.pk])
        return self.context["request"].build_absolute_uri(path)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_thumbnail(self, figure: PlanFigure) -> str | None:
        if not figure.thumbnail:
            return None
        path = reverse("plan-figure-thumbnail", args=[figure.plan.slug, figure.pk])
        return self.context["request"].build_absolute_uri(path)


class PlanSummarySerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display")
    url = serializers.HyperlinkedIdentityField(view_name="api-plan-detail", lookup_field="slug")
    page = serializers.SerializerMethodField(help_text="the plan's public page")
    extent = serializers.SerializerMethodField(help_text="GeoJSON polygon, EPSG:4326")

    class Meta:
        model = Plan
        fields = [
            "slug",
            "name",
            "region_code",
            "region_name",
            "organisation",
            "issued",
            "period_start",
            "period_end",
            "status",
            "status_display",
            "url",
            "page",
            "extent",
        ]

    def get_page(self, plan: Plan) -> str:
        return self.context["request"].build_absolute_uri(reverse("plan-detail", args=[plan.slug]))

    @extend_schema_field({"type": "object", "nullable": True})
    def get_extent(self, plan: Plan) -> dict | None:
        return json.loads(plan.extent.geojson) if plan.extent else None


class PlanDetailSerializer(PlanSummarySerializer):
    chapters = ChapterSerializer(many=True)
    indicators = IndicatorSerializer(many=True)
    preface = BlockSerializer(many=True)
    closing = BlockSerializer(many=True)
    figures = FigureSerializer(many=True, help_text="the plan's 图集, in order")

    class Meta(PlanSummarySerializer.Meta):
        fields = PlanSummarySerializer.Meta.fields + [
            "contact_phone",
            "contact_email",
            "extent_note",
            "preface",
            "chapters",
            "indicators",
            "indicators_note",
            "figures",
            "closing",
        ]


class PlanCreateSerializer(serializers.Serializer):
    """What a planner gives to create a plan (``POST /api/plans/``): the plan starts as an
    unpublished draft without text."""

    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(
        max_length=100, help_text="the plan's address, e.g. xiabao-2021-2035"
    )
    region_code = serializers.RegexField(
        r"^\d{12}$",
        max_length=12,
        help_text="12-digit 统计用区划代码: a known region, or one whose parent region is known",
    )
    region_name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="needed only when the region code is not in the region table",
    )
    organisation = serializers.CharField(max_length=200, help_text="组织编制机关")
    compiled_by = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="编制单位"
    )
    period_start = serializers.IntegerField(min_value=1949, max_value=2200)
    period_end = serializers.IntegerField(min_value=1949, max_value=2200)
    contact_phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)

    def validate_slug(self, value: str) -> str:
        if Plan.objects.filter(slug=value).exists():
            raise serializers.ValidationError(_("A plan with this slug exists already."))
        return value

    def validate(self, data: dict) -> dict:
        if data["period_start"] >= data["period_end"]:
            raise serializers.ValidationError(
                {"period_end": [_("The period must end after it starts.")]}
            )
        try:
            data["region_name"] = plan_region_name(data["region_code"], data.get("region_name", ""))
        except DjangoValidationError as error:
            raise serializers.ValidationError({"region_code": error.messages}) from error
        return data


class PlanStaffSerializer(PlanSummarySerializer):
    """A plan as planners see it: published or not."""

    is_published = serializers.BooleanField()

    class Meta(PlanSummarySerializer.Meta):
        fields = PlanSummarySerializer.Meta.fields + [
            "compiled_by",
            "contact_phone",
            "contact_email",
            "is_published",
        ]


# --- Versions of a plan (the views are front/versions_api.py: they add the layers) ----------


class VersionSummarySerializer(serializers.Serializer):
    """One version of a plan as the list of versions shows it."""

    number = serializers.IntegerField()
    kind = serializers.CharField(help_text="consultation, revised, submission or approved")
    kind_display = serializers.CharField(source="get_kind_display")
    label = serializers.CharField(help_text="how the office names it; blank: the kind's name")
    title = serializers.CharField(help_text="e.g. 第 2 版（修改稿）")
    state = serializers.CharField(help_text="always published in the public API")
    published_at = serializers.DateTimeField()
    is_current = serializers.SerializerMethodField(help_text="the version residents read now")
    url = serializers.SerializerMethodField(help_text="this version in the API")
    page = serializers.SerializerMethodField(help_text="this version's public page")
    changes_page = serializers.SerializerMethodField(
        help_text="the page of what changed since the previous published version"
    )
    diff = serializers.SerializerMethodField(
        help_text="what changed since the previous published version, in the API"
    )

    def _absolute(self, name: str, version) -> str:
        path = reverse(name, args=[version.plan.slug, version.number])
        return self.context["request"].build_absolute_uri(path)

    def get_is_current(self, version) -> bool:
        return version.pk == self.context.get("current_version_id")

    def get_url(self, version) -> str:
        return self._absolute("api-plan-version", version)

    def get_page(self, version) -> str:
        return self._absolute("plan-version", version)

    def get_changes_page(self, version) -> str:
        return self._absolute("plan-version-changes", version)

    def get_diff(self, version) -> str:
        return self._absolute("api-plan-version-diff", version)


class VersionSectionSerializer(SectionSerializer):
    """A section whose ``url`` is its place on the version's own page."""

    def get_url(self, section: Section) -> str:
        path = reverse("plan-version", args=[section.chapter.plan.slug, self.context["number"]])
        return self.context["request"].build_absolute_uri(f"{path}#{section.anchor}")


class VersionChapterSerializer(ChapterSerializer):
    sections = VersionSectionSerializer(many=True)


class VersionTextSerializer(VersionSummarySerializer):
    """A version's full text, indicators and figures, in the shape of the plan detail."""

    plan = serializers.CharField(source="plan.slug", help_text="the plan's slug")
    preface = BlockSerializer(many=True)
    chapters = VersionChapterSerializer(many=True)
    indicators = IndicatorSerializer(many=True)
    indicators_note = serializers.CharField()
    figures = FigureSerializer(many=True, help_text="the version's 图集, in order")
    closing = BlockSerializer(many=True)
    change_note = serializers.CharField(help_text="修改说明: why this version was made")
