"""The planners' API of 汇交 databases (token or session authentication, planners of the plan):

- ``POST /api/plans/{slug}/packages/`` (multipart): ``file`` (zipped FileGDB or GeoPackage),
  optional ``mapping`` (JSON: layer of the file -> a collection id, ``new``, ``new:CODE`` or
  ``skip``; matched layers need nothing, unmatched ones are skipped), and the settings layers
  made by the package take (``section``, ``data_status``, ``source_note``,
  ``publication_note``). Stores, matches and queues it: 202 with the job.
- ``GET /api/packages/{id}/``: the job: each layer's target, state, percent, revision, diff
  and problems, and the checks across layers (overlaps and features outside the extent, in
  hectares, with the features' keys and the pieces as GeoJSON).
- ``POST /api/packages/{id}/publish/`` ``{"acknowledge_overlaps": true}``: every layer or
  none; 400 with ``reasons`` (which layer and why, or the overlaps not acknowledged).
"""

import json

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from layers.ingest import RejectedFile
from layers.models import PackageJob
from layers.revisions import uploads
from layers.revisions.api import UploadTooLarge
from planportal.api import StaffAPIView
from planportal.api_errors import (
    UNSUPPORTED_MEDIA_TYPE,
    ApiErrorSerializer,
    invalid,
    staff_refusals,
)
from planportal.models import Plan
from planportal.roles import IsPlanner, may_manage_layers

from .service import PackageRefused, choose, publish_package, receive_package


class PackageUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    mapping = serializers.CharField(required=False, allow_blank=True)
    section = serializers.CharField(required=False, allow_blank=True)
    data_status = serializers.ChoiceField(
        choices=["", "schematic", "official"], required=False, allow_blank=True
    )
    source_note = serializers.CharField(required=False, allow_blank=True)
    publication_note = serializers.CharField(required=False, allow_blank=True)

    def validate_mapping(self, value: str) -> dict:
        if not value:
            return {}
        try:
            mapping = json.loads(value)
        except ValueError:
            raise ValidationError("mapping must be a JSON object") from None
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
        ):
            raise ValidationError("mapping must map layer names to text")
        return mapping


class PackagePublishSerializer(serializers.Serializer):
    acknowledge_overlaps = serializers.BooleanField(default=False)


def package_data(job: PackageJob) -> dict:
    return {
        "id": job.pk,
        "url": reverse("api-package", args=[job.pk]),
        "plan": job.plan.slug,
        "file": job.original_name,
        "state": job.state,
        "layers": [
            {key: value for key, value in entry.items() if key != "layer_id"}
            for entry in job.entries
        ],
        "crosscheck": job.crosscheck or {},
        "published_at": job.published_at,
        "error": job.error,
    }


def _job(request, pk: int) -> PackageJob:
    job = get_object_or_404(PackageJob.objects.select_related("plan"), pk=pk)
    if not may_manage_layers(request.user, job.plan):
        raise PermissionDenied
    return job


PACKAGE_SCHEMA = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=(
        "The package job: id, url, plan, file, state (draft, queued, running, done, failed, "
        "published), layers (name, action, collection_id, code, state, stage, percent, "
        "revision, number, features, diff, problems), crosscheck (overlaps and outside, with "
        "hectares, count and the largest cases with the features' keys; map: GeoJSON), "
        "published_at, error."
    ),
)


class PackageUploadView(StaffAPIView):
    permission_classes = [IsPlanner]
    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        # Before authentication: SessionAuthentication's CSRF check would read the body.
        if request.method == "POST" and uploads.body_too_large(request._request):
            raise UploadTooLarge(uploads.too_large_problem().message)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="package_upload",
        summary="Upload a 汇交 database of many layers (planners)",
        description=(
            "Stores the file, matches each of its layers to the plan's layers by standard code "
            "or name, and queues the job that writes each as a new revision and checks them "
            "across layers. Nothing is published. Token or session authentication; planners."
        ),
        request={"multipart/form-data": PackageUploadSerializer},
        responses={
            202: PACKAGE_SCHEMA,
            400: invalid("A field is invalid or the file is not a database of layers."),
            **staff_refusals("a planner", "No such plan."),
            413: OpenApiResponse(ApiErrorSerializer, description="The file is too large."),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["planners"],
    )
    def post(self, request, slug: str):
        plan = get_object_or_404(Plan, slug=slug)
        if not may_manage_layers(request.user, plan):
            raise PermissionDenied
        serializer = PackageUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            job = receive_package(request.user, plan, data["file"])
        except RejectedFile as rejected:
            status_code = 413 if rejected.problems[0].code == "file_too_large" else 400
            return Response(
                {"file": [problem.message for problem in rejected.problems]}, status=status_code
            )
        defaults = {name: data.get(name) for name in PACKAGE_DEFAULTS}
        try:
            job = choose(job, request.user, data.get("mapping") or {}, defaults)
        except ValueError as refused:
            raise ValidationError({"mapping": [str(refused)]}) from None
        answer = Response(package_data(job), status=status.HTTP_202_ACCEPTED)
        answer["Location"] = reverse("api-package", args=[job.pk])
        return answer


PACKAGE_DEFAULTS = ("section", "data_status", "source_note", "publication_note")


class PackageView(StaffAPIView):
    permission_classes = [IsPlanner]

    @extend_schema(
        operation_id="package_detail",
        summary="A 汇交 database upload: per-layer progress and the checks (planners)",
        responses={200: PACKAGE_SCHEMA, **staff_refusals("a planner", "No such package.")},
        tags=["planners"],
    )
    def get(self, request, pk: int):
        return Response(package_data(_job(request, pk)))


class PackagePublishView(StaffAPIView):
    permission_classes = [IsPlanner]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        operation_id="package_publish",
        summary="Publish every layer of a 汇交 database, or none (planners)",
        request=PackagePublishSerializer,
        responses={
            200: PACKAGE_SCHEMA,
            400: invalid(
                "Nothing was published: `reasons` names each layer refused by the checks or "
                "the publish gate, or the overlaps not acknowledged."
            ),
            **staff_refusals("a planner", "No such package."),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["planners"],
    )
    def post(self, request, pk: int):
        job = _job(request, pk)
        serializer = PackagePublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            publish_package(
                job,
                request.user,
                acknowledge_overlaps=serializer.validated_data["acknowledge_overlaps"],
            )
        except PackageRefused as refused:
            return Response(
                {"detail": str(refused), "reasons": refused.reasons},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(package_data(job))
