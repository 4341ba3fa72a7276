"""Clean raw text: drop web chrome and artefacts, join hard-wrapped lines.

The cleaned text is a subsequence of the raw text (characters are only ever deleted, never changed
or inserted), so every cleaned position maps back to a raw offset and a raw line.
"""

from __future__ import annotations

import re
from functools import cache

from rag.text.lexicon import lexicon
from rag.types import Cleaned

# Headings and list items that start a new structural unit (also used by the chunker).
HEADING_RE = re.compile(
    r"^(第[一二三四五六七八九十百零〇\d]+[章节条部分]"
    r"|[一二三四五六七八九十]+、"
    r"|[壹贰貳叁參肆伍陆陸柒捌玖拾]+、"  # formal numerals: the outer sections of Taiwan documents
    r"|[（(][一二三四五六七八九十]+[）)]"
    r"|\d{1,2}[.．、](?!\d)"
    r"|[（(]\d{1,2}[）)]"
    # the numbered or marked labels of an infographic's text: "01 算力券", "▌适用对象"
    r"|(?:0[1-9]|[▌■●◆▍])(?=[ \u3000]*[\u4e00-\u9fff][\u4e00-\u9fff、]{1,15}[ \u3000]*$))"
)

# a heading marker of text converted to Markdown: "## 一、部门基本情况"
MARKDOWN_HEADING_RE = re.compile(r"^#{1,6}[ \t\u3000]+")

# Artefacts inside a line: editor bookmarks, font-size widgets, print/close links.
INLINE_ARTEFACT_RE = re.compile(
    r"\[bookmark:[^\]]*\]"
    r"|【?(?:字体大小|字体|字号)[:：]?\s*(?:【?[大中小]】?\s*|(?:放大|正常|缩小|默认)\s*){2,}】?"
    r"|【?(?:打印本页|关闭窗口|打印|关闭|收藏|分享到)】?(?=\s|$)"
)
# Separators between the items of a navigation line ("首页 > 政务公开", "分享到：微信 | 微博").
_NAV_SEPARATORS = re.compile(r"[\s|｜/>»＞›·•【】\[\]:：,，、]+")
_BREADCRUMB_MARKS = re.compile(r"[>»＞›]")
# A short line of only Latin words in a Chinese page is a menu item or widget label ("map").
# Acronyms (AI, ICT) and mixed-case names (ChatGPT) are content, so words must be lower-case
# or capitalised.
_LATIN_ONLY_RE = re.compile(r"^[A-Za-z][a-z]+(?: [A-Za-z][a-z]+){0,2}$")
# Script and cookie-banner residue of captured pages.
_SCRIPT_RE = re.compile(
    r"^(?:var|let|const|function)\b.*[;{]$|^\$\(|document\.(?:write|getElementById)\(|window\.\w+"
    r"|^<\/?(?:script|style|div|span|iframe)\b"
)
_COOKIE_RE = re.compile(
    r"(?i)cookie.{0,60}(?:accept|agree|consent|接受|同意)|(?:accept|agree|接受|同意).{0,60}cookie"
)
# the page number of a printed document: "— 6 —", "- 12 -", "第 2 页 共 5 页", "Page 3 of 5"
_PAGE_NUMBER_RE = re.compile(
    r"^(?:[—\-－–]{1,2}[ \u3000]*\d{1,4}[ \u3000]*[—\-－–]{1,2}"
    r"|第[ \u3000]*\d{1,4}[ \u3000]*页(?:[ \u3000，,/]*共[ \u3000]*\d{1,4}[ \u3000]*页)?"
    r"|(?i:page)[ ]*\d{1,4}(?:[ ]*(?:of|/)[ ]*\d{1,4})?)$"
)
CHINESE_PAGE_MIN_SHARE = 0.3  # CJK share of the letters above which a page counts as Chinese
FOOTER_MAX_CHARS = 120
FOOTER_FROM = 0.6  # a footer starts in the last 40% of the page


@cache
def _chrome_phrases() -> frozenset[str]:
    return frozenset(p.lower() for p in lexicon("page_chrome"))


@cache
def _footer_re() -> re.Pattern[str]:
    markers = sorted(lexicon("page_footer"), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, markers)), re.I)


