"""A section's blocks as plain lines a planner edits in a textarea, and back.

One line per block, a list item per line:

- ``### 标题``: a sub-heading (``heading``);
- ``图：文字``: a caption (the caption's text follows the prefix unchanged, e.g. ``图：图 3-1 …``);
- ``- 条目`` (also ``■ ``, ``◆ ``, ``● ``, ``• ``, ``▪ ``, ``* ``): a list item; items of one
  marker on consecutive lines make one list, and a blank line between them starts another;
- any other line: a paragraph. A paragraph that would read as one of the above (or is empty,
  or starts with a backslash) is written with a leading backslash, which reading removes.

Blank lines separate nothing else and are dropped. ``blocks_to_text`` followed by
``text_to_blocks`` gives back the same blocks (tests/planportal/test_block_text.py checks
every section of the demo plan); only text that cannot hold a line break is refused.
No Django import: pure functions on the block dicts of planportal.loader.
"""

import re

HEADING_PREFIX = "### "
CAPTION_PREFIX = "图："
ESCAPE = "\\"
# The bullets the importer keeps as a list's marker (importing/structure.py LIST_MARKERS).
LIST_MARKERS = ("-", "■", "◆", "●", "•", "▪", "*")
TEXT_TYPES = ("paragraph", "heading", "caption")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class BlockTextError(ValueError):
    """The blocks or the lines cannot be converted; the message says why (in Chinese)."""


def _needs_escape(text: str) -> bool:
    if text.strip() == "" or text.startswith((ESCAPE, HEADING_PREFIX, CAPTION_PREFIX)):
        return True
    return _list_item(text) is not None


def _list_item(line: str) -> tuple[str, str] | None:
    for marker in LIST_MARKERS:
        if line.startswith(marker + " "):
            return marker, line[len(marker) + 1 :]
    return None


def _one_line(text) -> str:
    if not isinstance(text, str):
        raise BlockTextError("段落内容必须是文字。")
    if _LINE_BREAK.search(text):
        raise BlockTextError("一段文字中不能有换行：每段写成一行。")
    return text


def validate_blocks(blocks) -> list[dict]:
    """The blocks, checked: ``{type: paragraph|heading|caption, text}`` or ``{type: list,
    marker, items}``, nothing else. BlockTextError with the reason otherwise."""
    if not isinstance(blocks, list):
        raise BlockTextError("内容必须是段落的列表。")
    checked = []
    for index, block in enumerate(blocks, 1):
        if not isinstance(block, dict):
            raise BlockTextError(f"第 {index} 段的格式不对。")
        kind = block.get("type")
        if kind in TEXT_TYPES and set(block) == {"type", "text"}:
            checked.append({"type": kind, "text": _one_line(block["text"])})
        elif kind == "list" and set(block) == {"type", "marker", "items"}:
            if block["marker"] not in LIST_MARKERS:
                raise BlockTextError(f"第 {index} 段的列表符号不可用：{block['marker']}")
            items = block["items"]
            if not isinstance(items, list) or not items:
                raise BlockTextError(f"第 {index} 段的列表没有条目。")
            checked.append(
                {"type": "list", "marker": block["marker"], "items": [_one_line(i) for i in items]}
            )
        else:
            raise BlockTextError(
                f"第 {index} 段的类型不可用：只能是 paragraph、heading、caption 或 list。"
            )
    return checked


def blocks_to_text(blocks: list[dict]) -> str:
    """The lines a planner edits for ``blocks``."""
    lines: list[str] = []
    previous = None
    for block in validate_blocks(blocks):
        kind = block["type"]
        if kind == "list":
            if previous is not None and previous["type"] == "list":
                lines.append("")  # two lists in a row stay two lists
            lines.extend(f"{block['marker']} {item}" for item in block["items"])
        elif kind == "heading":
            lines.append(HEADING_PREFIX + block["text"])
        elif kind == "caption":
            lines.append(CAPTION_PREFIX + block["text"])
        else:
            text = block["text"]
            lines.append(ESCAPE + text if _needs_escape(text) else text)
        previous = block
    return "\n".join(lines)


def text_to_blocks(text: str) -> list[dict]:
    """The blocks the lines stand for (see the module note)."""
    blocks: list[dict] = []
    list_open = False  # a list item on the line before: the next item of its marker joins it
    for line in _LINE_BREAK.split(text):
        if line.strip() == "":
            list_open = False
            continue
        item = _list_item(line)
        if item is not None:
            marker, entry = item
            last = blocks[-1] if blocks else None
            if list_open and last["marker"] == marker:
                last["items"].append(entry)
            else:
                blocks.append({"type": "list", "marker": marker, "items": [entry]})
            list_open = True
            continue
        list_open = False
        if line.startswith(ESCAPE):
            blocks.append({"type": "paragraph", "text": line[len(ESCAPE) :]})
        elif line.startswith(HEADING_PREFIX):
            blocks.append({"type": "heading", "text": line[len(HEADING_PREFIX) :]})
        elif line.startswith(CAPTION_PREFIX):
            blocks.append({"type": "caption", "text": line[len(CAPTION_PREFIX) :]})
        else:
            blocks.append({"type": "paragraph", "text": line})
    return blocks
