"""The drawn place of a comment is read by GEOS from WKB packed by the serializer
(consultation/public_serializers.py ``_from_wkb``) instead of GDAL reading the GeoJSON: the
same geometry for every drawing it takes, and every other drawing still read, or refused with
the same message, as GDAL's reading makes it."""

import json

import pytest
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils import translation
from rest_framework import serializers

from consultation.public_serializers import (
    CommentSubmissionSerializer,
    DrawnGeometryField,
    _from_wkb,
)

RING = [[112.01, 38.01], [112.03, 38.01], [112.03, 38.03], [112.01, 38.03], [112.01, 38.01]]
HOLE = [[112.015, 38.015], [112.02, 38.015], [112.02, 38.02], [112.015, 38.015]]

READ_ALIKE = {
    "point": {"type": "Point", "coordinates": [112.05, 38.05]},
    "point of integers": {"type": "Point", "coordinates": [112, 38]},
    "line": {"type": "LineString", "coordinates": [[112.01, 38.01], [112.02, 38.03]]},
    "polygon": {"type": "Polygon", "coordinates": [RING]},
    "polygon with a hole": {"type": "Polygon", "coordinates": [RING, HOLE]},
    "bow-tie": {
        "type": "Polygon",
        "coordinates": [
            [[112.01, 38.01], [112.03, 38.03], [112.03, 38.01], [112.01, 38.03], [112.01, 38.01]]
        ],
    },
}

# GEOS cannot build these, whichever reading hands them over.
REFUSED_ALIKE = {
    "open ring": {"type": "Polygon", "coordinates": [RING[:-1]]},
    "line of one point": {"type": "LineString", "coordinates": [[112.01, 38.01]]},
}

LEFT_TO_GDAL = {
    "point nested like a line": {"type": "Point", "coordinates": [[112.05, 38.05]]},
    "line nested like a polygon": {"type": "LineString", "coordinates": [RING]},
    "polygon of positions": {"type": "Polygon", "coordinates": RING},
    "true as a coordinate": {"type": "Point", "coordinates": [True, 38.05]},
    "ring as text": {"type": "Polygon", "coordinates": ["ring"]},
}


def _gdal_reading(data: dict):
    """The reading before: GDAL parses the GeoJSON, GEOS builds it; an exception as it is."""
    try:
        return GEOSGeometry(json.dumps({"type": data["type"], "coordinates": data["coordinates"]}))
    except (GDALException, GEOSException, ValueError, TypeError) as error:
        return type(error)


def _field_answer(data: dict):
    try:
        return DrawnGeometryField().to_internal_value(data)
    except serializers.ValidationError as error:
        return [str(message) for message in error.detail]


@pytest.mark.parametrize("data", READ_ALIKE.values(), ids=READ_ALIKE.keys())
def test_the_packed_drawing_is_the_geometry_gdal_reads(data):
    packed = _from_wkb(data)
    read = _gdal_reading(data)
    assert isinstance(read, GEOSGeometry)
    assert packed.geom_type == read.geom_type
    assert bytes(packed.wkb) == bytes(read.wkb)


@pytest.mark.parametrize("data", LEFT_TO_GDAL.values(), ids=LEFT_TO_GDAL.keys())
def test_a_drawing_that_does_not_nest_as_its_type_is_left_to_gdal(data):
    assert _from_wkb(data) is None


@pytest.mark.parametrize("data", REFUSED_ALIKE.values(), ids=REFUSED_ALIKE.keys())
def test_what_geos_cannot_build_is_refused_as_after_gdal(data):
    with pytest.raises(GEOSException):
        _from_wkb(data)
    assert _gdal_reading(data) is GEOSException
    with translation.override("en"):
        assert _field_answer(data) == ["The drawn place could not be read."]


@pytest.mark.parametrize(
    "data",
    [*READ_ALIKE.values(), *LEFT_TO_GDAL.values(), *REFUSED_ALIKE.values()],
    ids=[*READ_ALIKE.keys(), *LEFT_TO_GDAL.keys(), *REFUSED_ALIKE.keys()],
)
def test_the_field_answers_as_with_gdal_reading_alone(data, monkeypatch):
    with translation.override("en"):
        answer = _field_answer(data)
        monkeypatch.setattr("consultation.public_serializers._from_wkb", lambda data: None)
        before = _field_answer(data)
    if isinstance(before, GEOSGeometry):
        assert bytes(answer.wkb) == bytes(before.wkb) and answer.srid == before.srid == 4326
    else:
        assert answer == before


def test_the_submission_serializer_has_no_read_only_field():
    # Its validation skips DRF's read-only defaults (CommentSubmissionSerializer
    # ._read_only_defaults), which only read-only fields have.
    assert not [f for f in CommentSubmissionSerializer().fields.values() if f.read_only]
