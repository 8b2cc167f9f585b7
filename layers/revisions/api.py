"""The planners' upload and revision API, under /api/ (outside the language prefixes).

- ``GET /api/layers/{collection}/revisions/``: for everyone, the revisions of a public layer
  that are or ever were published (read from the append-only audit trail, see
  publishing.ever_published); planners see every revision of every layer, with its status,
  source file, CRS, author and problem count.
- ``POST /api/layers/{collection}/revisions/`` (multipart): stores the file and queues the
  same job the upload page starts; 202 with the job and ``Location`` of
  ``GET /api/upload-jobs/{id}/`` (state, percent, problems, revision);
  ``POST /api/upload-jobs/{id}/cancel/`` cancels it. An upload larger than UPLOAD_MAX_BYTES is
  refused (413) before its body is read.
- ``GET /api/layers/{collection}/revisions/{number}/diff/``: the diff of a revision against the
  published one (``?against=N`` for another): integer counts, areas in hectares, and the first
  changed features with what changed in each. Public for revisions that are or were published
  (compared with one that is or was published too); every other diff is for planners only, as
  an unpublished revision is a draft. No coordinates are ever in it, so tiles-only layers stay
  tiles-only.
- ``POST /api/layers/{collection}/revisions/{number}/publish/``: ``{"expected_current": N}``
  makes it refuse with 409 when another publish won since the caller looked. Publishing an
  older revision is a rollback.

Staff actions take token authentication (``Authorization: Token …``) or the staff session
(then with the CSRF token, as DRF's SessionAuthentication requires); who may act is decided in
planportal/roles.py.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from layers.crosscheck import acknowledgement_needed, revision_report
from layers.ingest import RejectedFile
from layers.models import Layer, LayerRevision, UploadJob
from layers.revisions import uploads
from layers.revisions.publishing import (
    MissingSettings,
    NotPublishable,
    PublishConflict,
    ever_published,
    publish_revision,
)
from layers.revisions.serializers import (
    LayerRevisionListSerializer,
    PublishConflictSerializer,
    PublishedRevisionSerializer,
    PublishRevisionRequestSerializer,
    RevisionDiffSerializer,
    UploadJobSerializer,
    UploadRequestSerializer,
)
from layers.revisions.status import cached_diff, extent_bbox, job_status
from planportal.api import StaffAPIView
from planportal.api_errors import (
    FIELD_ERRORS_SCHEMA,
    NOT_AUTHENTICATED,
    NOT_FOUND,
    UNSUPPORTED_MEDIA_TYPE,
    ApiErrorSerializer,
    invalid,
    staff_refusals,
)
from planportal.models import Plan
from planportal.roles import IsPlanner, may_manage_layers, require_layers_right

# The answer when a revision's checks across layers are not acknowledged (layers/crosscheck.py).
CROSSCHECK_REFUSAL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "crosscheck": {"type": "object"}},
    "required": ["detail", "crosscheck"],
}
API_DETAIL_LIMIT = 100  # changed features listed in the JSON diff (the counts are complete)


def visible_layer(user, collection_id: str) -> Layer:
    """The planners of a layer's plan reach it whatever its state; everyone else (planners of
    other plans too) only a public layer (404 otherwise)."""
    layers = Layer.objects.select_related("plan", "published_revision")
    layer = layers.filter(collection_id=collection_id).first()
    if layer is not None and may_manage_layers(user, layer.plan):
        return layer
    return get_object_or_404(layers.public(), collection_id=collection_id)


def visible_revision(user, layer: Layer, number: int, published: dict | None = None):
    """A revision by number; for the public only one that is or was published."""
    if not may_manage_layers(user, layer.plan):
        published = ever_published(layer) if published is None else published
        if number not in published:
            raise Http404("No such revision.")
    return get_object_or_404(LayerRevision, layer=layer, number=number)


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "file_too_large"


class LayerRevisionsView(StaffAPIView):
    """``/api/layers/{collection}/revisions/``: GET lists the revisions (everyone, more for
    planners), POST uploads a new one (planners)."""

    parser_classes = [MultiPartParser, FormParser]

    def get_permissions(self):
        return [IsPlanner()] if self.request.method == "POST" else [AllowAny()]

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
            "user must be a planner of the layer's plan (403 otherwise). Writes an audit event."
        ),
        request={"multipart/form-data": UploadRequestSerializer},
        responses={
            202: UploadJobSerializer,
            400: invalid(
                "A field is missing or invalid, or the file has a wrong extension; the answer "
                "names the field."
            ),
            **staff_refusals("a planner", "No such plan."),
            413: OpenApiResponse(ApiErrorSerializer, description="The file is too large."),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
        tags=["planners"],
    )
    def post(self, request, collection_id: str):
        layer = Layer.objects.select_related("plan").filter(collection_id=collection_id).first()
        if layer is not None:  # another plan's layer is refused before the body is looked at
            require_layers_right(request.user, layer.plan)
        serializer = UploadRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if layer is not None:
            plan = layer.plan
            if data.get("plan") and data["plan"] != plan.slug:
                return _field_error("plan", _("The layer belongs to another plan."))
        elif not data.get("plan"):
            return _field_error("plan", _("The layer does not exist; name the plan to create it."))
        else:
            plan = get_object_or_404(Plan, slug=data["plan"])
            require_layers_right(request.user, plan)
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
                code=data.get("code", ""),
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

    @extend_schema(
        operation_id="layer_revisions",
        summary="Revisions of a layer",
        description=(
            "For everyone: the revisions of a public layer that are or ever were published, "
            "newest first. Planners (token or session) see every revision of every layer, "
            "with status, source file, CRS, author and problem count."
        ),
        responses={
            200: LayerRevisionListSerializer,
            401: NOT_AUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request, collection_id: str):
        layer = visible_layer(request.user, collection_id)
        planner = may_manage_layers(request.user, layer.plan)
        published = ever_published(layer)
        revisions = layer.revisions.select_related("created_by").order_by("-number")
        if not planner:
            revisions = revisions.filter(number__in=list(published))
        rows = [self._row(request, layer, r, published, planner) for r in revisions[:500]]
        current = layer.published_revision.number if layer.published_revision else None
        return Response(
            {"collection": layer.collection_id, "published": current, "revisions": rows}
        )

    @staticmethod
    def _row(request, layer: Layer, revision: LayerRevision, published: dict, planner: bool):
        diff_url = reverse("api-layer-revision-diff", args=[layer.collection_id, revision.number])
        row = {
            "number": revision.number,
            "created_at": revision.created_at,
            "feature_count": revision.feature_count,
            "extent": extent_bbox(revision),
            "is_published": revision.pk == layer.published_revision_id,
            "was_published": revision.number in published,
            "published_at": published.get(revision.number),
            "diff": request.build_absolute_uri(diff_url),
        }
        if planner:
            row |= {
                "status": revision.status,
                "source_name": revision.source_name,
                "source_crs": revision.source_crs,
                "created_by": revision.created_by.get_username() if revision.created_by else None,
                "problem_count": len(revision.problems or []),
            }
        return row


class UploadJobView(StaffAPIView):
    permission_classes = [IsPlanner]

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
            **staff_refusals("a planner", "No such job."),
        },
        tags=["planners"],
    )
    def get(self, request, pk: int):
        job = get_object_or_404(UploadJob.objects.select_related("plan", "revision"), pk=pk)
        require_layers_right(request.user, job.plan)
        return Response(
            UploadJobSerializer(job_status(job)).data, headers={"Cache-Control": "no-store"}
        )


class UploadJobCancelView(StaffAPIView):
    permission_classes = [IsPlanner]

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
            **staff_refusals("a planner", "No such job."),
            409: OpenApiResponse(UploadJobSerializer, description="The job had finished."),
        },
        tags=["planners"],
    )
    def post(self, request, pk: int):
        job = get_object_or_404(UploadJob.objects.select_related("plan"), pk=pk)
        require_layers_right(request.user, job.plan)
        cancelled = uploads.cancel_job(job, request.user)
        body = UploadJobSerializer(job_status(job)).data
        return Response(body, status=status.HTTP_200_OK if cancelled else status.HTTP_409_CONFLICT)


class RevisionDiffView(StaffAPIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="layer_revision_diff",
        summary="What a revision changes",
        description=(
            "Compares the revision with the published one (or `against`): features are "
            "matched by the layer's key field (BSM by default), else by geometry. Counts of "
            "added, removed, changed and unchanged features, total areas in hectares in the "
            "plan's Gauss-Krüger zone, and up to 100 changed features with the attributes "
            "that changed. Public for revisions that are or were published (for a "
            "generalised layer without the changed features); planners only for the others."
        ),
        parameters=[
            OpenApiParameter(
                "against",
                {"type": "integer", "minimum": 1},
                description="Compare with this revision number instead of the published one.",
            )
        ],
        responses={
            200: RevisionDiffSerializer,
            400: OpenApiResponse(ApiErrorSerializer, description="`against` is not a number."),
            401: NOT_AUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request, collection_id: str, number: int):
        layer = visible_layer(request.user, collection_id)
        planner = may_manage_layers(request.user, layer.plan)
        published = None if planner else ever_published(layer)
        revision = visible_revision(request.user, layer, number, published)
        against_text = request.query_params.get("against", "")
        if against_text:
            if not against_text.isdigit():
                return Response(
                    {"detail": _("against must be a revision number.")},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            against = visible_revision(request.user, layer, int(against_text), published)
        else:
            against = layer.published_revision
        diff = cached_diff(layer, revision, against, detail_limit=API_DETAIL_LIMIT)
        data = diff.as_dict()
        for name in ("added_ids", "removed_ids", "changed_ids"):
            data.pop(name, None)
        if layer.is_generalised and not planner:
            # A generalised layer shows the public no parcel: its counts and areas only.
            data |= {"changes": [], "changes_truncated": data["changed"] > 0, "key_field": ""}
        return Response({"collection": layer.collection_id, **data})


class PublishView(StaffAPIView):
    permission_classes = [IsPlanner]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="layer_revision_publish",
        summary="Publish a revision (planners)",
        description=(
            "Makes the revision the one the public sees (OGC API, tiles, map), under a row "
            "lock: concurrent publishes of a layer are serialised. With `expected_current` "
            "the publish is refused (409) when the published revision is no longer the one "
            "the caller saw. Publishing an older revision is a rollback. Token or session "
            "authentication; the user must be a planner of the layer's plan (403 otherwise). "
            "Writes an audit event."
        ),
        request=PublishRevisionRequestSerializer,
        responses={
            200: PublishedRevisionSerializer,
            400: OpenApiResponse(
                {"anyOf": [FIELD_ERRORS_SCHEMA, CROSSCHECK_REFUSAL_SCHEMA]},
                description=(
                    "Invalid body, the revision is not ready, the layer lacks what the publish "
                    "gate asks for (detail, and `missing`: section, data_status, source_note, "
                    "publication_note; see GET /api/layers/{collection}/), or the checks "
                    "across layers found overlaps of the control lines or features outside "
                    "the extent and `acknowledge_overlaps` was not true (detail, and "
                    "`crosscheck`: the overlaps and parts outside, in hectares, with the "
                    "features' keys)."
                ),
            ),
            401: NOT_AUTHENTICATED,
            403: OpenApiResponse(ApiErrorSerializer, description="Not a planner."),
            404: NOT_FOUND,
            409: OpenApiResponse(
                PublishConflictSerializer, description="Someone else published meanwhile."
            ),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
    )
    def post(self, request, collection_id: str, number: int):
        layer = get_object_or_404(Layer.objects.select_related("plan"), collection_id=collection_id)
        require_layers_right(request.user, layer.plan)
        revision = get_object_or_404(LayerRevision, layer=layer, number=number)
        body = PublishRevisionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        options = {}
        if "expected_current" in body.validated_data:
            options["expected_current"] = body.validated_data["expected_current"]
        if not body.validated_data["acknowledge_overlaps"]:
            report = revision_report(layer, revision)
            if report.get("warnings"):
                return Response(
                    {"detail": acknowledgement_needed(), "crosscheck": report},
                    status=status.HTTP_400_BAD_REQUEST,
                )
        try:
            outcome = publish_revision(layer, revision, actor=request.user, **options)
        except PublishConflict as conflict:
            return Response(
                {"detail": str(conflict), "current": conflict.current},
                status=status.HTTP_409_CONFLICT,
            )
        except MissingSettings as refused:
            return Response(
                {"detail": str(refused), "missing": refused.missing},
                status=status.HTTP_400_BAD_REQUEST,
            )
        except NotPublishable as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "collection": layer.collection_id,
                "published": outcome.revision.number,
                "previous": outcome.previous.number if outcome.previous else None,
                "action": outcome.action,
                "changed": outcome.changed,
            }
        )


def _field_error(field: str, message: str) -> Response:
    return Response({field: [message]}, status=status.HTTP_400_BAD_REQUEST)
