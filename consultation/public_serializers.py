"""What a resident sends with an opinion, checked field by field (messages in the request's
language, Simplified Chinese unless the client asks otherwise), and the shape of the answer.

The serializer also resolves what the opinion points at, one of:
- ``section``: a section number of the plan, e.g. "3.2";
- ``collection_id`` + ``feature_id``: a feature of the layer's *published* revision (the
  revision is recorded). Tiles-only layers count too: the map learns feature ids from tiles;
- ``geometry``: a GeoJSON Point, LineString or Polygon drawn inside the plan's area (the
  official township boundary; near the extent while that is only approximate);
- nothing: the plan as a whole.
"""

import copy
import json
import math
import re
import struct
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import (
    EmailValidator,
    MaxLengthValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import connection
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from consultation.models import Consultation, Stance
from consultation.photos import (
    PhotoError,
    PhotoUpload,
    decode_data_url,
    max_bytes,
    max_pixels,
)
from layers.boundary import plan_area
from layers.models import Feature, Layer, LayerRevision
from planportal.api_fields import StrictCharField
from planportal.db import execute_quoted
from planportal.models import Section

DRAWN_TYPES = ("Point", "LineString", "Polygon")
# How far (degrees, about 5 km) a drawn place may reach past an approximate plan extent.
APPROXIMATE_EXTENT_MARGIN_DEGREES = 0.05
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{9,11}$")


def max_chars() -> int:
    return int(settings.COMMENT_MAX_CHARS)


def max_vertices() -> int:
    return int(settings.COMMENT_MAX_VERTICES)


@dataclass(frozen=True)
class Target:
    kind: str  # "plan", "section", "feature" or "drawn"
    section_id: int | None = None
    layer_id: int | None = None
    revision_id: int | None = None
    feature_id: int | None = None
    drawn: GEOSGeometry | None = None


def normalise_phone(raw: str) -> str:
    """A Chinese mobile number as 11 digits, or a landline as "area-number" (0358-1234567);
    raises ValueError for anything else. Spaces, dashes, brackets and +86 are accepted."""
    digits = re.sub(r"[\s\-()（）]", "", raw)
    international = re.match(r"^(?:\+|00)?86(\d{9,12})$", digits)
    if international and not MOBILE.match(digits):
        rest = international.group(1)
        digits = rest if rest.startswith("1") else "0" + rest
    if MOBILE.match(digits):
        return digits
    if LANDLINE.match(digits):
        # Beijing (010) and the 02x cities have three-digit area codes, the rest four.
        area = 3 if digits[1] in "12" else 4
        number = digits[area:]
        if 7 <= len(number) <= 8:
            return f"{digits[:area]}-{number}"
    raise ValueError(raw)


@extend_schema_field(
    {
        "type": "object",
        "description": "GeoJSON geometry (Point, LineString or Polygon) in EPSG:4326, inside "
        "the plan's area (its official township boundary, or within about 5 km of its "
        "approximate extent); a GeoJSON Feature is accepted too.",
    }
)
class DrawnGeometryField(serializers.Field):
    def to_internal_value(self, data):
        if isinstance(data, str):
            if not data.strip():
                return None
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError(_("The drawn place could not be read.")) from None
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        if not isinstance(data, dict) or data.get("type") not in DRAWN_TYPES:
            raise serializers.ValidationError(_("Draw a point, a line or an area."))
        positions = list(_positions(data.get("coordinates")))
        if positions is None or not positions or any(p is None for p in positions):
            raise serializers.ValidationError(_("The drawn place could not be read."))
        if len(positions) > max_vertices():
            raise serializers.ValidationError(
                _("The drawn place has too many points (at most %(n)s).") % {"n": max_vertices()}
            )
        try:
            geometry = _from_wkb(data) or GEOSGeometry(
                json.dumps({"type": data["type"], "coordinates": data["coordinates"]})
            )
        except (GDALException, GEOSException, ValueError, TypeError):
            raise serializers.ValidationError(_("The drawn place could not be read.")) from None
        geometry.srid = 4326
        if geometry.empty or not geometry.valid:
            raise serializers.ValidationError(
                _("The drawn area crosses itself or has too few points. Please draw it again.")
            )
        return geometry

    def to_representation(self, value):
        return json.loads(value.geojson)


# Each drawn type's WKB code and the depth of its positions in the coordinates:
# [x, y], [[x, y], ...], [[[x, y], ...], ...].
_WKB_TYPE_AND_DEPTH = {"Point": (1, 0), "LineString": (2, 1), "Polygon": (3, 2)}


def _from_wkb(data: dict) -> GEOSGeometry | None:
    """The drawn place built by GEOS from WKB packed here, when its coordinates nest as its
    type says and are plain numbers; None otherwise (GDAL then reads the GeoJSON as before,
    and refuses what it refuses). The same geometry as GDAL's reading, at a sixth of its cost
    (GeoJSON through OGR was a quarter of validating a drawn comment). GEOS refuses what it
    cannot build (an open ring), as it does after GDAL."""
    wkb_type, depth = _WKB_TYPE_AND_DEPTH[data["type"]]
    body = _packed(data["coordinates"], depth)
    if body is None:
        return None
    header = struct.pack("<BI", 1, wkb_type)  # little-endian, 2D
    return GEOSGeometry(memoryview(header + body))


def _packed(coordinates, depth: int) -> bytes | None:
    """WKB of a position (depth 0: two plain numbers) or of a list of what is one level
    less deep, preceded by its length; None when the nesting or a number is not so."""
    if depth == 0:
        if (
            isinstance(coordinates, list)
            and len(coordinates) == 2
            and all(type(number) in (int, float) for number in coordinates)
        ):
            return struct.pack("<2d", *coordinates)
        return None
    if not isinstance(coordinates, list):
        return None
    parts = [_packed(item, depth - 1) for item in coordinates]
    if any(part is None for part in parts):
        return None
    return b"".join([struct.pack("<I", len(parts)), *parts])


def _positions(coordinates, depth: int = 0):
    """Every [lon, lat] pair of a GeoJSON coordinates array; None for a pair that is not two
    finite numbers in range (three-dimensional positions included)."""
    if depth > 3 or not isinstance(coordinates, list):
        yield None
        return
    if coordinates and all(isinstance(c, int | float) for c in coordinates):
        ok = (
            len(coordinates) == 2
            and all(math.isfinite(c) for c in coordinates)
            and -180 <= coordinates[0] <= 180
            and -90 <= coordinates[1] <= 90
        )
        yield coordinates if ok else None
        return
    for item in coordinates:
        yield from _positions(item, depth + 1)


@extend_schema_field(
    {
        "type": "string",
        "description": "Optional photo as a data URL (data:image/jpeg;base64,...). JPEG, PNG "
        "or WebP, checked by content, re-encoded without metadata.",
    }
)
class PhotoField(serializers.Field):
    """A data URL in JSON, or an uploaded file from the HTML form. Only its header is read here
    (type, pixel count); the submission decodes it after the rate limits (PhotoUpload.clean)."""

    def to_internal_value(self, data) -> PhotoUpload | None:
        try:
            if isinstance(data, UploadedFile):
                if data.size == 0:
                    return None
                if data.size > max_bytes():
                    raise PhotoError(_("The photo is too large."))
                return PhotoUpload.from_bytes(data.read())
            if isinstance(data, str):
                return PhotoUpload.from_bytes(decode_data_url(data)) if data else None
        except PhotoError as error:
            raise serializers.ValidationError(str(error)) from None
        raise serializers.ValidationError(_("The photo could not be read."))

    def to_representation(self, value):
        return None


def normalise_body(text: str) -> str:
    """The opinion as stored and counted: a browser posts a textarea's line breaks as CR LF,
    which would count twice against COMMENT_MAX_CHARS while the counter on the page (and a
    JSON client) count one."""
    return text.replace("\r\n", "\n")


def _stance_choices_text() -> str:
    return "、".join(str(label) for label in Stance.labels)


def field_messages() -> dict[str, dict[str, str]]:
    """DRF's default messages ("This field is required.") do not say which box is meant on a
    long form: each refusal names the field as the form labels it and says what to do. Built
    per request, in its language."""
    body = _("Please write your opinion in the box “Opinion”.")
    stance = _("Under “Your view”, choose one: %(choices)s.") % {"choices": _stance_choices_text()}
    feature = _("Choose the map feature again.")
    return {
        "body": {"required": body, "blank": body, "null": body, "invalid": body},
        "stance": {"required": stance, "invalid_choice": stance, "null": stance},
        "name": {
            "max_length": _("“Name” may have at most %(max)s characters.") % {"max": 100},
            "invalid": _("“Name” could not be read. Please type it again."),
        },
        "phone": {"max_length": phone_message(), "invalid": phone_message()},
        "email": {
            "invalid": _(
                "“Email” is not an e-mail address. Write it like name@example.com, or leave "
                "the box empty."
            ),
            "max_length": _("“Email” may have at most %(max)s characters.") % {"max": 254},
        },
        "guardian_name": {
            "max_length": _("“Guardian's name” may have at most %(max)s characters.") % {"max": 100}
        },
        "collection_id": {"invalid": feature, "max_length": feature},
        "feature_id": {"invalid": feature, "min_value": feature, "max_string_length": feature},
        "section": {"max_length": _("Choose the section of the plan again.")},
    }


def phone_message() -> str:
    return _(
        "Enter a mobile number (11 digits starting with 1) or a landline number "
        "with its area code, e.g. 0358-1234567."
    )


# DRF builds a field's validators with its messages when the field is made; the validators
# of these kinds are made again with the messages of field_messages().
_VALIDATOR_MESSAGES = (
    (EmailValidator, "invalid"),
    (RegexValidator, "invalid"),
    (MaxLengthValidator, "max_length"),
    (MinValueValidator, "min_value"),
)


class _NoSurrogates(ProhibitSurrogateCharactersValidator):
    """DRF's check of every text field for surrogate code points, with one regular expression
    instead of a Python loop over each character (2% of a comment's CPU); the same message."""

    _surrogate = re.compile("[\ud800-\udfff]")

    def __call__(self, value):
        found = self._surrogate.search(str(value))
        if found:
            message = self.message.format(code_point=ord(found.group()))
            raise serializers.ValidationError(message, code=self.code)


def _use_messages(field: serializers.Field, messages: dict[str, str]) -> None:
    field.error_messages.update(messages)
    validators = []
    for validator in field.validators:
        for kind, key in _VALIDATOR_MESSAGES:
            if isinstance(validator, kind) and key in messages:
                validator = copy.copy(validator)
                validator.message = messages[key]
                break
        validators.append(validator)
    field.validators = validators


_fields_by_language: dict[str | None, dict[str, serializers.Field]] = {}


def _prepared_fields() -> dict[str, serializers.Field]:
    """CommentSubmissionSerializer's declared fields with their messages in the active
    language, made at the first comment in that language (a race makes them twice, alike)."""
    language = get_language()
    fields = _fields_by_language.get(language)
    if fields is None:
        fields = copy.deepcopy(CommentSubmissionSerializer._declared_fields)
        for name, messages in field_messages().items():
            _use_messages(fields[name], messages)
        for field in fields.values():
            field.validators = [
                _NoSurrogates() if type(v) is ProhibitSurrogateCharactersValidator else v
                for v in field.validators
            ]
        _fields_by_language[language] = fields
    return fields


_bound_by_language: dict[str | None, list[serializers.Field]] = {}


def _validating_fields() -> list[serializers.Field]:
    """The prepared fields of the active language, bound once (their name, a serializer of
    their own as parent) for every comment's validation: DRF binds a copy of each of the 19
    fields to each serializer, a third of validating a comment. Sharing them between requests
    and threads is safe because validating only reads a field; none of these fields reads its
    parent or context (the serializer's own validate methods read the serializer's)."""
    language = get_language()
    fields = _bound_by_language.get(language)
    if fields is None:
        parent = CommentSubmissionSerializer()
        fields = []
        for name, field in _prepared_fields().items():
            bound = _shallow_copy(field)
            bound.bind(name, parent)
            fields.append(bound)
        _bound_by_language[language] = fields
    return fields


def _shallow_copy(field: serializers.Field) -> serializers.Field:
    """What copy.copy makes of a field (a new object sharing the attributes), at a third of
    its cost: copy.copy goes through the pickling protocol for each of the 19 fields."""
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


class CommentSubmissionSerializer(serializers.Serializer):
    body = StrictCharField(help_text="The opinion; required, at most COMMENT_MAX_CHARS.")
    stance = serializers.ChoiceField(
        choices=Stance.choices,
        help_text="support (支持), oppose (反对), suggest (建议) or question (咨询)",
    )
    section = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text='plan section number, "3.2"'
    )
    collection_id = serializers.SlugField(
        required=False, allow_blank=True, max_length=100, help_text="layer of a map feature"
    )
    feature_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="feature id (as in the tiles)"
    )
    geometry = DrawnGeometryField(required=False, allow_null=True)
    photo = PhotoField(required=False, allow_null=True)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    phone = serializers.CharField(
        required=False, allow_blank=True, max_length=30, help_text="mobile or landline"
    )
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    consent_privacy = serializers.BooleanField(
        required=False, default=False, help_text="must be true: agreed to the privacy notice"
    )
    consent_show_name = serializers.BooleanField(
        required=False, default=False, help_text="separate consent to show the name in public"
    )
    under_14 = serializers.BooleanField(
        required=False,
        default=False,
        help_text="the person giving the opinion is under 14 (我未满十四周岁)",
    )
    guardian_consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text="must be true when under_14: a parent or guardian agreed (监护人已同意)",
    )
    guardian_name = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="optional, with under_14"
    )
    form_token = serializers.CharField(help_text="from GET /api/consultations/{id}/form/")
    website = serializers.CharField(
        required=False, allow_blank=True, help_text="honeypot: must stay empty"
    )
    challenge = serializers.CharField(
        required=False, allow_blank=True, help_text="challenge token, when one was asked for"
    )
    challenge_solution = serializers.CharField(required=False, allow_blank=True, max_length=20)

    def get_fields(self) -> dict[str, serializers.Field]:
        """The declared fields with the messages of field_messages(), in the request's
        language. DRF deep-copies every declared field for every serializer, which re-runs
        each field's constructor (validators, messages): a fifth of a comment's CPU. The
        fields are made once per language and process instead, and ``self.fields`` (the
        schema, anything that reads it) gets shallow copies, which DRF binds to it (name,
        parent) without touching the shared parts: validators and messages are only read.
        Validation itself uses copies bound once (``_writable_fields``)."""
        return {name: _shallow_copy(field) for name, field in _prepared_fields().items()}

    @property
    def _writable_fields(self):
        """What DRF validates the data with (its default: ``self.fields``, bound anew):
        the fields bound once per language."""
        return _validating_fields()

    def _read_only_defaults(self) -> dict:
        """DRF's defaults of read-only fields, read from ``self.fields``: this serializer has
        no read-only field (tests/consultation/test_submit_comments.py)."""
        return {}

    def validate_body(self, value: str) -> str:
        value = normalise_body(value)
        if len(value) > max_chars():
            # Refused, never cut: the form shows the text again for the resident to shorten.
            raise serializers.ValidationError(
                _(
                    "“Opinion” may have at most %(max)s characters; yours has %(n)s, %(over)s "
                    "too many. Please shorten it and send it again: what you wrote is kept in "
                    "the box."
                )
                % {"max": max_chars(), "n": len(value), "over": len(value) - max_chars()}
            )
        return value

    def validate_phone(self, value: str) -> str:
        if not value:
            return ""
        try:
            return normalise_phone(value)
        except ValueError:
            raise serializers.ValidationError(phone_message()) from None

    def validate_consent_privacy(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                _("Please agree to the privacy notice; without it we cannot accept your opinion.")
            )
        return value

    def validate(self, attrs: dict) -> dict:
        consultation: Consultation = self.context["consultation"]
        if attrs.get("under_14") and not attrs.get("guardian_consent"):
            # PIPL Art. 31: a child's personal information needs the guardian's consent.
            raise serializers.ValidationError(
                {
                    "guardian_consent": [
                        _(
                            "You said you are under 14: a parent or guardian must read the "
                            "privacy notice and agree before your opinion can be sent. Ask "
                            "them to tick the box."
                        )
                    ]
                }
            )
        if not attrs.get("under_14"):
            attrs["guardian_consent"], attrs["guardian_name"] = False, ""
        attrs["target"] = resolve_target(consultation, attrs, self.context.get("sections"))
        return attrs


