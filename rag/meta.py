"""Document metadata from the cleaned text: title, issuer, date, document number, region.

Chinese government documents and the portal pages that publish them state their metadata in a
few common shapes: a header block of labels (索引号 / 发布机构 / 成文日期 / 文号 ...), a title line
("X市人民政府办公室关于印发《…》的通知", "关于…的答复"), a letterhead, a 文号 line and a signature
block (issuer, then date) at the end. Only the head and the tail of a document are read, so the
cost does not grow with its length. Unknown fields stay None; nothing is guessed from the file
name.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from rag.clean import MARKDOWN_HEADING_RE
from rag.text.facts import DOC_NUMBER_RE, SERIAL_NUMBER_RE
from rag.text.lang import to_simplified, to_traditional
from rag.text.lexicon import glossary, lexicon
from rag.text.places import (
    GAZETTEER_MAX_CHARS,
    gazetteer,
    generic_places,
    place_suffixes,
    tag,
    unknown_word,
)
from rag.types import DocMeta

HEAD_LINES = 40  # the header block, title and 文号 sit in the first lines
HEAD_CHARS = 600  # characters of body read for a region when issuer and title name none
TAIL_LINES = 40  # the signature block sits in the last lines (before an attachment, if any)
TITLE_MAX_CHARS = 80

_WS = re.compile(r"\s+")
_CJK = "\u4e00-\u9fff"

# Header labels of government portal pages and document front matter. Each maps to the field
# it fills (None: a label that is recognised, so that its value is not read as another's).
_LABELS: dict[str, str | None] = {
    "标题": "title",
    "名称": "title",
    "文件名称": "title",
    "发文机关": "issuer",
    "发文单位": "issuer",
    "发布机构": "issuer",
    "发布机关": "issuer",
    "发布部门": "issuer",
    "主办机关": "issuer",
    "主办单位": "issuer",
    "公告日期": "published",
    # a proposal's own page: its subject is its title
    "案由": "title",
    "提交日期": "written",
    # procurement notices: the buyer issues it, the project names it
    "采购人": "issuer",
    "采购人名称": "issuer",
    "采购单位": "issuer",
    "机关名称": "issuer",
    "项目名称": "title",
    "标案名称": "title",
    "标案案号": None,
    "项目编号": None,
    "机关代码": None,
    "单位名称": None,
    "决标公告日期": "published",
    "原公告日期": None,
    "决标日期": None,
    "开标时间": None,
    "执行单位": None,
    "信息来源": None,
    "发文机构": "issuer",
    "发布单位": "issuer",
    "发文字号": "doc_number",
    "文号": "doc_number",
    "文件编号": "doc_number",
    "成文日期": "written",
    "成文时间": "written",
    "印发日期": "written",
    "发布日期": "published",
    "发布时间": "published",
    "发文日期": "published",
    "公开日期": "published",
    "生成日期": "written",
    "时间": "published",
    "索引号": None,
    "信息索引号": None,
    "主题分类": None,
    "题裁分类": None,
    "体裁分类": None,
    "分类": None,
    "主题词": None,
    "有效性": None,
    "效力状况": None,
    "公开方式": None,
    "内容概述": None,
    "附件下载": None,
    # a page's source: often a site or paper, an issuer only when it is named as one
    "来源": "source",
    # English pages of government sites
    "Source": "source",
    "Updated": "published",
    "Published": "published",
    "Release Date": "published",
    "Date": "published",
    # page counters and display controls
    "浏览次数": None,
    "点击次数": None,
    "点击数": None,
    "阅读次数": None,
    "访问次数": None,
    "点阅次数": None,
    "字号": None,
}
# A label starts a line or follows white space / a table bar; it is followed by a colon, white
# space or the end of the line (so "时间" inside a sentence is not a label).
# the same labels on Traditional-Chinese pages (發文字號, 發布機構)
_LABELS.update({to_traditional(label): field for label, field in list(_LABELS.items())})
_LABEL_RE = re.compile(
    r"(?:^|(?<=[\s|•·]))("
    + "|".join(sorted((r"\s*".join(label) for label in _LABELS), key=len, reverse=True))
    + r")(?:\s*[:：]\s*|[ \t\u3000]+|$)"
)
ENGLISH_TITLE_CHARS = 160
ISSUE_LINE_RE = re.compile(r"^(?:\d{4}年)?第\s*\d+\s*期|[（(]总第\s*\d+\s*期[）)]")
CURRENCY_CHARS = 3000  # how far a page is read for the currency it counts in
_EMPTY_VALUE = "—-－–_ 　|:："

TITLE_START = re.compile(r"^(?:关于|对)")
# a masthead naming the kind of page, not its subject (Latin words removed first)
_GENRE_LINE_RE = re.compile(
    r"(?:政府)?(?:新闻公报|新聞公報|新闻稿|新聞稿|新闻发布|新聞發佈)|政府公报|政府公報"
)
_LATIN_RE = re.compile(r"[A-Za-z][A-Za-z .,'&-]*")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
HEAD_DATE_LINES = 8  # a date line alone near the top dates a press release
# a post's timestamp in its byline: "原创 某某发布 2024年06月12日 08:30", "2025-07-11 10:20"
_STAMP_RE = re.compile(r"(\d{4}\s*[年\-./]\s*\d{1,2}\s*[月\-./]\s*\d{1,2}\s*日?)\s*\d{1,2}:\d{2}")
_NOT_TITLE = re.compile(r"[。；;！？!?]|[，,].*[，,]|^[（(]?[一二三四五六七八九十\d]+[、.．)）]")
# "青岚市人民政府文件": a red-head letterhead; "桐原縣政府公告": a notice headed by its issuer
_LETTERHEAD_WORD = re.compile(r"(?:文件|公告|通告)$")
# a site's breadcrumb trail: "首页 > 政务公开 > 领导讲话"
_BREADCRUMB_RE = re.compile(r"[>＞›»/].*[>＞›»/]")
# a standard's or a specification's front page: "霁州市市场监督管理局　发布", "2026-04-28发布"
_ISSUED_BY_RE = re.compile(r"^(.{4,30}?)\s*(?:发布|印发|發布)$")
_ISSUED_ON_RE = re.compile(r"^(\S{6,16}?)\s*(?:发布|印发|發布)(?:\s|$)")
# a standard's number: "DB5907/T 021—2026", "GB/T 1.1—2020", "T/CESA 1234—2023"
STANDARD_NUMBER_RE = re.compile(
    r"^(?:GB|DB\d{2,6}|[A-Z]{2,4}|T/[A-Z]{2,10})(?:/[TZ])?\s*\d+(?:\.\d+)*\s*[—–-]\s*\d{4}$"
)

_DATE_RE = re.compile(r"(\d{4})\s*[年\-./]\s*(\d{1,2})\s*[月\-./]\s*(\d{1,2})\s*日?")
_ROC_DATE_RE = re.compile(
    r"(?:中华民国|中華民國|民国|民國)\s*(\d{1,3})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
)
# Taiwan's pages often drop 民國: a three-digit year ("114年3月18日", "114-03-18") is one
_ROC_SHORT_DATE_RE = re.compile(
    r"(?<![\d.])(1\d{2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|[-/.](\d{1,2})[-/.](\d{1,2})(?![\d.]))"
)
ROC_YEAR_OFFSET = 1911
# A signature date whose 年 was lost in a copy ("20216月23" for 2021年6月23日): the year is
# always four digits, so the month that follows is unambiguous. Whole lines only.
_DATE_LOST_YEAR_RE = re.compile(r"^(\d{4})(\d{1,2})月(\d{1,2})日?$")
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "o": 0, "0": 0, "一": 1, "二": 2}
_CN_DIGITS.update({"三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9})
_CN_DATE_RE = re.compile(
    r"([〇○零ＯOo0一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,2})\s*月"
    r"\s*([一二三四五六七八九十廿卅]{1,3})\s*日"
)
# A line that is only a date (a signature date), possibly in brackets.
_DATE_LINE_RE = re.compile(
    r"^[（(]?[0-9〇○零ＯOo一二三四五六七八九十廿卅年月日\-./\s]{6,24}[）)]?$"
)


def _squash(text: str) -> str:
    return _WS.sub("", text)


def _cn_number(text: str) -> int:
    """Value of a Chinese numeral up to 39 (十二, 二十八, 廿一)."""
    text = text.replace("廿", "二十").replace("卅", "三十")
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS.get(text, 0)


def _valid(y: int, mo: int, d: int) -> str | None:
    if 1949 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def iso_date(text: str) -> str | None:
    """The first date in text as yyyy-mm-dd (Arabic or Chinese numerals), else None."""
    m = _ROC_DATE_RE.search(text)
    if m:  # the Republic of China calendar: year 1 is 1912
        return _valid(int(m[1]) + ROC_YEAR_OFFSET, int(m[2]), int(m[3]))
    m = _DATE_RE.search(text)
    if m:
        found = _valid(int(m[1]), int(m[2]), int(m[3]))
        if found:
            return found
    m = _ROC_SHORT_DATE_RE.search(text)
    if m:
        return _valid(int(m[1]) + ROC_YEAR_OFFSET, int(m[2] or m[4]), int(m[3] or m[5]))
    m = _CN_DATE_RE.search(text)
    if m:
        year = int("".join(str(_CN_DIGITS[c]) for c in m[1]))
        return _valid(year, _cn_number(m[2]), _cn_number(m[3]))
    m = _DATE_LOST_YEAR_RE.match(_squash(text))
    if m:
        return _valid(int(m[1]), int(m[2]), int(m[3]))
    return None


# --- header labels ----------------------------------------------------------------------------


def _label_form(line: str) -> str:
    """The line as labels are matched: in 简体 (發布單位 and 發佈單位 alike) when that keeps
    every offset, so values are cut from the page's own text."""
    simplified = to_simplified(line)
    return simplified if len(simplified) == len(line) else line


