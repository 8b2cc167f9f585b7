"""The importer on documents written from the real draft: every content sentence of the draft
is found once, in order, unaltered, in what each format's import stores (the audit's check,
tests/planportal/plan_documents.py), with the outline and the layout the draft has."""

import io

import pytest
from fpdf import FPDF

from planportal.importing import ImportRefused, parse_document
from planportal.importing.editing import apply_edit
from planportal.importing.radicals import as_read
from tests.planportal.plan_documents import (
    RUNNING_HEADER,
    build_docx,
    build_markdown,
    build_pdf,
    draft_text,
    fidelity,
    sentences_split_between_pieces,
    stored_pieces,
)

SECTIONS_PER_CHAPTER = [3, 2, 3, 3, 2, 3, 3, 3]


@pytest.fixture(scope="module")
def draft() -> str:
    return draft_text()


@pytest.fixture(scope="module")
def imports(draft) -> dict[str, dict]:
    """Each format's import of the draft, parsed once for the module."""
    documents = {
        "text": (draft.encode("utf-8"), "plan-draft.txt"),
        "markdown": (build_markdown(draft).encode("utf-8"), "plan-draft.md"),
        "docx-styled": (build_docx(draft, styled=True), "plan.docx"),
        "docx-numbering": (build_docx(draft, styled=False), "plan.docx"),
        "pdf": (build_pdf(draft, radicals=True), "plan.pdf"),
    }
    return {name: parse_document(data, filename) for name, (data, filename) in documents.items()}


FORMATS = ["text", "markdown", "docx-styled", "docx-numbering", "pdf"]


@pytest.mark.parametrize("name", FORMATS)
def test_every_content_sentence_is_stored_once_in_order_unaltered(draft, imports, name):
    pieces = stored_pieces(imports[name])
    missing, extra = fidelity(draft, pieces)
    assert missing == []
    assert extra == []
    assert sentences_split_between_pieces(draft, pieces) == []


@pytest.mark.parametrize("name", FORMATS)
def test_outline_and_layout_follow_the_draft(imports, name):
    structure = imports[name]
    assert [c["number"] for c in structure["chapters"]] == list(range(1, 9))
    assert [len(c["sections"]) for c in structure["chapters"]] == SECTIONS_PER_CHAPTER
    assert structure["chapters"][0]["title"] == "规划总则"
    assert [s["number"] for s in structure["chapters"][6]["sections"]] == ["7.1", "7.2", "7.3"]
    assert structure["cover"][1] == "阳泉曲镇人民政府"
    kinds = [item["kind"] for item in structure["layout"]]
    assert kinds.count("章序号") == 8 or name in ("markdown",)
    assert kinds.count("本章目录") == 22
    assert kinds.count("续页标题") == 1  # 7.3 repeated at the top of a page
    assert "目录" in kinds and "封面" in kinds
    assert structure["closing"][0]["text"].startswith("诚邀社会各界")


def test_the_pdf_running_header_and_page_numbers_are_layout(imports):
    layout = imports["pdf"]["layout"]
    headers = [item for item in layout if item["kind"] == "页眉"]
    numbers = [item for item in layout if item["kind"] == "页码"]
    assert len(headers) >= 10 and {item["text"] for item in headers} == {RUNNING_HEADER}
    assert len(numbers) == len(headers)
    assert all(RUNNING_HEADER not in piece for piece in stored_pieces(imports["pdf"]))


def test_the_pdf_radicals_are_stored_as_the_reader_sees_them(imports):
    text = "".join(stored_pieces(imports["pdf"]))
    assert "\u2f08" not in text and "\u2ea0" not in text
    assert "阳泉曲镇人民政府" in text


def test_the_docx_page_header_is_layout(imports):
    assert {"text": RUNNING_HEADER, "kind": "页眉", "page": None} in imports["docx-styled"][
        "layout"
    ]


