"""Rows of plain-text tables: cells parted by wide gaps, read with their header's names and units.

A notice's list of funded projects, a 公示 or an annex often comes as a table pasted as text:
a header line ("序号　项目名称　承担单位　支持金额（万元）") and one line per row ("3　某某模型
某某医院　350"). A row alone states "350"; read with its header it states "支持金额：350万元",
which is what a question about the project's money asks for.
"""

from __future__ import annotations

import re

# cells are parted by tabs, ideographic spaces, runs of two or more spaces, or " | "
CELL_GAP_RE = re.compile(r"\t+|\u3000+| {2,}|\s*[|｜]\s*")
# the unit a column's name carries: "支持金额（万元）", "占比(%)"
UNIT_RE = re.compile(r"[（(]\s*([^（）()\s]{1,6})\s*[）)]\s*$")
NUMBER_CELL_RE = re.compile(r"^[+-]?\d[\d,，]*(?:\.\d+)?$")
MIN_CELLS = 3
MAX_ROWS = 200  # how far up a row's header is looked for


def cells(line: str) -> list[str]:
    """The cells of a table line (fewer than MIN_CELLS: not a table line)."""
    parts = [c.strip() for c in CELL_GAP_RE.split(line.strip().strip("|｜"))]
    return [c for c in parts if c]


def _is_header(names: list[str]) -> bool:
    return not any(NUMBER_CELL_RE.match(c) for c in names)


def header_line(text: str, line_start: int) -> tuple[int, int] | None:
    """(start, end) of the header of the table whose row begins at line_start, None when the
    line is not a row of a table with a header above it."""
    end = text.find("\n", line_start)
    end = len(text) if end < 0 else end
    row = cells(text[line_start:end])
    if len(row) < MIN_CELLS or _is_header(row):
        return None
    start = line_start
    for _ in range(MAX_ROWS):
        if start == 0:
            return None
        above_start = text.rfind("\n", 0, start - 1) + 1
        above = cells(text[above_start : start - 1])
        if len(above) != len(row):
            return None
        if _is_header(above):
            return above_start, start - 1
        start = above_start
    return None


def read_row(header: str, row: str) -> str:
    """A row spelled out with its column names, a column's unit moved onto its figures:
    "项目名称：某某模型；…；支持金额：350万元"."""
    row_cells = cells(row)
    # a row's own unit, in its name cell: "智能算力规模（EFLOPS）　8.5　40"
    row_unit = next(
        (u.group(1) for c in row_cells if not NUMBER_CELL_RE.match(c) and (u := UNIT_RE.search(c))),
        None,
    )
    parts = []
    for i, (name, cell) in enumerate(zip(cells(header), row_cells, strict=False)):
        # (the first column numbers the rows)
        parts.append(_cell_reading(name, cell, row_unit if i else None))
    return "；".join(parts)


def _cell_reading(name: str, cell: str, row_unit: str | None = None) -> str:
    """One cell under its column's name, the column's unit moved onto a figure, else the row's
    own unit onto a figure ("≥40" of "智能算力规模（EFLOPS）")."""
    unit = UNIT_RE.search(name)
    if unit and NUMBER_CELL_RE.match(cell):
        return f"{name[: unit.start()]}：{cell}{unit.group(1)}"
    if row_unit and NUMBER_CELL_RE.match(cell.lstrip("≤≥<>约")):
        return f"{name}：{cell}{row_unit}"
    return f"{name}：{cell}"


def header_cells(text: str, header_end: int) -> list[str]:
    """The cells of the header line ending at header_end."""
    return cells(text[text.rfind("\n", 0, header_end) + 1 : header_end])


def table_rows(text: str, header_end: int) -> list[tuple[int, int]]:
    """(start, end) of each row below a header ending at header_end: the lines that follow
    with as many cells as the header."""
    width = len(header_cells(text, header_end))
    rows: list[tuple[int, int]] = []
    pos = header_end + 1
    while pos < len(text) and len(rows) < MAX_ROWS:
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        if len(cells(text[pos:end])) != width:
            break
        rows.append((pos, end))
        pos = end + 1
    return rows


