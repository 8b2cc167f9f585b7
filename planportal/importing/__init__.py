"""Plan documents in: DOCX, PDF with a text layer, plain text or Markdown, turned into the
plan's text (chapters, sections, blocks) with what was layout set apart.

``read_document`` picks the reader by content (and name), ``build_structure`` builds the text,
``saving.save_text`` stores it; editing.py holds the planner's corrections of the preview.
"""

from pathlib import PurePath

from planportal.importing.docx_reader import read_docx
from planportal.importing.pdf_reader import read_pdf
from planportal.importing.source import ImportRefused, SourceDocument
from planportal.importing.structure import build_structure
from planportal.importing.text_reader import read_text

__all__ = ["ImportRefused", "detect_format", "parse_document", "read_document"]

MAX_BYTES = 50 * 1024 * 1024
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}


def detect_format(data: bytes, filename: str) -> str:
    """ "docx", "pdf" or "text", from the file's first bytes and, for text, its name."""
    suffix = PurePath(filename).suffix.lower()
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        if suffix in {".docx", ""} or b"word/" in data[:4096]:
            return "docx"
    elif suffix in TEXT_SUFFIXES:
        return "text"
    if suffix == ".doc" or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused("不支持旧版 Word（.doc）格式，请另存为 DOCX 或 PDF 后上传。")
    raise ImportRefused("不支持该文件格式。请上传 DOCX、带文字层的 PDF、TXT 或 Markdown 文件。")


def read_document(data: bytes, filename: str) -> SourceDocument:
    if len(data) > MAX_BYTES:
        raise ImportRefused("文件超过 50 MB，无法导入。")
    readers = {"docx": read_docx, "pdf": read_pdf, "text": read_text}
    return readers[detect_format(data, filename)](data)


def parse_document(data: bytes, filename: str) -> dict:
    """The plan text found in the file (plan.json shape plus "format" and "layout")."""
    return build_structure(read_document(data, filename))
