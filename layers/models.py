"""Map layers of a plan: Layer -> LayerRevision -> Feature.

A layer keeps every revision that was ever loaded; ``Layer.published_revision`` points at the
one the public sees, and every public read (GeoJSON, OGC API, tiles, point report) starts from
that pointer, so publishing or rolling back is one row update and caches keyed by revision
need no purge.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.gis.geos import GEOSGeometry
from django.contrib.postgres.indexes import GistIndex
from django.db import connections, router
from django.db.models.functions import Upper
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from planportal.models import Chapter, Plan, PlanVersion, Section

# Above this many features a layer is drawn from vector tiles instead of one GeoJSON file.
GEOJSON_MAX_FEATURES = 1500


class GeometryType(models.TextChoices):
    POINT = "Point", _("Point")
    LINE = "LineString", _("Line")
    POLYGON = "Polygon", _("Polygon")


def geometry_label(geom_type: str) -> str:
    """A geometry type in words (点 / 线 / 面) for staff pages: "Polygon" and "MultiPolygon" alike
    are 面; a type without words (a collection) says so rather than show its English name."""
    if not geom_type:
        return str(_("No geometry"))
    family = geom_type.removeprefix("3D ").removeprefix("Multi")
    if family in GeometryType.values:
        return str(GeometryType(family).label)
    return str(_("Mixed geometry"))


class PublicPolicy(models.TextChoices):
    FEATURES = "features", _("Features and tiles")
    TILES_ONLY = "tiles-only", _("Tiles only (no coordinates for download)")
    # Restricted layers (永久基本农田, 生态保护红线, ...): the public sees where the designation
    # lies, never a parcel, its identifier or its attributes.
    GENERALISED = "generalised", _("Generalised outline only (no parcels, no attributes)")


class DataStatus(models.TextChoices):
    """How far a layer's data may be relied on. Blank means a planner has not said yet, and
    such a layer cannot be published (layers/revisions/publishing.py)."""

    SCHEMATIC = "schematic", _("Schematic (示意)")
    OFFICIAL = "official", _("Official (正式)")


# The per-feature data mark (SJZT, 数据状态) every public output carries, so that a feature
# saved from the portal still says what it is.
DATA_MARK_FIELD = "SJZT"
DEMO_MARK = "演示数据"
DATA_MARKS = {DataStatus.SCHEMATIC: "示意", DataStatus.OFFICIAL: "正式"}
# Marks that say "not the approved plan": every output of such a layer says so in words too.
UNOFFICIAL_MARKS = (DEMO_MARK, DATA_MARKS[DataStatus.SCHEMATIC])


def data_mark_of(is_demo: bool, data_status: str) -> str:
    """The SJZT value of a layer with these settings (Layer.data_mark), for callers that read
    the two columns without the model (the tile lookup)."""
    if is_demo:
        return DEMO_MARK
    return DATA_MARKS.get(data_status, "")


@dataclass(frozen=True)
class LayerRole:
    """What a layer is for, told by its layer code (要素代码, e.g. XZC) or, for catalogues without
    codes, by the end of its collection id; ``geometry`` narrows it to one geometry type. The
    one home of each rule: the map's village search and first view, the point report, the
    comment tagging and the officials' village filter all ask these."""

    codes: tuple[str, ...]
    suffixes: tuple[str, ...] = ()
    geometry: str = ""

    def q(self) -> models.Q:
        # Codes compare in capitals, as matches() compares them.
        matches = models.Q(In(Upper("code"), list(self.codes)))
        for suffix in self.suffixes:
            matches |= models.Q(collection_id__endswith=suffix)
        return matches & models.Q(geometry_type=self.geometry) if self.geometry else matches

    def matches(self, layer: "Layer") -> bool:
        if self.geometry and layer.geometry_type != self.geometry:
            return False
        return layer.code.upper() in self.codes or layer.collection_id.endswith(self.suffixes)


