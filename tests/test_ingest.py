"""Tests for rag.ingest: decoding, format extraction, failure messages and folder expansion."""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import random
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from make_fixtures import (
    BIG5_TEXT,
    DOCX_LINES,
    GB18030_TEXT,
    HTML_ARTICLE,
    UTF8_BOM_TEXT,
    UTF16_TEXT,
    make_fixtures,
    make_pdf,
)

from rag.errors import IngestError
from rag.ingest import SUPPORTED, iter_files, read_file
from rag.types import Skipped

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def fx(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_fixtures(tmp_path_factory.mktemp("fixtures"))


def _error(path: Path) -> IngestError:
    with pytest.raises(IngestError) as info:
        read_file(path)
    return info.value


# --- plain text -----------------------------------------------------------------------------


def test_gb18030_crlf(fx: dict[str, Path]) -> None:
    raw = read_file(fx["gb18030"])
    assert raw.encoding == "gb18030"
    assert raw.fmt == "txt"
    assert raw.text == GB18030_TEXT  # CRLF became LF, nothing else changed
    assert "一、总体要求\n" in raw.text
    assert raw.path == str(fx["gb18030"].resolve())
    assert raw.content_hash == hashlib.sha256(fx["gb18030"].read_bytes()).hexdigest()
    assert raw.page_starts == ()


def test_utf8_bom(fx: dict[str, Path]) -> None:
    raw = read_file(fx["utf8_bom"])
    assert raw.encoding == "utf-8-sig"
    assert raw.text == UTF8_BOM_TEXT
    assert not raw.text.startswith("\ufeff")


def test_utf16_bom(fx: dict[str, Path]) -> None:
    raw = read_file(fx["utf16"])
    assert raw.encoding == "utf-16"
    assert raw.text == UTF16_TEXT


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "nobom.txt"
    path.write_bytes(UTF16_TEXT.encode(codec))
    raw = read_file(path)
    assert raw.encoding == codec
    assert raw.text == UTF16_TEXT


def test_utf16_be_bom(tmp_path: Path) -> None:
    path = tmp_path / "be.md"
    path.write_bytes(codecs.BOM_UTF16_BE + UTF16_TEXT.encode("utf-16-be"))
    raw = read_file(path)
    assert (raw.encoding, raw.fmt, raw.text) == ("utf-16", "md", UTF16_TEXT)


def test_line_endings_only_change(tmp_path: Path) -> None:
    path = tmp_path / "mixed.txt"
    path.write_bytes("　第一行\t 尾随空格  \r\n第二行\r第三行\n\n第五行".encode())
    raw = read_file(path)
    assert raw.encoding == "utf-8"
    assert raw.text == "　第一行\t 尾随空格  \n第二行\n第三行\n\n第五行"


def test_relative_path_becomes_absolute(
    fx: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(fx["gb18030"].parent)
    raw = read_file("gb18030.txt")
    assert Path(raw.path).is_absolute()
    assert raw.path == str(fx["gb18030"].resolve())


# --- HTML -----------------------------------------------------------------------------------


def test_html_keeps_article_drops_chrome(fx: dict[str, Path]) -> None:
    raw = read_file(fx["html"])
    assert (raw.fmt, raw.encoding) == ("html", "utf-8")
    assert raw.text == HTML_ARTICLE
    for junk in (
        "首页",  # nav menu
        "政务公开",
        "trackingCode",  # script
        "showMenu",
        "color: red",  # style
        "京ICP备12345678号",  # footer
        "备案号",
        "主办单位",
        "分享到",  # share bar (class-based)
        "当前位置",  # breadcrumb (class-based)
        "门户网站",  # site header
        "请启用JavaScript",  # noscript
        "张三",  # HTML comment
    ):
        assert junk not in raw.text, junk


def test_html_meta_charset_is_honoured(fx: dict[str, Path]) -> None:
    data = fx["html_big5"].read_bytes()
    assert data.decode("gb18030") != data.decode("big5")  # GB18030 would "succeed" with garbage
    raw = read_file(fx["html_big5"])
    assert raw.encoding == "big5"
    assert raw.text == BIG5_TEXT


def test_html_without_article(tmp_path: Path) -> None:
    page = """<html><head><meta charset="gbk"></head><body>
    <div id="topMenu"><a>首页</a><a>机构职能</a></div>
    <h1>关于做好2024年数据安全工作的通知</h1>
    <div id="content"><p>各单位：</p><div>请按要求<span>落实</span>数据安全责任。</div>
    <p style="display:none">隐藏的文字</p><ul><li>第一项</li><li>第二项</li></ul>
    <p>The service is unavailable today.</p></div>
    <div class="footer">版权所有</div></body></html>"""
    path = tmp_path / "notice.htm"
    path.write_bytes(page.encode("gb18030"))
    raw = read_file(path)
    assert raw.encoding == "gb18030"
    assert raw.text == (
        "关于做好2024年数据安全工作的通知\n\n各单位：\n\n请按要求落实数据安全责任。\n\n"
        "第一项\n第二项\n\nThe service is unavailable today."
    )


# --- PDF ------------------------------------------------------------------------------------


def test_pdf_pages(fx: dict[str, Path]) -> None:
    raw = read_file(fx["pdf"])
    assert (raw.fmt, raw.encoding) == ("pdf", "pdf")
    assert len(raw.page_starts) == 2
    assert raw.page_starts[0] == 0
    page1, page2 = raw.text[: raw.page_starts[1]], raw.text[raw.page_starts[1] :]
    assert "第一页的内容：人工智能产业发展。" in page1
    assert "第二页" not in page1
    assert page2.startswith("第二页：算力中心建设。")
    assert "加快建设智能算力中心。" in page2
    assert raw.text[raw.page_starts[1] - 1] == "\n"


def test_pdf_encrypted_with_password(tmp_path: Path, fx: dict[str, Path]) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(fx["pdf"]))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    err = _error(path)
    assert err.reason == "encrypted PDF"
    assert "locked.pdf" in str(err)


def test_pdf_encrypted_with_empty_password_opens(tmp_path: Path, fx: dict[str, Path]) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(fx["pdf"]))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "no-print.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    raw = read_file(path)
    assert "第二页：算力中心建设。" in raw.text
    assert len(raw.page_starts) == 2


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "scan.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    err = _error(path)
    assert err.reason == "PDF has no text layer (scanned?); OCR it first"
    assert "scan.pdf" in str(err)


