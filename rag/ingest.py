"""File ingestion: turn .txt/.md/.html/.pdf/.docx files into decoded text (RawFile)."""

from __future__ import annotations

import codecs
import contextlib
import errno
import hashlib
import io
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rag.errors import IngestError
from rag.types import RawFile, Skipped

SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")

_SUPPORTED_LIST = " ".join(SUPPORTED)

# Checked before any decoding: these files are never text, whatever their extension says.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or Office document"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x7fELF", "an ELF executable"),
    (b"MZ\x90\x00", "a Windows executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office (.doc/.xls) file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"{\\rtf", "an RTF document"),
)

# UTF-32 first: its LE BOM starts with the UTF-16 LE BOM.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)

# Unicode Cc characters other than \t \n \v \f \r.
_BAD_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_BAD_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
_MAX_CONTROL_RATIO = 0.05
_MAX_JUNK_RATIO = 0.02  # unassigned / private-use / surrogate chars in a UTF-16 guess
_MIN_COMMON_RATIO = 0.5
# Scripts this corpus is written in (ASCII, Latin-1, punctuation, kana, CJK, Hangul, fullwidth);
# the wrong UTF-16 byte order scatters characters outside them.
_COMMON_TEXT = re.compile(
    "[\t\n\r\x20-\x7e\xa0-\xff\u2000-\u206f\u3000-\u30ff\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]"
)

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
# Declared GB2312/GBK pages routinely contain characters outside those sets.
_GB_ALIASES = frozenset({"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"})


def _magic_kind(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "a WebP image"
    return None


def _binary_error(path: str, kind: str) -> IngestError:
    return IngestError(path, f"binary content, not text (looks like {kind})")


def _control_ratio(text: str) -> float:
    return len(_BAD_CONTROL.findall(text)) / len(text) if text else 0.0


def _guess_utf16(data: bytes) -> str | None:
    """Codec name if BOM-less data with NULs reads as plausible UTF-16 text, else None."""
    if len(data) % 2:
        return None
    best: tuple[float, str] | None = None
    # Both byte orders are tried: CJK text has few NULs, and "一" (U+4E00) puts one at the
    # "wrong" parity, so NUL positions alone cannot pick the byte order.
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            head = data.decode(codec)[:32768]
        except UnicodeDecodeError:
            continue
        junk = sum(1 for ch in head if unicodedata.category(ch) in ("Cn", "Co", "Cs"))
        if junk > _MAX_JUNK_RATIO * len(head) or _control_ratio(head) > _MAX_CONTROL_RATIO:
            continue
        score = len(_COMMON_TEXT.findall(head)) / len(head)
        if best is None or score > best[0]:
            best = (score, codec)
    return best[1] if best and best[0] >= _MIN_COMMON_RATIO else None


def _declared_html_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    label = match.group(1).decode("ascii", "replace").lower()
    if label in _GB_ALIASES:
        return "gb18030"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # A <meta> found by a byte scan cannot describe a UTF-16/32 file; per the HTML spec ignore it.
    return None if name.startswith(("utf-16", "utf-32")) else name


# Legacy Chinese encodings tried after UTF-8: GB18030 (a superset of GB2312/GBK) and Big5 as
# Microsoft writes it (cp950), common for Traditional-Chinese documents.
_LEGACY_CODECS = (("gb18030", "gb18030"), ("cp950", "big5"))
_MIN_PLAUSIBLE = 0.9  # share of characters in the scripts of real documents
_MAX_JUNK = 0.005  # private-use, unassigned, surrogate or replacement characters
_MAX_STRAY_BYTES = 8  # invalid bytes a UTF-8 file may hold and still be read as UTF-8
_STRAY_RATIO = 20  # ... with at least this many valid non-ASCII characters per invalid byte
# Characters of real text besides common hanzi: ASCII, Latin-1 signs, punctuation, number
# forms and enclosed numbers (①), shapes (■), CJK punctuation, squared units (㎡), fullwidth.
_PLAIN_TEXT = re.compile(
    "[\t\n\r\x20-\x7e\xa0-\xbf\xd7\xf7\u2000-\u206f\u2100-\u218f\u2460-\u24ff"
    "\u2500-\u25ff\u3000-\u303f\u3200-\u33ff\uff00-\uffef]"
)
_HANZI = re.compile("[\u4e00-\u9fff]")


def _is_common_hanzi(ch: str) -> bool:
    """In GB2312 or among Big5's frequently used characters: what real documents are made of."""
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        pass
    try:
        return 0xA4 <= ch.encode("big5")[0] <= 0xC6
    except UnicodeEncodeError:
        return False


def _plausibility(text: str) -> float:
    """Share of text in the characters real documents use; a wrong decoding scores low."""
    sample = text[:20000]
    if not sample:
        return 1.0
    junk = sum(
        1 for ch in sample if ch == "\ufffd" or unicodedata.category(ch) in ("Co", "Cn", "Cs")
    )
    if junk > _MAX_JUNK * len(sample):
        return 0.0
    plain = len(_PLAIN_TEXT.findall(sample))
    common = sum(1 for ch in _HANZI.findall(sample) if _is_common_hanzi(ch))
    return (plain + common) / len(sample)


def _mostly_utf8(data: bytes) -> tuple[str, int] | None:
    """(text, invalid bytes) when data is UTF-8 but for a few stray bytes, else None."""
    text = data.decode("utf-8", errors="replace")
    stray = text.count("\ufffd") - data.count("\ufffd".encode())
    valid = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    if 0 < stray <= _MAX_STRAY_BYTES and valid >= _STRAY_RATIO * stray:
        return text, stray
    return None


def _undetermined(path: str) -> IngestError:
    return IngestError(path, "cannot determine the encoding: save as UTF-8")


def _decode(data: bytes, path: str, *, html: bool = False) -> tuple[str, str, tuple[str, ...]]:
    """Decode bytes to (text, encoding, warnings); raises IngestError for non-text."""
    kind = _magic_kind(data)
    if kind:
        raise _binary_error(path, kind)

    text: str | None = None
    encoding = ""
    warnings: tuple[str, ...] = ()
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            # A stray BOM on mis-encoded bytes: fall through to detection.
            with contextlib.suppress(UnicodeDecodeError):
                text, encoding = data.decode(codec), label
            break

    if text is None and html:
        declared = _declared_html_charset(data)
        if declared:
            # Pages often lie about their charset; detect instead when it does not fit.
            with contextlib.suppress(UnicodeDecodeError, LookupError):
                decoded = data.decode(declared)
                if declared.startswith("utf") or _plausibility(decoded) >= _MIN_PLAUSIBLE:
                    text, encoding = decoded, "big5" if declared == "big5" else declared

    if text is None and b"\x00" in data:
        codec16 = _guess_utf16(data)
        if codec16 is None:
            raise _binary_error(path, "binary data (contains NUL bytes)")
        text, encoding = data.decode(codec16), codec16

    if text is None:
        with contextlib.suppress(UnicodeDecodeError):
            text, encoding = data.decode("utf-8"), "utf-8"

    if text is None:
        stray = _mostly_utf8(data)
        if stray:
            text, encoding = stray[0], "utf-8"
            line = stray[0].split("\ufffd", 1)[0].count("\n") + 1
            warnings = (
                f"{stray[1]} invalid UTF-8 byte(s) replaced with U+FFFD (first on line {line})",
            )

    legacy_decoded = False
    if text is None:
        scored: list[tuple[float, str, str]] = []
        for codec, label in _LEGACY_CODECS:
            try:
                decoded = data.decode(codec)
            except UnicodeDecodeError:
                continue
            legacy_decoded = True
            scored.append((_plausibility(decoded), label, decoded))
        if scored:
            # the first listed wins a tie: GB18030 text is the more common
            score, label, decoded = max(scored, key=lambda s: s[0])
            if score >= _MIN_PLAUSIBLE:
                text, encoding = decoded, label

    if text is None:
        # Bytes that GB18030 or Big5 decode only into nonsense (Shift-JIS, random bytes) are
        # rejected; other encodings (Latin-1, KOI8 ...) go to the detector.
        if legacy_decoded:
            raise _undetermined(path)
        # Any encoding still in play is ASCII-compatible, so control bytes are control chars.
        if len(_BAD_CONTROL_BYTES.findall(data)) > _MAX_CONTROL_RATIO * len(data):
            raise _binary_error(path, "binary data (many control characters)")
        import charset_normalizer  # slow import; only needed for unusual encodings

        best = charset_normalizer.from_bytes(data).best()
        if best is None or _plausibility(str(best)) < _MIN_PLAUSIBLE:
            raise _undetermined(path)
        text, encoding = str(best), str(best.encoding)

    if _control_ratio(text) > _MAX_CONTROL_RATIO:
        raise _binary_error(path, "binary data (many control characters)")
    if text.startswith("\ufeff"):
        text = text[1:]
    # Line numbers are counted on "\n", so every line ending must be one.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(path, "empty file")
    return text, encoding, warnings


# --- HTML -----------------------------------------------------------------------------------

_DROP_TAGS = (
    "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg",
    "template", "object", "embed", "canvas", "select", "button",
)  # fmt: skip
_BOILERPLATE_WORDS = (
    "nav", "menu", "breadcrumb", "footer", "header", "sidebar", "share", "toolbar",
)  # fmt: skip
# Blocks that start a new paragraph (blank line) vs. those that only start a new line.
_PARA_TAGS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table", "ul", "ol",
    "dl", "blockquote", "pre", "main", "body", "center", "figure", "address", "hr", "header",
})  # fmt: skip
_LINE_TAGS = frozenset({"tr", "li", "dt", "dd", "caption", "figcaption", "thead", "tbody", "tfoot"})
_CONTENT_SELECTORS = ("#content", "#UCAP-CONTENT", ".TRS_Editor", "#zoom")
_HTML_SPACE = re.compile(r"[ \t\n\r\f\xa0]+")
_TOKEN_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[A-Z])")