def _label_values(lines: list[str]) -> dict[str, str]:
    """Field -> value from header label blocks; a value may sit on the line after its label."""
    found: dict[str, str] = {}
    for i, line in enumerate(lines):
        if "。" in line:
            break  # the body has begun: a "名称：" further down names a buyer, not the page
        matches = list(_LABEL_RE.finditer(_label_form(line)))
        for j, m in enumerate(matches):
            field = _LABELS.get(_squash(m[1]))
            end = matches[j + 1].start() if j + 1 < len(matches) else len(line)
            value = line[m.end() : end].strip(_EMPTY_VALUE + "\t")
            # "发布机构" alone on its line: the value is the next line, unless that is a label
            if not value and len(matches) == 1 and not line[: m.start()].strip():
                nxt = lines[i + 1] if i + 1 < len(lines) else ""
                if nxt and not _LABEL_RE.match(nxt) and len(nxt) <= TITLE_MAX_CHARS:
                    value = nxt.strip(_EMPTY_VALUE)
            if field and value and field not in found:
                found[field] = value.split("\t")[0].strip()
    return found


# --- title and issuer -------------------------------------------------------------------------


@cache
def _title_end_re() -> re.Pattern[str]:
    words = lexicon("title_endings")
    # the same endings in Traditional Chinese (計畫 for 计划, 辦法 for 办法)
    endings = sorted({*words, *map(to_traditional, words)}, key=len, reverse=True)
    # a title may end with a bracketed year range or "(试行)": "规划（2021-2025年）"
    return re.compile(
        "(?:" + "|".join(map(re.escape, endings)) + r")(?:[（(][^（()）]{1,16}[）)])?$"
    )


