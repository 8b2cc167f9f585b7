"""Version diff benchmark: the text diff of two versions of a 60-section plan, every section
edited, against reading the two texts' JSON and against merely splitting them into sentences.

``.venv/bin/python bench/version_diff.py [--sections 60] [--rounds 30] [--no-page]``. With
``--no-page`` pure Python: no database, no server.

- Data: the demo plan's sections that have text (fixtures/yangquanqu/plan.json, 20 of its 22)
  repeated until there are --sections of them (default 60), three to a chapter, renumbered
  (1.1-1.3, 2.1-2.3, ...), with the demo's cover, preface and closing. The newer version edits
  every section as a planner would: its longest sentence has two characters in the middle
  replaced, another sentence is removed, and a new one is added before a third. The run fails
  (exit 1) unless the diff finds exactly that: one changed, one added, one removed per section.
- Measured: ``diff_of_two_versions`` (planportal.textdiff.diff_texts, then every section's rows,
  which a page lays out); separately the diff's ``as_dict()`` as JSON (what the API sends) and
  ``section_fates`` (a page of comments on the older version).
  Also the worst case for the pairing of edited sentences, every sentence of the older text
  with two characters replaced (each section one long run of replaced sentences).
- Baselines, in the same run: ``json.loads(json.dumps(...))`` of both texts, about what reading
  two versions' text from their JSON columns costs; and splitting both texts into sentences
  (``textdiff.sentences``), the floor of any sentence diff. The ratios say what the diff adds.
- The measurements alternate --rounds times (default 30); medians are compared. Goal: the diff
  well under 100 ms (a page has 300 ms in all). Prints PASS or MISS; a miss does not fail
  ``make bench``.
- The page (unless ``--no-page``; on the database of ``DATABASE_URL``, default the local
  ``planportal`` that ``make bench`` has just migrated and loaded): the two texts saved as
  versions 1 and 2 of a scratch plan (version 1 published, version 2 made with
  ``new_draft``, its text replaced,
  published), then ``GET /plans/<slug>/v/2/changes/`` through Django's test client in this
  process (the server's whole work: URL, views, queries, templates; no network), against
  ``GET /plans/<slug>/v/2/`` (the same version's plan page) in the same run, alternating
  --page-rounds times (default 10). Also the queries each page reads. Everything is written
  inside a transaction that is rolled back: nothing stays in the database. Goal: the changes
  page under 300 ms server time.
"""

import argparse
import copy
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from planportal.textdiff import (  # noqa: E402
    TextDiff,
    diff_texts,
    section_fates,
    sentences,
    split_sentences,
)

PLAN = REPO / "fixtures" / "yangquanqu" / "plan.json"
GOAL_MS = 100.0
PAGE_GOAL_MS = 300.0
SECTIONS_PER_CHAPTER = 3
ADDED_SENTENCE = "新增一句：相关要求按上位规划执行。"
CHANGED_WORD = "优化"  # two characters in place of two


def two_versions(section_count: int) -> tuple[dict, dict]:
    """(older text, newer text) of ``section_count`` sections, every section edited."""
    plan = json.loads(PLAN.read_text(encoding="utf-8"))
    sources = [
        s for c in plan["chapters"] for s in c["sections"] if len(sentences(s["blocks"])) >= 3
    ]
    chapters = []
    for index in range(section_count):
        chapter_number, position = divmod(index, SECTIONS_PER_CHAPTER)
        if position == 0:
            title = plan["chapters"][chapter_number % len(plan["chapters"])]["title"]
            chapters.append(
                {"number": chapter_number + 1, "title": title, "intro": [], "sections": []}
            )
        source = sources[index % len(sources)]
        chapters[-1]["sections"].append(
            {
                "number": f"{chapter_number + 1}.{position + 1}",
                "title": source["title"],
                "blocks": copy.deepcopy(source["blocks"]),
            }
        )
    old = {key: plan[key] for key in ("cover", "preface", "closing")} | {"chapters": chapters}
    new = copy.deepcopy(old)
    for chapter in new["chapters"]:
        for section in chapter["sections"]:
            section["blocks"] = edited(section["blocks"])
    return old, new