def test_pdf_single_page_generator() -> None:
    assert make_pdf((("一页。",),)).startswith(b"%PDF-1.4")


# --- DOCX -----------------------------------------------------------------------------------


def test_docx_paragraphs_and_table_in_order(fx: dict[str, Path]) -> None:
    raw = read_file(fx["docx"])
    assert (raw.fmt, raw.encoding) == ("docx", "docx")
    assert raw.text == "\n".join(DOCX_LINES)
    assert "\n甲 | 乙 | 丙\n" in raw.text


def test_docx_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"this is not a zip file")
    err = _error(path)
    assert err.reason.startswith("corrupt DOCX: ")
    assert "broken.docx" in str(err)


def test_docx_zip_without_document(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    path = tmp_path / "empty-zip.docx"
    path.write_bytes(buf.getvalue())
    assert _error(path).reason.startswith("corrupt DOCX: ")


def test_docx_truncated(tmp_path: Path, fx: dict[str, Path]) -> None:
    data = fx["docx"].read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    assert _error(path).reason.startswith("corrupt DOCX: ")


# --- failures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty", "empty file"),
        ("truncated_pdf", "corrupt or truncated PDF: "),
        ("binary_txt", "binary content, not text (looks like a PNG image)"),
        ("unknown", "unsupported file type '.xyz'; supported: .txt .md .html .htm .pdf .docx"),
    ],
)
def test_bad_fixtures(fx: dict[str, Path], name: str, reason: str) -> None:
    err = _error(fx[name])
    assert fx[name].name in str(err)
    assert err.path == str(fx[name].resolve())
    assert err.reason.startswith(reason)
    assert str(err) == f"{err.path}: {err.reason}"


def test_whitespace_only_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.md"
    path.write_text(" \n\t\r\n　\n", encoding="utf-8")
    assert _error(path).reason == "empty file"