@cache
def _issuer_end_re() -> re.Pattern[str]:
    words = lexicon("issuer_suffixes")
    # the same endings in Traditional Chinese (辦公室 for 办公室, 委員會 for 委员会)
    endings = sorted({*words, *map(to_traditional, words)}, key=len, reverse=True)
    return re.compile("(?:" + "|".join(map(re.escape, endings)) + ")$")


def _is_issuer(name: str) -> bool:
    return (
        2 <= len(name) <= 30
        and bool(_issuer_end_re().search(name))
        and not re.search(r"[:：，,。；;、《》“”]", name)
        and not _title_end_re().search(name)
    )


def _title_line(line: str) -> bool:
    if len(line) > TITLE_MAX_CHARS or _NOT_TITLE.search(line) or _BREADCRUMB_RE.search(line):
        return False
    if TITLE_START.match(line):
        return True
    # "X市人民政府办公室关于印发《…》的通知", "青岚市促进人工智能产业发展若干措施"
    return bool(_title_end_re().search(line)) and ("关于" in line or len(line) >= 8)


def _title(lines: list[str], labels: dict[str, str]) -> tuple[str | None, str | None]:
    """(title, issuer named before 关于 in it) from a label or the first title-shaped line."""
    title = _squash(labels["title"]) if "title" in labels else None
    if title is None:
        for i, line in enumerate(lines[:15]):
            line = _squash(line)
            if _label_start(line) or not _title_line(line) or _is_letterhead(line):
                continue
            # a title hard-wrapped over two or three lines: "关于…提案的" + "答复函"
            for nxt in lines[i + 1 : i + 3]:
                nxt = _squash(nxt)
                if _title_end_re().search(line) or len(nxt) > 20 or _label_start(nxt):
                    break
                if _NOT_TITLE.search(nxt):
                    break
                line += nxt
            if TITLE_START.match(line) or _title_end_re().search(line):
                title = line
                break
    if title is None:
        title = _first_line_title(lines)
    if not title:
        return None, None
    before = title.split("关于", 1)[0] if "关于" in title[1:] else ""
    return title, before if _is_issuer(before) else None


