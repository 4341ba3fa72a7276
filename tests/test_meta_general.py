"""Metadata on documents other than the bundled corpus: the common shapes of Chinese government
pages and documents (label blocks, 印发 notices, reply letters, signatures, plain articles)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.clean import clean_text
from rag.ingest import read_file
from rag.meta import DOC_NUMBER_RE, extract_meta, iso_date
from rag.types import DocMeta

DOCS = Path(__file__).resolve().parent / "fixtures" / "docs_meta"

EXPECTED = {
    # portal page: breadcrumb, label block with "：", a label whose value is on the next line
    "foshan_portal_label_block.txt": DocMeta(
        title="佛山市人民政府办公室关于印发佛山市加快推进人工智能产业发展若干措施的通知",
        issuer="佛山市人民政府办公室",
        date="2024-03-12",
        doc_number="佛府办函〔2024〕18号",
        region="佛山市",
    ),
    # tab-separated label/value pairs, two per line; no signature: 成文日期 dates it
    "anhui_tab_label_block.txt": DocMeta(
        title="安徽省人民政府办公厅关于印发安徽省通用人工智能创新发展三年行动计划的通知",
        issuer="安徽省人民政府办公厅",
        date="2023-09-08",
        doc_number="皖政办〔2023〕11号",
        region="安徽省",  # not 黄山 or 长江, which the body names
    ),
    # red-head letterhead, 文号 line, 印发 title, signature with a Chinese-numeral date, then the
    # attachment (安家补贴) and the print-office line
    "qinglan_yinfa_notice.txt": DocMeta(
        title="青岚市人民政府办公室关于印发青岚市促进人工智能产业高质量发展若干措施的通知",
        issuer="青岚市人民政府办公室",
        date="2024-06-18",
        doc_number="青政办发〔2024〕12号",
        region="青岚市",
    ),
    # issue 15: a first line "X市人民政府办公室关于…若干措施", 安家 (jieba: ns) all through the body
    "qinglan_talent_measures.txt": DocMeta(
        title="青岚市人民政府办公室关于支持人工智能人才来青岚创新创业的若干措施",
        issuer="青岚市人民政府办公室",
        date=None,
        doc_number=None,
        region="青岚市",
    ),
    # reply letter: letterhead, "A类", 文号 with 签发人, addressee, contact line, signature
    "mianyang_reply_letter.txt": DocMeta(
        title="关于市八届人大三次会议第56号建议的答复",
        issuer="绵阳市经济和信息化局",
        date="2023-07-05",
        doc_number="绵经信建复〔2023〕8号",
        region="绵阳市",
    ),
    # 复函 title wrapped over two lines; a province's bureau that names its cities in the body
    "zhejiang_reply_fuhan.txt": DocMeta(
        title="关于省十四届人大二次会议第1234号建议的复函",
        issuer="浙江省经济和信息化厅",
        date="2024-06-05",
        doc_number=None,
        region="浙江省",
    ),
    # plain news article: headline, "发布时间 / 来源 / 浏览次数" line
    "jiangning_plain_article.txt": DocMeta(
        title="南京市江宁区举办人工智能产业对接会",
        issuer="江宁区科学技术局",  # the page names its source
        date="2024-06-13",
        doc_number=None,
        region="南京市江宁区",
    ),
    # a province's opinion that names 泰山 and 黄河 more often than the province itself
    "shandong_mountain_opinion.txt": DocMeta(
        title="关于推进人工智能赋能文化和旅游高质量发展的实施意见",
        issuer=None,
        date=None,
        doc_number=None,
        region="山东省",
    ),
    # autonomous prefecture, 文号 in square brackets, 二○二三年十二月二十八日 (○, not 〇)
    "yanbian_cn_numeral_date.txt": DocMeta(
        title="延边朝鲜族自治州人民政府办公室关于印发延边州数字经济发展行动方案的通知",
        issuer="延边朝鲜族自治州人民政府办公室",
        date="2023-12-28",
        doc_number="延州政办发[2023]25号",
        region="延边朝鲜族自治州",
    ),
    # autonomous region, 文号 in ASCII parentheses
    "guangxi_paren_docnum.txt": DocMeta(
        title="广西壮族自治区工业和信息化厅关于组织申报2024年人工智能应用场景的通知",
        issuer="广西壮族自治区工业和信息化厅",
        date="2024-04-02",
        doc_number="桂工信函(2024)102号",
        region="广西壮族自治区",
    ),
    # a high-tech zone's committee: the region is the city the zone belongs to
    "xian_hightech_zone.txt": DocMeta(
        title="西安高新区管委会关于印发西安高新区支持人工智能产业发展若干政策的通知",
        issuer="西安高新区管委会",
        date="2023-11-20",
        doc_number=None,
        region="西安市",
    ),
    # portal capture with label and value separated by spaces (生成日期 = the written date)
    "hangzhou_portal_spaces.txt": DocMeta(
        title="杭州市经济和信息化局关于公布2024年度人工智能示范场景名单的通知",
        issuer="杭州市经济和信息化局",
        date="2024-05-20",
        doc_number="杭经信〔2024〕33号",
        region="杭州市",
    ),
    # a county's 批复 that also names its province and prefecture in the body
    "xiapu_county_reply.txt": DocMeta(
        title="霞浦县人民政府关于同意设立霞浦县人工智能产业园的批复",
        issuer="霞浦县人民政府",
        date="2024-01-09",
        doc_number=None,
        region="霞浦县",
    ),
    # a guide that names no place, issuer or date
    "no_place_article.txt": DocMeta(title="人工智能大模型应用指南"),
}


def test_every_fixture_has_an_expectation() -> None:
    assert sorted(p.name for p in DOCS.glob("*.txt")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_metadata_of_other_documents(name: str) -> None:
    raw = (DOCS / name).read_text(encoding="utf-8")
    assert extract_meta(clean_text(raw).text) == EXPECTED[name]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024年6月18日", "2024-06-18"),
        ("2024 年 6 月 8 日", "2024-06-08"),
        ("发布日期：2023-09-12 10:30", "2023-09-12"),
        ("2022.11.3", "2022-11-03"),
        ("二〇二四年六月十八日", "2024-06-18"),
        ("二○二三年十二月二十八日", "2023-12-28"),
        ("二〇一九年十月一日", "2019-10-01"),
        ("二〇二〇年一月三十一日", "2020-01-31"),
        # a signature line that lost its 年 in a copy: the year has four digits, so it is whole
        ("20239月5日", "2023-09-05"),
        ("201912月30", "2019-12-30"),
        ("2024年13月1日", None),
        ("第268号建议", None),
        ("全年增长20239月", None),  # only a whole line is read as a lost-年 date
    ],
)
def test_iso_date(text: str, iso: str | None) -> None:
    assert iso_date(text) == iso


def test_signature_date_with_lost_year_on_another_document() -> None:
    text = "关于加快数字经济发展的通知\n各区：\n请认真执行。\n宁波市经济和信息化局\n20239月5日"
    meta = extract_meta(text)
    assert (meta.issuer, meta.date, meta.region) == ("宁波市经济和信息化局", "2023-09-05", "宁波市")


def test_label_value_on_the_next_line_and_empty_labels() -> None:
    text = (
        "发文机关\n青岚市科学技术局\n文号\n青科发〔2022〕7号\n主题分类：\n成文日期\n2022年3月4日\n"
        "关于开展2022年度科技型中小企业评价工作的通知\n各县（市、区）科技局：\n现就有关事项通知如下。"
    )
    assert extract_meta(text) == DocMeta(
        title="关于开展2022年度科技型中小企业评价工作的通知",
        issuer="青岚市科学技术局",
        date="2022-03-04",
        doc_number="青科发〔2022〕7号",
        region="青岚市",
    )


@pytest.mark.parametrize(
    "text",
    [
        "对新引进人才发放安家补贴，安家补贴分三年发放。\n安家费标准另行制定。",
        "泰山是五岳之首。登泰山而小天下。\n黄河流经九个省区。",
        "我市全市人工智能产业规模持续增长。\n全省各地积极推进。",
    ],
)
def test_no_region_from_common_nouns_landmarks_or_generic_words(text: str) -> None:
    assert extract_meta(text).region is None


def test_region_prefers_an_administrative_name_over_a_bare_place_word() -> None:
    text = (
        "泰山、黄河、泰山景区和黄河口是文旅名片。\n泰山旅游收入增长。\n泰安市将加快建设智慧景区。"
    )
    assert extract_meta(text).region == "泰安市"


@pytest.mark.parametrize(
    "number",
    ["青政办发〔2024〕12号", "延州政办发[2023]25号", "桂工信函(2024)102号", "国办发（2017）35号",
     "湘工信提案函【2021】254号", "苏政发〔2019〕第8号"],
)  # fmt: skip
def test_doc_number_shapes(number: str) -> None:
    assert DOC_NUMBER_RE.fullmatch(number)
    assert extract_meta(f"{number}\n\n关于加强人工智能安全治理的通知\n").doc_number == number


def test_doc_numbers_cited_in_the_body_are_not_the_documents_own() -> None:
    text = (
        "关于落实国家规划的实施意见\n"
        "根据《新一代人工智能发展规划》（国发〔2017〕35号），提出如下意见。"
    )
    assert extract_meta(text).doc_number is None


def test_a_bare_city_name_is_completed_from_the_gazetteer() -> None:
    text = "成都推进人工智能产业建圈强链\n近日，成都发布人工智能产业生态图谱，集聚企业800余家。"
    assert extract_meta(text).region == "成都市"


def test_a_city_whose_name_is_a_common_word_needs_its_suffix() -> None:
    assert extract_meta("加强区域合作，深化产学研合作。\n推动合作共赢。").region is None
    assert extract_meta("合作市推进智慧牧业建设。\n合作市加强区域合作。").region == "合作市"


def test_html_portal_page_with_a_label_table() -> None:
    # label cells come out of the HTML as " | "-separated rows, which must not be joined
    raw = read_file(DOCS.parent / "docs_html" / "ningbo_portal_table.html")
    assert extract_meta(clean_text(raw.text).text) == DocMeta(
        title="关于印发宁波市人工智能产业发展行动方案的通知",
        issuer="宁波市经济和信息化局",
        date="2024-02-28",
        doc_number="甬经信〔2024〕9号",
        region="宁波市",
    )


@pytest.mark.parametrize(
    ("tail", "issuer", "date"),
    [
        ("青岚市科学技术局　　　　2024年5月6日", "青岚市科学技术局", "2024-05-06"),
        (
            "青岚市科学技术局　　青岚市财政局\n2024年5月6日",
            "青岚市科学技术局、青岚市财政局",
            "2024-05-06",
        ),
        (
            "青岚市科学技术局\n二〇二四年五月六日\n（此件主动公开）",
            "青岚市科学技术局",
            "2024-05-06",
        ),
        ("青岚市工业和信\n息化局\n2024年5月6日", "青岚市工业和信息化局", "2024-05-06"),
    ],
)
def test_signature_shapes(tail: str, issuer: str, date: str) -> None:
    text = f"关于做好2024年度科技项目申报工作的通知\n各县（市、区）：\n请按要求申报。\n{tail}"
    meta = extract_meta(text)
    assert (meta.issuer, meta.date, meta.region) == (issuer, date, "青岚市")


def test_a_traditional_chinese_notice_of_the_roc_calendar() -> None:
    text = (
        "嘉澄縣政府公告\n"
        "發文日期：中華民國114年2月5日\n"
        "發文字號：府建字第1140012345號\n"
        "主旨：公告「嘉澄縣數位轉型推動計畫（114年至117年）」，請查照。\n"
        "嘉澄縣數位轉型推動計畫（114年至117年）\n"
        "壹、計畫緣起\n"
        "為提升縣府服務品質，訂定本計畫。\n"
        "貳、計畫經費\n"
        "一、總經費：新臺幣2.5億元。\n"
    )
    cleaned = clean_text(text).text
    assert extract_meta(cleaned) == DocMeta(
        title="嘉澄縣數位轉型推動計畫（114年至117年）",
        issuer="嘉澄縣政府",
        date="2025-02-05",
        doc_number="府建字第1140012345號",
        region="嘉澄縣",
    )
    # the formal numerals open sections: the heading is not joined to the sentence after it
    assert "壹、計畫緣起\n為提升" in cleaned
    assert iso_date("民國113年12月31日") == "2024-12-31"


def test_a_header_line_of_spaced_fields_is_not_joined_to_the_title() -> None:
    text = (
        "青数函〔2024〕9号                              签发人：赵某某\n\n"
        "青岚市数据局关于市人大第0021号建议的答复\n\n"
        "李某某代表：\n\n您提出的建议收悉。现答复如下：\n"
    )
    meta = extract_meta(clean_text(text).text)
    assert meta.title == "青岚市数据局关于市人大第0021号建议的答复"
    assert meta.doc_number == "青数函〔2024〕9号"


def test_a_long_title_before_a_blank_line_is_not_joined_to_the_first_paragraph() -> None:
    text = (
        "澄江市数据局关于2026年度公共数据授权运营首批试点项目入选名单及后续管理安排的公示\n\n"
        "根据《澄江市公共数据授权运营管理办法》，经专家评审，现将入选名单公示如下。\n"
        "这是一个很长的句子，它在这里被硬换行切\n\n断了。\n"
    )
    assert clean_text(text).text.split("\n") == [
        "澄江市数据局关于2026年度公共数据授权运营首批试点项目入选名单及后续管理安排的公示",
        "根据《澄江市公共数据授权运营管理办法》，经专家评审，现将入选名单公示如下。",
        "这是一个很长的句子，它在这里被硬换行切断了。",
    ]


def test_a_public_notice_a_policy_reading_and_a_grant_guide_have_their_labels_read() -> None:
    notice = extract_meta(
        clean_text(
            "澄江市数据局关于2026年度公共数据开发利用试点项目拟支持名单的公示\n\n"
            "经专家评审，现予公示。\n\n澄江市数据局\n2026年3月2日\n"
        ).text
    )
    assert notice.title == "澄江市数据局关于2026年度公共数据开发利用试点项目拟支持名单的公示"
    assert (notice.issuer, notice.date) == ("澄江市数据局", "2026-03-02")
    reading = extract_meta(
        clean_text(
            "《澄江市数据券管理办法》政策解读\n\n发布机关：澄江市数据局\n发布日期：2026年5月9日\n\n"
            "问：什么是数据券？\n答：数据券是电子凭证。\n"
        ).text
    )
    assert (reading.title, reading.issuer, reading.date) == (
        "《澄江市数据券管理办法》政策解读",
        "澄江市数据局",
        "2026-05-09",
    )
    guide = extract_meta(
        clean_text(
            "澄江市中小企業數位轉型補助計畫\n115年度申請須知\n\n主辦機關：澄江市政府經濟發展局\n"
            "執行單位：財團法人澄江產業研究院\n公告日期：中華民國115年2月10日\n"
        ).text
    )
    assert (guide.issuer, guide.date) == ("澄江市政府經濟發展局", "2026-02-10")


def test_a_work_report_is_dated_by_its_delivery_subtitle() -> None:
    meta = extract_meta(
        clean_text(
            "澄江县2026年政府工作报告\n\n——2026年1月12日在澄江县第九届人民代表大会第五次会议上\n"
            "澄江县人民政府县长　某某某\n\n一、过去一年工作回顾\n"
        ).text
    )
    assert (meta.title, meta.date) == ("澄江县2026年政府工作报告", "2026-01-12")


def test_the_fields_of_a_record_stay_on_their_own_lines() -> None:
    text = (
        "时　　间：2026年4月2日下午3:00\n主 持 人：副市长、领导小组组长　某某某\n"
        "参会单位：市发展改革委、市数据局\n记　　录：某某\n"
        "会议听取了市数据局关于全市数据要素市场建设情况的汇报，研究了有关事项，现将有关事项纪要\n"
        "如下：\n"
    )
    assert clean_text(text).text.split("\n") == [
        "时　　间：2026年4月2日下午3:00",
        "主 持 人：副市长、领导小组组长　某某某",
        "参会单位：市发展改革委、市数据局",
        "记　　录：某某",
        "会议听取了市数据局关于全市数据要素市场建设情况的汇报，研究了有关事项，现将有关事项纪要如下：",
    ]


def test_a_bilingual_press_release_has_its_headline_issuer_date_and_region() -> None:
    meta = extract_meta(
        clean_text(
            "新聞公報　Press Release\n\n澄海特別行政區政府創新科技辦公室\n"
            "Innovation Office, Chenghai SAR Government\n\n2026年5月6日（星期三）\n6 May 2026\n\n"
            "「數碼轉型配對計劃」接受申請\nMatching Scheme opens for applications\n\n"
            "　　創新科技辦公室今日宣布，計劃每家企業資助上限為50萬港元。\n"
        ).text
    )
    assert meta.title == "「數碼轉型配對計劃」接受申請"
    assert (meta.issuer, meta.date, meta.region) == (
        "澄海特別行政區政府創新科技辦公室",
        "2026-05-06",
        "澄海特別行政區",
    )


def _meta(text: str) -> DocMeta:
    return extract_meta(clean_text(text).text)


def test_a_local_standards_front_page() -> None:
    text = (
        "ICS 03.080\nCCS A 12\nDB6612\n澜川市地方标准\nDB6612/T 007—2025\n\n"
        "公共服务智能客服系统运行管理规范\n\n2025-02-10发布　　　　2025-04-01实施\n"
        "澜川市市场监督管理局　发布\n\n前言\n本文件由澜川市政务服务中心提出。\n"
    )
    assert _meta(text) == DocMeta(
        title="公共服务智能客服系统运行管理规范",
        issuer="澜川市市场监督管理局",
        date="2025-02-10",
        doc_number="DB6612/T 007—2025",
        region="澜川市",
    )


def test_labels_below_the_first_sentence_belong_to_the_body() -> None:
    text = (
        "蔚江市城市大脑二期项目竞争性磋商公告\n\n"
        "发布时间：2025-05-06　来源：蔚江市公共资源交易中心\n"
        "项目概况\n潜在供应商应于2025年5月20日9时30分（北京时间）前提交响应文件。\n"
        "一、采购人信息\n名称：蔚江市大数据管理局\n联系电话：0731-1234567\n"
    )
    meta = _meta(text)
    assert meta.title == "蔚江市城市大脑二期项目竞争性磋商公告"  # not the buyer's 名称
    assert meta.region == "蔚江市"  # 北京时间 names no place
    assert meta.issuer == "蔚江市公共资源交易中心" and meta.date == "2025-05-06"


def test_a_taiwan_county_news_page_with_breadcrumbs_and_a_short_roc_date() -> None:
    text = (
        "溪岡縣政府全球資訊網 > 縣政新聞 > 新聞稿\n\n發布單位：溪岡縣政府資訊處\n"
        "發布日期：113-11-02\n點閱次數：2,048\n\n溪岡推動智慧長照 三年投入新臺幣3億元\n\n"
        "　　溪岡縣政府2日宣布，將於114年1月1日起推動智慧長照計畫。\n"
    )
    assert _meta(text) == DocMeta(
        title="溪岡推動智慧長照三年投入新臺幣3億元",
        issuer="溪岡縣政府資訊處",
        date="2024-11-02",
        doc_number=None,
        region="溪岡縣",
    )
    assert iso_date("114年1月1日") == "2025-01-01" and iso_date("版本 1.2.3") is None


def test_a_headline_naming_its_series_and_a_markdown_title() -> None:
    assert _meta("新聞公報\n\n立法會三題：智慧交通試點\n\n　　以下是今日的答覆：\n").title == (
        "立法會三題：智慧交通試點"
    )
    md = "# 岑江市数据局2025年部门决算说明\n\n发布时间：2025-08-01\n\n## 一、基本情况\n内容。\n"
    meta = _meta(md)
    assert meta.title == "岑江市数据局2025年部门决算说明" and meta.region == "岑江市"


def test_a_procurement_notice_is_named_by_its_project_and_issued_by_its_buyer() -> None:
    page = (
        "政府電子採購網\n首頁 > 標案查詢 > 決標公告\n\n決標公告\n\n機關資料\n"
        "機關代碼：3.80.11.2\n機關名稱：岑港市政府資訊處\n單位名稱：資訊管理科\n"
        "標案案號：CG114-007\n標案名稱：岑港市智慧客服系統建置案\n"
        "預算金額：新臺幣5,200,000元\n"
    )
    meta = extract_meta(page)
    assert meta.title == "岑港市智慧客服系統建置案"
    assert (meta.issuer, meta.region) == ("岑港市政府資訊處", "岑港市")


def test_an_english_page_is_named_by_its_headline_and_dated_by_its_update_line() -> None:
    page = (
        "Cenjiang City Unveils 12 Measures to Boost AI Industry\n"
        "Source: Information Office of Cenjiang | Updated: 2026-03-19\n\n"
        "CENJIANG, March 18 -- Cenjiang City on Tuesday released 12 measures.\n"
    )
    meta = extract_meta(page)
    assert (meta.title, meta.date) == (
        "Cenjiang City Unveils 12 Measures to Boost AI Industry",
        "2026-03-19",
    )


def test_a_bulletins_masthead_and_issue_line_are_no_title_and_a_proposal_is_titled_by_its_subject():
    bulletin = (
        "岑川统计　　统计快报\n2026年第10期（总第118期）\n"
        "岑川市统计局　岑川市数据局　　　　　　　　2026年11月20日\n\n"
        "2026年1—10月全市数字经济运行情况\n\n1—10月，全市数字经济核心产业增加值412.6亿元。\n"
    )
    meta = extract_meta(bulletin)
    assert (meta.title, meta.date) == ("2026年1—10月全市数字经济运行情况", "2026-11-20")
    proposal = (
        "政协岑阳市第九届委员会第五次会议提案\n\n提案号：第0127号\n"
        "案由：关于加快补齐中小企业人工智能应用短板的提案\n提案人：周敏华\n提交日期：2026年1月12日\n"
    )
    meta = extract_meta(proposal)
    assert (meta.title, meta.date) == ("关于加快补齐中小企业人工智能应用短板的提案", "2026-01-12")


def test_a_social_media_posts_headline_place_and_timestamp() -> None:
    post = (
        "速看！云岫县数据券来了，每家企业最高补贴30万元🔥\n"
        "原创 云岫发布 云岫发布 2025年09月03日 18:45 发表于云岫\n\n"
        "好消息！云岫县首批数据券正式开放申领。\n"
    )
    meta = extract_meta(post)
    assert (meta.title, meta.region, meta.date) == (
        "速看！云岫县数据券来了，每家企业最高补贴30万元🔥",
        "云岫县",
        "2025-09-03",
    )
    # a first line running on in clauses is a sentence, not a headline
    prose = "云岫县召开会议，研究部署数据工作，要求各部门抓好落实，确保按期完成。\n正文。\n"
    assert extract_meta(prose).title is None