def _attr_tokens(tag: Any) -> list[str]:
    values: list[str] = []
    for attr in ("id", "class"):
        value = tag.get(attr)
        if isinstance(value, str):
            values.append(value)
        elif value:
            values.extend(str(v) for v in value)
    return [t.lower() for v in values for t in _TOKEN_SPLIT.split(v) if t]


def _is_boilerplate_attr(tag: Any) -> bool:
    # Token prefix/suffix, not raw substring: "unavailable" must not match "nav".
    return any(
        tok.startswith(word) or tok.endswith(word)
        for tok in _attr_tokens(tag)
        for word in _BOILERPLATE_WORDS
    )


def _is_hidden(tag: Any) -> bool:
    if tag.has_attr("hidden") or tag.get("aria-hidden") == "true":
        return True
    style = tag.get("style")
    return isinstance(style, str) and bool(
        re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", style, re.I)
    )


def _content_root(soup: Any) -> Any:
    articles = soup.find_all("article")
    if len(articles) == 1:
        return articles[0]
    main = soup.find("main")
    if main is not None:
        return main
    for selector in _CONTENT_SELECTORS:
        found = soup.select_one(selector)
        if found is not None:
            return found
    return soup.body or soup


def _is_chrome(tag: Any, root_len: int) -> bool:
    # A <header> or "article-header" inside the article holds its title, not site chrome.
    in_article = tag.find_parent(["article", "main"]) is not None
    if tag.name in _DROP_TAGS:
        return not (tag.name == "header" and in_article)
    if _is_hidden(tag):
        return True
    # A class like "has-sidebar" on a page-wide wrapper must not wipe the page.
    return not in_article and _is_boilerplate_attr(tag) and len(tag.get_text()) <= 0.5 * root_len