# The layer and revision of a feature of a published layer of the plan, as the ORM would ask
# for it (Feature by pk, through its revision to the layer, that layer's published revision),
# written out: building that query for every feature comment cost more than running it.
PUBLISHED_FEATURE = f"""
    SELECT revision.layer_id, feature.revision_id
    FROM {Feature._meta.db_table} AS feature
    JOIN {LayerRevision._meta.db_table} AS revision ON revision.id = feature.revision_id
    JOIN {Layer._meta.db_table} AS layer ON layer.id = revision.layer_id
    WHERE feature.id = %s AND layer.collection_id = %s AND layer.plan_id = %s
      AND layer.published_revision_id = feature.revision_id
"""  # noqa: S608 - only the models' table names are interpolated


def resolve_target(
    consultation: Consultation, attrs: dict, sections: dict[str, int] | None = None
) -> Target:
    """What the opinion points at. ``sections`` (number -> id of the plan's sections), when
    the caller has them, saves the section look-up."""
    section_number = (attrs.get("section") or "").strip()
    collection_id = attrs.get("collection_id") or ""
    feature_id = attrs.get("feature_id")
    drawn = attrs.get("geometry")
    chosen = [bool(section_number), bool(collection_id or feature_id), drawn is not None]
    if sum(chosen) > 1:
        raise serializers.ValidationError(
            {"target": [_("Point your opinion at one thing: a section, a map feature or a place.")]}
        )
    plan = consultation.plan
    if section_number:
        if sections is not None:
            section_id = sections.get(section_number)
        else:
            section_id = (
                Section.objects.filter(
                    chapter__version=consultation.shown_version, number=section_number
                )
                .values_list("pk", flat=True)
                .first()
            )
        if section_id is None:
            message = _("This plan has no section %(number)s.") % {"number": section_number}
            raise serializers.ValidationError({"section": [message]})
        return Target("section", section_id=section_id)
    if collection_id or feature_id:
        if not (collection_id and feature_id):
            missing = "feature_id" if collection_id else "collection_id"
            raise serializers.ValidationError({missing: [_("Choose the map feature again.")]})
        with connection.cursor() as cursor:
            execute_quoted(cursor, PUBLISHED_FEATURE, [feature_id, collection_id, plan.pk])
            row = cursor.fetchone()
        if row is None:
            raise serializers.ValidationError(
                {"feature_id": [_("This map feature is not part of the published plan map.")]}
            )
        return Target("feature", layer_id=row[0], revision_id=row[1], feature_id=feature_id)
    if drawn is not None:
        if not _within_plan_area(plan, drawn):
            raise serializers.ValidationError(
                {"geometry": [_("The drawn place lies outside the area of this plan.")]}
            )
        return Target("drawn", drawn=drawn)
    return Target("plan")


