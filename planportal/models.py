"""Plans and their text: Plan -> Chapter -> Section (blocks of paragraphs, lists, headings),
plus the plan's indicators.

The text is stored as structured blocks so that every sentence of a plan has a stable place
(a section anchor) that pages, the API and later comments can point at.
"""

from django.contrib.gis.db import models
from django.core.validators import RegexValidator
from django.db.models import F, Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from planportal.audit_actions import action_label
from planportal.region_codes import enclosing_regions, region_prefix  # noqa: F401 (re-exported)

region_code_validator = RegexValidator(
    r"^\d{12}$", _("A region code has exactly 12 digits (统计用区划代码).")
)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLIC_NOTICE = "notice", _("Under public notice")
    APPROVED = "approved", _("Approved")


class PlanQuerySet(models.QuerySet):
    def public(self) -> "PlanQuerySet":
        """The plans anyone may read; every public view starts here."""
        return self.filter(is_published=True)


class Plan(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    region_code = models.CharField(
        _("region code"), max_length=12, validators=[region_code_validator]
    )
    region_name = models.CharField(_("region name"), max_length=100)
    organisation = models.CharField(_("issued by"), max_length=200)
    # 编制单位: the institute that drew the plan up, for the report's sign-off (组织编制机关 is
    # ``organisation``). Blank when the draft does not name it.
    compiled_by = models.CharField(_("compiled by"), max_length=200, blank=True)
    issued = models.CharField(_("issue date as printed"), max_length=50, blank=True)
    period_start = models.PositiveSmallIntegerField(_("period start year"))
    period_end = models.PositiveSmallIntegerField(_("period end (target) year"))
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    is_published = models.BooleanField(_("shown on the portal"), default=False)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    extent = models.PolygonField(_("extent"), srid=4326, null=True, blank=True)
    extent_note = models.CharField(_("how the extent was made"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["region_code", "-period_end", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lt=F("period_end")), name="plan_period_is_ordered"
            ),
            models.CheckConstraint(
                condition=Q(region_code__regex=r"^\d{12}$"), name="plan_region_code_12_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def period(self) -> str:
        return f"{self.period_start}–{self.period_end}"

    @property
    def is_draft(self) -> bool:
        return self.status != PlanStatus.APPROVED

    def save(self, *args, **kwargs):
        """A new plan starts with version 1, a draft (planportal/versions.py publishes it)."""
        creating = self._state.adding
        super().save(*args, **kwargs)
        if creating:
            self.versions.create(number=1, kind=VersionKind.CONSULTATION)

    def find_public_version(self) -> "PlanVersion | None":
        """The version residents read: the approved one (批准成果) once published, else the
        latest published; None before any is published (planportal/versions.py)."""
        published = self.versions.filter(state=VersionState.PUBLISHED).order_by("-number")
        return published.filter(kind=VersionKind.APPROVED).first() or published.first()

    def find_current_version(self) -> "PlanVersion":
        """The public version, or before there is one the latest draft (staff's preview)."""
        return self.find_public_version() or self.versions.order_by("-number").first()

    # Kept on the instance for the request that loaded it.
    @cached_property
    def current_version(self) -> "PlanVersion":
        return self.find_current_version()

    @property
    def chapters(self):
        """The chapters of the current version (the text a reader of the plan page sees)."""
        return self.current_version.chapters

    @property
    def indicators(self):
        return self.current_version.indicators

    @property
    def figures(self):
        return self.current_version.figures

    @property
    def cover(self) -> list:
        return self.current_version.cover

    @property
    def preface(self) -> list:
        return self.current_version.preface

    @property
    def closing(self) -> list:
        return self.current_version.closing

    @property
    def indicators_note(self) -> str:
        return self.current_version.indicators_note


class VersionKind(models.TextChoices):
    """What a version of a plan is in the procedure of 城乡规划法 Art. 26-27."""

    CONSULTATION = "consultation", _("Draft for consultation")  # 征求意见稿
    REVISED = "revised", _("Revised draft")  # 修改稿 (a further round of 公示)
    SUBMISSION = "submission", _("Draft submitted for approval")  # 报批稿
    APPROVED = "approved", _("Approved plan")  # 批准成果


class VersionState(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    PUBLISHED = "published", _("Published")


class PlanVersion(models.Model):
    """One version of a plan's text, indicators, figures and (through layers.VersionLayer)
    layer revisions. A draft is edited by staff; a published version never changes again:
    PostgreSQL refuses any change to it or to its chapters, sections, indicators and figures
    (migration 0011), so what residents commented on stays on the record as they read it."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=20, choices=VersionKind.choices)
    # How the office names it, e.g. 修改稿（第二次公示）; blank: the kind's name.
    label = models.CharField(_("label"), max_length=100, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=VersionState.choices, default=VersionState.DRAFT
    )
    based_on = models.ForeignKey(
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("copied from"),
    )
    cover = models.JSONField(_("cover lines as printed"), default=list, blank=True)
    preface = models.JSONField(_("preface blocks"), default=list, blank=True)
    closing = models.JSONField(_("closing blocks"), default=list, blank=True)
    indicators_note = models.TextField(_("note on the indicators"), blank=True)
    # The foreword of the 修改说明: why this version was made (e.g. after the first round).
    change_note = models.TextField(_("explanation of the changes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        "auth.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan.name} {self.title}"

    @property
    def title(self) -> str:
        """第 2 版（修改稿）, or with a label 第 2 版：修改稿（第二次公示）: how pages name the
        version (a label in brackets of its own would read 第 2 版（修改稿（第二次公示））)."""
        kind = self.get_kind_display()
        if self.label and self.label != kind:
            return _("Version %(number)s: %(label)s") % {"number": self.number, "label": self.label}
        return _("Version %(number)s (%(label)s)") % {"number": self.number, "label": kind}

    @property
    def is_published(self) -> bool:
        return self.state == VersionState.PUBLISHED

    @property
    def is_approved(self) -> bool:
        return self.kind == VersionKind.APPROVED and self.is_published


def _in_version(row) -> None:
    """Fills in the version or the plan of a chapter, indicator or figure given only the
    other: a row given only its plan goes into the plan's latest version (PostgreSQL refuses
    it there when that version is published)."""
    if row.version_id is None and row.plan_id is not None:
        row.version = PlanVersion.objects.filter(plan_id=row.plan_id).order_by("-number").first()
    elif row.plan_id is None and row.version_id is not None:
        row.plan_id = row.version.plan_id


class Chapter(models.Model):
    # ``plan`` is the version's plan, kept for the rights checks and queries by plan.
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="all_chapters")
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="chapters")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    intro = models.JSONField(_("introduction blocks"), default=list, blank=True)

    class Meta:
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="chapter_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def save(self, *args, **kwargs):
        _in_version(self)
        super().save(*args, **kwargs)

    @property
    def anchor(self) -> str:
        return f"chapter-{self.number}"


class Section(models.Model):
    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="sections")
    number = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position in chapter"))
    blocks = models.JSONField(_("content blocks"), default=list, blank=True)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["chapter", "position"]
        constraints = [
            models.UniqueConstraint(fields=["chapter", "number"], name="section_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def anchor(self) -> str:
        """The stable id of the section on the plan page: section-3-2 for 3.2."""
        return "section-" + self.number.replace(".", "-")


class IndicatorKind(models.TextChoices):
    """约束性/预期性 as the plan itself labels an indicator. A draft that labels nothing gets
    UNMARKED: the label has legal weight in 实施监督, so the portal never supplies its own."""

    BINDING = "binding", _("Binding")
    EXPECTED = "expected", _("Expected")
    UNMARKED = "unmarked", _("Not marked in the draft")


class IndicatorRole(models.TextChoices):
    """Whether the value describes the base year (基期, e.g. a census count) or what the plan
    sets for its period; a base-year figure must not read as a target."""

    BASE_YEAR = "base", _("Base-year value")
    PLANNED = "planned", _("Planned value")


class Indicator(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="all_indicators")
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="indicators")
    section = models.ForeignKey(
        Section,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("source section"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=200)
    comparator = models.CharField(
        _("comparator"),
        max_length=2,
        blank=True,
        choices=[("", "="), (">=", "≥"), ("<=", "≤")],
    )
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=10, choices=IndicatorKind.choices)
    role = models.CharField(
        _("value type"), max_length=10, choices=IndicatorRole.choices, default=IndicatorRole.PLANNED
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="indicator_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.display_value}"

    def save(self, *args, **kwargs):
        _in_version(self)
        super().save(*args, **kwargs)

    @property
    def display_value(self) -> str:
        """The value as a reader expects it: no trailing zeros, comparator as a symbol."""
        number = format(self.value.normalize(), "f")
        symbol = {">=": "≥", "<=": "≤"}.get(self.comparator, "")
        return f"{symbol}{number}{self.unit}"


class AuditEvent(models.Model):
    """One step in the append-only audit trail (强制留痕, GB/T 39972-2021): who did what to
    which object, with the state before and after. PostgreSQL refuses UPDATE, DELETE and
    TRUNCATE on this table (see migration 0003), whatever the application asks."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        "auth.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_name = models.CharField(_("who (as recorded)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=50, db_index=True)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    # Keyed hash (HMAC with SECRET_KEY) of the client's address, as the comment limits and the
    # login events keep it (planportal/clients.py): which events came from one place, without
    # the address itself. Blank outside a web request (a command, a job).
    client_key = models.CharField(
        _("client (keyed hash of the address)"), max_length=64, blank=True
    )

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}"

    @property
    def action_label(self) -> str:
        """The action in words, as staff pages show it (planportal/audit_actions.py)."""
        return action_label(self.action)


class RegionLevel(models.TextChoices):
    """The level of a 统计用区划代码: how many of its 12 digits are significant."""

    PROVINCE = "province", _("Province")
    CITY = "city", _("Prefecture")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")


class Region(models.Model):
    """An administrative region of the 统计用区划代码 hierarchy (省 2, 市 4, 县 6, 乡镇 9, 村 12
    significant digits), with its parent. Plans name their region by code
    (``Plan.region_code``); the home page, the region pages and the search walk this tree.
    See planportal/regions.py for the code arithmetic and the plan's region rule."""

    code = models.CharField(
        _("region code"), max_length=12, unique=True, validators=[region_code_validator]
    )
    name = models.CharField(_("name"), max_length=100)
    # What residents say (阳泉曲村 for 阳泉曲村委会); the search matches both names.
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent region"),
    )
    outline = models.MultiPolygonField(_("outline"), srid=4326, null=True, blank=True)
    outline_source = models.CharField(_("source of the outline"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^\d{12}$"), name="region_code_12_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


# --- Rights per plan and per region ----------------------------------------------------------


class StaffRole(models.TextChoices):
    PLANNER = "planner", _("Planner")
    OFFICIAL = "official", _("Official")


class RoleGrant(models.Model):
    """A staff role held for one plan, or for every plan of a region (by region code prefix,
    see ``region_prefix``). Revoking deletes the row; the audit trail keeps both steps.
    Members of the groups ``planners``/``officials`` hold their role on every plan without a
    grant (planportal/roles.py)."""

    user = models.ForeignKey(
        "auth.User",
        on_delete=models.CASCADE,
        related_name="role_grants",
        verbose_name=_("account"),
    )
    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices)
    plan = models.ForeignKey(
        Plan,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_grants",
        verbose_name=_("plan"),
    )
    region_code = models.CharField(
        _("region code"), max_length=12, blank=True, validators=[region_code_validator]
    )
    granted_by = models.ForeignKey(
        "auth.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["user__username", "role", "region_code", "plan__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(plan__isnull=False, region_code="")
                | Q(plan__isnull=True, region_code__regex=r"^\d{12}$"),
                name="role_grant_plan_or_region",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "plan"],
                condition=Q(plan__isnull=False),
                name="role_grant_unique_plan",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region_code"],
                condition=~Q(region_code=""),
                name="role_grant_unique_region",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} {self.scope_label}"

    @property
    def scope_label(self) -> str:
        if self.plan_id:
            return str(self.plan)
        return _("region %(code)s") % {"code": self.region_code}

    def covers(self, plan: Plan) -> bool:
        if self.plan_id:
            return self.plan_id == plan.pk
        return plan.region_code.startswith(region_prefix(self.region_code))

    def as_record(self) -> dict:
        """What the audit trail keeps of the grant (also after it is revoked)."""
        return {
            "account": self.user.get_username(),
            "role": self.role,
            "plan": self.plan.slug if self.plan_id else "",
            "plan_id": self.plan_id,
            "region_code": self.region_code,
        }


class FigureKind(models.TextChoices):
    IMAGE = "image", _("Image")
    PDF = "pdf", _("PDF sheet")


def figure_path(figure: "PlanFigure", filename: str) -> str:
    # Server-made names only (figures.py): what the planner called the file never reaches disk.
    return f"figures/plan-{figure.plan_id}/{filename}"


class PlanFigure(models.Model):
    """A sheet of the plan's 图集 (a map as a PNG/JPEG image or a PDF), attached to a section of
    the text or to the plan as a whole. Files are checked, named and written by
    planportal/figures.py; the SHA-256 is of the stored file."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="all_figures")
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="figures")
    section = models.ForeignKey(
        Section,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="figures",
        verbose_name=_("section"),
    )
    title = models.CharField(_("title"), max_length=200)
    # 审图号, e.g. 晋S（2023）012号: given by the surveying authority to a published map.
    review_number = models.CharField(_("map review number"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=FigureKind.choices)
    file = models.FileField(_("file"), upload_to=figure_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    width = models.PositiveIntegerField(_("width in pixels"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height in pixels"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("PDF pages"), null=True, blank=True)
    thumbnail = models.FileField(_("thumbnail"), upload_to=figure_path, max_length=200, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    uploaded_by = models.ForeignKey(
        "auth.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        _in_version(self)
        super().save(*args, **kwargs)

    @property
    def extension(self) -> str:
        return {"image/png": ".png", "image/jpeg": ".jpg"}.get(self.content_type, ".pdf")

    @property
    def is_image(self) -> bool:
        return self.kind == FigureKind.IMAGE


class TextImportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (preview)")
    SAVED = "saved", _("Saved as the plan's text")
    DISCARDED = "discarded", _("Discarded")


class TextImport(models.Model):
    """A plan document read in (planportal/importing/): the stored original, what was found in
    it and what was treated as layout. It stays a draft while the planner corrects the
    structure in the preview; saving writes it as the plan's text. The last saved import's
    original is the document the public downloads once the plan is published."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="text_imports")
    original = models.FileField(_("original document"), upload_to="plan-documents/%Y/%m/")
    original_name = models.CharField(_("file name as uploaded"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the original"), max_length=64)
    format = models.CharField(
        _("format"),
        max_length=10,
        choices=[("docx", "DOCX"), ("pdf", "PDF"), ("text", _("Text or Markdown"))],
    )
    structure = models.JSONField(_("text found (chapters, sections, blocks, layout)"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=TextImportStatus.choices,
        default=TextImportStatus.DRAFT,
    )
    uploaded_by = models.ForeignKey(
        "auth.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    saved_at = models.DateTimeField(_("saved"), null=True, blank=True)
    # The version the import was saved as (a saved import is that version's original).
    version = models.ForeignKey(
        PlanVersion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="text_imports",
        verbose_name=_("saved as version"),
    )

    class Meta:
        verbose_name = _("text import")
        verbose_name_plural = _("text imports")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.plan.slug}: {self.original_name}"


class ChangeKind(models.TextChoices):
    TEXT = "text", _("Text")
    LAYER = "layer", _("Map layer")
    INDICATOR = "indicator", _("Indicator")
    FIGURE = "figure", _("Figure")
    OTHER = "other", _("Other")


class VersionChange(models.Model):
    """One entry of a version's 修改说明: what changed against the version before it (a
    section, a layer, an indicator, a figure) and why, so that an answer to an opinion can
    point at the change it led to (consultation.Reply.changes) and the change back at the
    opinions. Listed from the diff of the two versions and explained by staff while the
    version is a draft; frozen with the version when it is published."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("kind"), max_length=10, choices=ChangeKind.choices)
    # Stable within the version: "section:3.2", "layer:<collection id>", "indicator:<name>".
    key = models.CharField(_("key"), max_length=200)
    subject = models.CharField(_("what changed"), max_length=300)
    summary = models.CharField(_("summary of the change"), max_length=300, blank=True)
    explanation = models.TextField(_("reason for the change"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="version_change_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version.title}: {self.subject}"

    @property
    def anchor(self) -> str:
        return f"change-{self.pk}"


class PhaseKind(models.TextChoices):
    """The steps of a plan's procedure besides its rounds of 公示 (consultation.Consultation)."""

    EXPERT_REVIEW = "review", _("Expert review meeting")  # 论证会
    HEARING = "hearing", _("Public hearing")  # 听证会
    CONGRESS = "congress", _("Review by the people's congress")  # 镇人大审议
    SUBMISSION = "submission", _("Submitted for approval")  # 报批
    APPROVAL = "approval", _("Approval")  # 批准
    ANNOUNCEMENT = "announcement", _("Publication of the approved plan")  # 批后公布
    OTHER = "other", _("Other step")


class PlanPhase(models.Model):
    """A step of the plan's procedure on its public timeline: a meeting with its notice (date,
    place, how to take part) and afterwards its record, the congress's review, the
    submission, the approval (机关, 文号, 日期) and the publication of the approved plan.
    planportal/phases.py checks the legal dates."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("kind"), max_length=20, choices=PhaseKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("date (or start)"))
    ends_at = models.DateTimeField(_("end"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    how_to_take_part = models.TextField(_("how to take part"), blank=True)
    # What came of it: the minutes' summary, the congress's opinion, the approval's terms.
    outcome = models.TextField(_("outcome"), blank=True)
    authority = models.CharField(_("authority"), max_length=200, blank=True)  # 机关
    document_number = models.CharField(_("document number"), max_length=100, blank=True)  # 文号
    version = models.ForeignKey(
        PlanVersion,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="phases",
        verbose_name=_("version concerned"),
    )
    is_public = models.BooleanField(_("shown on the timeline"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("procedure step")
        verbose_name_plural = _("procedure steps")
        ordering = ["plan", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")),
                name="plan_phase_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()


def phase_record_path(record: "PhaseRecord", filename: str) -> str:
    return f"phase-records/plan-{record.phase.plan_id}/{filename}"


class PhaseRecord(models.Model):
    """A document of a step: the minutes of a hearing, the congress's resolution, the approval
    (批复) as a PDF or image, stored under a server-made name with its SHA-256."""

    phase = models.ForeignKey(PlanPhase, on_delete=models.CASCADE, related_name="records")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=phase_record_path, max_length=200)
    original_name = models.CharField(_("file name as uploaded"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    uploaded_by = models.ForeignKey(
        "auth.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("record of a step")
        verbose_name_plural = _("records of steps")
        ordering = ["phase", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title
