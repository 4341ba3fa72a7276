"""Write small, deterministic ingestion fixtures (one per format and failure mode)."""

from __future__ import annotations

import codecs
import io
import zipfile
from pathlib import Path

# Expected decoded texts, shared with the tests so both sides use one source of truth.
GB18030_TEXT = (
    "关于推进人工智能产业发展的实施意见\n"
    "\n"
    "一、总体要求\n"
    "坚持创新驱动，推动人工智能与实体经济深度融合。\n"
    "到2025年，全市人工智能核心产业规模达到100亿元。\n"
    "\n"
    "二、重点任务\n"
    "（一）加强算力基础设施建设。\n"
)
UTF8_BOM_TEXT = "第一条　为了规范公共数据管理，制定本办法。\n第二条　本办法适用于本市行政区域。\n"
UTF16_TEXT = "关于加快发展数字经济的若干措施\n一、培育数据要素市场。\n二、建设算力网络。\n"
BIG5_TEXT = "臺灣數位發展部公告：推動資料經濟發展。"

HTML_ARTICLE = (
    "关于印发算力基础设施高质量发展行动计划的通知\n"
    "\n"
    "各区人民政府，市政府各部门：\n"
    "\n"
    "现将《算力基础设施高质量发展行动计划》印发给你们，请认真贯彻执行。\n"
    "\n"
    "一、总体要求\n"
    "到2025年，全市算力规模超过300 EFLOPS。\n"
    "\n"
    "指标 | 目标值\n"
    "算力规模 | 300 EFLOPS"
)
HTML_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>关于印发算力基础设施高质量发展行动计划的通知</title>
<style>.menu { color: red; } body { font-family: SimSun; }</style>
<script>var trackingCode = "UA-000000"; function showMenu() { return 1; }</script>
</head>
<body>
<header class="site-header"><div class="logo">某某市人民政府门户网站</div></header>
<nav id="main-nav"><ul>
  <li><a href="/">首页</a></li>
  <li><a href="/zwgk">政务公开</a></li>
  <li><a href="/hdjl">互动交流</a></li>
</ul></nav>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 政策文件</div>
<article>
  <h1>关于印发算力基础设施高质量发展行动计划的通知</h1>
  <p>各区人民政府，市政府各部门：</p>
  <p>现将《算力基础设施高质量发展行动计划》印发给你们，请认真贯彻执行。</p>
  <p>一、总体要求<br>到2025年，全市算力规模超过300&nbsp;EFLOPS。</p>
  <table>
    <tr><th>指标</th><th>目标值</th></tr>
    <tr><td>算力规模</td><td>300 EFLOPS</td></tr>
  </table>
  <!-- 编辑：张三 -->
</article>
<div class="share-bar">分享到：微信 微博</div>
<footer>
  <p>主办单位：某某市人民政府办公厅</p>
  <p>备案号:京ICP备12345678号</p>
