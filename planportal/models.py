"""Plans and their text: Plan -> Chapter -> Section (blocks of paragraphs, lists, headings),
plus the plan's indicators.

The text is stored as structured blocks so that every sentence of a plan has a stable place
(a section anchor) that pages, the API and later comments can point at.
"""

from django.contrib.gis.db import models
from django.core.validators import RegexValidator
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

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
    cover = models.JSONField(_("cover lines as printed"), default=list, blank=True)
    preface = models.JSONField(_("preface blocks"), default=list, blank=True)
    closing = models.JSONField(_("closing blocks"), default=list, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    extent = models.PolygonField(_("extent"), srid=4326, null=True, blank=True)
    extent_note = models.CharField(_("how the extent was made"), max_length=300, blank=True)
    indicators_note = models.TextField(_("note on the indicators"), blank=True)
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


class Chapter(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="chapters")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    intro = models.JSONField(_("introduction blocks"), default=list, blank=True)

    class Meta:
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="chapter_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

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
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators")
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
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="indicator_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.display_value}"

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

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}"


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

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="figures")
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
        ordering = ["plan", "position", "id"]

    def __str__(self) -> str:
        return self.title

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

    class Meta:
        verbose_name = _("text import")
        verbose_name_plural = _("text imports")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.plan.slug}: {self.original_name}"
