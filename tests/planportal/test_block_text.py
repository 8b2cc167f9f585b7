"""A section's blocks as editable lines and back (planportal/block_text.py): every section of
the demo plan comes back unchanged, and the edge cases a planner can type keep their meaning."""

import json
from pathlib import Path

import pytest

from planportal.block_text import (
    BlockTextError,
    blocks_to_text,
    text_to_blocks,
    validate_blocks,
)

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "yangquanqu" / "plan.json"


def _demo_sections():
    plan = json.loads(DEMO.read_text(encoding="utf-8"))
    for chapter in plan["chapters"]:
        for section in chapter["sections"]:
            yield pytest.param(section["blocks"], id=section["number"])


@pytest.mark.parametrize("blocks", list(_demo_sections()))
def test_every_section_of_the_demo_plan_comes_back_unchanged(blocks):
    assert text_to_blocks(blocks_to_text(blocks)) == blocks


def test_the_demo_plan_has_every_kind_of_block_the_editor_writes():
    kinds = set()
    for param in _demo_sections():
        kinds |= {block["type"] for block in param.values[0]}
    assert {"paragraph", "heading", "list"} <= kinds


def test_the_lines_a_planner_reads():
    blocks = [
        {"type": "heading", "text": "一核"},
        {"type": "paragraph", "text": "以镇政府驻地为中心。"},
        {"type": "list", "marker": "■", "items": ["第一条", "第二条"]},
        {"type": "caption", "text": "图 3-1 镇域国土空间格局"},
    ]
    assert blocks_to_text(blocks) == (
        "### 一核\n以镇政府驻地为中心。\n■ 第一条\n■ 第二条\n图：图 3-1 镇域国土空间格局"
    )


@pytest.mark.parametrize(
    "blocks",
    [
        # paragraphs that read like markup, are empty or start with the escape
        [{"type": "paragraph", "text": "- 不是列表"}],
        [{"type": "paragraph", "text": "### 不是标题"}],
        [{"type": "paragraph", "text": "图：不是图名"}],
        [{"type": "paragraph", "text": "\\反斜杠开头"}],
        [{"type": "paragraph", "text": ""}],
        [{"type": "paragraph", "text": "  "}],
        # two lists in a row, of one marker and of two
        [
            {"type": "list", "marker": "-", "items": ["甲"]},
            {"type": "list", "marker": "-", "items": ["乙", "丙"]},
        ],
        [
            {"type": "list", "marker": "-", "items": ["甲"]},
            {"type": "list", "marker": "◆", "items": ["乙"]},
        ],
        [{"type": "list", "marker": "-", "items": ["", " 前有空格"]}],
        [{"type": "heading", "text": ""}, {"type": "caption", "text": ""}],
        [],
    ],
)
def test_edge_cases_come_back_unchanged(blocks):
    assert text_to_blocks(blocks_to_text(blocks)) == blocks


def test_typed_lines_become_blocks():
    typed = "第一段\r\n\r\n### 小标题\r\n- 甲\r\n- 乙\r\n\r\n- 丙\r\n图：图 2 示意\r\n\\- 字面"
    assert text_to_blocks(typed) == [
        {"type": "paragraph", "text": "第一段"},
        {"type": "heading", "text": "小标题"},
        {"type": "list", "marker": "-", "items": ["甲", "乙"]},
        {"type": "list", "marker": "-", "items": ["丙"]},
        {"type": "caption", "text": "图 2 示意"},
        {"type": "paragraph", "text": "- 字面"},
    ]


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ("text", "列表"),
        ([{"type": "table", "text": "x"}], "类型不可用"),
        ([{"type": "paragraph", "text": "a\nb"}], "换行"),
        ([{"type": "paragraph", "text": 3}], "文字"),
        ([{"type": "paragraph", "text": "a", "extra": 1}], "类型不可用"),
        ([{"type": "list", "marker": "→", "items": ["a"]}], "列表符号"),
        ([{"type": "list", "marker": "-", "items": []}], "没有条目"),
    ],
)
def test_blocks_of_another_shape_are_refused(blocks, message):
    with pytest.raises(BlockTextError, match=message):
        validate_blocks(blocks)
