"""Safe unpacking of an uploaded zip (zipped Shapefile, zipped FileGDB folder).

Every entry is checked before a single byte is written: no absolute paths, no ``..``, no
links or special files, no encrypted entries, no duplicates, not too many entries and not too
large a declared unpacked size. While writing, the bytes actually produced are counted as
well, so an entry that lies about its size is stopped at the same limit. Anything refused
leaves nothing behind: the caller's scratch folder is removed with the source.

GDAL never sees the archive (no /vsizip/): it only opens plain files we wrote ourselves.
"""

import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

from . import problems
from .limits import human_bytes, limit

CHUNK = 1024 * 1024
# Bit 11 of the general purpose flags: the name is UTF-8. Without it, names made on Chinese
# Windows are GBK bytes that Python's zipfile decoded as cp437.
UTF8_NAME_FLAG = 0x800


def unpack_zip(archive: Path, target: Path) -> Path:
    """Unpacks ``archive`` into the new folder ``target`` and returns it; raises
    RejectedFile (and removes ``target``) when the archive is unsafe or too large."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            entries = _checked_entries(bundle)
            target.mkdir(parents=True)
            try:
                _extract(bundle, entries, target)
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise problems.RejectedFile(
            problems.error("archive_corrupt", reason=str(exc) or type(exc).__name__)
        ) from exc
    return target


def _checked_entries(bundle: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    infos = bundle.infolist()
    max_entries = limit("UPLOAD_MAX_ARCHIVE_ENTRIES")
    if len(infos) > max_entries:
        raise problems.RejectedFile(
            problems.error("archive_too_many_entries", count=len(infos), limit=max_entries)
        )
    entries = []
    seen: set[str] = set()
    declared = 0
    for info in infos:
        name = entry_name(info)
        relative = safe_relative_path(name)
        if relative is None:
            raise problems.RejectedFile(problems.error("archive_unsafe_path", name=name))
        if not _is_plain(info):
            raise problems.RejectedFile(problems.error("archive_link", name=name))
        if info.flag_bits & 0x1:
            raise problems.RejectedFile(problems.error("archive_encrypted", name=name))
        folded = str(relative).casefold()
        if folded in seen:
            raise problems.RejectedFile(problems.error("archive_duplicate", name=name))
        seen.add(folded)
        declared += info.file_size
        entries.append((info, relative))
    max_unpacked = limit("UPLOAD_MAX_UNPACKED_BYTES")
    if declared > max_unpacked:
        raise problems.RejectedFile(
            problems.error("archive_too_large", limit=human_bytes(max_unpacked))
        )
    return entries


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as its author wrote it: names without the UTF-8 flag are re-read as
    UTF-8 (some tools omit the flag) or else as GB18030 (Chinese Windows)."""
    if info.flag_bits & UTF8_NAME_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def safe_relative_path(name: str) -> PurePosixPath | None:
    """The entry's path inside the target folder, or None when it would leave that folder."""
    if not name or "\x00" in name:
        return None
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        return None
    parts = [part for part in normalised.split("/") if part not in ("", ".")]
    if not parts or any(part == ".." for part in parts):
        return None
    return PurePosixPath(*parts)


def _is_plain(info: zipfile.ZipInfo) -> bool:
    """Regular files and folders only: the Unix mode (when the archive has one) must not be a
    link, device, pipe or socket."""
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    return kind in (0, stat.S_IFREG, stat.S_IFDIR)


def _extract(
    bundle: zipfile.ZipFile, entries: list[tuple[zipfile.ZipInfo, PurePosixPath]], target: Path
) -> None:
    budget = limit("UPLOAD_MAX_UNPACKED_BYTES")
    root = target.resolve()
    for info, relative in entries:
        destination = root.joinpath(*relative.parts)
        if not destination.resolve().is_relative_to(root):  # belt and braces
            raise problems.RejectedFile(problems.error("archive_unsafe_path", name=str(relative)))
        if info.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        with bundle.open(info) as source, destination.open("xb") as out:
            while chunk := source.read(CHUNK):
                budget -= len(chunk)
                if budget < 0:
                    raise problems.RejectedFile(
                        problems.error(
                            "archive_too_large",
                            limit=human_bytes(limit("UPLOAD_MAX_UNPACKED_BYTES")),
                        )
                    )
                out.write(chunk)