class LayerRoles:
    # 行政村/社区 points with their names: the villages a resident searches for.
    VILLAGE_POINTS = LayerRole(("XZC",), ("-villages",), GeometryType.POINT)
    # 村庄分类 polygons: the village areas a comment's place is matched with.
    VILLAGE_AREAS = LayerRole(
        ("CZFL",),
        ("-village-class", "-village-areas", "-village-territories"),
        GeometryType.POLYGON,
    )
    # 永久基本农田, 生态保护红线, 城镇开发边界, 洪涝风险控制线: a comment records which it touches.
    CONTROL_LINES = LayerRole(("YJJBNT", "STBHHX", "CZKFBJ", "HLFXKZX"))
    # Facilities a resident walks to (公共服务设施, 市政设施, 公交站点): the point report names
    # the nearest of each kind. Other point layers are planning symbols, not places one goes to.
    FACILITIES = LayerRole(("GGFWSS", "SZSS", "GJZD"), (), GeometryType.POINT)
    # Restricted designations (永久基本农田 and its 储备区, 生态保护红线, 耕地保有 and 自然保护地
    # cores): a resident may see roughly where they lie, never a parcel, its identifier or its
    # attributes, so a layer of these codes is GENERALISED unless a planner confirms otherwise
    # (layers/revisions/gate.py). Matched by code, or by a hyphenated part of the collection id
    # for layers made by an upload, which carry no code.
    RESTRICTED = LayerRole(
        ("YJJBNT", "YJJBNTCBQ", "STBHHX", "GDBH", "GDBHMB", "ZRBHD"),
        ("-yjjbnt", "-yjjbntcbq", "-stbhhx", "-gdbh", "-gdbhmb", "-zrbhd"),
    )
    # What a first-time visitor sees switched on: the town's outline, its villages and seat,
    # the river, the roads and the urban development boundary.
    # (The town's outline only when it is official: see Layer.is_on_by_default.)
    ON_BY_DEFAULT = LayerRole(
        ("XZQ", "XZC", "ZFZD", "HL", "DL", "CZKFBJ"), ("-xzq", "-villages", "-river", "-roads")
    )
    # The township boundary (行政区, XZQ). Only a published one with data status official,
    # and not demonstration data, is the legal boundary of the plan (layers/boundary.py);
    # any other is an approximation, drawn only when asked for and labelled as one.
    TOWNSHIP_BOUNDARY = LayerRole(("XZQ",), ("-xzq",), GeometryType.POLYGON)
    # What the map writes names of, so that people find their way without a basemap: the
    # town seat (镇政府驻地), the rivers (河流) and the roads (道路); villages are VILLAGE_POINTS.
    SEAT = LayerRole(("ZFZD",), ("-seat",), GeometryType.POINT)
    RIVERS = LayerRole(("HL",), ("-river",), GeometryType.LINE)
    ROADS = LayerRole(("DL",), ("-roads",), GeometryType.LINE)


# Words in a layer's title that make it restricted when its code does not say (see
# LayerRoles.RESTRICTED).
RESTRICTED_TITLE_WORDS = ("永久基本农田", "生态保护红线", "耕地保有", "自然保护地")


def default_policy(code: str, collection_id: str, title: str = "") -> str:
    """The public policy a new layer starts with: GENERALISED for a restricted designation,
    else TILES_ONLY; FEATURES (coordinates for download) is always a planner's choice."""
    probe = Layer(code=code or "", collection_id=collection_id or "", title=title or "")
    return PublicPolicy.GENERALISED if probe.is_restricted else PublicPolicy.TILES_ONLY


class LayerQuerySet(models.QuerySet):
    def public(self) -> "LayerQuerySet":
        """Layers anyone may see: published, of a published plan, with the settings the
        publish gate asks for (layers/revisions/gate.py), so that a layer published before
        the gate existed stays hidden until a planner completes it. Every public view
        starts here."""
        return self.filter(
            plan__is_published=True, published_revision__isnull=False
        ).with_publication_settings()

    def with_publication_settings(self) -> "LayerQuerySet":
        """Layers with a section of the plan, a data status, a source and a publication
        note: what must be said before the public sees a layer."""
        return self.filter(section__isnull=False).exclude(
            models.Q(data_status="") | models.Q(source_note="") | models.Q(publication_note="")
        )

    def with_features(self) -> "LayerQuerySet":
        """Public layers whose features (coordinates) may be downloaded."""
        return self.public().filter(public_policy=PublicPolicy.FEATURES)

    def village_points(self) -> "LayerQuerySet":
        """Named village points (the search needs the name field)."""
        return self.filter(LayerRoles.VILLAGE_POINTS.q()).exclude(name_field="")

    def village_areas(self) -> "LayerQuerySet":
        return self.filter(LayerRoles.VILLAGE_AREAS.q())


