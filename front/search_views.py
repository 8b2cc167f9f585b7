"""The search page (``/search/?q=``) and its JSON twin (``/api/search/?q=``); what they find is
decided in front/search.py."""

from django.shortcuts import render
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from front.search import MAX_QUERY, Hit, normalise, search
from planportal.api import AcceptLanguageMixin


def place_search(request):
    query = normalise(request.GET.get("q", ""))
    return render(
        request, "front/search.html", {"query": query, "hits": search(query) if query else []}
    )


class SearchHitSerializer(serializers.Serializer):
    name = serializers.CharField()
    code = serializers.CharField(help_text="12-digit 统计用区划代码, empty when unknown")
    level = serializers.CharField(help_text="county, township, village or feature")
    level_display = serializers.CharField()
    plan = serializers.SerializerMethodField(help_text="the plan that covers the place, if any")
    url = serializers.SerializerMethodField(help_text="where the hit leads: map, else region page")
    map = serializers.SerializerMethodField(help_text="the plan's map at the place, or null")
    region = serializers.SerializerMethodField(help_text="the region's page, or null")
    village = serializers.SerializerMethodField(help_text="the village's page in its plan, or null")
    lon = serializers.FloatField(allow_null=True, help_text="EPSG:4326, where the point is public")
    lat = serializers.FloatField(allow_null=True)

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "status": {"type": "string"},
                "status_display": {"type": "string"},
            },
        }
    )
    def get_plan(self, hit: Hit) -> dict | None:
        if hit.plan is None:
            return None
        return {
            "slug": hit.plan.slug,
            "name": hit.plan.name,
            "status": hit.plan.status,
            "status_display": str(hit.plan.get_status_display()),
        }

    def get_url(self, hit: Hit) -> str:
        return self._absolute(hit.url)

    def get_map(self, hit: Hit) -> str | None:
        return self._absolute(hit.map_url) if hit.map_url else None

    def get_village(self, hit: Hit) -> str | None:
        return self._absolute(hit.village_url) if hit.village_url else None

    def get_region(self, hit: Hit) -> str | None:
        return self._absolute(hit.region_url) if hit.region_url else None

    def _absolute(self, path: str) -> str:
        return self.context["request"].build_absolute_uri(path)


class SearchResultSerializer(serializers.Serializer):
    query = serializers.CharField()
    hits = SearchHitSerializer(many=True)


class PlaceSearchView(AcceptLanguageMixin, APIView):
    """Villages and 乡镇 across every published plan, and named features of their layers."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(
        operation_id="place_search",
        summary="Find a village or township across all plans",
        description=(
            "By name (part of it) or 12-digit code (its beginning). Each hit names the plan "
            "that covers the place and leads to the village's page, else that plan's map at "
            "the place; a place no published plan covers leads to its region page. Named "
            "features of the plans' public layers (facilities, roads, projects) are found by "
            "name and lead to the map at the feature. At most 30 hits."
        ),
        parameters=[
            OpenApiParameter(
                "q",
                str,
                required=False,
                description=f"name or code (at most {MAX_QUERY} characters are read)",
            )
        ],
        responses={200: SearchResultSerializer},
    )
    def get(self, request):
        query = normalise(request.query_params.get("q", ""))
        body = SearchResultSerializer(
            {"query": query, "hits": search(query)}, context={"request": request}
        )
        return Response(body.data)