def is_page_chrome(line: str, *, chinese_page: bool = True) -> bool:
    """True for a whole line of web-page navigation, widgets or script residue."""
    phrases = _chrome_phrases()
    items = [t for t in _NAV_SEPARATORS.split(line.lower()) if t]
    if items and all(t in phrases for t in items):
        return True
    # a breadcrumb trail: "当前位置：首页 > 政务公开 > 政策文件"
    parts = [p.strip() for p in _BREADCRUMB_MARKS.split(line)]
    if len(parts) >= 3 and all(len(p) <= 16 for p in parts):
        first = [t for t in _NAV_SEPARATORS.split(parts[0].lower()) if t]
        if first and any(t in phrases for t in first):
            return True
    if chinese_page and _LATIN_ONLY_RE.match(line):
        return True
    if _PAGE_NUMBER_RE.match(line):
        return True
    return bool(_SCRIPT_RE.search(line) or (len(line) <= 200 and _COOKIE_RE.search(line)))


def _is_chinese(raw: str) -> bool:
    sample = raw[:20000]
    cjk = sum(1 for ch in sample if _is_cjk(ch))
    latin = sum(1 for ch in sample if ch.isascii() and ch.isalpha())
    return cjk > CHINESE_PAGE_MIN_SHARE * (cjk + latin) if cjk + latin else False


BULLETS = "•·●▪◆"
# A bullet line holding only a label ("• 主题分类:") is an empty metadata field of a web page.
EMPTY_LABEL_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z]{1,10}[:：]$")
SENTENCE_END = "。！？；!?;…"
TERMINAL = SENTENCE_END + '：:」』”"）)】'
MID_SENTENCE = "，、,"
WRAP_MIN_CHARS = 40
# a line that opens with a short label: "责任单位：", "主 持 人：" (spaced out to align)
FIELD_START_RE = re.compile(r"^(?:[\u4e00-\u9fff][ \u3000]*){2,6}[：:]")


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


LAYOUT_GAP_RE = re.compile(r"\S[ \u3000]{4,}\S")


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
    # Lines with tabs or " | " cells are table rows; wraps happen between Chinese characters.
    if any(cell in line for line in (prev, nxt) for cell in ("\t", " | ")):
        return False
    if not (_is_cjk(prev[-1]) or prev[-1] in MID_SENTENCE):
        return False
    # fields spaced apart on one line ("鹤数函〔2024〕31号      签发人：刘振国") are a layout
    # line of a header or signature block, not a sentence a wrap cut
    if LAYOUT_GAP_RE.search(prev):
        return False
    if not _is_cjk(nxt[0]) or (FIELD_START_RE.match(prev) and FIELD_START_RE.match(nxt)):
        return False  # "主 持 人：…" then "参会单位：…": the next field of a record, not a wrap
    # Prose lines carry commas; titles, names and signatures do not.
    return any(c in prev for c in MID_SENTENCE) or len(prev) >= WRAP_MIN_CHARS


def clean_text(raw: str) -> Cleaned:
    """Clean raw text into paragraphs separated by single newlines, keeping a raw offset map."""
    lines: list[tuple[int, int]] = []
    pos = 0
    for line in raw.split("\n"):
        lines.append((pos, pos + len(line)))
        pos += len(line) + 1
    line_no = {end: i for i, (_start, end) in enumerate(lines)}

    chinese = _is_chinese(raw)
    kept: list[tuple[int, list[tuple[int, int]], str]] = []  # (line_end, pieces, text)
    for start, end in lines:
        pieces = _line_segments(raw, start, end)
        if not pieces:
            continue
        text = "".join(raw[a:b] for a, b in pieces)
        had_bullet = raw[start:end].lstrip()[:1] in BULLETS
        if is_page_chrome(text, chinese_page=chinese) or (
            had_bullet and EMPTY_LABEL_RE.match(text)
        ):
            continue
        kept.append((end, pieces, text))

    # The footer of a captured web page: cut from its first line in the last 40% of the text.
    for i, (end, _pieces, text) in enumerate(kept):
        if (
            end >= FOOTER_FROM * len(raw)
            and len(text) <= FOOTER_MAX_CHARS
            and _footer_re().search(text)
        ):
            kept = kept[:i]
            break

    # a wrap across a blank line (a converted page or docx) is read only in prose: a long
    # line without commas before a blank line is a title, not a cut sentence
    gaps = [
        any(
            not raw[a:b].strip()
            for a, b in lines[line_no[kept[i - 1][0]] + 1 : line_no[kept[i][0]]]
        )
        for i in range(1, len(kept))
    ]
    segments: list[tuple[int, int]] = []
    for i, (_end, pieces, text) in enumerate(kept):
        if i > 0:
            prev_end, _prev_pieces, prev_text = kept[i - 1]
            titled = gaps[i - 1] and not any(c in prev_text for c in MID_SENTENCE)
            if titled or not _joins(prev_text, text):
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