# --- looking a row up: by rank, by the largest or smallest figure of a column, the total ----

ZH_ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}
EN_ORDINALS = {
    "first": 1,
    "top": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "last": -1,
}
# "排第二", "排名第3", "位列第一", "第二名", "名列前茅" is no rank; "ranked first", "No. 2"
RANK_Q_RE = re.compile(
    r"(?:排名?|位列|位居|名列|排在)\s*第\s*([一二两三四五六七八\d])|第\s*([一二两三四五六七八\d])\s*名"
    r"|(?:排名?|位列|位居|排在)\s*(最后|末位|倒数第一)|(垫底)"
)
RANK_EN_RE = re.compile(
    r"\branked?\s+(?:no\.?\s*)?(first|second|third|fourth|fifth|last|top|\d)\b"
    r"|\b(first|second|third|top|last)[- ]ranked\b|\bno\.\s*(\d)\b",
    re.I,
)
# the largest or smallest of something: "调用最多", "增速最快", "the most", "fastest"
LARGEST_RE = re.compile(
    r"最(?:多|高|大|快|长|强|重|广)|(?:\b(?:most|highest|largest|biggest|greatest|fastest|"
    r"top)\b)",
    re.I,
)
SMALLEST_RE = re.compile(
    r"最(?:少|低|小|慢|短|弱|轻)|(?:\b(?:least|lowest|smallest|fewest|slowest)\b)", re.I
)
TOTAL_Q_RE = re.compile(
    r"一共|总共|合计|共计|总计|加起来|加在一起|\bin total\b|\baltogether\b|\bcombined\b|"
    r"\btotal\b",
    re.I,
)
TOTAL_ROW_RE = re.compile(r"^\s*(?:合\s*计|总\s*计|共\s*计|小\s*计|total)\b", re.I)
RANK_HEADER_RE = re.compile(r"排名|名次|位次|排序|rank", re.I)
NUMBER_IN_CELL_RE = re.compile(r"[+-]?\d[\d,，]*(?:\.\d+)?")


def asked_rank(question: str) -> int | None:
    """The rank a question asks about (排第二的 -> 2; ranked last -> -1), None if none."""
    m = RANK_Q_RE.search(question)
    if m:
        if m.group(3) or m.group(4):
            return -1
        word = m.group(1) or m.group(2)
        return int(word) if word.isdigit() else ZH_ORDINALS.get(word)
    m = RANK_EN_RE.search(question)
    if m:
        word = next(g for g in m.groups() if g).lower()
        return int(word) if word.isdigit() else EN_ORDINALS.get(word)
    return None


def asked_extreme(question: str) -> tuple[bool, int] | None:
    """(largest?, where the cue is) when a question asks for the most or least of something."""
    big, small = LARGEST_RE.search(question), SMALLEST_RE.search(question)
    if big and (not small or big.start() <= small.start()):
        return True, big.start()
    if small:
        return False, small.start()
    return None


def cell_number(cell: str) -> float | None:
    """The figure a cell holds ("1,203,876", "24.3%", "约158.6"), None when it holds none."""
    m = NUMBER_IN_CELL_RE.search(cell)
    if not m or len(cell) - len(m.group(0)) > 3:
        return None
    return float(m.group(0).replace(",", "").replace("，", ""))


def _column_name(name: str) -> str:
    unit = UNIT_RE.search(name)
    return name[: unit.start()] if unit else name


def rank_column(header: list[str]) -> int | None:
    """The index of the column that ranks the rows (排名, 名次), None without one."""
    return next((i for i, name in enumerate(header) if RANK_HEADER_RE.search(name)), None)