def _within_plan_area(plan, drawn: GEOSGeometry) -> bool:
    """Inside the plan's extent, or inside its official township boundary; while the plan has
    only the approximate extent (示意范围), near enough to it: the real town may reach past the
    approximation, and a resident there must not be refused as if it were the legal boundary.
    (The boundary is looked up only for places outside the extent, so the common path of a
    comment costs no extra query.)"""
    if plan.extent is None or plan.extent.covers(drawn):
        return True
    area = plan_area(plan)
    if area.official:
        return area.geometry.covers(drawn)
    return plan.extent.buffer(APPROXIMATE_EXTENT_MARGIN_DEGREES).covers(drawn)


# -- answers --------------------------------------------------------------------------------


class SubmittedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    receipt_code = serializers.CharField()
    receipt_url = serializers.CharField(help_text="GET this for the state and the answer")
    receipt_page = serializers.CharField(help_text="the same as a page for people")


class ErrorsSerializer(serializers.Serializer):
    """400: one list of messages per field that is wrong (``target``, ``form_token``,
    ``challenge`` and ``website`` included), in the request's language."""

    field_name = serializers.ListField(child=serializers.CharField(), required=False)


class RefusalSerializer(serializers.Serializer):
    """A refused comment: the reason, and for 428/429 what the client needs to try again."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)
    challenge = serializers.DictField(required=False, help_text="428: the challenge to solve")
    retry_after = serializers.IntegerField(required=False, help_text="429: seconds")


def form_limits() -> dict:
    """The limits the comment form announces (the JSON form endpoint and the HTML page)."""
    return {
        "body_max_chars": max_chars(),
        "photo_max_bytes": max_bytes(),
        "photo_max_pixels": max_pixels(),
        "max_vertices": max_vertices(),
    }
