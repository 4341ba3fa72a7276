"""Clean raw text: drop web chrome and artefacts, join hard-wrapped lines.

The cleaned text is a subsequence of the raw text (characters are only ever deleted, never changed
or inserted), so every cleaned position maps back to a raw offset and a raw line.
"""

from __future__ import annotations

import re

from rag.types import Cleaned

# Headings and list items that start a new structural unit (also used by the chunker).
HEADING_RE = re.compile(
    r"^(第[一二三四五六七八九十百零〇\d]+[章节条部分]"
    r"|[一二三四五六七八九十]+、"
    r"|[（(][一二三四五六七八九十]+[）)]"
    r"|\d{1,2}[.．、](?!\d)"
    r"|[（(]\d{1,2}[）)])"
)

# Artefacts inside a line: editor bookmarks, font-size widgets, print/close links.
INLINE_ARTEFACT_RE = re.compile(
    r"\[bookmark:[^\]]*\]"
    r"|字体大小[:：]?\s*(?:【?[大中小]】?\s*)+"
    r"|字体大小[:：]?\s*放大\s*正常\s*缩小"
    r"|【?(?:打印本页|关闭窗口|打印|关闭|收藏|分享到)】?(?=\s|$)"
)

# A line that starts the page footer of a captured web page; it and everything after it go.
FOOTER_RE = re.compile(
    r"ICP备|ICP证|公网安备|政府网站标识码|版权所有|Copyright|©|主办单位[:：]|网站地图"
    r"|^Baidu$|^百度地图$|^Baidu\s*map$"
)
# Whole lines that are page widgets, wherever they are.
CHROME_LINE_RE = re.compile(
    r"^(?:map|Baidu|扫一扫在手机打开当前页|分享到[:：]?.*|【?打印本页】?|【?关闭窗口】?|返回顶部)$"
)
BULLETS = "•·●▪◆"
# A bullet line holding only a label ("• 主题分类:") is an empty metadata field of a web page.
EMPTY_LABEL_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z]{1,10}[:：]$")
SENTENCE_END = "。！？；!?;…"
TERMINAL = SENTENCE_END + '：:」』”"）)】'
MID_SENTENCE = "，、,"
WRAP_MIN_CHARS = 40


def _line_segments(raw: str, start: int, end: int) -> list[tuple[int, int]]:
    """Kept (raw_start, raw_end) pieces of one line: artefacts removed, outer space trimmed."""
    pieces: list[tuple[int, int]] = []
    pos = start
    for m in INLINE_ARTEFACT_RE.finditer(raw, start, end):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, end))
    pieces = [(a, b) for a, b in pieces if b > a]
    # trim leading white space and bullets of the line, trailing white space
    while pieces:
        a, b = pieces[0]
        while a < b and (raw[a].isspace() or raw[a] in BULLETS):
            a += 1
        if a < b:
            pieces[0] = (a, b)
            break
        pieces.pop(0)
    while pieces:
        a, b = pieces[-1]
        while b > a and raw[b - 1].isspace():
            b -= 1
        if b > a:
            pieces[-1] = (a, b)
            break
        pieces.pop()
    return pieces


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _is_heading(text: str) -> bool:
    return bool(HEADING_RE.match(text))


def _joins(prev: str, nxt: str) -> bool:
    """True when nxt continues a sentence that a hard wrap cut at the end of prev."""
    if not prev or not nxt or prev[-1] in TERMINAL or _is_heading(nxt):
        return False
    if _is_heading(prev) and len(prev) < WRAP_MIN_CHARS:
        return False
    # Tab-separated lines are table rows; wraps happen between Chinese characters.
    if "\t" in prev or "\t" in nxt or not (_is_cjk(prev[-1]) or prev[-1] in MID_SENTENCE):
        return False
    if not _is_cjk(nxt[0]):
        return False
    # Prose lines carry commas; titles, names and signatures do not.
    return any(c in prev for c in MID_SENTENCE) or len(prev) >= WRAP_MIN_CHARS


def clean_text(raw: str) -> Cleaned:
    """Clean raw text into paragraphs separated by single newlines, keeping a raw offset map."""
    lines: list[tuple[int, int]] = []
    pos = 0
    for line in raw.split("\n"):
        lines.append((pos, pos + len(line)))
        pos += len(line) + 1

    kept: list[tuple[int, list[tuple[int, int]], str]] = []  # (line_end, pieces, text)
    for start, end in lines:
        pieces = _line_segments(raw, start, end)
        if not pieces:
            continue
        text = "".join(raw[a:b] for a, b in pieces)
        had_bullet = raw[start:end].lstrip()[:1] in BULLETS
        if CHROME_LINE_RE.match(text) or (had_bullet and EMPTY_LABEL_RE.match(text)):
            continue
        kept.append((end, pieces, text))

    # The footer of a captured web page: cut from its first line in the last 40% of the text.
    for i, (end, _pieces, text) in enumerate(kept):
        if end >= 0.6 * len(raw) and len(text) <= 120 and FOOTER_RE.search(text):
            kept = kept[:i]
            break

    segments: list[tuple[int, int]] = []
    for i, (_end, pieces, text) in enumerate(kept):
        if i > 0:
            prev_end, _prev_pieces, prev_text = kept[i - 1]
            if not _joins(prev_text, text):
                segments.append((prev_end, prev_end + 1))  # the previous line's own newline
        segments.extend(pieces)
    return _assemble(raw, segments)


def _assemble(raw: str, segments: list[tuple[int, int]]) -> Cleaned:
    spans: list[tuple[int, int, int]] = []
    parts: list[str] = []
    clean_pos = 0
    for a, b in segments:
        if spans and spans[-1][1] + spans[-1][2] == a:
            c, r, n = spans[-1]
            spans[-1] = (c, r, n + b - a)
        else:
            spans.append((clean_pos, a, b - a))
        parts.append(raw[a:b])
        clean_pos += b - a
    return Cleaned(text="".join(parts), spans=tuple(spans))