HEADLINE_MAX_BREAKS = 2


def _first_line_title(lines: list[str]) -> str | None:
    """A plain article's headline: a short first line that is not a sentence, name or date."""
    for i, line in enumerate(lines[:8]):
        line = _squash(line)
        issue = ISSUE_LINE_RE.search
        if (
            # a bulletin's masthead and its issue line ("芷川统计 统计快报", "2025年第10期")
            issue(line)
            or (i + 1 < len(lines) and issue(_squash(lines[i + 1])) and i == 0)
            or _label_start(line)
            or DOC_NUMBER_RE.match(line)
            or _is_issuer(line)
            or _is_letterhead(line)
            # a press release's masthead ("新闻公报 Press Release"), its English lines, its date
            or _GENRE_LINE_RE.fullmatch(_LATIN_RE.sub("", line))
            or not CJK_RE.search(line)
            or _date_line(line)
            # the issuers and date of a bulletin ("芷川市统计局 芷川市数据局 2025年11月20日")
            or (_DATE_RE.search(line) and _is_issuer(_DATE_RE.sub("", line).strip()))
            or _BREADCRUMB_RE.search(line)
        ):
            continue
        # a headline may name its series first: "立法會十四題：公營機構應用人工智能"
        series, colon, rest = line.partition("：")
        plain = rest if colon and len(series) >= 5 and len(rest) >= 4 else line
        if (
            6 <= len(line) <= 40
            # a news or social-media headline may have a comma or an exclamation ("重磅！X来了，
            # 最高补助200万元"); a sentence ends with 。 or runs on in more clauses
            and not re.search(r"[:：。；;]", plain)
            and len(re.findall(r"[，,！？!?]", plain.rstrip("！？!?"))) <= HEADLINE_MAX_BREAKS
            and not iso_date(line)
        ):
            return line
        break
    return None


def _label_start(line: str) -> bool:
    m = _LABEL_RE.match(_label_form(line))
    return bool(m and m.group(0).rstrip() != m[1])  # a label followed by its colon


def _date_line(line: str) -> str | None:
    """The date of a line that is a date alone: "2026年4月8日（星期三）"."""
    m = _DATE_RE.search(line)
    if not m or len(re.sub(r"[（(][^）)]{1,6}[）)]", "", line[m.end() :]).strip()) or m.start():
        return None
    return iso_date(m.group(0))