@pytest.mark.parametrize("name", FORMATS)
def test_paired_phrases_and_broken_sentences_are_one_paragraph(imports, name):
    sections = {s["number"]: s for c in imports[name]["chapters"] for s in c["sections"]}
    principles = [b["text"] for b in sections["1.2"]["blocks"]]
    assert principles[0].split() == ["底线约束", "绿色发展"]
    assert len(principles) == 5
    goals = [b.get("text", "") for b in sections["2.1"]["blocks"]]
    assert any(text.split() == ["生态屏障", "更加稳固"] for text in goals)
    assert any(
        text.startswith("以矿产资源开采") and text.endswith("现代化小镇。") for text in goals
    )
    actions = [b.get("text", "").split() for b in sections["8.2"]["blocks"]]
    assert ["行动", "计划"] in actions
    assert ["打造孝义市新材料产业", "集聚发展新业态"] in actions


def test_sibling_sub_headings_are_marked_up_alike(imports):
    sections = {s["number"]: s for c in imports["text"]["chapters"] for s in c["sections"]}
    headings_51 = [b["text"] for b in sections["5.1"]["blocks"] if b["type"] == "heading"]
    assert "水环境和水生态修复重点工程" in headings_51
    assert len(headings_51) == 4
    headings_81 = [b["text"] for b in sections["8.1"]["blocks"] if b["type"] == "heading"]
    assert "“一张图”实施监督管理系统" in headings_81


def test_numbering_styles_are_recognised():
    text = "\n\n".join(
        [
            "第一章 总则",
            "第一节 规划目的",
            "一、指导思想",
            "坚持以人民为中心的发展思想，统筹发展和安全，推进国土空间治理现代化。",
            "图 1-1 区位图",
            "第2章 空间格局",
            "2.1 开发保护格局",
            "（一）生态格局",
            "■ 保护兑镇河生态廊道。",
            "* 修复矿山生态。",
        ]
    )
    structure = parse_document(text.encode("utf-8"), "plan.txt")
    first, second = structure["chapters"]
    assert (first["number"], first["title"]) == (1, "总则")
    assert [(s["number"], s["title"]) for s in first["sections"]] == [("1.1", "规划目的")]
    assert [b["type"] for b in first["sections"][0]["blocks"]] == [
        "heading",
        "paragraph",
        "caption",
    ]
    assert (second["number"], second["sections"][0]["number"]) == (2, "2.1")
    assert [b["type"] for b in second["sections"][0]["blocks"]] == ["heading", "list", "list"]


def test_gb18030_text_is_read():
    structure = parse_document("第一章 总则\n\n1.1 目的\n\n正文。".encode("gb18030"), "a.txt")
    assert structure["chapters"][0]["sections"][0]["blocks"][0]["text"] == "正文。"


def test_a_pdf_without_a_text_layer_is_refused():
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 100, style="F")  # a scanned page: marks, no text
    with pytest.raises(ImportRefused, match="没有文字层.*OCR"):
        parse_document(bytes(pdf.output()), "scan.pdf")


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "plan.doc", "DOCX"),
        (b"PK\x03\x04broken", "plan.docx", "无法读取"),
        (b"%PDF-1.4 broken", "plan.pdf", "无法读取"),
        (b"GIF89a", "plan.gif", "不支持"),
        ("只有一段文字，没有章节。".encode(), "plan.txt", "未识别出任何章节"),
    ],
)
def test_unreadable_files_are_refused_with_a_message(data, filename, message):
    with pytest.raises(ImportRefused, match=message):
        parse_document(data, filename)


def test_radicals_map_to_what_the_reader_sees():
    assert as_read("⼈⺠政府，⻓期") == "人民政府，长期"
    assert as_read("（２０２１）") == "（２０２１）"  # full-width forms stay as printed


