"""The one shape every reader hands to the structure builder: the document's lines in order.

A reader (DOCX, PDF, text) knows things about a line that the text alone does not tell: the
heading level its style gives, the blank space that separates it from the previous paragraph,
the page it sits on, and whether the reader already knows it is layout (a page header, a page
number, a 目录 entry). The structure builder decides everything else from the words.
"""

from dataclasses import dataclass, field


class ImportRefused(Exception):
    """The file cannot be imported; the message (Chinese, for the planner) says why."""


@dataclass
class SourceLine:
    text: str
    # A new paragraph starts here (blank line, space above it, a new DOCX paragraph); lines of
    # one paragraph that are not sentences of their own are joined by the builder.
    starts_paragraph: bool = True
    # 1 chapter, 2 section, 3+ sub-heading, from the document's heading styles; None: no style.
    heading_level: int | None = None
    # A list item by the document's own list style (the text carries no bullet glyph).
    list_item: bool = False
    # Set by the reader for what it recognised as layout: the kind ("page header", …).
    layout: str = ""
    page: int | None = None
    # The PDF line runs to the right margin, so the sentence goes on in the next line.
    runs_on: bool = False


@dataclass
class SourceDocument:
    format: str  # "docx", "pdf", "text"
    lines: list[SourceLine] = field(default_factory=list)

    @property
    def has_heading_styles(self) -> bool:
        return any(line.heading_level in (1, 2) for line in self.lines)
