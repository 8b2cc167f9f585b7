"""The text encoding of a Shapefile's DBF.

Chinese Shapefiles are often GBK without a .cpg file (ArcGIS on Chinese Windows), so GDAL's
default (ISO-8859-1) would turn their text into mojibake. The DBF's own bytes decide: field
names and text (type C) fields are decoded as UTF-8; when that fails they are GB18030 (a
superset of GBK and GB2312). A .cpg is honoured unless the bytes contradict it.
"""

import mmap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import problems
from .problems import Problem

UTF8 = "UTF-8"
CHINESE = "GB18030"
# What .cpg files say, normalised to the name GDAL's ENCODING open option expects.
CPG_NAMES = {
    "utf-8": UTF8,
    "utf8": UTF8,
    "65001": UTF8,
    "gbk": CHINESE,
    "936": CHINESE,
    "cp936": CHINESE,
    "ansi 936": CHINESE,
    "gb2312": CHINESE,
    "gb18030": CHINESE,
    "54936": CHINESE,
    "big5": "BIG5",
    "950": "BIG5",
    "iso-8859-1": "ISO-8859-1",
    "88591": "ISO-8859-1",
    "iso88591": "ISO-8859-1",
    "1252": "CP1252",
    "ansi 1252": "CP1252",
}
# Enough text to be sure, little enough to stay quick on a 1 GB DBF.
MAX_SCANNED_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class EncodingChoice:
    encoding: str
    problems: list[Problem] = field(default_factory=list)


def shapefile_encoding(shp: Path) -> EncodingChoice:
    """The encoding to open ``shp`` with. Texts cut in the middle of a UTF-8 character are
    mended in place (the DBF is our own scratch copy): GDAL refuses such text."""
    declared = _declared_encoding(shp.with_suffix(".cpg")) or _declared_encoding(
        shp.with_suffix(".CPG")
    )
    dbf = _sibling(shp, ".dbf")
    sample = _text_bytes(dbf) if dbf else b""
    if sample.isascii():
        return EncodingChoice(declared or UTF8)
    found = UTF8 if _mostly_utf8(sample) else None
    if declared is None:
        encoding = found or CHINESE
        choice = EncodingChoice(encoding, [problems.warning("encoding_guessed", encoding=encoding)])
    elif declared == UTF8 and found is None:
        choice = EncodingChoice(
            CHINESE, [problems.warning("encoding_overridden", declared=declared, encoding=CHINESE)]
        )
    elif declared != UTF8 and found == UTF8:
        choice = EncodingChoice(
            UTF8, [problems.warning("encoding_overridden", declared=declared, encoding=UTF8)]
        )
    else:
        choice = EncodingChoice(declared)
    if choice.encoding == UTF8 and dbf is not None and not _is_utf8(sample):
        mended = _mend_cut_characters(dbf)
        if mended:
            choice.problems.append(problems.warning("encoding_mended", count=mended))
    return choice


def _is_utf8(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _mostly_utf8(sample: bytes) -> bool:
    """UTF-8, allowing a few characters cut in half where a writer truncated a long text to
    its field width. GBK text read as UTF-8 fails on nearly every character."""
    if _is_utf8(sample):
        return True
    broken = sample.decode("utf-8", errors="replace").count("\ufffd")
    non_ascii = int(np.count_nonzero(np.frombuffer(sample, dtype=np.uint8) >= 0x80))
    return broken * 100 <= non_ascii


def _mend_cut_characters(dbf: Path) -> int:
    """Blanks the bytes of a UTF-8 character cut off at the end of a text field; returns how
    many texts were mended."""
    mended = 0
    with dbf.open("r+b") as handle, mmap.mmap(handle.fileno(), 0) as data:
        records = int.from_bytes(data[4:8], "little")
        header_length = int.from_bytes(data[8:10], "little")
        record_length = int.from_bytes(data[10:12], "little")
        _, text_fields = _fields(data, header_length)
        count = min(records, (len(data) - header_length) // max(record_length, 1))
        for record in range(count):
            base = header_length + record * record_length
            for start, size in text_fields:
                cell = data[base + start : base + start + size]
                if cell.isascii():
                    continue
                try:
                    cell.decode("utf-8")
                except UnicodeDecodeError:
                    kept = cell.decode("utf-8", errors="ignore").encode("utf-8")
                    data[base + start : base + start + size] = kept.ljust(size, b" ")[:size]
                    mended += 1
    return mended


def _declared_encoding(cpg: Path) -> str | None:
    if not cpg.is_file():
        return None
    text = cpg.read_bytes()[:100].decode("ascii", "ignore").strip().lower()
    return CPG_NAMES.get(text) if text else None


def _sibling(shp: Path, suffix: str) -> Path | None:
    for candidate in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    return None


def _text_bytes(dbf: Path) -> bytes:
    """The bytes of the field names and of every text field, without padding."""
    with dbf.open("rb") as handle:
        if dbf.stat().st_size < 33:
            return b""
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            records = int.from_bytes(data[4:8], "little")
            header_length = int.from_bytes(data[8:10], "little")
            record_length = int.from_bytes(data[10:12], "little")
            names, text_fields = _fields(data, header_length)
            if record_length == 0:
                return names
            available = (len(data) - header_length) // record_length
            count = min(records, available, MAX_SCANNED_BYTES // record_length)
            if count <= 0 or not text_fields:
                return names
            body = np.frombuffer(
                data, dtype=np.uint8, count=count * record_length, offset=header_length
            ).reshape(count, record_length)
            # Each text column separately, so a multi-byte character never spans two fields.
            columns = [body[:, start : start + size].tobytes() for start, size in text_fields]
            del body  # release the buffer before the mmap closes
    return names + b"\n".join(column.replace(b"\x00", b" ") for column in columns)


def _fields(data, header_length: int) -> tuple[bytes, list[tuple[int, int]]]:
    names = []
    text_fields = []
    offset = 1  # the deletion flag comes first in every record
    position = 32
    while position + 32 <= header_length and data[position] != 0x0D:
        descriptor = data[position : position + 32]
        names.append(descriptor[:11].split(b"\x00", 1)[0])
        size = descriptor[16]
        if descriptor[11:12] == b"C":
            # dBase stores long text widths in the decimal-count byte as well.
            size += descriptor[17] * 256
            text_fields.append((offset, size))
        offset += size
        position += 32
    return b"\n".join(names), text_fields