class Layer(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="layers")
    chapter = models.ForeignKey(
        Chapter, on_delete=models.SET_NULL, null=True, blank=True, related_name="layers"
    )
    section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="layers"
    )
    collection_id = models.SlugField(_("collection id"), max_length=100, unique=True)
    code = models.CharField(_("layer code"), max_length=30, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    geometry_type = models.CharField(
        _("geometry type"), max_length=20, choices=GeometryType.choices
    )
    style = models.JSONField(_("style"), default=dict, blank=True)
    legend = models.JSONField(_("legend categories"), default=list, blank=True)
    attribute_schema = models.JSONField(_("attribute schema"), default=list, blank=True)
    key_field = models.CharField(_("key field"), max_length=50, default="BSM", blank=True)
    name_field = models.CharField(_("name field"), max_length=50, blank=True)
    category_field = models.CharField(_("category field"), max_length=50, blank=True)
    public_policy = models.CharField(
        _("public policy"),
        max_length=20,
        choices=PublicPolicy.choices,
        # Coordinates for download must be chosen: a layer made without a policy (the pipeline
        # gives new layers default_policy()) offers tiles only.
        default=PublicPolicy.TILES_ONLY,
    )
    min_zoom = models.PositiveSmallIntegerField(_("minimum zoom"), default=0)
    is_demo = models.BooleanField(_("demonstration data"), default=False)
    data_status = models.CharField(
        _("data status"), max_length=20, choices=DataStatus.choices, blank=True
    )
    source_note = models.TextField(_("source"), blank=True)
    publication_note = models.TextField(_("publication note"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    published_revision = models.ForeignKey(
        "LayerRevision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published revision"),
    )

    objects = LayerQuerySet.as_manager()

    class Meta:
        verbose_name = _("layer")
        verbose_name_plural = _("layers")
        ordering = ["plan", "position", "collection_id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_village_points(self) -> bool:
        return LayerRoles.VILLAGE_POINTS.matches(self) and bool(self.name_field)

    @property
    def is_facility(self) -> bool:
        return LayerRoles.FACILITIES.matches(self)

    @property
    def is_on_by_default(self) -> bool:
        # An approximate township outline drawn by default would read as the legal boundary.
        return LayerRoles.ON_BY_DEFAULT.matches(self) and not self.is_approximate_boundary

    @property
    def is_official_boundary(self) -> bool:
        return (
            LayerRoles.TOWNSHIP_BOUNDARY.matches(self)
            and not self.is_demo
            and self.data_status == DataStatus.OFFICIAL
        )

    @property
    def is_approximate_boundary(self) -> bool:
        """A township boundary layer that is not official: 示意范围（非法定界线）."""
        return LayerRoles.TOWNSHIP_BOUNDARY.matches(self) and not self.is_official_boundary

    @property
    def data_mark(self) -> str:
        """The value of the per-feature SJZT mark: 演示数据 for demonstration layers, else
        示意 or 正式 as the planner said; blank when nobody has said yet."""
        return data_mark_of(self.is_demo, self.data_status)

    @property
    def is_restricted(self) -> bool:
        """A restricted designation, by its code, collection id or title (an uploaded layer
        may carry only a title): taking the side of caution, any of them suffices."""
        title = self.title or ""
        return LayerRoles.RESTRICTED.matches(self) or any(
            word in title for word in RESTRICTED_TITLE_WORDS
        )

    @property
    def is_generalised(self) -> bool:
        return self.public_policy == PublicPolicy.GENERALISED

    @property
    def allows_features(self) -> bool:
        return self.public_policy == PublicPolicy.FEATURES

    @property
    def delivery(self) -> str:
        """How the map draws the layer: "geojson" for small layers, "tiles" for large or
        restricted ones."""
        revision = self.published_revision
        if not self.allows_features or (revision and revision.feature_count > GEOJSON_MAX_FEATURES):
            return "tiles"
        return "geojson"


class RevisionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class LayerRevision(models.Model):
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    source_name = models.CharField(_("source file"), max_length=255, blank=True)
    source_crs = models.CharField(_("source CRS"), max_length=100, blank=True)
    checksum = models.CharField(_("SHA-256 of the source"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RevisionStatus.choices, default=RevisionStatus.PENDING
    )
    feature_count = models.PositiveIntegerField(_("feature count"), default=0)
    extent = models.PolygonField(_("extent"), srid=4326, null=True, blank=True)
    problems = models.JSONField(_("problems found"), default=list, blank=True)
    # What every reader of a revision needs and its features never change: worked out once,
    # when the revision is written (layers/summary.py), never per request. Null until then.
    # The distinct geometry types of the features, as PostGIS names them ("MULTIPOLYGON").
    geometry_types = models.JSONField(_("geometry types"), null=True, blank=True)
    # Each attribute name with the JSON types its values take ({"TBMJ": ["number"]}).
    property_types = models.JSONField(_("attribute types"), null=True, blank=True)

    class Meta:
        verbose_name = _("layer revision")
        verbose_name_plural = _("layer revisions")
        ordering = ["layer", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["layer", "number"], name="revision_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.layer} r{self.number}"


class Feature(models.Model):
    # Checked by constraint triggers instead of a foreign key, so that the upload pipeline's
    # COPY skips the per-row check of the revision it has just created (migration 0009).
    revision = models.ForeignKey(
        LayerRevision, on_delete=models.CASCADE, related_name="features", db_constraint=False
    )
    # No index of its own: the one GiST index is geom_3857's, and readers by place in lon/lat
    # ask it with layers_mercator_box(their lon/lat geometry) (migration 0011). Web Mercator
    # maps a lon/lat box onto a box, so the candidates are the same; a second GiST index cost
    # a quarter of the ingest's time (bench/README.md, ingest.py).
    geom = models.GeometryField(_("geometry"), srid=4326, spatial_index=False)
    # Web Mercator copy kept by PostgreSQL itself, so tiles never transform per request.
    geom_3857 = models.GeneratedField(
        expression=Transform("geom", 3857),
        output_field=models.GeometryField(srid=3857, spatial_index=False),
        db_persist=True,
    )
    properties = models.JSONField(_("attributes"), default=dict, blank=True)
    category = models.CharField(_("category code"), max_length=50, blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("feature")
        verbose_name_plural = _("features")
        indexes = [GistIndex(fields=["geom_3857"], name="feature_geom_3857_gist")]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"


class MercatorBox(models.Func):
    """The Web Mercator box of a lon/lat geometry, which the GiST index on
    ``Feature.geom_3857`` answers: ``geom_3857__bboverlaps=MercatorBox(g)`` finds what
    ``geom__bboverlaps=g`` would (layers migration 0011)."""

    function = "layers_mercator_box"
    output_field = models.GeometryField(srid=3857)

    def __init__(self, lonlat, **extra):
        if isinstance(lonlat, GEOSGeometry):
            lonlat = models.Value(lonlat, output_field=models.GeometryField(srid=4326))
        super().__init__(lonlat, **extra)


class FeatureDoc(models.Model):
    """A feature of a published revision as the OGC API items answer writes it in CRS84,
    made once after the publish (layers/ogc/docs.py) instead of by ST_AsGeoJSON per request:
    the GeoJSON Feature up to the end of its properties' text, both closing braces left off, so
    the layer's data mark (which may change without a new revision) is added when it is sent
    (layers/ogc/features.py). The bbox, filters and order are still found on Feature; the
    page reads these by id, and a feature without one is written as before."""

    fid = models.BigIntegerField(primary_key=True)  # Feature.id
    revision = models.ForeignKey(LayerRevision, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    # The properties are empty ("properties":{ ends the text): the mark comes without a comma.
    bare = models.BooleanField()


class TileBake(models.Model):
    """What layers/tiles/bake.py built for a published revision, so its tiles need less (or no)
    SQL: the tile rows with their attributes ready (TileRow, ``has_rows``) and the overview
    tiles below ``detail_zoom`` (BakedTile). ``settings_key`` names the tile
    settings it was built with; a bake whose key no longer matches the layer is not used, and
    is removed a while later (bake.prune_bakes), once no process can still be serving it."""

    revision = models.ForeignKey(LayerRevision, on_delete=models.CASCADE, related_name="+")
    settings_key = models.CharField(max_length=64)
    min_zoom = models.PositiveSmallIntegerField()  # no tile below: the data is a speck there
    detail_zoom = models.PositiveSmallIntegerField()  # overview tiles below, parcels from here
    has_rows = models.BooleanField(default=False)  # TileRow rows were written
    parcels = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["revision", "settings_key"], name="tile_bake_unique")
        ]

    def __str__(self) -> str:
        return f"{self.revision} tiles z{self.min_zoom}-{self.detail_zoom}"


class TileRow(models.Model):
    """A feature of a baked revision as its tiles need it: the EPSG:3857 geometry and the tile
    attributes as one compact jsonb (only the layer's tile fields, nulls stripped), so a tile
    builds nothing per row. The GiST index leads with the bake (btree_gist), so a layer's tile
    scan reads its own rows only, whatever other large layers hold; no other index, so the
    planner has no other plan to switch to."""

    bake = models.ForeignKey(TileBake, on_delete=models.CASCADE, db_index=False, related_name="+")
    fid = models.BigIntegerField()  # Feature.id
    geom = models.GeometryField(srid=3857, spatial_index=False)
    name = models.TextField(null=True)
    category = models.TextField(null=True)
    attributes = models.JSONField(null=True)

    class Meta:
        indexes = [GistIndex(fields=["bake", "geom"], name="tilerow_bake_geom_gist")]


class BakedTile(models.Model):
    """One overview tile of a TileBake: MVT bytes, empty tiles are not stored."""

    bake = models.ForeignKey(TileBake, on_delete=models.CASCADE, related_name="tiles")
    z = models.PositiveSmallIntegerField()
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bake", "z", "x", "y"], name="baked_tile_unique")
        ]


def public_reads():
    """The database connection public reads of features go through (tiles, OGC API, point
    report): the router's choice for Feature, so all of them move to a read replica together
    once one is configured."""
    return connections[router.db_for_read(Feature)]


class UploadState(models.TextChoices):
    DRAFT = "draft", _("Waiting for the planner's choices")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class UploadJob(models.Model):
    """An uploaded file on its way to becoming a layer revision (layers/revisions/worker.py).

    A draft waits for the planner to pick the source layer and map its fields; a queued job
    waits for a worker; a running one has its stage and percent written by the worker through
    a connection of its own, so the page sees them while the revision is still being written
    in one (uncommitted) transaction. Done jobs point at their revision; failed and cancelled
    ones left nothing behind but this row and their problems.
    """

    FINISHED = (UploadState.DONE, UploadState.FAILED, UploadState.CANCELLED)
    # The error of a job whose worker died under it (layers/revisions/upkeep.py).
    INTERRUPTED_ERROR = "Interrupted: the job worker stopped while it ran this job."

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="upload_jobs")
    # The target layer: set from the start for an existing layer, at the end for a new one.
    layer = models.ForeignKey(
        Layer, on_delete=models.CASCADE, null=True, blank=True, related_name="upload_jobs"
    )
    collection_id = models.SlugField(_("collection id"), max_length=100)
    title = models.CharField(_("title of the layer"), max_length=200, blank=True)
    # A new layer's code (要素代码): its default public policy follows it (default_policy).
    code = models.CharField(_("layer code"), max_length=30, blank=True)
    # Relative to MEDIA_ROOT, always "uploads/<random>.<ext>": never the planner's file name.
    stored_file = models.CharField(_("stored file"), max_length=255)
    original_name = models.CharField(_("file name as uploaded"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    source_layer = models.CharField(_("layer in the file"), max_length=255, blank=True)
    # Blank: keep the layer's key field (a new layer takes BSM when the file has it).
    key_field = models.CharField(_("key field"), max_length=50, blank=True)
    field_mapping = models.JSONField(_("field mapping"), default=dict, blank=True)
    # What the file holds (its layers, the fields of the one picked) for the choices page.
    inspection = models.JSONField(_("contents of the file"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=UploadState.choices,
        default=UploadState.DRAFT,
        db_index=True,
    )
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    percent = models.PositiveSmallIntegerField(_("percent done"), default=0)
    problems = models.JSONField(_("problems found"), default=list, blank=True)
    revision = models.ForeignKey(
        LayerRevision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="upload_jobs",
        verbose_name=_("revision"),
    )
    error = models.TextField(_("error"), blank=True)
    queue_job_id = models.BigIntegerField(_("job in the queue"), null=True, blank=True)

    class Meta:
        verbose_name = _("upload job")
        verbose_name_plural = _("upload jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__lte=100), name="upload_job_percent_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.collection_id}: {self.original_name} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in self.FINISHED

    def locked_transition(self, allowed, to: str, **changes) -> "UploadJob | None":
        """Moves the job from one of the ``allowed`` states to ``to`` under its row lock,
        inside the caller's transaction: the locked row, re-read, is changed (with ``changes``,
        and finished_at for a finished state), saved and returned; None when the job had
        moved on meanwhile (the worker, the planner and the upkeep race for it), and then
        nothing changes. The caller writes the audit event in the same transaction; the
        returned row's ``stood_at`` says where the job stood under the lock (state, stage,
        percent), for its "before"."""
        locked = type(self).objects.select_for_update(of=("self",)).get(pk=self.pk)
        if locked.state not in allowed:
            return None
        locked.stood_at = {"state": locked.state, "stage": locked.stage, "percent": locked.percent}
        locked.state = to
        if to in self.FINISHED:
            locked.finished_at = timezone.now()
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save()
        return locked


class PackageState(models.TextChoices):
    DRAFT = "draft", _("Waiting for the planner's choices")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Checked, ready to publish")
    FAILED = "failed", _("Refused")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class PackageJob(models.Model):
    """A 汇交 database (zipped FileGDB or GeoPackage of many layers) on its way to becoming one
    revision per layer, published together (layers/packages/).

    ``entries`` holds one item per layer of the file: its name, size, the layer it goes to
    (``action`` "existing" with its collection id, "new" with the code and collection id it
    gets, or "skip"), and once the worker ran it, its stage, percent, state, revision and
    problems; the worker writes a running entry's progress through a connection of its own,
    as for a single upload. ``defaults`` are the publish-gate settings new layers take;
    ``crosscheck`` the overlaps and features outside the extent found after the ingest.
    """

    FINISHED = (
        PackageState.DONE,
        PackageState.FAILED,
        PackageState.PUBLISHED,
        PackageState.CANCELLED,
    )

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="package_jobs")
    # Relative to MEDIA_ROOT, "uploads/<random>.<ext>", as for UploadJob.
    stored_file = models.CharField(_("stored file"), max_length=255)
    original_name = models.CharField(_("file name as uploaded"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    entries = models.JSONField(_("layers of the file"), default=list, blank=True)
    defaults = models.JSONField(_("settings for new layers"), default=dict, blank=True)
    crosscheck = models.JSONField(_("checks across layers"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=PackageState.choices,
        default=PackageState.DRAFT,
        db_index=True,
    )
    error = models.TextField(_("error"), blank=True)
    queue_job_id = models.BigIntegerField(_("job in the queue"), null=True, blank=True)

    class Meta:
        verbose_name = _("database package upload")
        verbose_name_plural = _("database package uploads")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.state})"


class VersionLayer(models.Model):
    """Which revision of a layer a published version of the plan shows: written when the
    version is published (layers/versions.py), never changed, so that a version's map layers
    stay on the record while the layers move on."""

    version = models.ForeignKey(
        PlanVersion, on_delete=models.CASCADE, related_name="layer_revisions"
    )
    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="version_revisions")
    revision = models.ForeignKey(LayerRevision, on_delete=models.RESTRICT, related_name="+")

    class Meta:
        verbose_name = _("layer of a version")
        verbose_name_plural = _("layers of a version")
        ordering = ["version", "layer__position", "layer__collection_id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "layer"], name="version_layer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version.title}: {self.layer.title} r{self.revision.number}"