def edited(blocks: list[dict]) -> list[dict]:
    """The blocks with one sentence changed, one removed and one added."""
    texts = [unit.text for unit in sentences(blocks)]
    changed = max(range(len(texts)), key=lambda i: len(texts[i]))
    removed = next(i for i in range(len(texts)) if i != changed)
    before = next(i for i in reversed(range(len(texts))) if i not in (changed, removed))
    middle = len(texts[changed]) // 2
    rewrites = {
        changed: lambda s: s[: middle - 1] + CHANGED_WORD + s[middle + 1 :],
        removed: lambda s: "",
        before: lambda s: ADDED_SENTENCE + s,
    }
    return _rewrite(copy.deepcopy(blocks), rewrites)


def _rewrite(blocks: list[dict], rewrites: dict[int, Callable[[str], str]]) -> list[dict]:
    """Applies ``rewrites`` (by the sentence's index in the block list) in place."""
    index = 0

    def rewrite(text: str) -> str:
        nonlocal index
        out = []
        for sentence in split_sentences(text):
            out.append(rewrites.get(index, lambda s: s)(sentence))
            index += 1
        return "".join(out)

    for block in blocks:
        if block["type"] == "list":
            block["items"] = [rewrite(item) for item in block["items"]]
        else:
            block["text"] = rewrite(block["text"])
    return blocks


