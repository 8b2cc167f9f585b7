"""The shapes of the upload and revision API (layers/revisions/api.py), for validation and
for the OpenAPI schema."""

import json

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from planportal.api_fields import StrictIntegerField


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
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=30,
        help_text="A new layer's code (要素代码, e.g. YJJBNT): restricted codes start "
        "generalised, the others tiles-only.",
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
    acknowledge_overlaps = serializers.BooleanField(
        default=False,
        help_text=(
            "A revision of 永久基本农田, 生态保护红线, 城镇开发边界 or the township extent is "
            "checked against the other layers' published revisions; when they overlap or lie "
            "outside the extent, the answer is 400 with the report until this is true."
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


class LayerSettingsSerializer(serializers.Serializer):
    """A layer's settings as planners read and change them (``/api/layers/{collection}/``)."""

    collection = serializers.CharField(read_only=True)
    plan = serializers.CharField(read_only=True, help_text="The plan's slug.")
    code = serializers.CharField(read_only=True, help_text="The layer code (要素代码), if any.")
    title = serializers.CharField(min_length=1, max_length=200, required=False)
    section = serializers.CharField(
        allow_null=True,
        allow_blank=True,
        required=False,
        max_length=20,
        help_text='The number of a section of the plan, e.g. "3.2"; null: none.',
    )
    data_status = serializers.ChoiceField(
        choices=["", "schematic", "official", "示意", "正式"],
        required=False,
        help_text="schematic (示意) or official (正式); '' when not said. Read back as "
        "schematic or official.",
    )
    source_note = serializers.CharField(allow_blank=True, required=False)
    publication_note = serializers.CharField(allow_blank=True, required=False)
    public_policy = serializers.ChoiceField(
        choices=["features", "tiles-only", "generalised"],
        required=False,
        help_text="features (coordinates for download; needs confirm_restricted_features "
        "for a restricted layer), tiles-only, or generalised (no parcel, no attribute).",
    )
    confirm_restricted_features = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Confirms features for a restricted layer (永久基本农田, 生态保护红线, ...).",
    )
    restricted = serializers.BooleanField(
        read_only=True, help_text="A restricted designation, by its code, id or title."
    )
    published = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The published revision (null: none)."
    )
    is_public = serializers.BooleanField(read_only=True, help_text="The public sees the layer.")
    missing = serializers.ListField(
        child=serializers.ChoiceField(
            choices=["section", "data_status", "source_note", "publication_note"]
        ),
        read_only=True,
        help_text="What the publish gate still asks for; publishing is refused until it is [].",
    )
    missing_message = serializers.CharField(
        read_only=True, help_text="The same as a sentence ('' when nothing is missing)."
    )


class UnpublishRequestSerializer(serializers.Serializer):
    expected_current = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text=(
            "The revision number the caller saw as published. When it differs now, the answer "
            "is 409 and nothing changes. Leave it out to withdraw unconditionally."
        ),
    )


class UnpublishedSerializer(serializers.Serializer):
    collection = serializers.CharField()
    previous = serializers.IntegerField(
        allow_null=True, help_text="The revision that was published (null: none was)."
    )
    changed = serializers.BooleanField(help_text="false: nothing was published.")