def ranked_row(text: str, header_end: int, rank: int) -> tuple[int, int] | None:
    """The row of the table under header_end whose rank column says rank (-1: the last)."""
    header = header_cells(text, header_end)
    col = rank_column(header)
    rows = table_rows(text, header_end)
    if col is None or not rows:
        return None
    ranks = [(cell_number(cells(text[a:b])[col]), (a, b)) for a, b in rows]
    numbered = [(r, span) for r, span in ranks if r is not None]
    if not numbered:
        return None
    if rank == -1:
        return max(numbered)[1]
    return next((span for r, span in numbered if r == rank), None)


def extreme_row(
    text: str, header_end: int, column: int, *, largest: bool
) -> tuple[int, int] | None:
    """The row holding the largest (or smallest) figure of a column."""
    rows = table_rows(text, header_end)
    values = []
    for a, b in rows:
        row = cells(text[a:b])
        value = cell_number(row[column]) if column < len(row) else None
        if value is not None:
            values.append((value, -a, (a, b)))
    # (several rows on the figure: the first)
    if len(values) < 2:
        return None
    return (max(values) if largest else min(values, key=lambda v: (v[0], v[1])))[2]


def numeric_columns(text: str, header_end: int) -> list[int]:
    """Columns whose cells (most rows) hold figures, the rank column apart."""
    header = header_cells(text, header_end)
    rows = [cells(text[a:b]) for a, b in table_rows(text, header_end)]
    rank = rank_column(header)
    out = []
    for i in range(len(header)):
        figures = sum(1 for r in rows if i < len(r) and cell_number(r[i]) is not None)
        if i != rank and i and rows and figures * 2 > len(rows):
            out.append(i)
    return out


def column_names(text: str, header_end: int) -> list[str]:
    """The header's column names without their units."""
    header = header_cells(text, header_end)
    return [_column_name(name) for name in header]


def total_line(text: str, header_end: int) -> tuple[int, int] | None:
    """The 合计/总计 line closing the table under header_end, None without one."""
    rows = table_rows(text, header_end)
    pos = rows[-1][1] + 1 if rows else header_end + 1
    for _ in range(2):  # (a blank line may part it from the rows)
        if pos >= len(text):
            return None
        _, end = _line_at(text, pos)
        if TOTAL_ROW_RE.match(text[pos:end]):
            return pos, end
        if text[pos:end].strip():
            return None
        pos = end + 1
    return None


def _line_at(text: str, start: int) -> tuple[int, int]:
    end = text.find("\n", start)
    return start, len(text) if end < 0 else end


def total_header(text: str, line_start: int) -> tuple[int, int] | None:
    """The header of the table a 合计 line at line_start closes, None for any other line."""
    a, b = _line_at(text, line_start)
    if not TOTAL_ROW_RE.match(text[a:b]) or a == 0:
        return None
    pos = a
    for _ in range(2):  # the row above, or a blank line and then the row
        above = text.rfind("\n", 0, pos - 1) + 1
        if text[above : pos - 1].strip():
            head = header_line(text, above)
            return head if head and total_line(text, head[1]) == (a, b) else None
        if above == 0:
            return None
        pos = above
    return None


def read_total(header: str, line: str) -> str:
    """A 合计 line read with its header: "合计：；…；预算金额：1736.30万元" when its cells,
    empty ones kept ("合计｜｜｜1736.30｜"), line up with the header's."""
    names = cells(header)
    # ("合计｜｜｜1736.30｜" keeps its last, empty cell; "| 合计 | | 9 |" is framed)
    for form in (line.strip(), line.strip().strip("|｜")):
        parts = [c.strip() for c in re.split(r"[|｜\t]", form)]
        if len(parts) == len(names):
            break
    else:
        return line
    out = [parts[0]]
    out += [
        _cell_reading(name, cell) for name, cell in zip(names[1:], parts[1:], strict=False) if cell
    ]
    return "；".join(out)