def _is_letterhead(line: str) -> bool:
    """ "青岚市人民政府文件", "桐原縣政府公告": the issuer's name heading the page, no title."""
    name = _LETTERHEAD_WORD.sub("", line)
    return name != line and _is_issuer(name)


def _letterhead(lines: list[str]) -> str | None:
    """An issuer line above the title ("晋城市工业和信息化局", "青岚市人民政府文件")."""
    for line in lines[:5]:
        name = _LETTERHEAD_WORD.sub("", _squash(line))
        if _is_issuer(name) and not TITLE_START.match(name):
            return name
        if _title_line(_squash(line)):
            break
    return None


def _issued(head: list[str]) -> tuple[str | None, str | None]:
    """(issuer, date) of a front page stating them with 发布: "X局　发布", "2026-04-28发布"."""
    issuer = date = None
    for line in head[: HEAD_DATE_LINES * 2]:
        m = _ISSUED_BY_RE.match(line)
        if m and issuer is None and _is_issuer(_squash(m[1])):
            issuer = _squash(m[1])
        m = _ISSUED_ON_RE.match(line)
        if m and date is None:
            date = iso_date(m[1])
    return issuer, date


def _issuer_line(line: str) -> str | None:
    """The issuer(s) a signature line names; joint issuers separated by spaces join with 、."""
    parts = line.split()
    if len(parts) > 1 and all(_is_issuer(p) for p in parts):
        return "、".join(parts)
    name = _squash(line)
    return name if _is_issuer(name) else None


_TRAILING_DATE_RE = re.compile(
    r"(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇○零ＯOo0一二三四五六七八九]{4}\s*年.{1,8}日)$"
)


def _signature(lines: list[str]) -> tuple[str | None, str | None]:
    """(issuer, date) from the sign-off block: an organisation line followed by a date line."""
    tail = lines[-TAIL_LINES:]
    for i in range(len(tail) - 1, -1, -1):
        line = _squash(tail[i])
        if not _DATE_LINE_RE.match(line):
            # issuer and date on one line: "青岚市科学技术局　　2024年5月6日"
            m = _TRAILING_DATE_RE.search(tail[i])
            if m and len(line) <= 40:
                issuer = _issuer_line(tail[i][: m.start()].strip())
                date = iso_date(m[0])
                if issuer and date:
                    return issuer, date
            continue  # "…印发" lines date the print office; prose lines mention dates
        date = iso_date(line)
        if not date or i == 0:
            continue
        before = tail[i - 1]
        # the issuer's name may itself be hard-wrapped over two short lines
        candidates = [before]
        if i >= 2 and len(_squash(before)) < 8:
            candidates.insert(0, _squash(tail[i - 2]) + _squash(before))
        for cand in candidates:
            issuer = _issuer_line(cand)
            if issuer:
                return issuer, date
        return None, date
    return None, None


# --- document number --------------------------------------------------------------------------


def _doc_number(lines: list[str], labels: dict[str, str]) -> str | None:
    if "doc_number" in labels:
        value = _squash(labels["doc_number"])
        if DOC_NUMBER_RE.fullmatch(value) or SERIAL_NUMBER_RE.fullmatch(value):
            return value
    # otherwise a line near the top that starts with a document number ("签发人" may follow),
    # or a standard's number alone on its line
    for line in lines[:15]:
        if STANDARD_NUMBER_RE.match(line):
            return line
        m = DOC_NUMBER_RE.match(line)
        if m and (m.end() == len(line) or line[m.end()].isspace()):
            return _squash(m[0])
    return None


# --- region -----------------------------------------------------------------------------------


@cache
def _admin_unit_re() -> re.Pattern[str]:
    suffixes = "|".join(map(re.escape, place_suffixes()))
    # A stem of 2-7 characters holding no other 省/市/县, then an administrative suffix.
    return re.compile(rf"([{_CJK}](?:(?![省市县])[{_CJK}]){{1,6}}?)(?:{suffixes})")


