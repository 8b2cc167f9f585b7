"""Prove that plan.json stores the draft plan's whole text, once, in order, and is up to date.

Plain pytest, no database: the fixture is built by scripts/build_plan_fixture.py from
plan-draft.txt, and planportal.plan_text compares the two regardless of layout.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from planportal.plan_text import document_units, layout_lines, normalize, unmatched_draft_lines

REPO = Path(__file__).resolve().parents[2]
DRAFT = REPO / "fixtures/yangquanqu/plan-draft.txt"
PLAN = REPO / "fixtures/yangquanqu/plan.json"


def load_builder() -> ModuleType:
    """Import the build script by path: scripts/ is not a package."""
    spec = importlib.util.spec_from_file_location(
        "build_plan_fixture", REPO / "scripts/build_plan_fixture.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def draft() -> str:
    return DRAFT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def plan() -> dict:
    return json.loads(PLAN.read_text(encoding="utf-8"))


def test_outline_follows_the_draft(plan: dict) -> None:
    chapters = plan["chapters"]
    assert [chapter["number"] for chapter in chapters] == list(range(1, 9))
    assert [len(chapter["sections"]) for chapter in chapters] == [3, 2, 3, 3, 2, 3, 3, 3]
    for chapter in chapters:
        numbers = [section["number"] for section in chapter["sections"]]
        assert numbers == [f"{chapter['number']}.{n}" for n in range(1, len(numbers) + 1)]
    assert plan["cover"] == [
        "孝义市阳泉曲镇 国土空间总体规划 (2021-2035年)",
        "阳泉曲镇人民政府",
        "2023年11月",
    ]
    assert plan["closing"][0]["text"].startswith("诚邀社会各界")


def test_everything_but_layout_is_stored_in_order(draft: str, plan: dict) -> None:
    unmatched = unmatched_draft_lines(draft, document_units(plan))
    assert set(unmatched) <= layout_lines(plan), set(unmatched) - layout_lines(plan)


def test_fixture_is_deterministic_and_up_to_date(draft: str) -> None:
    builder = load_builder()
    first = builder.render(builder.build(draft))
    assert first == builder.render(builder.build(draft))
    assert first.encode("utf-8") == PLAN.read_bytes()


def test_text_not_in_the_draft_is_reported(draft: str, plan: dict) -> None:
    with pytest.raises(ValueError, match="不在草案中的文字"):
        unmatched_draft_lines(draft, [*document_units(plan), "不在草案中的文字"])
    with pytest.raises(ValueError):
        unmatched_draft_lines(draft, list(reversed(document_units(plan))))


def test_normalize_ignores_layout_only() -> None:
    assert normalize("■ **名称由来**：阳泉曲\u00a0镇 ") == "名称由来:阳泉曲镇"
    assert normalize("- 一. 规划总则") == "一.规划总则"
    assert normalize("□ 提升耕地质量") == normalize("提升耕地质量")
    assert normalize("2021-2035年") == "2021-2035年"
