"""Document metadata from the cleaned text: title, issuer, date, document number, region.

Unknown fields stay None; nothing is guessed from the file name.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from rag.types import DocMeta

_WS = re.compile(r"\s+")
DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（【]\d{4}[〕\]］)）】]\d{1,5}号")
LABELLED = {
    "title": re.compile(r"^(?:标\s*题|名\s*称|文件名称)[:：]\s*(.+?)\s*$"),
    "issuer": re.compile(r"(?:^|\s)(?:发文机关|发文单位|发布机构|发文机构)[:：]?\s*([^\s:：]+)"),
    "doc_number": re.compile(r"(?:^|\s)(?:发文字号|文\s*号|文件编号)[:：]?\s*(\S+)"),
    "written": re.compile(r"(?:^|\s)成文日期[:：]?\s*([^\t]+?)(?:\t|$)"),
    "published": re.compile(r"(?:^|\s)(?:发文日期|发布日期|公开日期|生成日期|时间)[:：]?\s*(\S+)"),
}
TITLE_START = re.compile(r"^(?:关于|对)")
TITLE_END = re.compile(
    r"(?:答复|答复函|复函|意见|通知|办法|方案|规划|计划|决定|报告|函|公告|通告|细则|措施)$"
)
ISSUER_END = re.compile(r"(?:局|厅|委员会|委|办公室|办|人民政府|政府|中心|管委会|部)$")
DATE_RES = (
    re.compile(r"(\d{4})\s*[年\-./]\s*(\d{1,2})\s*[月\-./]\s*(\d{1,2})\s*日?"),
    # a date whose 年 was lost in capture, e.g. "20216月23" for 2021年6月23日
    re.compile(r"^(\d{4})(\d{1,2})月(\d{1,2})日?$"),
)
PLACE_SUFFIXES = ("省", "自治区", "市", "州", "盟", "县", "区")
GENERIC_PLACES = {"中国", "全国", "国家", "中华人民共和国", "中央"}


def _squash(text: str) -> str:
    return _WS.sub("", text)


def _iso_date(text: str) -> str | None:
    for regex in DATE_RES:
        m = regex.search(text.strip())
        if m:
            y, mo, d = int(m[1]), int(m[2]), int(m[3])
            if 1949 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def _labelled(lines: list[str], key: str) -> str | None:
    for line in lines:
        m = LABELLED[key].search(line)
        if m and m[1].strip("—-　 "):
            return m[1].strip()
    return None


def _signature(lines: list[str]) -> tuple[str | None, str | None]:
    """(issuer, date) from the sign-off block: an organisation line followed by a date line."""
    for i in range(len(lines) - 1, 0, -1):
        if len(lines[i]) > 30 or lines[i].endswith("印发"):  # 印发 dates the print office
            continue
        date = _iso_date(lines[i])
        if not date:
            continue
        before = lines[i - 1]
        # the issuer's name may itself be hard-wrapped over two short lines
        candidates = ([lines[i - 2] + before] if i >= 2 and len(before) < 8 else []) + [before]
        for cand in candidates:
            cand = _squash(cand)
            if ISSUER_END.search(cand) and len(cand) <= 30 and not re.search(r"[:：，,。]", cand):
                return cand, date
        return None, date
    return None, None


def _title(lines: list[str]) -> str | None:
    found = _labelled(lines[:20], "title")
    if found:
        return _squash(found)
    for i, line in enumerate(lines[:15]):
        if TITLE_START.match(line) and len(line) <= 60 and not re.search(r"[。，,]", line):
            title = _squash(line)
            nxt = _squash(lines[i + 1]) if i + 1 < len(lines) else ""
            if not TITLE_END.search(title) and nxt and len(nxt) <= 10 and TITLE_END.search(nxt):
                title += nxt
            return title
    return None


def _doc_number(lines: list[str]) -> str | None:
    found = _labelled(lines[:20], "doc_number")
    if found and DOC_NUMBER_RE.fullmatch(found):
        return found
    # otherwise a line near the top that is nothing but a document number
    for line in lines[:12]:
        s = _squash(line)
        if DOC_NUMBER_RE.fullmatch(s):
            return s
    return None


@cache
def _place_tagger():  # type: ignore[no-untyped-def]
    import logging

    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


def _places(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for word, flag in _place_tagger().cut(text):
        if flag == "ns" and len(word) >= 2 and word not in GENERIC_PLACES:
            counts[word] += 1
    return counts


def _region(text: str, issuer: str | None, title: str | None) -> str | None:
    head = " ".join(x for x in (issuer, title) if x)
    counts = _places(head) or _places(text)
    if not counts:
        return None
    place = counts.most_common(1)[0][0]
    if place.endswith(PLACE_SUFFIXES):
        return place
    # name it as the text does: 晋城 -> 晋城市, 湖南 -> 湖南省
    suffixed = Counter({s: text.count(place + s) for s in PLACE_SUFFIXES})
    suffix, n = suffixed.most_common(1)[0]
    return place + suffix if n else place


def extract_meta(text: str) -> DocMeta:
    """Metadata of a cleaned document; fields not stated in the text are None."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    title = _title(lines)
    sig_issuer, sig_date = _signature(lines)
    issuer = sig_issuer or _labelled(lines[:20], "issuer")
    written = _labelled(lines[:20], "written")
    published = _labelled(lines[:20], "published")
    date = sig_date or (written and _iso_date(written)) or (published and _iso_date(published))
    return DocMeta(
        title=title,
        issuer=issuer,
        date=date or None,
        doc_number=_doc_number(lines),
        region=_region(text, issuer, title),
    )
