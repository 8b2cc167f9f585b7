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
from planportal.models import Plan, PlanVersion, TextImport, TextImportStatus
from planportal.versions import new_draft, sections_of


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
    kept = plan.current_version.text_imports.filter(
        status=TextImportStatus.SAVED, sha256=digest
    ).first()
    if kept is not None:
        if not kept.original.storage.exists(kept.original.name):
            # The row outlived its file (a media folder lost or not restored): store it again.
            kept.original.save(PurePath(kept.original_name).name, ContentFile(data), save=True)
        return None
    text_import = create_import(plan, data, path.name)
    text_import.status = TextImportStatus.SAVED
    text_import.saved_at = timezone.now()
    text_import.version = plan.current_version
    text_import.save(update_fields=["status", "saved_at", "version"])
    return text_import


def save_import(text_import: TextImport, user=None) -> Plan:
    """Write the import as the text (cover, preface, chapters, sections, closing) of the
    plan's working draft: the latest version while it is a draft, else a new version copied
    from the latest (its indicators and figures carried over), so that a published version,
    and what residents commented on, never changes."""
    if text_import.status != TextImportStatus.DRAFT:
        raise ImportRefused("这份导入已保存或已放弃，请重新上传。")
    structure = text_import.structure
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=text_import.plan_id)
        version = new_draft(plan, user)
        before = {"chapters": version.chapters.count(), "sections": _section_count(version)}
        version.cover = structure["cover"]
        version.preface = structure["preface"]
        version.closing = structure["closing"]
        version.save(update_fields=["cover", "preface", "closing"])
        _load_chapters(version, structure["chapters"])
        text_import.status = TextImportStatus.SAVED
        text_import.saved_at = timezone.now()
        text_import.version = version
        text_import.save(update_fields=["status", "saved_at", "version"])
        plan.save(update_fields=["updated_at"])
        record(
            user,
            "plan.text_imported",
            plan,
            summary=(
                f"{text_import.original_name} ({text_import.format}) sha256 {text_import.sha256}"
            ),
            before=before,
            after={
                "version": version.number,
                "chapters": len(structure["chapters"]),
                "sections": _section_count(version),
                "text_import": text_import.pk,
            },
        )
    return plan


def _section_count(version: PlanVersion) -> int:
    return sections_of(version).count()


def published_document(plan: Plan, version: PlanVersion | None = None) -> TextImport | None:
    """The original of the last import saved as ``version`` (default: the plan's current
    version): what the public downloads with that version's text."""
    version = version or plan.current_version
    return (
        version.text_imports.filter(status=TextImportStatus.SAVED)
        .order_by("-saved_at", "-id")
        .first()
    )
