"""Storing an import: the original file and what was found (a draft TextImport), and saving a
draft as the plan's text in one transaction."""

import hashlib
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from planportal.audit import record
from planportal.importing import parse_document
from planportal.importing.source import ImportRefused
from planportal.loader import _load_chapters
from planportal.models import Plan, TextImport, TextImportStatus

HAS_COMMENTS = (
    "该规划已收到公众意见，不能替换其文本：意见指向现有的章节。规划文本的版本管理"
    "（保留旧版本及其意见）将在后续版本中提供。"
)


def create_import(plan: Plan, data: bytes, filename: str, user=None) -> TextImport:
    """Read the file (ImportRefused when it cannot be) and keep it with what was found."""
    structure = parse_document(data, filename)
    name = PurePath(filename).name[:255] or "document"
    text_import = TextImport(
        plan=plan,
        original_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        format=structure["format"],
        structure=structure,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    text_import.original.save(name, ContentFile(data), save=False)
    text_import.save()
    return text_import


def keep_original(plan: Plan, path) -> TextImport | None:
    """Keeps ``path`` as the plan's original document (what /plans/<slug>/document/ serves) for
    a plan whose text was loaded another way (the demo plan's audited fixture); None when the
    same file is kept already. The plan's text is not touched."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    kept = plan.text_imports.filter(status=TextImportStatus.SAVED, sha256=digest).first()
    if kept is not None:
        if not kept.original.storage.exists(kept.original.name):
            # The row outlived its file (a media folder lost or not restored): store it again.
            kept.original.save(PurePath(kept.original_name).name, ContentFile(data), save=True)
        return None
    text_import = create_import(plan, data, path.name)
    text_import.status = TextImportStatus.SAVED
    text_import.saved_at = timezone.now()
    text_import.save(update_fields=["status", "saved_at"])
    return text_import


def check_replaceable(plan: Plan) -> None:
    """Comments point at sections: a plan that has any keeps its text until versions exist."""
    if plan.consultations.filter(comments__isnull=False).exists():
        raise ImportRefused(HAS_COMMENTS)


def save_import(text_import: TextImport, user=None) -> Plan:
    """Write the import as the plan's text (cover, preface, chapters, sections, closing)."""
    if text_import.status != TextImportStatus.DRAFT:
        raise ImportRefused("这份导入已保存或已放弃，请重新上传。")
    structure = text_import.structure
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=text_import.plan_id)
        check_replaceable(plan)
        before = {"chapters": plan.chapters.count(), "sections": _section_count(plan)}
        plan.cover = structure["cover"]
        plan.preface = structure["preface"]
        plan.closing = structure["closing"]
        plan.save(update_fields=["cover", "preface", "closing", "updated_at"])
        _load_chapters(plan, structure["chapters"])
        text_import.status = TextImportStatus.SAVED
        text_import.saved_at = timezone.now()
        text_import.save(update_fields=["status", "saved_at"])
        record(
            user,
            "plan.text_imported",
            plan,
            summary=(
                f"{text_import.original_name} ({text_import.format}) sha256 {text_import.sha256}"
            ),
            before=before,
            after={
                "chapters": len(structure["chapters"]),
                "sections": _section_count(plan),
                "text_import": text_import.pk,
            },
        )
    return plan


def _section_count(plan: Plan) -> int:
    return sum(chapter.sections.count() for chapter in plan.chapters.all())


def published_document(plan: Plan) -> TextImport | None:
    """The original of the last saved import: what the public downloads."""
    return (
        plan.text_imports.filter(status=TextImportStatus.SAVED).order_by("-saved_at", "-id").first()
    )
