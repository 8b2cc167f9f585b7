"""Consultations on a plan and the opinions residents give in them.

Visibility lives in the querysets (``Comment.objects.published()``); state changes are named
methods in consultation/moderation.py that write their audit event in the same transaction.
Contact details (name, phone, email) never leave the officials' pages: every public output
goes through ``public_name`` and the published queryset.
"""

import secrets

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultation.periods import (
    CalendarFloor,
    counted_days,
    lawful_close,
    period_text,
    too_short_message,
)
from layers.models import Feature, Layer, LayerRevision
from planportal.models import Plan, PlanVersion, Section, VersionChange
from planportal.versions import current_version, public_version

# Receipt codes avoid letters and digits that are easily confused (0/O, 1/I/L).
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_LENGTH = 10


class ConsultationQuerySet(models.QuerySet):
    def public(self) -> "ConsultationQuerySet":
        """Consultations anyone may see: of a published plan. Every public view starts here."""
        return self.filter(plan__is_published=True).select_related("plan")

    def open_at(self, moment=None) -> "ConsultationQuerySet":
        moment = moment or timezone.now()
        return self.filter(opens_at__lte=moment, closes_at__gt=moment)


class Consultation(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="consultations")
    # The version this round of 公示 shows: what its comments were made on.
    version = models.ForeignKey(
        PlanVersion,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("version shown"),
    )
    title = models.CharField(_("title"), max_length=200)
    opens_at = models.DateTimeField(_("opens"))
    # 00:00 China time of the day after the last day (the last day ends at 24:00); at least
    # the lawful close of consultation/periods.py, which the admin form computes.
    closes_at = models.DateTimeField(_("closes"))
    contact = models.TextField(_("contact"), blank=True)
    notice = models.TextField(_("notice"), blank=True)
    # 公示方式 and 公示地点 for the report's cover: how and where the notice was given
    # (the portal, the on-site notice boards, newspapers …), as the office did it.
    notice_methods = models.TextField(
        _("ways the notice was given"),
        blank=True,
        help_text=_("For example: the portal website and notice boards on site."),
    )
    notice_places = models.TextField(
        _("places of the notice"),
        blank=True,
        help_text=_("For example: the township government's notice board, village notice boards."),
    )
    show_published_comments = models.BooleanField(_("show published comments"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="consultation_closes_after_it_opens",
            ),
            # 城乡规划法 Art. 26 allows no exception: at least 30 days from the day after the
            # opening, to 24:00 of the 30th (the holiday rule is checked in clean()).
            models.CheckConstraint(
                condition=Q(closes_at__gte=CalendarFloor("opens_at")),
                name="consultation_lasts_30_days",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at < lawful_close(self.opens_at):
            raise ValidationError({"closes_at": too_short_message(self.opens_at)})

    def save(self, *args, **kwargs):
        # A round shows the version the public reads when it is set up, unless told otherwise.
        if self.version_id is None and self.plan_id is not None:
            self.version = public_version(self.plan)
        super().save(*args, **kwargs)

    @property
    def shown_version(self) -> PlanVersion:
        """The version this round's comments are made on."""
        return self.version or current_version(self.plan)

    def is_open_at(self, moment=None) -> bool:
        moment = moment or timezone.now()
        return self.opens_at <= moment < self.closes_at

    @property
    def is_open(self) -> bool:
        return self.is_open_at()

    @property
    def period_days(self) -> int:
        """Days counted from the day after the opening to the last day (China time)."""
        return counted_days(self.opens_at, self.closes_at)

    @property
    def period_text(self) -> str:
        """The period as the pages show it, e.g. 2026-12-06 起至 2027-01-05 24:00（共 30 天）."""
        return period_text(self.opens_at, self.closes_at)

    @property
    def phase(self) -> str:
        """Where the consultation stands now: "upcoming", "open" or "closed"."""
        now = timezone.now()
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"


class Stance(models.TextChoices):
    SUPPORT = "support", _("Support")
    OPPOSE = "oppose", _("Oppose")
    SUGGEST = "suggest", _("Suggestion")
    # 咨询: a resident asking what the plan means for them rather than judging it.
    QUESTION = "question", _("Question")


class CommentState(models.TextChoices):
    RECEIVED = "received", _("Received")
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden")


class Channel(models.TextChoices):
    WEB = "web", _("Website")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("In person")
    EMAIL = "email", _("Email")
    # 现场: written on the form at the on-site notice board or an exhibition.
    ON_SITE = "onsite", _("On-site notice board")


class Result(models.TextChoices):
    ADOPTED = "adopted", _("Adopted")
    PARTLY_ADOPTED = "partly", _("Partly adopted")
    NOT_ADOPTED = "rejected", _("Not adopted")
    # 说明解释 / 不属于本规划事项: answered with an explanation, nothing for the plan to adopt.
    EXPLAINED = "explained", _("Explained / not a matter of this plan")


class SubmitterKind(models.TextChoices):
    """Who gave the opinion, as the report's 意见人 column distinguishes them."""

    PERSON = "person", _("Individual")
    ORGANISATION = "organisation", _("Organisation")
    DEPARTMENT = "department", _("Government department")
    EXPERT = "expert", _("Expert")


class CommentQuerySet(models.QuerySet):
    def published(self) -> "CommentQuerySet":
        """Comments anyone may read: published, in a public consultation that shows them."""
        return self.in_public_consultations().filter(
            state=CommentState.PUBLISHED, consultation__show_published_comments=True
        )

    def in_public_consultations(self) -> "CommentQuerySet":
        """Comments of the consultations ``Consultation.objects.public()`` holds (a receipt
        finds its comment there whatever its state)."""
        return self.filter(consultation__in=Consultation.objects.public().values("pk"))


def new_receipt_code() -> str:
    """RECEIPT_LENGTH characters of RECEIPT_ALPHABET, uniformly random: the digits of one
    random number below 31^10 (one read of the system's random source, not one per
    character)."""
    number = secrets.randbelow(len(RECEIPT_ALPHABET) ** RECEIPT_LENGTH)
    characters = []
    for _position in range(RECEIPT_LENGTH):
        number, digit = divmod(number, len(RECEIPT_ALPHABET))
        characters.append(RECEIPT_ALPHABET[digit])
    return "".join(characters)


class Comment(models.Model):
    # Looked up through the indexes that lead with it (Meta.indexes), not one of its own.
    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="comments", db_index=False
    )
    receipt_code = models.CharField(
        _("receipt code"), max_length=20, unique=True, default=new_receipt_code
    )
    body = models.TextField(_("opinion"))
    stance = models.CharField(_("stance"), max_length=10, choices=Stance.choices)
    # What the opinion points at: a section, a feature of a published revision, or a drawn
    # place; none of them means the plan as a whole.
    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, null=True, blank=True, related_name="comments"
    )
    layer = models.ForeignKey(
        Layer, on_delete=models.PROTECT, null=True, blank=True, related_name="comments"
    )
    revision = models.ForeignKey(
        LayerRevision, on_delete=models.PROTECT, null=True, blank=True, related_name="comments"
    )
    feature = models.ForeignKey(
        Feature, on_delete=models.PROTECT, null=True, blank=True, related_name="comments"
    )
    drawn = models.GeometryField(_("drawn place"), srid=4326, null=True, blank=True)
    # The version the resident read when commenting (its section is one of that version's).
    version = models.ForeignKey(
        PlanVersion,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("version commented on"),
    )
    villages = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    control_lines = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    photo = models.ImageField(_("photo"), upload_to="comment-photos/%Y/%m/", blank=True)
    # Personal data: shown to officials only, purged after the retention period.
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    consent_privacy = models.BooleanField(_("agreed to the privacy notice"), default=False)
    consent_show_name = models.BooleanField(_("agreed to show the name"), default=False)
    # PIPL Art. 28/31: a child under 14's personal information is sensitive and needs the
    # guardian's consent. What the resident declared is kept as declared.
    declared_under_14 = models.BooleanField(_("declared to be under 14"), default=False)
    guardian_consent = models.BooleanField(_("guardian's consent declared"), default=False)
    guardian_name = models.CharField(_("guardian's name"), max_length=100, blank=True)
    contact_purged_at = models.DateTimeField(_("contact details purged"), null=True, blank=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    submitter_kind = models.CharField(
        _("given by"), max_length=20, choices=SubmitterKind.choices, default=SubmitterKind.PERSON
    )
    # The name of an organisation, department or expert's institution: not personal data of
    # a resident, so it is shown in the report as given.
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    # When a letter, call or visit reached the office (a letter's postmark date); blank for
    # web comments, whose created_at is their receipt.
    received_on = models.DateField(_("received or postmarked on"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    # A keyed hash (HMAC) of the client's address, never the address itself: enough to count
    # a client's recent comments for the rate limit (consultation/abuse.py).
    client_key = models.CharField(_("client key"), max_length=64, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    # The nonce of the proof-of-work challenge this comment solved; unique, so a solved
    # challenge pays for one comment only.
    challenge_nonce = models.CharField(_("challenge nonce"), max_length=32, blank=True)
    # A digest of the form token the comment was sent with; unique, so one shown form carries
    # one comment and the minimum fill time is paid per comment (consultation/abuse.py).
    form_token_digest = models.CharField(_("form token digest"), max_length=32, blank=True)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=CommentState.choices,
        default=CommentState.RECEIVED,
        db_index=True,
    )
    state_reason = models.CharField(_("reason for the state"), max_length=300, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    # Indexed with the consultation (comment_arrival_idx) and with the client and the phone
    # (the rate limits' windows, migration 0012), not alone.
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="comment_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(consent_privacy=True) | ~Q(channel="web"),
                name="comment_web_needs_privacy_consent",
            ),
            models.CheckConstraint(
                condition=Q(declared_under_14=False) | Q(guardian_consent=True) | ~Q(channel="web"),
                name="comment_web_child_needs_guardian",
            ),
            models.UniqueConstraint(
                fields=["challenge_nonce"],
                condition=~Q(challenge_nonce=""),
                name="comment_challenge_used_once",
            ),
            models.UniqueConstraint(
                fields=["form_token_digest"],
                condition=~Q(form_token_digest=""),
                name="comment_form_token_used_once",
            ),
        ]
        indexes = [
            models.Index(fields=["consultation", "state"], name="comment_queue_idx"),
            # A consultation's comments in the order they came in (lists, exports, the report).
            models.Index(fields=["consultation", "created_at"], name="comment_arrival_idx"),
            # The rate limits count a client's and a phone's comments of the last window.
            models.Index(fields=["client_key", "created_at"], name="comment_client_recent_idx"),
            models.Index(
                fields=["phone", "created_at"],
                name="comment_phone_recent_idx",
                condition=~Q(phone=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_code} ({self.get_stance_display()})"

    @property
    def public_name(self) -> str:
        """The name shown in public: only with its own consent (PIPL Art. 25), and never a
        child's (under 14: sensitive personal information, PIPL Art. 28)."""
        if self.consent_show_name and self.name and not self.declared_under_14:
            return self.name
        return str(_("Villager"))

    @property
    def masked_phone(self) -> str:
        digits = self.phone
        if len(digits) < 7:
            return "*" * len(digits)
        return f"{digits[:3]}****{digits[-4:]}"


class Reply(models.Model):
    """The official answer to an opinion: how it was handled and why (意见采纳情况及理由)."""

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="reply")
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    reason = models.TextField(_("reason"))
    is_published = models.BooleanField(_("published"), default=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered"), auto_now=True)
    # The changes of a later version this answer led to (采纳 / 部分采纳), each shown in that
    # version's 修改说明 with a link back to the opinion.
    changes = models.ManyToManyField(
        VersionChange, blank=True, related_name="replies", verbose_name=_("changes it led to")
    )

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"{self.comment.receipt_code}: {self.get_result_display()}"


def frozen_report_path(frozen: "FrozenReport", filename: str) -> str:
    if frozen.consultation_id is None:
        return f"frozen-reports/plan-{frozen.plan_id}/{filename}"
    return f"frozen-reports/consultation-{frozen.consultation_id}/{filename}"


class FrozenReport(models.Model):
    """A version of the 意见采纳情况及理由 report frozen for submission (报批): the XLSX and
    the HTML as they were generated, stored as files with their SHA-256, so later answers
    change the live report but never a submitted one. PostgreSQL refuses UPDATE and DELETE
    of these rows (migration 0004); the freeze itself is in the audit trail."""

    # A report of one round; blank for the report across every round of ``plan``.
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="frozen_reports",
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="frozen_reports"
    )
    number = models.PositiveIntegerField(_("version"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("frozen by"),
    )
    created_at = models.DateTimeField(_("frozen at"), default=timezone.now, editable=False)
    file = models.FileField(_("XLSX file"), upload_to=frozen_report_path, max_length=200)
    sha256 = models.CharField(_("SHA-256 of the XLSX file"), max_length=64)
    html_file = models.FileField(_("HTML file"), upload_to=frozen_report_path, max_length=200)
    html_sha256 = models.CharField(_("SHA-256 of the HTML file"), max_length=64)
    # What the version holds: opinions, rows, hidden comments and opinions per result.
    counts = models.JSONField(_("counts"), default=dict)

    class Meta:
        verbose_name = _("frozen report")
        verbose_name_plural = _("frozen reports")
        ordering = ["consultation", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "number"], name="frozen_report_number_unique"
            ),
            models.UniqueConstraint(
                fields=["plan", "number"],
                condition=Q(consultation__isnull=True),
                name="frozen_rounds_report_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(consultation__isnull=False) | Q(plan__isnull=False),
                name="frozen_report_of_a_round_or_a_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consultation or self.plan} v{self.number}"


class NoticeChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")


class NoticeStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # The contact details were purged (retention) before the notice could go out.
    SKIPPED = "skipped", _("Not sent")


class Notice(models.Model):
    """One message telling a resident that the answer to their opinion is published
    (consultation/notices/). ``to`` is personal data: shown masked, emptied with the
    comment's contact details when the retention period ends."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="notices")
    channel = models.CharField(_("channel"), max_length=10, choices=NoticeChannel.choices)
    to = models.CharField(_("sent to"), max_length=254, blank=True)
    # The result the notice told (a notice is sent once per channel and result).
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.QUEUED
    )
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer notice")
        verbose_name_plural = _("answer notices")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.comment.receipt_code} {self.channel} {self.status}"

    @property
    def masked_to(self) -> str:
        """w***@example.cn or 138****5678: enough to recognise, not to write to."""
        if not self.to:
            return "—"
        if self.channel == NoticeChannel.EMAIL:
            local, _at, domain = self.to.rpartition("@")
            return f"{local[:1]}***@{domain}" if local else "***"
        if len(self.to) < 7:
            return "*" * len(self.to)
        return f"{self.to[:3]}****{self.to[-4:]}"
