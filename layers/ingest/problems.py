"""What the pipeline tells the planner: problems with a severity, a feature number and a field.

A problem is stored as a small dict on the revision (``LayerRevision.problems``) and kept as a
code plus parameters, so a page can render it again in the reader's language; ``message`` is
rendered once, in the site's language, when the problem is made. Messages are English msgids
with Simplified Chinese translations in the catalogue.

Errors reject the file (nothing is written); warnings are kept with the revision.
"""

import dataclasses
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, gettext_noop


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


# One msgid per problem code. gettext_noop marks them for makemessages; they are translated
# when rendered, so a stored problem can be shown again in another language.
MESSAGES: dict[str, str] = {
    # The upload as a whole
    "file_too_large": gettext_noop("The file is larger than the limit of %(limit)s."),
    "file_missing": gettext_noop("The uploaded file %(name)s cannot be found."),
    "unknown_format": gettext_noop(
        "Files ending in %(extension)s are not accepted. Upload a zipped Shapefile or FileGDB "
        "(.zip), a GeoPackage (.gpkg), GeoJSON (.geojson) or KML (.kml)."
    ),
    "content_mismatch": gettext_noop(
        "%(name)s is named like a %(expected)s file but its content is something else; "
        "it was not opened."
    ),
    "archive_unsafe_path": gettext_noop(
        "The archive entry %(name)s points outside the archive's folder."
    ),
    "archive_link": gettext_noop(
        "The archive entry %(name)s is a link or special file; only plain files are accepted."
    ),
    "archive_encrypted": gettext_noop("The archive entry %(name)s is encrypted."),
    "archive_duplicate": gettext_noop("The archive holds %(name)s more than once."),
    "archive_too_many_entries": gettext_noop(
        "The archive has %(count)s entries; at most %(limit)s are accepted."
    ),
    "archive_too_large": gettext_noop("Unpacked, the archive would exceed %(limit)s."),
    "archive_corrupt": gettext_noop("The archive cannot be read (%(reason)s)."),
    # The job's own limits (layers/revisions/confined.py)
    "ingest_cpu_limit": gettext_noop(
        "Reading and checking the file took more than %(seconds)s seconds of processing time, "
        "the limit for one upload. Nothing was written. Split the file into smaller layers or "
        "simplify its geometry, and upload it again."
    ),
    "ingest_memory_limit": gettext_noop(
        "Reading and checking the file needed more than %(limit)s of memory, the limit for one "
        "upload. Nothing was written. Split the file into smaller layers or simplify its "
        "geometry, and upload it again."
    ),
    "ingest_disk_full": gettext_noop(
        "The server ran out of room to unpack and check the file. Nothing was written. Try "
        "again later; if it fails again, tell the portal's administrator."
    ),
    "ingest_crashed": gettext_noop(
        "Reading the file stopped unexpectedly: the file may be damaged, or the server was "
        "interrupted. Nothing was written. Check that the file opens in a GIS program, and "
        "upload it again."
    ),
    "no_dataset": gettext_noop(
        "No map data was found in the upload (expected .shp, .gdb, .gpkg, .geojson or .kml)."
    ),
    "shapefile_incomplete": gettext_noop("The Shapefile %(name)s has no %(missing)s file."),
    "unreadable": gettext_noop("%(name)s cannot be read (%(reason)s)."),
    "layer_choice_needed": gettext_noop(
        "The upload holds several layers; choose one of: %(choices)s."
    ),
    "layer_not_found": gettext_noop("The upload has no layer %(layer)s; it has: %(choices)s."),
    "too_many_features": gettext_noop(
        "The layer has %(count)s features; at most %(limit)s are accepted."
    ),
    "no_features": gettext_noop("The layer has no features."),
    "encoding_guessed": gettext_noop(
        "The Shapefile has no .cpg file; its text was read as %(encoding)s."
    ),
    "encoding_overridden": gettext_noop(
        "The .cpg file says %(declared)s but the text is %(encoding)s; it was read as %(encoding)s."
    ),
    "encoding_mended": gettext_noop(
        "%(count)s texts ended in half a character (cut at the field width); the broken "
        "character was dropped."
    ),
    # Coordinates
    "crs_guessed": gettext_noop(
        "The file names no coordinate system; %(crs)s was recognised from the coordinates."
    ),
    "crs_corrected": gettext_noop(
        "The file declares %(declared)s but its coordinates fit %(crs)s; they were read as %(crs)s."
    ),
    "crs_unsupported_datum": gettext_noop(
        "The coordinate system %(name)s is not based on CGCS2000 or WGS 84; convert the data "
        "to CGCS2000 first."
    ),
    "crs_mismatch": gettext_noop(
        "The coordinates (x %(xmin)s to %(xmax)s, y %(ymin)s to %(ymax)s) do not fit the "
        "declared coordinate system %(crs)s."
    ),
    "crs_missing_unknown": gettext_noop(
        "The file names no coordinate system and its coordinates (x %(xmin)s to %(xmax)s, "
        "y %(ymin)s to %(ymax)s) are neither longitude and latitude nor Gauss-Krüger; add the "
        ".prj file."
    ),
    "crs_missing_no_extent": gettext_noop(
        "The file names no coordinate system and the plan has no extent from which to tell "
        "the Gauss-Krüger zone; add the .prj file."
    ),
    "crs_missing_no_zone": gettext_noop(
        "The file names no coordinate system and no Gauss-Krüger zone puts its coordinates "
        "(x %(xmin)s to %(xmax)s, y %(ymin)s to %(ymax)s) inside the plan area; add the .prj "
        "file."
    ),
    "crs_missing_ambiguous": gettext_noop(
        "The file names no coordinate system and its coordinates fit several Gauss-Krüger "
        "zones (%(zones)s); add the .prj file."
    ),
    "crs_gcj02_against_published": gettext_noop(
        'The coordinates look like GCJ-02 ("Mars" coordinates exported from Amap or Tencent '
        "maps): the whole layer is about %(metres)s m off the published data, and lines up with "
        "it once the GCJ-02 offset is removed. Convert the data to CGCS2000 and upload it again."
    ),
    "crs_gcj02_against_places": gettext_noop(
        'The coordinates look like GCJ-02 ("Mars" coordinates exported from Amap or Tencent '
        "maps): %(places)s lie about %(metres)s m off their known positions, where Amap puts "
        "them. Convert the data to CGCS2000 and upload it again."
    ),
    # Geometry, per feature
    "geometry_empty": gettext_noop("Feature %(feature)s has no geometry."),
    "coordinate_not_finite": gettext_noop(
        "Feature %(feature)s: coordinate %(vertex)s is not a number (NaN or infinity); "
        "correct it in the source data."
    ),
    "coordinate_out_of_range": gettext_noop(
        "Feature %(feature)s: coordinate %(vertex)s (%(value)s) is far beyond the range of any "
        "coordinate system; correct it in the source data."
    ),
    "geometry_unreadable": gettext_noop(
        "Feature %(feature)s has a geometry that cannot be read (for example a ring that does "
        "not close)."
    ),
    "geometry_wrong_type": gettext_noop(
        "Feature %(feature)s is a %(found)s but the layer holds only %(expected)s features."
    ),
    "geometry_repaired": gettext_noop(
        "Feature %(feature)s had an invalid geometry (%(reason)s); it was repaired."
    ),
    "geometry_unrepairable": gettext_noop(
        "Feature %(feature)s has an invalid geometry (%(reason)s) that cannot be repaired."
    ),
    "geometry_outside": gettext_noop("Feature %(feature)s lies outside the plan area."),
    "geometry_outside_approximate": gettext_noop(
        "Feature %(feature)s lies outside the approximate plan extent (not a legal boundary); "
        "check that it belongs to this plan."
    ),
    "too_many_vertices": gettext_noop(
        "Feature %(feature)s has %(count)s vertices; at most %(limit)s are accepted."
    ),
    # Attributes
    "field_missing": gettext_noop("The required field %(field)s is missing."),
    "field_empty": gettext_noop("Feature %(feature)s: the required field %(field)s is empty."),
    "mapping_unknown_field": gettext_noop(
        "The field mapping names %(field)s, which the file does not have."
    ),
    "landuse_code_unknown": gettext_noop(
        "Feature %(feature)s: %(field)s %(value)s is not a code of the 2023 land and sea use "
        "classification."
    ),
    "landuse_code_padded": gettext_noop(
        "The field %(field)s holds numbers; their leading zeros were restored (101 became 0101)."
    ),
    "key_duplicate": gettext_noop(
        "Feature %(feature)s: %(field)s %(value)s already belongs to feature %(first)s."
    ),
    "key_missing": gettext_noop(
        "The key field %(field)s is missing; revisions will be compared by geometry."
    ),
    "key_empty": gettext_noop("Feature %(feature)s: the key field %(field)s is empty."),
    "more_problems": gettext_noop("%(count)s more problems of this kind are not listed."),
}


