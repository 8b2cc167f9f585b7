"""Plain text and Markdown: one line per line, blank lines separate paragraphs, Markdown "#"
headings give the level (# chapter, ## section, ### and deeper sub-headings)."""

import re

from planportal.importing.source import ImportRefused, SourceDocument, SourceLine

_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(\S.*?)\s*#*$")
ENCODINGS = ("utf-8-sig", "gb18030")


def decode(data: bytes) -> str:
    """UTF-8 first, then GB18030 (the superset of GBK/GB2312 older Chinese files use)."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused("无法识别文本文件的编码（支持 UTF-8 和 GB18030/GBK）。")


def read_text(data: bytes) -> SourceDocument:
    document = SourceDocument(format="text")
    after_blank = True
    for raw in decode(data).splitlines():
        text = raw.strip()
        if not text:
            after_blank = True
            continue
        level = None
        if match := _MARKDOWN_HEADING.match(text):
            level, text = len(match[1]), match[2]
        document.lines.append(SourceLine(text, starts_paragraph=after_blank, heading_level=level))
        after_blank = False
    if not document.lines:
        raise ImportRefused("文件中没有文字。")
    return document
