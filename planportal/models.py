"""Plans and their text: Plan -> Chapter -> Section (blocks of paragraphs, lists, headings),
plus the plan's indicators.

The text is stored as structured blocks so that every sentence of a plan has a stable place
(a section anchor) that pages, the API and later comments can point at.
"""

from django.contrib.gis.db import models
from django.core.validators import RegexValidator
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

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