def test_missing_file(tmp_path: Path) -> None:
    err = _error(tmp_path / "gone.txt")
    assert err.reason == "cannot read: No such file or directory"
    assert "gone.txt" in str(err)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
        (b"PK\x03\x04\x14\x00\x06\x00", "a ZIP archive or Office document"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(64), "an ELF executable"),
        (bytes((i * 37 + 11) % 256 for i in range(4096)), "binary data (contains NUL bytes)"),
        (bytes(range(1, 32)) * 20 + "正文".encode(), "binary data (many control characters)"),
        (
            bytes((i * 7 + 1) % 255 + 1 for i in range(4096)),
            "binary data (many control characters)",
        ),
    ],
)
def test_binary_renamed_txt(tmp_path: Path, data: bytes, kind: str) -> None:
    path = tmp_path / "renamed.txt"
    path.write_bytes(data)
    assert _error(path).reason == f"binary content, not text (looks like {kind})"


# --- encodings that are not UTF-8 ---------------------------------------------------------

BIG5_DOC = (
    "臺北市政府資訊局函\n"
    "主旨：為推動本市人工智慧應用發展，請各機關於本年度十月底前提報智慧應用場景需求。\n"
    "說明：\n"
    "一、依據本府「智慧城市推動方案」辦理。\n"
    "二、各機關提報之需求，經審查通過者，將優先補助新臺幣五百萬元以內之建置經費。\n"
)
SHIFT_JIS_DOC = (
    "人工知能の研究開発を推進するため、政府は新たな戦略を策定しました。\n"
    "東京都では、データセンターの整備と人材育成を進めています。\n"
)


def test_big5_text_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "taipei.txt"
    path.write_bytes(BIG5_DOC.encode("big5"))
    raw = read_file(path)
    assert (raw.encoding, raw.text, raw.warnings) == ("big5", BIG5_DOC, ())


def test_gb18030_traditional_characters_stay_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "trad_gbk.txt"
    path.write_bytes(BIG5_DOC.encode("gb18030"))
    raw = read_file(path)
    assert (raw.encoding, raw.text) == ("gb18030", BIG5_DOC)


