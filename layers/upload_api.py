"""The planners' upload API: post a file as a layer's next revision, then follow the job.

``POST /api/layers/{collection}/revisions/`` (multipart) stores the file and queues the same
job the upload page starts; it answers 202 with the job and ``Location`` of
``GET /api/upload-jobs/{id}/`` (state, percent, problems, revision), and
``POST /api/upload-jobs/{id}/cancel/`` cancels it. Token authentication
(``Authorization: Token …``) or the staff session (then with the CSRF token, as DRF's
SessionAuthentication requires); only the group ``planners`` and superusers. An upload larger
than UPLOAD_MAX_BYTES is refused (413) before its body is read.
"""

import json

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import APIException
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from layers import uploads
from layers.ingest import RejectedFile
from layers.models import Layer, UploadJob, UploadState
from layers.upkeep import INTERRUPTED_ERROR
from planportal.api import AcceptLanguageMixin
from planportal.api_errors import UNSUPPORTED_MEDIA_TYPE, invalid
from planportal.models import Plan


class IsPlanner(BasePermission):
    message = gettext_lazy("Only planners may upload layers.")

    def has_permission(self, request, view) -> bool:
        return uploads.is_planner(request.user)


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "file_too_large"


@extend_schema_field(OpenApiTypes.BINARY)  # a file part in the request, not a URL
class UploadedFileField(serializers.FileField):
    pass


class UploadRequestSerializer(serializers.Serializer):
    file = UploadedFileField(
        help_text="Zipped Shapefile or FileGDB (.zip), GeoPackage, GeoJSON or KML."
    )
    layer = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        help_text="The layer to read when the file holds several.",
    )
    key = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text="The field that identifies a feature across revisions (default: the "
        "layer's, or BSM for a new layer when the file has it; '-' for none: features are "
        "then compared by geometry).",
    )
    title = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="The layer's title."
    )
    mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text='Field mapping as a JSON object {"source field": "layer field"}; the '
        "standard fields (BSM, YSDM, XZQDM, DLBM, YDYHFLDM, ...) map without it.",
    )
    plan = serializers.SlugField(
        required=False,
        allow_blank=True,
        help_text="The plan's slug; required when the layer does not exist yet.",
    )

    def validate_mapping(self, value: str) -> dict:
        if not value:
            return {}
        try:
            mapping = json.loads(value)
        except ValueError:
            raise serializers.ValidationError(_("The mapping is not valid JSON.")) from None
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k and v for k, v in mapping.items()
        ):
            raise serializers.ValidationError(
                _("The mapping must be a JSON object of field names.")
            )
        return mapping