def test_edits_move_text_without_losing_any(draft, imports):
    structure = imports["text"]
    before = "".join(stored_pieces(structure)).replace(" ", "")
    chapter = 1  # 2 战略目标与协同发展
    split = apply_edit(structure, "split", chapter, 1, 2)
    sections = split["chapters"][chapter]["sections"]
    assert [s["number"] for s in sections] == ["2.1", "2.2", "2.3"]
    assert (
        sections[2]["title"] == structure["chapters"][chapter]["sections"][1]["blocks"][2]["text"]
    )
    merged = apply_edit(split, "merge", chapter, 2)
    assert len(merged["chapters"][chapter]["sections"]) == 2
    # The only words added are the number the portal gives the new section.
    assert fidelity(draft, stored_pieces(split)) == ([], ["2.3"])
    assert fidelity(draft, stored_pieces(merged)) == ([], [])
    assert "".join(stored_pieces(merged)).replace(" ", "") == before
    blocks = structure["chapters"][chapter]["sections"][1]["blocks"]
    heading = next(i for i, block in enumerate(blocks) if block["type"] == "heading")
    demoted = apply_edit(structure, "demote", chapter, 1, heading)
    assert demoted["chapters"][chapter]["sections"][1]["blocks"][heading]["type"] == "paragraph"
    promoted = apply_edit(demoted, "promote", chapter, 1, heading)
    assert promoted["chapters"][chapter]["sections"][1]["blocks"][heading]["type"] == "heading"
    with pytest.raises(ImportRefused):
        apply_edit(structure, "demote", chapter, 1, heading - 1)  # a paragraph already
    with pytest.raises(ImportRefused):
        apply_edit(structure, "merge", chapter, 0)


def test_the_module_reads_bytes_not_paths():
    # A file-like upload is read into bytes by the callers; a stray BytesIO is not accepted.
    with pytest.raises((ImportRefused, AttributeError, TypeError)):
        parse_document(io.BytesIO(b"x"), "a.txt")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", FORMATS)
def test_labels_printed_below_their_paragraph_caption_it(imports, name):
    """5.2: the two-column page put 农村建设用地整理 and 采矿用地复垦 below their paragraphs;
    the fixture showed them as stray paragraphs, the import as those paragraphs' captions."""
    sections = {s["number"]: s for c in imports[name]["chapters"] for s in c["sections"]}
    blocks = sections["5.2"]["blocks"]
    captions = [i for i, block in enumerate(blocks) if block["type"] == "caption"]
    assert [blocks[i]["text"] for i in captions] == ["农村建设用地整理", "采矿用地复垦"]
    assert blocks[captions[0] - 1]["text"].endswith("稳步有序推进农村建设用地整理。")
    assert blocks[captions[1] - 1]["text"].startswith("工矿废弃地复垦")
    assert [b["text"] for b in blocks if b["type"] == "heading"][-1] == "未利用地开发"


def test_docx_tables_are_read_row_by_row_in_place():
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph("总则", style="Heading 1")
    document.add_paragraph("1.1 规划指标", style="Heading 2")
    document.add_paragraph("规划指标如下表。")
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(table.rows, [("指标", "2020年", "2035年"), ("常住人口", "1.6", "1.8")]):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    merged = document.add_table(rows=1, cols=2)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "注：数据来自第七次人口普查。"
    document.add_paragraph("表后的正文。")
    output = io.BytesIO()
    document.save(output)
    blocks = parse_document(output.getvalue(), "plan.docx")["chapters"][0]["sections"][0]["blocks"]
    assert [block["text"] for block in blocks] == [
        "规划指标如下表。",
        "指标 | 2020年 | 2035年",
        "常住人口 | 1.6 | 1.8",
        "注：数据来自第七次人口普查。",
        "表后的正文。",
    ]


def test_a_table_of_contents_without_page_numbers_is_layout():
    text = "\n\n".join(
        ["某镇国土空间总体规划", "目录", "第一章 总则", "第二章 格局"]
        + ["第一章 总则", "1.1 目的", "正文一。", "第二章 格局", "2.1 保护", "正文二。"]
    )
    structure = parse_document(text.encode("utf-8"), "plan.txt")
    assert [(c["number"], c["title"]) for c in structure["chapters"]] == [(1, "总则"), (2, "格局")]
    assert [(item["kind"], item["text"]) for item in structure["layout"]] == [
        ("封面", "某镇国土空间总体规划"),
        ("目录", "目录"),
        ("目录", "第一章 总则"),
        ("目录", "第二章 格局"),
    ]


def test_layout_is_listed_in_document_order(imports):
    layout = imports["pdf"]["layout"]
    pages = [item["page"] for item in layout]
    # A sentence joined across a page break carries the page it starts on, after the footer
    # and header it ran past: one page back at most.
    assert all(later >= earlier - 1 for earlier, later in zip(pages, pages[1:]))
    assert [item["kind"] for item in layout[:3]] == ["页眉", "封面", "封面"]