</footer>
<noscript>请启用JavaScript</noscript>
</body>
</html>
"""

PDF_PAGES = (
    ("人工智能产业发展报告", "第一页的内容：人工智能产业发展。"),
    ("第二页：算力中心建设。", "加快建设智能算力中心。"),
)

DOCX_LINES = (
    "数据要素市场化配置改革方案",
    "一、总体要求",
    "加快培育数据要素市场。",
    "甲 | 乙 | 丙",
    "数据交易所 | 市发展改革委 | 2025年底",
    "二、保障措施",
    "加强组织领导。",
)

# A fixed timestamp keeps the DOCX byte-identical across runs.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _pdf_string(text: str) -> str:
    # UniGB-UCS2-H takes big-endian UCS-2 codes, written as a hex string.
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def _to_unicode_cmap(chars: list[str]) -> bytes:
    # Without a ToUnicode map, extractors cannot turn the CIDs back into characters.
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
    ]
    for i in range(0, len(chars), 100):
        block = chars[i : i + 100]
        lines.append(f"{len(block)} beginbfchar")
        for ch in block:
            code = ch.encode("utf-16-be").hex().upper()
            lines.append(f"<{code}> <{code}>")
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def make_pdf(pages: tuple[tuple[str, ...], ...]) -> bytes:
    """A minimal PDF with one text line per string, in the non-embedded CJK font STSong-Light."""
    # Hand-written because no CJK TrueType font is available for fpdf2 on build machines.
    chars = sorted({ch for page in pages for line in page for ch in line})
    n_pages = len(pages)
    font_id = 3 + 2 * n_pages
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        (
            "<< /Type /Pages /Kids ["
            + " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
            + f"] /Count {n_pages} >>"
        ).encode("ascii"),
    ]
    for i, page in enumerate(pages):
        ops = ["BT", "/F1 14 Tf", "20 TL", "72 770 Td"]
        for line in page:
            ops += [f"{_pdf_string(line)} Tj", "T*"]
        ops.append("ET")
        stream = "\n".join(ops).encode("ascii")
        objects.append(
            (
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {4 + 2 * i} 0 R >>"
            ).encode("ascii")
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    cmap = _to_unicode_cmap(chars)
    objects += [
        (
            "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
            f"/DescendantFonts [{font_id + 1} 0 R] /ToUnicode {font_id + 3} 0 R >>"
        ).encode("ascii"),
        (
            "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
            f"/FontDescriptor {font_id + 2} 0 R /DW 1000 >>"
        ).encode("ascii"),
        (
            b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
            b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
            b"/CapHeight 880 /StemV 93 >>"
        ),
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_docx() -> bytes:
    """A DOCX with paragraphs and a 2x3 table between them, byte-identical on every run."""
    import docx

    document = docx.Document()
    document.add_paragraph(DOCX_LINES[0])
    document.add_paragraph(DOCX_LINES[1])
    document.add_paragraph(DOCX_LINES[2])
    table = document.add_table(rows=2, cols=3)
    for r in range(2):
        for c, value in enumerate(DOCX_LINES[3 + r].split(" | ")):
            table.cell(r, c).text = value
    document.add_paragraph(DOCX_LINES[5])
    document.add_paragraph(DOCX_LINES[6])
    buf = io.BytesIO()
    document.save(buf)
    # python-docx stamps zip entries with the current time; rewrite them with a fixed one.
    fixed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    return fixed.getvalue()


def make_fixtures(dir: Path) -> dict[str, Path]:
    """Write every fixture into dir and return their paths by name."""
    dir.mkdir(parents=True, exist_ok=True)
    pdf = make_pdf(PDF_PAGES)
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
        + bytes(range(256))
    )
    contents: dict[str, tuple[str, bytes]] = {
        "gb18030": ("gb18030.txt", GB18030_TEXT.replace("\n", "\r\n").encode("gb18030")),
        "utf8_bom": ("utf8_bom.txt", UTF8_BOM_TEXT.encode("utf-8-sig")),
        "utf16": ("utf16.txt", codecs.BOM_UTF16_LE + UTF16_TEXT.encode("utf-16-le")),
        "html": ("page.html", HTML_PAGE.encode("utf-8")),
        "html_big5": (
            "big5.htm",
            (
                '<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5">'
                f"</head><body><p>{BIG5_TEXT}</p></body></html>"
            ).encode("big5"),
        ),
        "pdf": ("policy.pdf", pdf),
        "docx": ("policy.docx", make_docx()),
        "empty": ("empty.txt", b""),
        "truncated_pdf": ("truncated.pdf", pdf[: len(pdf) // 2]),
        "binary_txt": ("image.txt", png),
        "unknown": ("notes.xyz", "不支持的格式。\n".encode()),
    }
    paths: dict[str, Path] = {}
    for name, (filename, data) in contents.items():
        path = dir / filename
        path.write_bytes(data)
        paths[name] = path
    return paths


if __name__ == "__main__":
    import sys

    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    for fixture, fixture_path in make_fixtures(out_dir).items():
        print(f"{fixture}: {fixture_path}")