@dataclass(frozen=True)
class Problem:
    code: str
    severity: Severity
    feature: int | None = None  # 1-based, in the order of the source
    field: str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    @property
    def message(self) -> str:
        return render_message(self.code, self.all_params())

    def all_params(self) -> dict[str, Any]:
        return {"feature": self.feature, "field": self.field, **self.params}

    def as_dict(self) -> dict[str, Any]:
        """The stored form; the message is rendered in the site's language."""
        with translation.override(settings.LANGUAGE_CODE):
            message = self.message
        return {
            "code": self.code,
            "severity": str(self.severity),
            "feature": self.feature,
            "field": self.field,
            "params": self.params,
            "message": message,
        }


# Geometry kinds named inside messages ("found", "expected" parameters).
GEOMETRY_NAMES = {
    "Point": gettext_noop("point"),
    "LineString": gettext_noop("line"),
    "Polygon": gettext_noop("polygon"),
    "GeometryCollection": gettext_noop("geometry collection"),
}


def render_message(code: str, params: dict[str, Any]) -> str:
    """The message of a problem (also of a stored one) in the active language."""
    return gettext(MESSAGES[code]) % _printable(params)


def _printable(params: dict[str, Any]) -> dict[str, Any]:
    printable = {}
    for key, value in params.items():
        if value is None:
            value = ""
        elif key in ("found", "expected") and value in GEOMETRY_NAMES:
            value = gettext(GEOMETRY_NAMES[value])
        printable[key] = value
    return printable


