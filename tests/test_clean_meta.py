"""Cleaning and metadata on the real corpus and on small texts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from rag.chunk import chunk_document
from rag.clean import clean_text, is_page_chrome
from rag.indexing import PROCESSING_VERSION, document_from_text, passage_text
from rag.meta import extract_meta
from rag.text.tokenize import tokenize
from rag.types import DocMeta

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _clean(name: str) -> tuple[str, str]:
    raw = (CORPUS / name).read_text(encoding="utf-8")
    return raw, clean_text(raw).text


def test_cleaned_text_is_a_subsequence_with_an_exact_offset_map() -> None:
    for path in CORPUS.glob("*.txt"):
        raw = path.read_text(encoding="utf-8")
        cleaned = clean_text(raw)
        for c, r, n in cleaned.spans:
            assert cleaned.text[c : c + n] == raw[r : r + n]
        assert sum(n for _, _, n in cleaned.spans) == len(cleaned.text)
        for i in range(0, len(cleaned.text), 97):
            assert raw[cleaned.raw_offset(i)] == cleaned.text[i]


def test_web_chrome_and_artefacts_are_removed() -> None:
    _, wuxi = _clean("wuxi-xinwu-2024-reply-cppcc-20.txt")
    assert "字体大小" not in wuxi and "放大 正常 缩小" not in wuxi
    assert "Baidu" not in wuxi and not wuxi.rstrip().endswith("map")
    _, wenzhou = _clean("wenzhou-2024-reply-cppcc-2.txt")
    assert "[bookmark" not in wenzhou
    assert "余向前委员：\n您在市政协十二届三次会议期间" in wenzhou
    _, hunan = _clean("hunan-2021-reply-cppcc-0192.txt")
    assert "ICP备" not in hunan and "公网安备" not in hunan and "政府网站标识码" not in hunan
    assert "题裁分类" not in hunan  # empty web metadata field
    assert "\n\n" not in hunan and "\n\n" not in wenzhou


def test_hard_wrapped_lines_are_joined_and_labels_stay_separate() -> None:
    _, jilin = _clean("jilin-city-2018-ai-implementation-opinion.txt")
    assert "人工智能企业和创新创业人才集聚作用初步显现" in jilin
    assert "充分发挥智能化对经济社会发展的驱动作用" in jilin
    assert "一、指导思想\n全面贯彻" in jilin  # a heading is not joined to its body
    _, jincheng = _clean("jincheng-2024-reply-npc-268.txt")
    assert "着力打造晋城人工智能产业链的核心技术策源地" in jincheng
    assert "负责人：\n承办人：张伟伟\n联系电话：2218762" in jincheng


def test_clean_small_text() -> None:
    raw = (
        "  标题行\n\n\n这是一个很长的句子，它在这里被硬换行切\n\n断了。\n"
        "二、下一步\n[bookmark: _Hlk1]正文。\n"
    )
    cleaned = clean_text(raw)
    assert (
        cleaned.text == "标题行\n这是一个很长的句子，它在这里被硬换行切断了。\n二、下一步\n正文。"
    )


EXPECTED = {
    "jincheng-2024-reply-npc-268.txt": DocMeta(
        title="关于市八届人大四次会议第268号建议的答复",
        issuer="晋城市工业和信息化局",
        date="2024-06-18",
        doc_number=None,
        region="晋城市",
    ),
    "wuxi-xinwu-2024-reply-cppcc-20.txt": DocMeta(
        title="对区政协二届三次会议第20号提案的答复函",
        issuer="无锡高新区(新吴区)工业和信息化局",
        date="2024-07-23",
        doc_number=None,
        region="无锡市",
    ),
    "wenzhou-2024-reply-cppcc-2.txt": DocMeta(
        title="关于市政协十二届三次会议2号提案的答复函",
        issuer=None,  # the reply never names its issuing bureau
        date="2024-06-27",
        doc_number="温科提复〔2024〕111号",
        region="温州市",  # named so in its text; was "温州" (the bare jieba word)
    ),
    "jilin-city-2018-ai-implementation-opinion.txt": DocMeta(
        title="关于促进新一代人工智能产业发展的实施意见",
        issuer="吉林市人民政府",
        date="2018-11-29",
        doc_number="吉市政发〔2018〕15号",
        region="吉林市",
    ),
    "hunan-2021-reply-cppcc-0192.txt": DocMeta(
        title="对省政协十二届四次会议第0192号提案的答复",
        issuer="湖南省工业和信息化厅",
        date="2021-06-23",  # signed "20216月23" in the capture
        doc_number="湘工信提案函〔2021〕254号",
        region="湖南省",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_metadata_of_every_bundled_document(name: str) -> None:
    _, text = _clean(name)
    assert extract_meta(text) == EXPECTED[name]


def test_unknown_metadata_is_none() -> None:
    assert extract_meta("一些没有标题的文字。\n另一段。") == DocMeta()


# --- page chrome on pages other than the corpus ----------------------------------------------

PORTAL_CAPTURE = """网站首页 | 政务公开 | 政务服务 | 互动交流
无障碍浏览  长者模式  English
当前位置：首页 > 政务公开 > 政策文件 > 市政府文件
青岚市人民政府关于加快数据要素市场建设的意见
发布时间：2024-05-06 【字体：大 中 小】 【打印】 【关闭】
var _hmt = _hmt || [];
各县（市、区）人民政府：
为加快培育数据要素市场，现提出如下意见。
一、建设数据交易平台。到2025年，数据交易额突破10亿元。
二、完善数据产权制度。首页展示的数据目录每季度更新一次。
分享到：微信 | 微博 | QQ空间
扫一扫在手机打开当前页
上一篇
下一篇
Top
主办单位：青岚市人民政府办公室  承办单位：青岚市大数据中心
版权所有：青岚市人民政府 滇ICP备00000000号
We use cookies to improve your experience. Accept all
"""


def test_page_chrome_of_another_portal_is_removed() -> None:
    cleaned = clean_text(PORTAL_CAPTURE)
    assert cleaned.text == (
        "青岚市人民政府关于加快数据要素市场建设的意见\n"
        "发布时间：2024-05-06\n"
        "各县（市、区）人民政府：\n"
        "为加快培育数据要素市场，现提出如下意见。\n"
        "一、建设数据交易平台。到2025年，数据交易额突破10亿元。\n"
        "二、完善数据产权制度。首页展示的数据目录每季度更新一次。"
    )
    for c, r, n in cleaned.spans:  # deletion only: every kept run is the raw text
        assert cleaned.text[c : c + n] == PORTAL_CAPTURE[r : r + n]


@pytest.mark.parametrize(
    "line",
    [
        "首页",
        "网站地图 | 联系我们",
        "返回顶部",
        "分享到：",
        "您现在的位置：首页 » 新闻中心 » 部门动态",
        "Home",
        "Baidu map",
        "function showMenu() {",
        "document.write('<img src=x>')",
        "本网站使用Cookie，继续浏览即表示您同意我们使用Cookie",
        "— 6 —",
        "- 12 -",
        "第 2 页 共 5 页",
        "Page 3 of 5",
    ],
)
def test_chrome_lines(line: str) -> None:
    assert is_page_chrome(line)


@pytest.mark.parametrize(
    "line",
    [
        "首页展示的数据目录每季度更新一次。",
        "一、关闭落后产能",
        "二是打印出版产业提质增效",
        "市场 > 政府 > 社会三方协同，形成合力推动数字经济高质量发展的良好格局",
        "AI",
        "ChatGPT",
        "ICT",
        "— 2025年工作要点 —",
        "2024",
        "第六条",
    ],
)
def test_content_lines_are_not_chrome(line: str) -> None:
    assert not is_page_chrome(line)


def test_latin_lines_stay_in_english_pages() -> None:
    raw = "Introduction\nThe city will build a computing centre by 2025.\nNext Steps\nWe will act."
    assert clean_text(raw).text == raw
    assert not is_page_chrome("Introduction", chinese_page=False)


def test_footer_is_cut_only_near_the_end() -> None:
    body = "".join(f"第{i}段正文，介绍工作进展。\n" for i in range(10))
    early = "主办单位：青岚市科学技术局\n" + body
    assert clean_text(early).text.startswith("主办单位：青岚市科学技术局\n第0段")
    late = body + "版权所有 © 2024 青岚市科学技术局\n地址：青岚市人民路1号\n"
    assert clean_text(late).text.endswith("第9段正文，介绍工作进展。")


def test_table_rows_are_not_joined_as_hard_wraps() -> None:
    raw = "索引号： | 0001/2024 | 主题分类： | 工业、交通\n发布机构： | 青岚市科学技术局"
    assert clean_text(raw).text == raw


# What the text processing makes of the fixture documents, recorded with its version. When this
# test fails, cleaning, metadata, chunking or tokenizing changed what an index holds: bump
# rag.indexing.PROCESSING_VERSION (existing indexes then read their files again) and record the
# new pair here.
PROCESSING_FINGERPRINT = (9, "0cd93df278dcf843")


def _processing_fingerprint(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.glob("*.txt")):
        doc = document_from_text(path.read_text("utf-8"), path=path.name)
        chunks = chunk_document(doc, chunk_tokens=350, overlap_sentences=1)
        record = [
            doc.text,
            list(doc.spans),
            doc.title,
            doc.issuer,
            doc.date,
            doc.doc_number,
            doc.region,
            [
                [c.text, c.start_char, c.end_char, c.line_start, c.line_end, c.heading]
                for c in chunks
            ],
            [tokenize(passage_text(doc, c)) for c in chunks],
        ]
        h.update(json.dumps(record, ensure_ascii=False, default=str).encode("utf-8"))
    return h.hexdigest()[:16]


def test_text_processing_changes_bump_the_processing_version() -> None:
    folder = Path(__file__).parent / "fixtures" / "docs_meta"
    assert (PROCESSING_VERSION, _processing_fingerprint(folder)) == PROCESSING_FINGERPRINT