@pytest.mark.parametrize(
    "data",
    [
        SHIFT_JIS_DOC.encode("shift_jis"),
        bytes(0x20 + b % 0xE0 for b in random.Random(7).randbytes(3000)),
        bytes(b | 0x80 for b in random.Random(8).randbytes(3000)),
    ],
    ids=["shift_jis", "random_printable_bytes", "random_high_bytes"],
)
def test_implausible_decodings_are_rejected(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "garbled.txt"
    path.write_bytes(data)
    assert _error(path).reason == "cannot determine the encoding: save as UTF-8"


def test_one_stray_byte_in_utf8_is_replaced_with_a_warning(tmp_path: Path) -> None:
    good = "第一行：人工智能产业发展。\n第二行：算力基础设施建设。\n"
    path = tmp_path / "stray.txt"
    path.write_bytes(good.encode() + b"\xff" + "第三行：完善政策。\n".encode())
    raw = read_file(path)
    assert raw.encoding == "utf-8"
    assert raw.text == good + "\ufffd第三行：完善政策。\n"
    assert raw.warnings == ("1 invalid UTF-8 byte(s) replaced with U+FFFD (first on line 3)",)


def test_html_whose_declared_charset_does_not_fit_is_detected(tmp_path: Path) -> None:
    page = f"<html><head><meta charset=gb2312></head><body><p>{BIG5_DOC}</p></body></html>"
    path = tmp_path / "lying.html"
    path.write_bytes(page.encode("big5"))
    raw = read_file(path)
    assert raw.encoding == "big5"
    assert "人工智慧應用發展" in raw.text


# --- iter_files -----------------------------------------------------------------------------


def test_iter_files_fixture_folder(fx: dict[str, Path]) -> None:
    folder = fx["gb18030"].parent
    files, skipped = iter_files([folder])
    expected = sorted(
        (p for p in fx.values() if p.suffix.lower() in SUPPORTED and p != fx["empty"]),
        key=lambda p: p.name,
    )
    assert files == expected
    assert skipped == [
        Skipped(str(fx["empty"]), "empty file"),
        Skipped(
            str(fx["unknown"]),
            "unsupported file type '.xyz'; supported: .txt .md .html .htm .pdf .docx",
        ),
    ]


def test_iter_files_recursion_hidden_dedup(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("乙", encoding="utf-8")
    (tmp_path / "a.MD").write_text("甲", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "sub" / "data.csv").write_text("x,y", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "hidden.txt").write_text("x", encoding="utf-8")
    (tmp_path / ".secret.txt").write_text("x", encoding="utf-8")
    (tmp_path / "~$lock.docx").write_bytes(b"x")
    (tmp_path / "README").write_text("x", encoding="utf-8")
    explicit = tmp_path / "sub" / "data.csv"

    files, skipped = iter_files(
        [tmp_path, str(tmp_path / "b.txt"), tmp_path, explicit, tmp_path / "nope.txt"]
    )
    assert files == [tmp_path / "a.MD", tmp_path / "b.txt", tmp_path / "sub" / "c.pdf"]
    assert skipped == [
        Skipped(
            str(tmp_path / "README"),
            "unsupported file type (no extension); supported: .txt .md .html .htm .pdf .docx",
        ),
        Skipped(
            str(explicit),
            "unsupported file type '.csv'; supported: .txt .md .html .htm .pdf .docx",
        ),
        Skipped(str(tmp_path / "nope.txt"), "no such file or directory"),
    ]


def test_iter_files_reports_broken_links_loops_and_empty_files(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("正文。", encoding="utf-8")
    (tmp_path / "blank.md").write_text(" \n\t\n　\n", encoding="utf-8")
    (tmp_path / "zero.txt").write_bytes(b"")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (tmp_path / "loop_a.txt").symlink_to(tmp_path / "loop_b.txt")
    (tmp_path / "loop_b.txt").symlink_to(tmp_path / "loop_a.txt")
    files, skipped = iter_files([tmp_path, tmp_path / "dangling.txt"])
    assert files == [tmp_path / "good.txt"]
    assert skipped == [
        Skipped(str(tmp_path / "blank.md"), "empty file"),
        Skipped(str(tmp_path / "dangling.txt"), "broken symbolic link (its target does not exist)"),
        Skipped(str(tmp_path / "loop_a.txt"), "symbolic link loop"),
        Skipped(str(tmp_path / "loop_b.txt"), "symbolic link loop"),
        Skipped(str(tmp_path / "zero.txt"), "empty file"),
    ]


def test_file_names_that_are_not_utf8(tmp_path: Path) -> None:
    name = os.fsdecode(b"gbk_\xd5\xfe\xb2\xdf.txt")  # 政策 in GBK: surrogate-escaped
    path = tmp_path / name
    try:
        path.write_text("政策文件正文。", encoding="utf-8")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system does not take non-UTF-8 names")
    files, skipped = iter_files([tmp_path])
    assert (files, skipped) == ([path], [])
    raw = read_file(files[0])
    assert raw.text == "政策文件正文。"
    assert os.fsencode(raw.path).endswith(b"gbk_\xd5\xfe\xb2\xdf.txt")


def test_pdf_cut_in_the_middle_names_the_damage_quietly(
    tmp_path: Path, fx: dict[str, Path], capfd: pytest.CaptureFixture[str]
) -> None:
    data = fx["pdf"].read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 3] + data[2 * len(data) // 3 :])  # %%EOF still there
    err = _error(path)
    assert err.reason.startswith("corrupt or truncated PDF: Object ")
    assert err.reason.endswith(" not defined (part of the file missing?)")
    assert "no text layer" not in err.reason
    captured = capfd.readouterr()
    assert "not defined" not in captured.err and "startxref" not in captured.err


# --- fixtures and real corpus ---------------------------------------------------------------


def test_fixtures_are_deterministic(tmp_path: Path) -> None:
    first = make_fixtures(tmp_path / "one")
    second = make_fixtures(tmp_path / "two")
    assert first.keys() == second.keys()
    for name in first:
        assert first[name].read_bytes() == second[name].read_bytes(), name


CORPUS_FILES = sorted(CORPUS.glob("*.txt"))


def test_corpus_present() -> None:
    assert len(CORPUS_FILES) >= 5


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_real_corpus_files(path: Path) -> None:
    raw = read_file(path)
    data = path.read_bytes()
    assert raw.fmt == "txt"
    assert raw.encoding == "utf-8"
    assert raw.text == data.decode("utf-8")
    assert raw.content_hash == hashlib.sha256(data).hexdigest()
    assert raw.path == str(path)