def every_sentence_edited(old_text: dict) -> dict:
    """The worst case for the pairing of edited sentences: every sentence of every section
    with two characters replaced, so that each section is one long replaced run."""
    new_text = copy.deepcopy(old_text)
    for chapter in new_text["chapters"]:
        for section in chapter["sections"]:
            count = len(sentences(section["blocks"]))
            middle = lambda s: s[: len(s) // 2 - 1] + CHANGED_WORD + s[len(s) // 2 + 1 :]  # noqa: E731
            section["blocks"] = _rewrite(section["blocks"], dict.fromkeys(range(count), middle))
    return new_text


def diff_of_two_versions(old_text: dict, new_text: dict) -> TextDiff:
    """What a version page computes: the diff, and the rows of every section it lays out."""
    diff = diff_texts(old_text, new_text)
    for part in diff.parts():
        _ = part.rows
    return diff


def timed(function: Callable, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return (time.perf_counter() - started) * 1000


def json_round_trip(old_text: dict, new_text: dict) -> None:
    for text in (old_text, new_text):
        json.loads(json.dumps(text, ensure_ascii=False))


def split_only(old_text: dict, new_text: dict) -> None:
    for text in (old_text, new_text):
        for chapter in text["chapters"]:
            sentences(chapter["intro"])
            for section in chapter["sections"]:
                sentences(section["blocks"])


def as_json(old_text: dict, new_text: dict) -> None:
    json.dumps(diff_texts(old_text, new_text).as_dict(), ensure_ascii=False)


class _Rollback(Exception):
    pass


def measure_pages(old: dict, new: dict, rounds: int) -> None:
    """The changes page against the plan page of the same version, on a scratch plan."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planportal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    try:
        with transaction.atomic():
            slug = _scratch_plan(old, new)
            client = Client()
            pages = {
                "page": f"/plans/{slug}/v/2/",
                "changes": f"/plans/{slug}/v/2/changes/",
            }
            queries = {}
            for name, url in pages.items():  # warm up: templates, translations, caches
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(url)
                if response.status_code != 200:
                    print(f"FAIL: {url} answered {response.status_code}")
                    sys.exit(1)
                queries[name] = len(captured.captured_queries)
            times: dict[str, list[float]] = {name: [] for name in pages}
            for _ in range(rounds):
                for name, url in pages.items():
                    times[name].append(timed(client.get, url))
            raise _Rollback(times, queries)
    except _Rollback as result:
        times, queries = result.args
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, label in (
        ("page", "baseline: GET /plans/<slug>/v/2/ (the version's plan page)"),
        ("changes", "GET /plans/<slug>/v/2/changes/ (the changes page)"),
    ):
        low, high = min(times[name]), max(times[name])
        print(
            f"{label}: {median[name]:.1f} ms (median of {rounds}, {low:.1f}-{high:.1f}), "
            f"{queries[name]} queries"
        )
    print(f"ratio changes page/plan page: {median['changes'] / median['page']:.1f}x")
    verdict = "PASS" if median["changes"] < PAGE_GOAL_MS else "MISS"
    print(f"{verdict}: changes page {median['changes']:.0f} ms (goal < {PAGE_GOAL_MS:.0f} ms)")


def _scratch_plan(old: dict, new: dict) -> str:
    from planportal.loader import _load_chapters
    from planportal.models import Plan, PlanVersion
    from planportal.versions import new_draft, publish_version

    plan = Plan.objects.create(
        name="基准测试镇国土空间总体规划（2021-2035年）",
        slug="bench-version-diff",
        region_code="141181199000",
        region_name="基准测试镇",
        organisation="基准测试镇人民政府",
        period_start=2021,
        period_end=2035,
        is_published=True,
    )
    for text in (old, new):
        version = new_draft(plan) if text is new else plan.versions.get(number=1)
        if text is new:
            version.chapters.all().delete()
        PlanVersion.objects.filter(pk=version.pk).update(
            cover=text["cover"], preface=text["preface"], closing=text["closing"]
        )
        _load_chapters(version, text["chapters"])
        publish_version(version)
    return plan.slug


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--page",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time the HTTP page (on by default; --no-page for the pure diff)",
    )
    parser.add_argument("--page-rounds", type=int, default=10)
    args = parser.parse_args()
    old, new = two_versions(args.sections)
    worst = every_sentence_edited(old)
    diff = diff_of_two_versions(old, new)
    totals = diff.totals
    units = sum(len(sentences(s["blocks"])) for c in old["chapters"] for s in c["sections"])
    size = len(json.dumps(old, ensure_ascii=False).encode())
    print(
        f"text: {len(old['chapters'])} chapters, {args.sections} sections, {units} sentences, "
        f"{size / 1024:.0f} KiB of JSON"
    )
    print(
        f"diff: {totals['sections_changed']} sections changed, {totals['changes']} changes, "
        f"sentences {totals['sentences_changed']} changed / {totals['sentences_added']} added / "
        f"{totals['sentences_removed']} removed"
    )
    counts = [totals[f"sentences_{what}"] for what in ("changed", "added", "removed")]
    if counts != [args.sections] * 3:
        print(f"FAIL: expected {args.sections} sentences changed, added and removed")
        sys.exit(1)

    measures = {
        "json": json_round_trip,
        "split": split_only,
        "diff": diff_of_two_versions,
        "as_json": as_json,
        "fates": section_fates,
        "worst": lambda old_text, _: diff_of_two_versions(old_text, worst),
    }
    times: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(args.rounds):
        for name, function in measures.items():
            times[name].append(timed(function, old, new))
    median = {name: statistics.median(values) for name, values in times.items()}
    spread = {name: (min(values), max(values)) for name, values in times.items()}
    for name, label in (
        ("json", "baseline: JSON dumps + loads of both texts"),
        ("split", "baseline: both texts split into sentences"),
        ("diff", "diff_of_two_versions (diff + rows)"),
        ("as_json", "diff + as_dict() as JSON (the API)"),
        ("fates", "section_fates (a page of comments)"),
        ("worst", "diff_of_two_versions, every sentence edited"),
    ):
        low, high = spread[name]
        print(f"{label}: {median[name]:.2f} ms (median of {args.rounds}, {low:.2f}-{high:.2f})")
    print(f"ratio diff/JSON round trip: {median['diff'] / median['json']:.1f}x")
    print(f"ratio diff/sentence split: {median['diff'] / median['split']:.1f}x")
    verdict = "PASS" if median["diff"] < GOAL_MS else "MISS"
    goal = f"goal < {GOAL_MS:.0f} ms"
    print(f"{verdict}: {median['diff']:.1f} ms for {args.sections} edited sections ({goal})")
    if args.page:
        measure_pages(old, new, args.page_rounds)


if __name__ == "__main__":
    main()
