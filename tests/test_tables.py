"""Plain-text tables: a row read with its header's column names and units."""

from __future__ import annotations

from pathlib import Path

from rag.config import load_settings
from rag.pipeline import Engine, build_index
from rag.text.tables import cells, header_line, read_row

TABLE = (
    "二、拟支持项目\n"
    "序号　项目名称　承担单位　补助金额（万元）\n"
    "1　港口集装箱智能理货系统　澄江港务集团有限公司　260\n"
    "2　方言语音客服大模型　澄江大学　90\n"
    "三、公示时间\n"
)


def test_cells_split_on_wide_gaps_tabs_and_bars() -> None:
    assert cells("1　港口理货系统　澄江港务集团　260") == [
        "1",
        "港口理货系统",
        "澄江港务集团",
        "260",
    ]
    assert cells("序号\t名称\t金额（元）") == ["序号", "名称", "金额（元）"]
    assert cells("| 2 | 语音客服 | 澄江大学 | 90 |") == ["2", "语音客服", "澄江大学", "90"]
    assert cells("对符合条件的企业，给予最高 50万元 补助。") == [
        "对符合条件的企业，给予最高 50万元 补助。"
    ]


def test_a_row_is_read_with_its_header_and_the_column_unit() -> None:
    row_start = TABLE.index("2　方言")
    head = header_line(TABLE, row_start)
    assert (
        head is not None
        and TABLE[head[0] : head[1]] == "序号　项目名称　承担单位　补助金额（万元）"
    )
    row_end = TABLE.index("\n", row_start)
    assert read_row(TABLE[head[0] : head[1]], TABLE[row_start:row_end]) == (
        "序号：2；项目名称：方言语音客服大模型；承担单位：澄江大学；补助金额：90万元"
    )
    # a heading or a prose line is no row
    assert header_line(TABLE, TABLE.index("三、")) is None
    assert header_line(TABLE, 0) is None


def test_a_question_about_a_row_cites_the_row_and_its_header(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "chengjiang.txt").write_text(
        "澄江市交通运输局关于2026年度智慧交通项目拟支持名单的公示\n\n"
        "经专家评审，拟对以下2个项目给予支持。\n\n" + TABLE + "2026年3月2日至3月8日。\n",
        "utf-8",
    )
    settings = load_settings(index_dir=str(tmp_path / "ix"), embedder="hash")
    build_index([tmp_path / "docs"], settings)
    answer = Engine(settings).ask("澄江大学那个方言语音客服项目补助了多少钱？")
    assert answer.answered and "states money" in answer.reasons
    quotes = [c.quote for c in answer.citations]
    assert quotes == [
        "序号　项目名称　承担单位　补助金额（万元）",
        "2　方言语音客服大模型　澄江大学　90",
    ]
    assert [c.line_start for c in answer.citations] == [6, 8]


def test_a_rows_own_unit_goes_onto_its_figures_not_onto_its_number() -> None:
    header = "序号　指标名称　2025年　2030年　属性"
    row = "3　智能算力规模（EFLOPS）　8.5　≥40　预期性"
    assert read_row(header, row) == (
        "序号：3；指标名称：智能算力规模（EFLOPS）；2025年：8.5EFLOPS；2030年：≥40EFLOPS；属性：预期性"
    )
