"""Rows of plain-text tables: cells parted by wide gaps, read with their header's names and units.

A notice's list of funded projects, a 公示 or an annex often comes as a table pasted as text:
a header line ("序号　项目名称　承担单位　支持金额（万元）") and one line per row ("3　某某模型
某某医院　350"). A row alone states "350"; read with its header it states "支持金额：350万元",
which is what a question about the project's money asks for.
"""

from __future__ import annotations

import re

# cells are parted by tabs, ideographic spaces, runs of two or more spaces, or " | "
CELL_GAP_RE = re.compile(r"\t+|\u3000+| {2,}|\s*\|\s*")
# the unit a column's name carries: "支持金额（万元）", "占比(%)"
UNIT_RE = re.compile(r"[（(]\s*([^（）()\s]{1,6})\s*[）)]\s*$")
NUMBER_CELL_RE = re.compile(r"^[+-]?\d[\d,，]*(?:\.\d+)?$")
MIN_CELLS = 3
MAX_ROWS = 200  # how far up a row's header is looked for


def cells(line: str) -> list[str]:
    """The cells of a table line (fewer than MIN_CELLS: not a table line)."""
    parts = [c.strip() for c in CELL_GAP_RE.split(line.strip().strip("|"))]
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
        unit = UNIT_RE.search(name)
        if unit and NUMBER_CELL_RE.match(cell):
            parts.append(f"{name[: unit.start()]}：{cell}{unit.group(1)}")
        # (the first column numbers the rows)
        elif i and row_unit and NUMBER_CELL_RE.match(cell.lstrip("≤≥<>约")):
            parts.append(f"{name}：{cell}{row_unit}")
        else:
            parts.append(f"{name}：{cell}")
    return "；".join(parts)


def table_rows(text: str, header_end: int) -> list[tuple[int, int]]:
    """(start, end) of each row below a header ending at header_end: the lines that follow
    with as many cells as the header."""
    width = len(cells(text[text.rfind("\n", 0, header_end) + 1 : header_end]))
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
