"""The planner's corrections of an imported structure, before it is saved.

Each step moves text between kinds (paragraph ⇄ sub-heading ⇄ section) or between sections and
never drops a word: a merged section's number and title stay as a sub-heading, a split makes the
chosen block the new section's title. Sections of the chapter are then numbered again in order
("3.1", "3.2", …), because the numbers are the portal's anchors, not the document's words.
"""

from copy import deepcopy

from planportal.importing.source import ImportRefused

ACTIONS = ("promote", "demote", "merge", "split")


def apply_edit(structure: dict, action: str, chapter: int, section: int, block=None) -> dict:
    """A corrected copy of ``structure``. ``chapter``/``section`` are 0-based positions, ``block``
    a 0-based position in the section's blocks. Impossible steps raise ImportRefused."""
    result = deepcopy(structure)
    try:
        sections = result["chapters"][chapter]["sections"]
        target = sections[section]
    except (IndexError, KeyError, TypeError) as error:
        raise ImportRefused("没有这一节。") from error
    if action == "merge" or (action == "demote" and block is None):
        _merge_into_previous(result["chapters"][chapter], section)
    elif action in ("promote", "demote", "split"):
        blocks = target["blocks"]
        if block is None or not 0 <= block < len(blocks):
            raise ImportRefused("没有这一段。")
        if action == "split" or (action == "promote" and blocks[block]["type"] == "heading"):
            _split(result["chapters"][chapter], section, block)
        elif action == "promote":
            _retype(blocks[block], "paragraph", "heading")
        else:
            _retype(blocks[block], "heading", "paragraph")
    else:
        raise ImportRefused("未知的操作。")
    _renumber(result["chapters"][chapter])
    return result


def _retype(block: dict, source: str, target: str) -> None:
    if block["type"] not in (source, "caption"):
        raise ImportRefused("这一段不能这样调整。")
    block["type"] = target


def _merge_into_previous(chapter: dict, index: int) -> None:
    if index == 0:
        raise ImportRefused("本章第一节之前没有可以并入的节。")
    sections = chapter["sections"]
    merged = sections.pop(index)
    # The heading keeps the number the document printed (not one the portal gave a split).
    number = "" if merged.get("portal_number") else merged["number"]
    heading = f"{number} {merged['title']}".strip()
    sections[index - 1]["blocks"].append({"type": "heading", "text": heading})
    sections[index - 1]["blocks"].extend(merged["blocks"])


def _split(chapter: dict, index: int, block: int) -> None:
    section = chapter["sections"][index]
    chosen = section["blocks"][block]
    if chosen["type"] == "list":
        raise ImportRefused("列表不能作为节标题。")
    new = {
        "number": "",
        "title": chosen["text"],
        "blocks": section["blocks"][block + 1 :],
        "portal_number": True,
    }
    section["blocks"] = section["blocks"][:block]
    chapter["sections"].insert(index + 1, new)


def _renumber(chapter: dict) -> None:
    for position, section in enumerate(chapter["sections"], 1):
        section["number"] = f"{chapter['number']}.{position}"