def error(code: str, **params: Any) -> Problem:
    return _make(code, Severity.ERROR, params)


def warning(code: str, **params: Any) -> Problem:
    return _make(code, Severity.WARNING, params)


def _make(code: str, severity: Severity, params: dict[str, Any]) -> Problem:
    if code not in MESSAGES:
        raise KeyError(f"unknown problem code {code}")
    feature = params.pop("feature", None)
    field_name = params.pop("field", None)
    return Problem(code, severity, feature, field_name, params)


class RejectedFile(Exception):
    """The upload cannot become a revision. ``problems`` says why, in the planner's words."""

    def __init__(self, problems: "Problem | list[Problem]"):
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("; ".join(p.message for p in self.problems))


# Stored per revision: enough to find every kind of problem, not 50,000 copies of one.
MAX_LISTED_PER_CODE = 100


# Kept in memory per kind: a million repaired parcels must not become a million objects.
MAX_KEPT_PER_CODE = 1000


@dataclass(frozen=True)
class ManyFeatures:
    """One kind of problem on many features of a batch, made into Problems only as far as a
    ProblemLog keeps them: a million parcels outside an approximate plan extent cost a million
    objects, and 4-5 s of a 20 s upload, when only MAX_KEPT_PER_CODE are kept
    (bench/README.md, ingest)."""

    code: str
    severity: Severity
    indexes: np.ndarray  # 0-based, in the batch
    keys: list[str | None]  # the batch's keys
    offset: int = 0  # the batch's place in the file: added to every feature number

    def __len__(self) -> int:
        return len(self.indexes)

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    def first(self, count: int) -> list[Problem]:
        """The first ``count`` of them as Problems, numbered as features of the file."""
        made = []
        for index in self.indexes[:count]:
            where = feature_where(index, self.keys)
            where["feature"] += self.offset
            made.append(_make(self.code, self.severity, where))
        return made


def many_features(code: str, severity: Severity, indexes: np.ndarray, keys) -> list:
    """The problem ``code`` of the features at ``indexes`` (0-based; with their ``keys``), as
    a list to extend a batch's problems with (empty when there are none)."""
    if code not in MESSAGES:
        raise KeyError(f"unknown problem code {code}")
    return [ManyFeatures(code, severity, indexes, keys)] if len(indexes) else []


@dataclass
class ProblemLog:
    """Problems in the order they were found, with totals per severity. Of each kind the
    first MAX_KEPT_PER_CODE are kept, the rest only counted."""

    problems: list[Problem] = dataclasses.field(default_factory=list)
    omitted: Counter = dataclasses.field(default_factory=Counter)
    _kept: Counter = dataclasses.field(default_factory=Counter, repr=False)
    _any_error: bool = dataclasses.field(default=False, repr=False)

    def __post_init__(self) -> None:
        given, self.problems = self.problems, []
        self.extend(given)

    def add(self, problem: Problem) -> None:
        self._any_error = self._any_error or problem.is_error
        if self._kept[problem.code] >= MAX_KEPT_PER_CODE:
            self.omitted[problem.code] += 1
            return
        self._kept[problem.code] += 1
        self.problems.append(problem)

    def extend(self, problems: "list[Problem | ManyFeatures]") -> None:
        for problem in problems:
            if isinstance(problem, ManyFeatures):
                self._add_many(problem)
            else:
                self.add(problem)

    def _add_many(self, many: ManyFeatures) -> None:
        self._any_error = self._any_error or many.is_error
        made = many.first(max(0, MAX_KEPT_PER_CODE - self._kept[many.code]))
        self._kept[many.code] += len(made)
        self.problems.extend(made)
        self.omitted[many.code] += len(many) - len(made)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def has_errors(self) -> bool:
        return self._any_error

    def stored(self, limit_per_code: int = MAX_LISTED_PER_CODE) -> list[dict[str, Any]]:
        """The list kept on the revision: the first problems of each kind, then how many
        more of that kind there were."""
        seen: Counter[str] = Counter()
        totals = Counter(p.code for p in self.problems) + self.omitted
        listed = []
        for problem in self.problems:
            seen[problem.code] += 1
            if seen[problem.code] <= limit_per_code:
                listed.append(problem.as_dict())
        for code, total in totals.items():
            if total > limit_per_code:
                severity = next(p.severity for p in self.problems if p.code == code)
                more = Problem(
                    "more_problems", severity, params={"of": code, "count": total - limit_per_code}
                )
                listed.append(more.as_dict())
        return listed


def feature_where(index: int, keys: list[str | None]) -> dict:
    where = {"feature": int(index) + 1}
    if keys[index] is not None:
        where["key"] = keys[index]
    return where
