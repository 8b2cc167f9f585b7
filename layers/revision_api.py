"""The JSON API of a layer's revisions: history, diff and publish.

- ``GET /api/layers/{collection}/revisions/``: for everyone, the revisions of a public layer
  that are or ever were published (read from the append-only audit trail, see
  layers.publishing.ever_published); planners see every revision of every layer, with its
  status, source file, CRS, author and problem count.
- ``GET /api/layers/{collection}/revisions/{number}/diff/``: the diff of a revision against the
  published one (``?against=N`` for another): integer counts, areas in hectares, and the first
  changed features with what changed in each. Public for revisions that are or were published
  (compared with one that is or was published too); every other diff is for planners only, as
  an unpublished revision is a draft. No coordinates are ever in it, so tiles-only layers stay
  tiles-only.
- ``POST /api/layers/{collection}/revisions/{number}/publish/``: planners only (token or
  session auth); ``{"expected_current": N}`` makes it refuse with 409 when another publish won
  since the caller looked. Publishing an older revision is a rollback.

A diff is computed once per pair of revisions and kept in the cache: revisions never change,
so the key (both revision ids and the key field) needs no purge.
"""

from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from layers.ingest import RevisionDiff, diff_revisions
from layers.models import Layer, LayerRevision
from layers.publishing import (
    NotPublishable,
    PublishConflict,
    ever_published,
    is_planner,
    publish_revision,
)
from planportal.api_errors import NOT_AUTHENTICATED, NOT_FOUND, UNSUPPORTED_MEDIA_TYPE, invalid
from planportal.api_fields import StrictIntegerField

API_DETAIL_LIMIT = 100  # changed features listed in the JSON diff (the counts are complete)
DIFF_CACHE_SECONDS = 24 * 3600


# -- shared with the staff pages ----------------------------------------------------------------


def cached_diff(
    layer: Layer,
    revision: LayerRevision,
    against: LayerRevision | None,
    *,
    detail_limit: int,
    with_ids: bool = False,
) -> RevisionDiff:
    """``diff_revisions`` of two revisions, kept in the cache under both revision ids."""
    key = (
        f"layers:revision-diff:{revision.pk}:{against.pk if against else 0}:"
        f"{layer.key_field}:{detail_limit}:{int(with_ids)}"
    )
    diff = cache.get(key)
    if diff is None:
        if against is None:
            # diff_revisions takes None for "the published one": ask for no revision at all.
            against = LayerRevision(pk=-1, number=None)
        diff = diff_revisions(
            layer, revision, against, detail_limit=detail_limit, with_ids=with_ids
        )
        cache.set(key, diff, DIFF_CACHE_SECONDS)
    return diff


def visible_layer(user, collection_id: str) -> Layer:
    """Planners reach every layer; everyone else only the public ones (404 otherwise)."""
    layers = Layer.objects.all() if is_planner(user) else Layer.objects.public()
    return get_object_or_404(
        layers.select_related("plan", "published_revision"), collection_id=collection_id
    )


def visible_revision(user, layer: Layer, number: int, published: dict | None = None):
    """A revision by number; for the public only one that is or was published."""
    if not is_planner(user):
        published = ever_published(layer) if published is None else published
        if number not in published:
            raise Http404("No such revision.")
    return get_object_or_404(LayerRevision, layer=layer, number=number)


def extent_bbox(revision: LayerRevision) -> list[float] | None:
    if revision.extent is None:
        return None
    return [round(v, 6) for v in revision.extent.extent]


# -- schema ---------------------------------------------------------------------------------


class LayerRevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    feature_count = serializers.IntegerField()
    extent = serializers.ListField(
        child=serializers.FloatField(),
        allow_null=True,
        help_text="[west, south, east, north] in WGS 84.",
    )
    is_published = serializers.BooleanField(help_text="The revision the public sees now.")
    was_published = serializers.BooleanField(help_text="Is or ever was published.")
    published_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was last published (null: not recorded)."
    )
    diff = serializers.URLField(help_text="Its diff against the published revision.")
    status = serializers.CharField(required=False, help_text="Planners only.")
    source_name = serializers.CharField(required=False, help_text="Planners only.")
    source_crs = serializers.CharField(required=False, help_text="Planners only.")
    created_by = serializers.CharField(required=False, allow_null=True, help_text="Planners only.")
    problem_count = serializers.IntegerField(required=False, help_text="Planners only.")