def _strip_boilerplate(soup: Any, root: Any) -> None:
    protected = {id(root), *(id(p) for p in root.parents)}
    root_len = len(root.get_text())
    doomed = [
        tag
        for tag in soup.find_all(True)
        if id(tag) not in protected
        and tag.name not in ("html", "body", "main", "article")
        and _is_chrome(tag, root_len)
    ]
    for tag in doomed:
        if not tag.decomposed:  # already gone with an ancestor
            tag.decompose()


def _html_text(root: Any) -> str:
    from bs4.element import (
        Comment,
        Declaration,
        Doctype,
        NavigableString,
        ProcessingInstruction,
    )

    out: list[str] = []
    pending = 0  # line breaks owed before the next text: 1 = new line, 2 = blank line

    def emit(s: str) -> None:
        nonlocal pending
        if pending:
            if not s.strip():
                return  # indentation between tags is not content
            out.append("\n" * pending)
            pending = 0
        out.append(s)

    def walk(node: Any, pre: bool) -> None:
        nonlocal pending
        for child in node.children:
            if isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                emit(str(child) if pre else _HTML_SPACE.sub(" ", str(child)))
                continue
            name = child.name
            if name == "br":
                # Nested breaks merge, but "<br><br>" is a deliberate blank line.
                pending = min(pending + 1, 2) if out else pending
                continue
            if name in ("td", "th") and child.find_previous_sibling(["td", "th"]) is not None:
                emit(" | ")
            level = 2 if name in _PARA_TAGS else 1 if name in _LINE_TAGS else 0
            pending = max(pending, level) if out else pending
            walk(child, pre or name == "pre")
            pending = max(pending, level) if out else pending

    walk(root, False)
    lines: list[str] = []
    for line in "".join(out).replace("\xa0", " ").split("\n"):
        line = re.sub(r" {2,}", " ", line).strip(" ")
        if not line.strip(" |"):
            line = ""  # a row of empty cells is as good as blank
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip("\n")


