"""How a frozen report (报批) is stored and read back, for the report of one round
(report_freeze.py) and the report across every round (rounds_report_files.py) alike: the XLSX
and the HTML under MEDIA_ROOT with their SHA-256 in the ``FrozenReport`` row and in the audit
trail, and each file read back only while it still matches its hash.

The files are written before the row: if the transaction fails, an unreferenced file may
remain, never a row without its file. The caller takes the version number under a row lock of
what the report is of (the consultation or the plan), so two officials freezing at once get
two numbers.
"""

import hashlib

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db.models import Max, QuerySet
from django.utils import timezone

from consultation.models import FrozenReport
from planportal.audit import record


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def new_version(versions: QuerySet, actor: AbstractBaseUser, **of) -> FrozenReport:
    """The next frozen version (not saved yet) of what ``of`` names (``consultation=`` or
    ``plan=``): numbered one after the last of ``versions``, 1 for the first."""
    last = versions.aggregate(last=Max("number"))["last"] or 0
    return FrozenReport(**of, number=last + 1, created_by=actor, created_at=timezone.now())


def store_frozen(
    actor: AbstractBaseUser,
    frozen: FrozenReport,
    *,
    stem: str,
    xlsx: bytes,
    html: bytes,
    counts: dict,
    plan_id: int,
    title: str,
) -> FrozenReport:
    """Saves both files as ``<stem>.xlsx`` and ``<stem>.html``, then the row with their hashes
    and the report's counts, and records the freeze (``report.freeze``, summed up as "<title>
    v<number> sha256 <hash of the XLSX>") with all of it."""
    frozen.file.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
    frozen.html_file.save(f"{stem}.html", ContentFile(html), save=False)
    frozen.sha256 = sha256(xlsx)
    frozen.html_sha256 = sha256(html)
    frozen.counts = counts
    frozen.save(force_insert=True)
    record(
        actor,
        "report.freeze",
        frozen,
        summary=f"{title} v{frozen.number} sha256 {frozen.sha256}",
        after={
            "consultation": frozen.consultation_id,
            "plan": plan_id,
            "number": frozen.number,
            "sha256": frozen.sha256,
            "html_sha256": frozen.html_sha256,
            "file": frozen.file.name,
            "html_file": frozen.html_file.name,
            "counts": frozen.counts,
        },
    )
    return frozen


def read_checked(frozen: FrozenReport, kind: str) -> bytes | None:
    """The stored bytes of the frozen XLSX ("xlsx") or HTML ("html"), or None when they no
    longer match the hash recorded at the freeze (the file was changed or lost)."""
    stored, expected = (
        (frozen.file, frozen.sha256) if kind == "xlsx" else (frozen.html_file, frozen.html_sha256)
    )
    try:
        with stored.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        return None
    return content if sha256(content) == expected else None