class LayerRevisionListSerializer(serializers.Serializer):
    collection = serializers.CharField()
    published = serializers.IntegerField(allow_null=True)
    revisions = LayerRevisionSerializer(many=True)


class RevisionChangeSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    before_id = serializers.IntegerField()
    after_id = serializers.IntegerField()
    geometry_changed = serializers.BooleanField()
    attributes = serializers.DictField(
        child=serializers.DictField(),
        help_text='Changed attributes: name -> {"before": value, "after": value}.',
    )


class RevisionDiffSerializer(serializers.Serializer):
    collection = serializers.CharField()
    revision = serializers.IntegerField()
    against = serializers.IntegerField(allow_null=True, help_text="null: nothing published.")
    key_field = serializers.CharField(help_text='"" when features are matched by geometry.')
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    area_ha_before = serializers.FloatField()
    area_ha_after = serializers.FloatField()
    area_srid = serializers.IntegerField(help_text="The Gauss-Krüger zone areas are computed in.")
    changes = RevisionChangeSerializer(many=True)
    changes_truncated = serializers.BooleanField()


class PublishRevisionRequestSerializer(serializers.Serializer):
    expected_current = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text=(
            "The revision number the caller saw as published (null: none). When another "
            "publish won since, the answer is 409 and nothing changes. Leave it out to publish "
            "unconditionally."
        ),
    )


class PublishedRevisionSerializer(serializers.Serializer):
    collection = serializers.CharField()
    published = serializers.IntegerField()
    previous = serializers.IntegerField(allow_null=True)
    action = serializers.ChoiceField(choices=["layer.publish", "layer.rollback"])
    changed = serializers.BooleanField(help_text="false: it was already the published one.")


class PublishConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = serializers.IntegerField(allow_null=True)


class RevisionRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()


# -- views ----------------------------------------------------------------------------------


class IsPlanner(BasePermission):
    message = _("Only planners may publish layers.")

    def has_permission(self, request, view) -> bool:
        return is_planner(request.user)


class RevisionListView(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]

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
        planner = is_planner(request.user)
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


class RevisionDiffView(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="layer_revision_diff",
        summary="What a revision changes",
        description=(
            "Compares the revision with the published one (or `against`): features are "
            "matched by the layer's key field (BSM by default), else by geometry. Counts of "
            "added, removed, changed and unchanged features, total areas in hectares in the "
            "plan's Gauss-Krüger zone, and up to 100 changed features with the attributes "
            "that changed. Public for revisions that are or were published; planners only "
            "for the others."
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
            400: OpenApiResponse(
                RevisionRefusalSerializer, description="`against` is not a number."
            ),
            401: NOT_AUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request, collection_id: str, number: int):
        layer = visible_layer(request.user, collection_id)
        published = None if is_planner(request.user) else ever_published(layer)
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
        return Response({"collection": layer.collection_id, **data})


class PublishView(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
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
            "authentication; the user must be in the group `planners`. Writes an audit event."
        ),
        request=PublishRevisionRequestSerializer,
        responses={
            200: PublishedRevisionSerializer,
            400: invalid("Invalid body, or the revision is not ready (detail)."),
            401: NOT_AUTHENTICATED,
            403: OpenApiResponse(RevisionRefusalSerializer, description="Not a planner."),
            404: NOT_FOUND,
            409: OpenApiResponse(
                PublishConflictSerializer, description="Someone else published meanwhile."
            ),
            415: UNSUPPORTED_MEDIA_TYPE,
        },
    )
    def post(self, request, collection_id: str, number: int):
        layer = get_object_or_404(Layer, collection_id=collection_id)
        revision = get_object_or_404(LayerRevision, layer=layer, number=number)
        body = PublishRevisionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        options = {}
        if "expected_current" in body.validated_data:
            options["expected_current"] = body.validated_data["expected_current"]
        try:
            outcome = publish_revision(layer, revision, actor=request.user, **options)
        except PublishConflict as conflict:
            return Response(
                {"detail": str(conflict), "current": conflict.current},
                status=status.HTTP_409_CONFLICT,
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
