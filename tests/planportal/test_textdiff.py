"""The text diff engine (planportal.textdiff) on hand-made texts and on the demo plan.

Pure functions on plain dicts: no database.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planportal.textdiff import (
    diff_section,
    diff_texts,
    inline_diff,
    section_fate,
    section_fates,
    sentences,
    split_sentences,
)

PLAN = Path(__file__).resolve().parents[2] / "fixtures/yangquanqu/plan.json"


def paragraph(text: str) -> dict:
    return {"type": "paragraph", "text": text}


def section(number: str, title: str, *texts: str) -> dict:
    return {"number": number, "title": title, "blocks": [paragraph(t) for t in texts]}


def text(*chapters: dict, preface=(), closing=()) -> dict:
    return {
        "cover": ["某镇国土空间总体规划"],
        "preface": [paragraph(t) for t in preface],
        "closing": [paragraph(t) for t in closing],
        "chapters": list(chapters),
    }


def chapter(number: int, title: str, *sections: dict, intro=()) -> dict:
    return {
        "number": number,
        "title": title,
        "intro": [paragraph(t) for t in intro],
        "sections": list(sections),
    }


def segments(pair) -> list[tuple[str, str]]:
    return [(s.op, s.text) for s in pair.segments]


@pytest.fixture(scope="module")
def plan() -> dict:
    return json.loads(PLAN.read_text(encoding="utf-8"))


# Sentences


def test_sentences_end_after_chinese_and_ascii_marks_keeping_closing_quotes():
    assert split_sentences("他说：“好。”下一句！真的？是；否") == [
        "他说：“好。”",
        "下一句！",
        "真的？",
        "是；",
        "否",
    ]
    assert split_sentences("Done. Next! 意见!谢谢") == ["Done. ", "Next! ", "意见!", "谢谢"]
    # A full stop inside a number, an address or a 1.2-style numbering ends nothing.
    assert split_sentences("1.本次公示人口1.6万人，邮箱a@163.com") == [
        "1.本次公示人口1.6万人，邮箱a@163.com"
    ]


def test_units_know_their_block_and_kind():
    blocks = [
        {"type": "heading", "text": "耕地："},
        {"type": "list", "marker": "■", "items": ["甲。乙。", "丙"]},
        {"type": "caption", "text": "图1"},
    ]
    units = [(u.text, u.block, u.kind, u.item) for u in sentences(blocks)]
    assert units == [
        ("耕地：", 0, "heading", None),
        ("甲。", 1, "list item", 0),
        ("乙。", 1, "list item", 0),
        ("丙", 1, "list item", 1),
        ("图1", 2, "caption", None),
    ]


block_text = st.text(alphabet="耕地保护红线。！？；!?;.”’）)\"' a1\n**", max_size=60)


@given(st.lists(st.one_of(block_text, st.lists(block_text, max_size=4)), max_size=5))
def test_joining_the_sentences_of_a_block_gives_back_its_text(contents):
    blocks = [
        {"type": "list", "marker": "■", "items": c}
        if isinstance(c, list)
        else {"type": "paragraph", "text": c}
        for c in contents
    ]
    units = sentences(blocks)
    assert all(unit.text for unit in units)
    for index, block in enumerate(blocks):
        if block["type"] == "list":
            for item, item_text in enumerate(block["items"]):
                pieces = [u.text for u in units if u.block == index and u.item == item]
                assert "".join(pieces) == item_text
        else:
            assert "".join(u.text for u in units if u.block == index) == block["text"]


@given(
    st.lists(st.sampled_from(["甲。", "乙。", "丙。", "丁丁。", "戊！"]), max_size=8),
    st.lists(st.sampled_from(["甲。", "乙。", "丙丙。", "丁丁。", "己？"]), max_size=8),
)
def test_the_ops_cover_both_versions_in_order(old, new):
    result = diff_section(section("1.1", "t", *old), section("1.1", "t", *new))
    assert [u.text for op in result.ops for u in op.old] == old
    assert [u.text for op in result.ops for u in op.new] == new
    assert [r.unit.text for r in result.rows if r.op != "delete"] == new
    assert (result.changes == 0) == (old == new)


# Inline diff


def test_inline_diff_folds_a_single_shared_character_into_the_edit():
    assert [(s.op, s.text) for s in inline_diff("严守红线。", "坚决守住红线。")] == [
        ("delete", "严守"),
        ("insert", "坚决守住"),
        ("equal", "红线。"),
    ]


# Sections


def test_unchanged_text_has_no_changes():
    old = text(chapter(1, "总则", section("1.1", "概况", "甲。乙。")), preface=["前言。"])
    result = diff_texts(old, copy.deepcopy(old))
    assert result.changes == 0
    assert result.totals["sections_unchanged"] == 1
    assert result.totals["sections_changed"] == 0
    assert [c.status for c in result.chapters] == ["unchanged"]


def test_a_changed_word_is_one_replace_with_exactly_that_word_inline():
    result = diff_section(
        section("3.2", "控制线", "落实制度。切实保护耕地，严守耕地保护红线。其余不变。"),
        section("3.2", "控制线", "落实制度。切实保护耕地，牢牢守住耕地保护红线。其余不变。"),
    )
    assert result.status == "changed"
    assert result.changes == 1
    assert [op.op for op in result.ops] == ["equal", "replace", "equal"]
    (pair,) = result.ops[1].pairs
    assert pair.op == "edit"
    assert segments(pair) == [
        ("equal", "切实保护耕地，"),
        ("delete", "严守"),
        ("insert", "牢牢守住"),
        ("equal", "耕地保护红线。"),
    ]
    assert (result.sentences_changed, result.sentences_added, result.sentences_removed) == (1, 0, 0)


def test_an_inserted_and_a_deleted_sentence():
    result = diff_section(
        section("2.1", "目标", "甲句。乙句。丙句。", "丁句。"),
        section("2.1", "目标", "甲句。丙句。", "丁句。新句。"),
    )
    assert [op.op for op in result.ops] == ["equal", "delete", "equal", "insert"]
    assert result.changes == 2
    assert result.ops[1].old[0].text == "乙句。"
    assert result.ops[3].new[0].text == "新句。"
    assert (result.sentences_added, result.sentences_removed, result.sentences_changed) == (1, 1, 0)
    # The deleted sentence is laid out in the paragraph it was struck from.
    deleted = next(row for row in result.rows if row.op == "delete")
    assert deleted.block_group == "new-0"


def test_a_rewritten_sentence_is_deleted_and_inserted_not_edited():
    result = diff_section(
        section("2.1", "目标", "甲句。完全不同的旧说法在此。丙句。"),
        section("2.1", "目标", "甲句。另起炉灶写下新内容。丙句。"),
    )
    assert [p.op for p in result.ops[1].pairs] == ["delete", "insert"]


def test_an_edited_list_item():
    old = {
        "number": "7.1",
        "title": "交通",
        "blocks": [{"type": "list", "marker": "■", "items": ["新建道路。", "改造桥梁2座。"]}],
    }
    new = copy.deepcopy(old)
    new["blocks"][0]["items"][1] = "改造桥梁3座。"
    result = diff_section(old, new)
    assert result.changes == 1
    (edit,) = [row for row in result.rows if row.op != "equal"]
    assert (edit.op, edit.kind, edit.new.item) == ("edit", "list item", 1)
    assert segments(edit) == [
        ("equal", "改造桥梁"),
        ("delete", "2"),
        ("insert", "3"),
        ("equal", "座。"),
    ]


def test_bold_marks_alone_are_no_change():
    result = diff_section(
        section("3.2", "t", "镇域不涉红线。"), section("3.2", "t", "镇域**不涉**红线。")
    )
    assert result.changes == 0 and result.status == "unchanged"


def test_a_renumbered_section_is_matched_not_added_and_removed():
    old = text(chapter(3, "格局", section("3.1", "开发", "甲。"), section("3.2", "控制线", "乙。")))
    new = text(chapter(3, "格局", section("3.1", "控制线", "乙。改。")))
    result = diff_texts(old, new)
    statuses = [(s.status, s.old_number, s.new_number) for s in result.chapters[0].sections]
    assert statuses == [("removed", "3.1", None), ("renumbered", "3.2", "3.1")]
    moved = result.chapters[0].sections[1]
    assert (moved.old_anchor, moved.new_anchor, moved.changes) == ("section-3-2", "section-3-1", 1)
    assert result.totals["sections_renumbered"] == 1
    assert result.totals["sections_removed"] == 1
    assert result.totals["sections_added"] == 0


def test_a_section_moved_to_another_chapter_is_found():
    old = text(chapter(1, "甲", section("1.1", "村庄", "甲。")), chapter(2, "乙"))
    new = text(chapter(1, "甲"), chapter(2, "乙", section("2.1", "村庄", "甲。")))
    result = diff_texts(old, new)
    assert [s.status for s in result.chapters[1].sections] == ["renumbered"]
    assert result.chapters[0].sections == []
    assert result.chapters[0].status == "changed"  # it lost a section
    assert result.changes == 0


def test_a_retitled_section_keeps_its_number():
    old = text(chapter(4, "产业", section("4.1", "产业布局", "甲。")))
    new = text(chapter(4, "产业", section("4.1", "产业空间布局", "甲。")))
    (moved,) = diff_texts(old, new).chapters[0].sections
    assert (moved.status, moved.old_title, moved.new_title) == (
        "renumbered",
        "产业布局",
        "产业空间布局",
    )
    assert moved.changes == 0


def test_added_and_removed_sections_and_chapters():
    old = text(
        chapter(1, "总则", section("1.1", "概况", "甲。"), section("1.2", "原则", "乙。丙。")),
        chapter(2, "旧章", section("2.1", "旧节", "丁。"), intro=["导语。"]),
    )
    new = text(
        chapter(1, "总则", section("1.1", "概况", "甲。"), section("1.3", "期限", "戊。")),
        chapter(3, "新章", section("3.1", "新节", "己。")),
    )
    result = diff_texts(old, new)
    outline = [
        (c.status, c.old_number, c.new_number, [(s.status, s.anchor) for s in c.sections])
        for c in result.chapters
    ]
    assert outline == [
        (
            "changed",
            1,
            1,
            [("unchanged", "section-1-1"), ("removed", "section-1-2"), ("added", "section-1-3")],
        ),
        ("removed", 2, None, [("removed", "section-2-1")]),
        ("added", None, 3, [("added", "section-3-1")]),
    ]
    removed = result.chapters[1]
    assert removed.intro.sentences_removed == 1 and removed.changes == 2
    totals = result.totals
    assert (totals["chapters_added"], totals["chapters_removed"]) == (1, 1)
    assert (totals["sections_added"], totals["sections_removed"]) == (2, 2)
    assert (totals["sentences_added"], totals["sentences_removed"]) == (2, 4)


def test_preface_closing_and_intro_are_compared():
    old = text(chapter(1, "总则", intro=["导语。"]), preface=["前言。"], closing=["联系电话：1"])
    new = text(
        chapter(1, "总则", intro=["导语改。"]), preface=["前言。补充。"], closing=["联系电话：2"]
    )
    result = diff_texts(old, new)
    assert [result.preface.status, result.closing.status] == ["changed", "changed"]
    assert result.chapters[0].intro.anchor == "chapter-1"
    assert result.chapters[0].changes == 1
    assert result.totals["changes"] == 3


# The demo plan


def test_the_demo_plan_against_itself_is_unchanged(plan):
    result = diff_texts(plan, copy.deepcopy(plan))
    assert result.changes == 0
    assert result.totals["sections_unchanged"] == sum(len(c["sections"]) for c in plan["chapters"])
    assert all(fate.status == "unchanged" for fate in section_fates(plan, plan).values())


def test_a_planners_edit_of_3_2_shows_in_3_2_only(plan):
    revised = copy.deepcopy(plan)
    control_lines = revised["chapters"][2]["sections"][1]
    assert control_lines["number"] == "3.2"
    blocks = control_lines["blocks"]
    assert "严守耕地保护红线" in blocks[2]["text"]
    blocks[2]["text"] = blocks[2]["text"].replace("严守耕地保护红线", "坚决守住耕地保护底线")
    blocks[6]["text"] += "开发边界外不得进行城镇集中建设。"

    result = diff_texts(plan, revised)
    assert result.totals == {
        "sections_added": 0,
        "sections_removed": 0,
        "sections_changed": 1,
        "sections_renumbered": 0,
        "sections_unchanged": 21,
        "chapters_added": 0,
        "chapters_removed": 0,
        "sentences_added": 1,
        "sentences_removed": 0,
        "sentences_changed": 1,
        "changes": 2,
    }
    assert [c.changes for c in result.chapters] == [0, 0, 2, 0, 0, 0, 0, 0]
    changed = result.chapters[2].sections[1]
    assert (changed.status, changed.anchor, changed.changes) == ("changed", "section-3-2", 2)
    edit, added = [row for row in changed.rows if row.op != "equal"]
    assert ("delete", "严守") in segments(edit) and ("insert", "坚决守住") in segments(edit)
    assert (
        "".join(s.text for s in edit.segments if s.op != "insert")
        == plan["chapters"][2]["sections"][1]["blocks"][2]["text"]
    )
    assert (added.op, added.new.text, added.block_group) == (
        "insert",
        "开发边界外不得进行城镇集中建设。",
        "new-6",
    )
    as_json = json.loads(json.dumps(result.as_dict(), ensure_ascii=False))
    assert as_json["chapters"][2]["sections"][1]["changes"] == 2


# What became of a commented section


def test_section_fate(plan):
    revised = copy.deepcopy(plan)
    chapter_3 = revised["chapters"][2]["sections"]
    chapter_3[1]["blocks"][2]["text"] += "补充一句。"  # 3.2 changed
    del chapter_3[2]  # 3.3 镇村体系 removed
    chapter_4 = revised["chapters"][3]["sections"]
    chapter_4[0]["number"], chapter_4[1]["number"] = "4.2", "4.1"  # 4.1 and 4.2 swap numbers
    old = {s["number"]: s for c in plan["chapters"] for s in c["sections"]}

    assert section_fate(old["3.1"], revised) == ("unchanged", "3.1")
    assert section_fate(old["3.2"], revised) == ("changed", "3.2")
    assert section_fate(old["3.3"], revised) == ("removed", None)
    assert section_fate(old["4.1"], revised) == ("unchanged", "4.2")
    status, number = section_fate(old["4.2"], revised, old_text=plan)
    assert (status, number) == ("unchanged", "4.1")
    fates = section_fates(plan, revised)
    assert fates["3.3"].status == "removed" and fates["4.1"].number == "4.2"


@pytest.mark.parametrize(
    ("old", "new", "deleted", "inserted"),
    [
        ("永久基本农田不低于1200公顷。", "永久基本农田不低于1250公顷。", "1200", "1250"),
        ("面积12.5公顷", "面积13.1公顷", "12.5", "13.1"),
        ("共3处", "共12处", "3", "12"),
        ("规模1200", "规模12000", "1200", "12000"),
    ],
)
def test_an_edit_inside_a_number_shows_the_whole_numbers(old, new, deleted, inserted):
    """1200 → 1250 reads as those two figures, not 12「0」「5」0."""
    segments = inline_diff(old, new)
    assert [s.text for s in segments if s.op == "delete"] == [deleted]
    assert [s.text for s in segments if s.op == "insert"] == [inserted]
    assert "".join(s.text for s in segments if s.op != "insert") == old
    assert "".join(s.text for s in segments if s.op != "delete") == new


def test_words_next_to_numbers_stay_character_edits():
    segments = inline_diff("严守红线3条", "坚决守住红线3条")
    assert [(s.op, s.text) for s in segments] == [
        ("delete", "严守"),
        ("insert", "坚决守住"),
        ("equal", "红线3条"),
    ]