def html_to_text(html: str) -> str:
    """Visible main-content text of an HTML page; blocks on their own lines."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    root = _content_root(soup)
    _strip_boilerplate(soup, root)
    text = _html_text(root)
    # Gov sites often put the title <h1> above the content container; keep it as line 1.
    h1 = soup.find("h1")
    if h1 is not None and h1 is not root and not any(p is root for p in h1.parents):
        title = _HTML_SPACE.sub(" ", h1.get_text()).strip()
        if title and not text.startswith(title):
            text = f"{title}\n\n{text}" if text else title
    return text


def _read_html(data: bytes, path: str) -> tuple[str, str, tuple[str, ...]]:
    raw, encoding, warnings = _decode(data, path, html=True)
    text = html_to_text(raw)
    if not text.strip():
        raise IngestError(path, "HTML page has no visible text")
    return text, encoding, warnings


# --- PDF ------------------------------------------------------------------------------------


def _short(exc: BaseException, limit: int = 120) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return msg if len(msg) <= limit else msg[: limit - 1] + "…"


class _PdfLog(logging.Handler):
    """Collects pypdf's log records while one file is read, so none reach stderr."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().strip())


_pdf_log_lock = threading.Lock()
# pypdf recovers from a moved xref table, but objects it cannot find are parts of the file lost.
_PDF_MISSING_RE = re.compile(r"Object \d+ \d+ not defined|Could not read|Invalid|EOF", re.I)
_MAX_UNREADABLE = 0.05  # share of U+FFFD in the extracted text of a damaged file


@contextlib.contextmanager
def _pypdf_log() -> Iterator[_PdfLog]:
    logger = logging.getLogger("pypdf")
    handler = _PdfLog()
    with _pdf_log_lock:
        propagate = logger.propagate
        logger.addHandler(handler)
        logger.propagate = False
        try:
            yield handler
        finally:
            logger.removeHandler(handler)
            logger.propagate = propagate


def _read_pdf(data: bytes, path: str) -> tuple[str, tuple[int, ...]]:
    with _pypdf_log() as log:
        text, starts = _read_pdf_logged(data, path, log)
    return text, starts


def _damage(log: _PdfLog) -> str | None:
    found = [m for m in log.messages if _PDF_MISSING_RE.search(m)]
    return _short(Exception(found[0])).rstrip(".") if found else None


