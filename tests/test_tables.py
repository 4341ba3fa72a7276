"""Plain-text tables: a row read with its header's column names and units."""

from __future__ import annotations

from pathlib import Path

from rag.config import load_settings
from rag.pipeline import Engine, build_index
from rag.text.tables import (
    asked_extreme,
    asked_rank,
    cells,
    column_names,
    extreme_row,
    header_line,
    numeric_columns,
    ranked_row,
    read_row,
    read_total,
    total_header,
    total_line,
)

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


RANKING = (
    "表2　2025年各县（市）智能制造项目排名\n"
    "排名　县（市）　投资额（亿元）　项目数（个）　增速\n"
    "1　云岫县　42.5　18　12.4%\n"
    "2　沙溪市　37.1　22　9.8%\n"
    "3　枫桥县　20.6　9　31.5%\n"
    "注：数据截至2025年12月31日。\n"
)
BUDGET = (
    "序号｜项目名称｜预算金额（万元）｜采购时间\n"
    "1｜政务云扩容｜320.00｜2026年3月\n"
    "2｜数据治理服务｜95.50｜2026年5月\n"
    "合计｜｜415.50｜\n"
)


def test_a_question_asks_a_rank_a_largest_figure_or_a_total() -> None:
    assert [asked_rank(q) for q in ("排第二的是哪个县", "第三名是谁", "哪个县垫底")] == [2, 3, -1]
    assert asked_rank("Which county ranked first?") == 1
    assert asked_rank("第二批项目有哪些") is None
    assert asked_extreme("哪个县项目数最多") == (True, 6)
    assert asked_extreme("增速最低的是哪个") == (False, 2)
    assert asked_extreme("what is the cap") is None


def test_rows_are_looked_up_by_rank_by_a_columns_figure_and_the_total() -> None:
    head = header_line(RANKING, RANKING.index("1　云岫"))
    assert head is not None
    row = ranked_row(RANKING, head[1], 2)
    assert row and RANKING[row[0] : row[1]].startswith("2　沙溪市")
    last = ranked_row(RANKING, head[1], -1)
    assert last and RANKING[last[0] : last[1]].startswith("3　枫桥县")
    assert column_names(RANKING, head[1]) == ["排名", "县", "投资额", "项目数", "增速"]
    assert numeric_columns(RANKING, head[1]) == [2, 3, 4]
    most = extreme_row(RANKING, head[1], 3, largest=True)
    assert most and RANKING[most[0] : most[1]].startswith("2　沙溪市")
    fastest = extreme_row(RANKING, head[1], 4, largest=True)
    assert fastest and RANKING[fastest[0] : fastest[1]].startswith("3　枫桥县")
    assert total_line(RANKING, head[1]) is None
    budget_head = header_line(BUDGET, BUDGET.index("1｜"))
    assert budget_head is not None
    total = total_line(BUDGET, budget_head[1])
    assert total and BUDGET[total[0] : total[1]] == "合计｜｜415.50｜"
    assert total_header(BUDGET, total[0]) == budget_head
    assert read_total(BUDGET[: budget_head[1]], "合计｜｜415.50｜") == "合计；预算金额：415.50万元"


def test_questions_pick_a_tables_row_by_rank_figure_or_total(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "report.txt").write_text(
        "沙州市智能制造发展报告\n\n一、总体情况\n全市智能制造项目49个。\n\n二、各县排名\n"
        + RANKING
        + "\n三、采购计划\n沙州市数据局2026年采购意向如下：\n"
        + BUDGET,
        "utf-8",
    )
    settings = load_settings(index_dir=str(tmp_path / "ix"), embedder="hash")
    build_index([tmp_path / "docs"], settings)
    engine = Engine(settings)
    second = engine.ask("各县排名里排第二的是哪个，投资额多少？")
    assert second.answered and any("2　沙溪市　37.1" in c.quote for c in second.citations)
    fastest = engine.ask("哪个县智能制造项目增速最快？")
    assert fastest.answered and "3　枫桥县　20.6　9　31.5%" in [c.quote for c in fastest.citations]
    total = engine.ask("采购意向这些项目预算加起来一共多少？")
    assert total.answered and "合计｜｜415.50｜" in [c.quote for c in total.citations]