@cache
def _zone_re() -> re.Pattern[str]:
    zones = sorted(lexicon("place_zones"), key=len, reverse=True)
    return re.compile("(?:" + "|".join(map(re.escape, zones)) + ")$")


_NOT_PLACE_FLAGS = ("v", "p", "c", "d", "u", "r", "m", "q", "f", "t", "y", "e", "o")


def _stem_is_place_like(stem: str) -> bool:
    """A stem no word of which is a verb, pronoun, number...: 青岚 (nr), 山东 (ns), not 加快.

    Two characters the dictionary does not know as a word (霁州, which the tagger splits into
    a verb and a noun) before an administrative suffix are a name too.
    """
    if stem in generic_places() or any(stem.endswith(g) for g in ("全", "我", "本", "该", "各")):
        return False
    if len(stem) == 2 and unknown_word(stem) and not set(stem) & _FUNCTION_CHARS:
        return True
    return not any(flag.startswith(_NOT_PLACE_FLAGS) for _, flag in tag(stem))


# characters that join words rather than name anything: a pair holding one is no name
_FUNCTION_CHARS = frozenset("的了和与及等在对为是之其或而并向从把被将于以")


def _suffixed(place: str, text: str) -> str | None:
    """The administrative name the text uses for a bare place name (温州 -> 温州市), if any."""
    counts = Counter({s: text.count(place + s) for s in place_suffixes()})
    suffix, n = counts.most_common(1)[0]
    return place + suffix if n else None


def _admin_chain(name: str, text: str) -> str | None:
    """Administrative units at the start of name: "福建省泉州市" from "福建省泉州市人民政府"."""
    name = name.removeprefix("中共")
    units: list[str] = []
    pos = 0
    while True:
        m = _admin_unit_re().match(name, pos)
        if not m:
            break
        unit = m[0]
        zone = _zone_re().search(unit)
        if zone:
            # "无锡高新区": the place is 无锡, named as the text names it (无锡市)
            stem = unit[: zone.start()]
            if len(stem) >= 2 and _stem_is_place_like(stem):
                units.append(gazetteer().get(stem) or _suffixed(stem, text) or stem)
            break
        # a long suffix (自治州, 特别行政区) names a place whatever the tagger makes of its stem
        if len(unit) - len(m[1]) < 3 and not _stem_is_place_like(m[1]):
            break
        units.append(unit)
        pos = m.end()
    return "".join(units) or None


def _place_candidates(segment: str) -> list[tuple[str, bool]]:
    """(full name, written as an administrative name) for each division named in segment.

    A dictionary scan of the gazetteer, longest name first at each position: no tagger, so
    the cost is the same for any text (jieba's HMM is slow on words it does not know, e.g.
    繁體). Mountains, rivers and common nouns are not divisions (泰山, 黄河, 安家补贴).
    """
    table = gazetteer()
    generic = sorted(generic_places(), key=len, reverse=True)
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(segment):
        # a phrase naming no place hides the name inside it (北京时间)
        skip = next((len(g) for g in generic if segment.startswith(g, i)), 0)
        if skip:
            i += skip
            continue
        for size in range(min(GAZETTEER_MAX_CHARS, len(segment) - i), 1, -1):
            name = segment[i : i + size]
            full = table.get(name)
            if full and (size > 2 or not _is_common_word(name)):
                out.append((full, name == full))
                i += size - 1
                break
        i += 1
    return out


@cache
def _is_common_word(word: str) -> bool:
    """True when jieba's dictionary knows word as a verb or adjective: 合作 (合作市) is one."""
    tags = tag(word)
    return len(tags) == 1 and tags[0][1].startswith(("v", "a", "i", "l"))


def _first_place(segment: str) -> str | None:
    found = _place_candidates(segment)
    written = [name for name, whole in found if whole] or [name for name, _ in found]
    return written[0] if written else None