class UploadProblemSerializer(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    feature = serializers.IntegerField(allow_null=True, help_text="1-based, in the file's order")
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField(help_text="In the language of Accept-Language.")


class JobRevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    feature_count = serializers.IntegerField()
    source_crs = serializers.CharField()
    url = serializers.CharField(help_text="The staff page comparing it with the published one.")


class UploadJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    page = serializers.CharField(help_text="The job's staff page.")
    collection_id = serializers.CharField()
    file = serializers.CharField(help_text="The file name as uploaded.")
    state = serializers.ChoiceField(
        choices=["draft", "queued", "running", "done", "failed", "cancelled"]
    )
    state_label = serializers.CharField()
    stage = serializers.CharField(help_text="reading, checking or writing while running")
    stage_label = serializers.CharField()
    percent = serializers.IntegerField(min_value=0, max_value=100)
    finished = serializers.BooleanField()
    errors = serializers.IntegerField()
    warnings = serializers.IntegerField()
    problems = UploadProblemSerializer(many=True)
    error = serializers.CharField(help_text="What went wrong, when it was not the file.")
    revision = JobRevisionSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class UploadDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class PlannerAPIView(AcceptLanguageMixin, APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsPlanner]


class UploadRevisionView(PlannerAPIView):
    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        # Before authentication: SessionAuthentication's CSRF check would read the body.
        if request.method == "POST" and uploads.body_too_large(request._request):
            raise UploadTooLarge(uploads.too_large_problem().message)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="layer_revision_upload",
        summary="Upload a new revision of a layer (planners)",
        description=(
            "Stores the file under a server-made name and queues the ingest job: reading "
            "(with the encoding and coordinate system recognised), checks, and the new "
            "revision with all its features in one transaction. The revision is not "
            "published. Creates the layer when it does not exist (then `plan` is required). "
            "Follow the job at the returned `url`. Token or session authentication; the "
            "user must be in the group `planners`. Writes an audit event."
        ),
        request={"multipart/form-data": UploadRequestSerializer},
        responses={
            202: UploadJobSerializer,
            400: invalid(
                "A field is missing or invalid, or the file has a wrong extension; the answer "
                "names the field."
            ),
            401: OpenApiResponse(UploadDetailSerializer, description="Not authenticated."),
            403: OpenApiResponse(UploadDetailSerializer, description="Not a planner."),
            404: OpenApiResponse(UploadDetailSerializer, description="No such plan."),
            413: OpenApiResponse(UploadDetailSerializer, description="The file is too large."),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["planners"],
    )
    def post(self, request, collection_id: str):
        serializer = UploadRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        layer = Layer.objects.select_related("plan").filter(collection_id=collection_id).first()
        if layer is not None:
            plan = layer.plan
            if data.get("plan") and data["plan"] != plan.slug:
                return _field_error("plan", _("The layer belongs to another plan."))
        elif not data.get("plan"):
            return _field_error("plan", _("The layer does not exist; name the plan to create it."))
        else:
            plan = get_object_or_404(Plan, slug=data["plan"])
            if len(collection_id) > Layer._meta.get_field("collection_id").max_length:
                return _field_error("collection_id", _("The collection id is too long."))
        try:
            job = uploads.create_queued_job(
                request.user,
                plan,
                data["file"],
                collection_id=collection_id,
                layer=layer,
                title=data.get("title", ""),
                source_layer=data.get("layer", ""),
                key_field=data.get("key", ""),
                field_mapping=data.get("mapping") or {},
            )
        except RejectedFile as rejected:
            status_code = 413 if rejected.problems[0].code == "file_too_large" else 400
            return Response(
                {"file": [problem.message for problem in rejected.problems]}, status=status_code
            )
        body = UploadJobSerializer(job_status(job)).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class UploadJobView(PlannerAPIView):
    @extend_schema(
        operation_id="upload_job",
        summary="Follow an upload job (planners)",
        description=(
            "State (draft, queued, running, done, failed, cancelled), stage and percent, "
            "the problems found so far with their messages in the language of "
            "Accept-Language, and the revision once it is written."
        ),
        responses={
            200: UploadJobSerializer,
            401: OpenApiResponse(UploadDetailSerializer, description="Not authenticated."),
            403: OpenApiResponse(UploadDetailSerializer, description="Not a planner."),
            404: OpenApiResponse(UploadDetailSerializer, description="No such job."),
        },
        tags=["planners"],
    )
    def get(self, request, pk: int):
        job = get_object_or_404(UploadJob.objects.select_related("revision"), pk=pk)
        return Response(
            UploadJobSerializer(job_status(job)).data, headers={"Cache-Control": "no-store"}
        )


class UploadJobCancelView(PlannerAPIView):
    @extend_schema(
        operation_id="upload_job_cancel",
        summary="Cancel an upload job (planners)",
        description=(
            "Marks the job cancelled; a running job rolls back at its next progress report, "
            "so it leaves no revision and no features. 409 when it has finished already. "
            "Writes an audit event."
        ),
        request=None,
        responses={
            200: UploadJobSerializer,
            401: OpenApiResponse(UploadDetailSerializer, description="Not authenticated."),
            403: OpenApiResponse(UploadDetailSerializer, description="Not a planner."),
            404: OpenApiResponse(UploadDetailSerializer, description="No such job."),
            409: OpenApiResponse(UploadJobSerializer, description="The job had finished."),
        },
        tags=["planners"],
    )
    def post(self, request, pk: int):
        job = get_object_or_404(UploadJob, pk=pk)
        cancelled = uploads.cancel_job(job, request.user)
        body = UploadJobSerializer(job_status(job)).data
        return Response(body, status=status.HTTP_200_OK if cancelled else status.HTTP_409_CONFLICT)


def _field_error(field: str, message: str) -> Response:
    return Response({field: [message]}, status=status.HTTP_400_BAD_REQUEST)


STAGE_LABELS = {
    "reading": gettext_lazy("Reading the file"),
    "checking": gettext_lazy("Checking the features"),
    "writing": gettext_lazy("Writing the revision"),
}


def job_status(job: UploadJob) -> dict:
    """What the job page and the API show of a job, in the active language."""
    problems = uploads.rendered_problems(job.problems)
    counts = {"error": 0, "warning": 0}
    for problem in problems:
        severity = problem.get("severity", "error")
        extra = (problem.get("params") or {}).get("count", 1)
        counts[severity] = counts.get(severity, 0) + (
            extra if problem["code"] == "more_problems" else 1
        )
    revision = job.revision if job.state == UploadState.DONE else None
    return {
        "id": job.pk,
        "url": reverse("api-upload-job", args=[job.pk]),
        "page": reverse("staff-upload-job", args=[job.pk]),
        "collection_id": job.collection_id,
        "file": job.original_name,
        "state": job.state,
        "state_label": job.get_state_display(),
        "stage": job.stage if job.state == UploadState.RUNNING else "",
        "stage_label": STAGE_LABELS.get(job.stage, "") if job.state == UploadState.RUNNING else "",
        "percent": job.percent,
        "finished": job.is_finished,
        "errors": counts["error"],
        "warnings": counts["warning"],
        "problems": [
            {key: problem.get(key) for key in ("code", "severity", "feature", "field", "message")}
            for problem in problems
        ],
        "error": job.error,
        "interrupted": job.error == INTERRUPTED_ERROR,
        "revision": revision
        and {
            "number": revision.number,
            "feature_count": revision.feature_count,
            "source_crs": revision.source_crs,
            "url": revision_page_url(job.collection_id, revision.number),
        },
        "created_at": job.created_at,
        "updated_at": job.updated_at,
    }


def revision_page_url(collection_id: str, number: int) -> str:
    """The staff page of one revision (its diff with the published one), built by the
    revision pages as the route "layer-revision"; by its agreed path until that exists."""
    try:
        return reverse("layer-revision", args=[collection_id, number])
    except NoReverseMatch:
        language = translation.get_language() or settings.LANGUAGE_CODE
        prefix = "" if language == settings.LANGUAGE_CODE else f"/{language}"
        return f"{prefix}/staff/layers/{collection_id}/revisions/{number}/"