def _read_pdf_logged(data: bytes, path: str, log: _PdfLog) -> tuple[str, tuple[int, ...]]:
    from pypdf import PasswordType, PdfReader

    if b"%PDF-" not in data[:1024]:  # the spec tolerates junk before the header
        kind = _magic_kind(data)
        reason = f"looks like {kind}" if kind else "no %PDF- header"
        raise IngestError(path, f"corrupt or truncated PDF: {reason}")
    # Non-strict pypdf silently reads what survives of a cut-off file; refuse it instead.
    if b"%%EOF" not in data:
        raise IngestError(path, "corrupt or truncated PDF: no %%EOF marker (file cut off?)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
            except Exception:  # e.g. AES without a crypto backend: unreadable all the same
                opened = False
            if not opened:
                raise IngestError(path, "encrypted PDF")
        pages: list[str] = []
        for number, page in enumerate(reader.pages, start=1):
            try:
                page_text = page.extract_text() or ""
            except Exception as exc:
                raise IngestError(
                    path, f"corrupt or truncated PDF: page {number}: {_short(exc)}"
                ) from exc
            pages.append(page_text.replace("\r\n", "\n").replace("\r", "\n"))
    except IngestError:
        raise
    except Exception as exc:
        raise IngestError(path, f"corrupt or truncated PDF: {_short(exc)}") from exc
    if not pages:
        raise IngestError(path, "corrupt or truncated PDF: no pages")
    damage = _damage(log)
    joined = "".join(pages)
    if damage and (not joined.strip() or joined.count("\ufffd") > _MAX_UNREADABLE * len(joined)):
        # a file cut or damaged in the middle: objects are missing, not the text layer
        raise IngestError(path, f"corrupt or truncated PDF: {damage} (part of the file missing?)")
    if not any(p.strip() for p in pages):
        raise IngestError(path, "PDF has no text layer (scanned?); OCR it first")
    starts: list[int] = []
    offset = 0
    for page_text in pages:
        starts.append(offset)
        offset += len(page_text) + 1  # the "\n" joining pages
    return "\n".join(pages), tuple(starts)


# --- DOCX -----------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_W_P, _W_TBL, _W_TR, _W_TC = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc"
_W_T, _W_TAB, _W_BR, _W_CR = f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"
# Property elements hold tab-stop definitions etc., not text.
_W_SKIP = frozenset({f"{_W}pPr", f"{_W}rPr", f"{_W}tblPr", f"{_W}trPr", f"{_W}tcPr", _MC_FALLBACK})
_W_CONTAINERS = frozenset({f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml", f"{_W}ins"})


def _docx_run_text(el: Any, out: list[str]) -> None:
    for child in el:
        tag = child.tag
        if tag in _W_SKIP:
            continue
        if tag == _W_T:
            out.append(child.text or "")
        elif tag == _W_TAB:
            out.append("\t")
        elif tag in (_W_BR, _W_CR):
            out.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            out.append("-")
        else:
            _docx_run_text(child, out)


def _docx_para_text(p: Any) -> str:
    out: list[str] = []
    _docx_run_text(p, out)
    return "".join(out)


def _docx_cell_text(tc: Any) -> str:
    texts = [_docx_para_text(p) for p in tc.iter(_W_P)]
    # A row is one line, so multi-paragraph cells are flattened.
    return " ".join(t.replace("\n", " ").strip() for t in texts if t.strip())


def _docx_children(el: Any, tag: str) -> Iterator[Any]:
    # Rows and cells may be wrapped in content controls (w:sdt) or w:customXml.
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in _W_CONTAINERS:
            yield from _docx_children(child, tag)


def _docx_lines(el: Any, out: list[str]) -> None:
    for child in el:
        tag = child.tag
        if tag == _W_P:
            out.append(_docx_para_text(child))
        elif tag == _W_TBL:
            for tr in _docx_children(child, _W_TR):
                out.append(" | ".join(_docx_cell_text(tc) for tc in _docx_children(tr, _W_TC)))
        elif tag in _W_CONTAINERS:
            _docx_lines(child, out)


def _read_docx(data: bytes, path: str) -> str:
    import docx

    if not data.startswith(b"PK"):
        kind = _magic_kind(data)
        if kind and "legacy Office" in kind:
            raise IngestError(path, "corrupt DOCX: this is a legacy .doc file; save it as .docx")
        detail = f"looks like {kind}" if kind else "no ZIP header"
        raise IngestError(path, f"corrupt DOCX: not a ZIP package ({detail})")
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        _docx_lines(document.element.body, lines)
    except Exception as exc:
        raise IngestError(path, f"corrupt DOCX: {_short(exc)}") from exc
    text = "\n".join(lines).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(path, "DOCX has no text")
    return text


# --- public API -----------------------------------------------------------------------------


def _unsupported_reason(suffix: str) -> str:
    shown = f"'{suffix}'" if suffix else "(no extension)"
    return f"unsupported file type {shown}; supported: {_SUPPORTED_LIST}"


def read_file(path: str | Path) -> RawFile:
    """Read one supported file and return its decoded text, format, encoding and hash."""
    p = Path(os.path.abspath(Path(path).expanduser()))
    spath = str(p)
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(spath, _unsupported_reason(suffix))
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise IngestError(spath, f"cannot read: {exc.strerror or exc}") from exc
    if not data:
        raise IngestError(spath, "empty file")
    digest = hashlib.sha256(data).hexdigest()

    if suffix in (".txt", ".md"):
        text, encoding, warnings = _decode(data, spath)
        return RawFile(spath, text, suffix[1:], encoding, digest, warnings=warnings)
    if suffix in (".html", ".htm"):
        text, encoding, warnings = _read_html(data, spath)
        return RawFile(spath, text, "html", encoding, digest, warnings=warnings)
    if suffix == ".pdf":
        text, starts = _read_pdf(data, spath)
        return RawFile(spath, text, "pdf", "pdf", digest, starts)
    return RawFile(spath, _read_docx(data, spath), "docx", "docx", digest)


def _is_ignored(name: str) -> bool:
    # Hidden files and Office lock files ("~$report.docx") are never documents.
    return name.startswith((".", "~$"))


EMPTY_CHECK_BYTES = 4096  # text files up to this size are read to tell whitespace-only ones


def _unreadable_reason(path: Path) -> str:
    """Why a path that is neither a file nor a folder cannot be read."""
    if path.is_symlink():
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "symbolic link loop"
            return "broken symbolic link (its target does not exist)"
    return "not a regular file" if path.exists() else "no such file or directory"


def _empty_reason(path: Path) -> str | None:
    """'empty file' for a 0-byte file or a small text file holding only white space."""
    try:
        size = path.stat().st_size
        if size == 0:
            return "empty file"
        if size > EMPTY_CHECK_BYTES or path.suffix.lower() not in (".txt", ".md"):
            return None
        _decode(path.read_bytes(), str(path))
    except IngestError as exc:
        return exc.reason if exc.reason == "empty file" else None
    except OSError:
        return None  # read_file reports it with the reason
    return None


def _walk(folder: Path, seen_dirs: set[Path], skipped: list[Skipped]) -> Iterator[Path]:
    try:
        real = folder.resolve()
        if real in seen_dirs:  # symlink loop
            return
        seen_dirs.add(real)
        entries = sorted(folder.iterdir(), key=lambda e: os.fsencode(e.name))
    except OSError as exc:
        skipped.append(Skipped(str(folder), f"cannot read: {exc.strerror or exc}"))
        return
    for entry in entries:
        if _is_ignored(entry.name):
            continue
        if entry.is_dir():
            yield from _walk(entry, seen_dirs, skipped)
        else:
            yield entry  # a file, or a broken link the caller reports


def iter_files(paths: Sequence[str | Path]) -> tuple[list[Path], list[Skipped]]:
    """Expand files and folders into supported files (sorted, deduplicated) plus skipped paths."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()
    seen_skipped: set[str] = set()
    seen_dirs: set[Path] = set()

    def skip(path: Path, reason: str) -> None:
        if str(path) not in seen_skipped:
            seen_skipped.add(str(path))
            skipped.append(Skipped(str(path), reason))

    def add(path: Path) -> None:
        if path.suffix.lower() not in SUPPORTED:
            skip(path, _unsupported_reason(path.suffix.lower()))
            return
        key = path.resolve()
        if key in seen:
            return
        seen.add(key)
        empty = _empty_reason(path)
        if empty:
            skip(path, empty)
        else:
            files.append(path)

    for given in paths:
        path = Path(os.path.abspath(Path(given).expanduser()))
        if path.is_dir():
            for found in _walk(path, seen_dirs, skipped):
                if found.is_file():
                    add(found)
                else:
                    skip(found, _unreadable_reason(found))
        elif path.is_file():
            add(path)
        else:
            skip(path, _unreadable_reason(path))
    return files, skipped
