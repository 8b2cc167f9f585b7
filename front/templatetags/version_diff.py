"""Template helpers of the page of a version's changes: a section's diff rows
(planportal.textdiff.Row) grouped back into the blocks they are read in."""

from django import template

from planportal.textdiff import Row
from planportal.textdiff.sentences import KIND_LIST_ITEM

register = template.Library()


@register.filter
def diff_blocks(rows: list[Row]) -> list[dict]:
    """Rows as blocks: ``{"kind": "list", "items": [[row, ...], ...]}`` for a list (one inner
    list per item), else ``{"kind": "paragraph" | "heading" | "caption", "rows": [...]}``."""
    blocks: list[dict] = []
    for row in rows:
        if not blocks or blocks[-1]["group"] != row.block_group:
            kind = "list" if row.kind == KIND_LIST_ITEM else row.kind
            blocks.append({"group": row.block_group, "kind": kind, "rows": [], "items": []})
        block = blocks[-1]
        block["rows"].append(row)
        if block["kind"] == "list":
            if not block["items"] or block["items"][-1][0].item_group != row.item_group:
                block["items"].append([])
            block["items"][-1].append(row)
    return blocks