def _region(text: str, lines: list[str], issuer: str | None, title: str | None) -> str | None:
    of_issuer = (_admin_chain(issuer, text) or _first_place(issuer)) if issuer else None
    of_title = None
    if title:
        # (a headline's tag first: "重磅！岚湾区…", "快讯｜…")
        for anchor in re.finditer(r"^|^[^，,]{1,6}[！!｜|]|关于(?:印发)?|印发|《", title):
            of_title = _admin_chain(title[anchor.end() :], text)
            if of_title:
                break
        of_title = of_title or _first_place(title)
    # the issuer's place, unless the title names it with its parents (南京市江宁区, 江宁区…局)
    if of_issuer and not (of_title and of_title.endswith(of_issuer)):
        return of_issuer
    if of_title:
        return of_title
    head = "\n".join(lines[:HEAD_LINES])[:HEAD_CHARS]
    named = _place_candidates(head)
    # an administrative name as written (山东省) beats a bare one (山东); then the most named
    # place of the head, and on a tie the first named
    pool = [name for name, whole in named if whole] or [name for name, _ in named]
    if not pool:
        # "三十億港元", "新臺幣30萬元": a page naming no place is of the place whose money it
        # counts in (currency_regions lexicon)
        return _currency_region(text[:CURRENCY_CHARS])
    counts = Counter(pool)
    return max(counts, key=lambda p: (counts[p], -pool.index(p)))


# the subtitle of a report or speech: "——2025年1月8日在某县第十八届人民代表大会第四次会议上"
DELIVERED_RE = re.compile(r"^[—–-]{1,2}\s*(.{8,16}?日)\s*在.{2,40}上")


def _currency_region(text: str) -> str | None:
    """The region whose currency the text counts in, when it uses one (港元 -> 香港)."""
    found = [(text.find(c), region) for c, region in glossary("currency_regions").items()]
    found = [(at, region) for at, region in found if at >= 0 and region]
    return min(found)[1] if found else None


def _delivered(head: list[str]) -> str | None:
    """The day a report or speech was delivered, from its subtitle line."""
    for line in head:
        m = DELIVERED_RE.match(line)
        if m and iso_date(m.group(1)):
            return iso_date(m.group(1))
    return None


def _english_title(line: str) -> bool:
    """A headline in English: mostly Latin words, no sentence end, not a label line."""
    letters = sum(c.isascii() and c.isalpha() for c in line)
    return (
        len(line.split()) >= 3
        and letters >= 0.6 * len(line)
        and len(line) <= ENGLISH_TITLE_CHARS
        and not line.rstrip().endswith((".", ":", "?"))
        and ":" not in line[:20]
    )


def extract_meta(text: str) -> DocMeta:
    """Metadata of a cleaned document; fields not stated in the text are None."""
    lines = [MARKDOWN_HEADING_RE.sub("", s) for line in text.split("\n") if (s := line.strip())]
    head = lines[:HEAD_LINES]
    labels = _label_values(head)
    title, title_issuer = _title(head, labels)
    if title is None and head and _english_title(head[0]):
        title = head[0]  # an English page: "Minze City Unveils 20 Measures to Boost AI Industry"
    sig_issuer, sig_date = _signature(lines)
    issued_by, issued_on = _issued(head)
    labelled, source = (_squash(labels.get(f, "")) for f in ("issuer", "source"))
    issuer = (
        sig_issuer
        or title_issuer
        or issued_by
        or (labelled if _is_issuer(labelled) else None)
        or _letterhead(head)
        or (source if _is_issuer(source) else None)
    )
    date = (
        sig_date
        or iso_date(labels.get("written", ""))
        or issued_on
        or iso_date(labels.get("published", ""))
        or _delivered(head)
        or next((d for line in head[:HEAD_DATE_LINES] if (d := _date_line(line))), None)
        or next(
            (iso_date(m[1]) for line in head[:HEAD_DATE_LINES] if (m := _STAMP_RE.search(line))),
            None,
        )
    )
    return DocMeta(
        title=title,
        issuer=issuer,
        date=date,
        doc_number=_doc_number(head, labels),
        region=_region(text, head, issuer, title),
    )
