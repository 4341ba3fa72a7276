"""The question side on documents and questions other than the bundled corpus.

A small library of invented policy documents (a city that does not exist, a real province, a
reply letter) indexed with the hashing embedder; every rule is checked on text written here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answer.citations import Passage
from rag.answer.extractive import _whole_sentences
from rag.answer.followup import condense_question
from rag.answer.messages import NOT_FOUND
from rag.answer.sufficiency import coverage, covers, judge, metric_variants, missing_terms
from rag.config import load_settings
from rag.meta import extract_meta
from rag.pipeline import Engine, build_index
from rag.query import build_query, english_aliases, region_spellings
from rag.text.facts import (
    alternatives_in,
    asked_kinds,
    asked_title_endings,
    exact_phrases,
    named_kind_asked,
    phases_in,
    roc_years_in,
    stated_value,
    states,
    states_asked,
    states_deadline,
    states_title_of_kind,
    year_written,
    years_in,
    yes_no_topics,
)
from rag.text.lang import normalise, question_language, to_simplified
from rag.text.lexicon import glossary, lexicon, use_user_dirs
from rag.text.places import gazetteer_places, place_stem
from rag.types import Chunk, CorpusStats, Document, Hit

CANGLAN = """青岚市人民政府办公室关于印发青岚市支持人工智能产业发展若干措施的通知
青政办发〔2023〕7号
各区人民政府，市政府各部门：
现将《青岚市支持人工智能产业发展若干措施》印发给你们，请认真贯彻执行。
一、总体目标
到2025年，全市人工智能核心产业规模达到120亿元，集聚人工智能企业80家以上。
二、主要措施
（一）支持算力建设。对新建智算中心按设备投资的10%给予补助，最高500万元。
（二）支持人才引进。对引进的顶尖人才给予安家补贴100万元。
（三）支持场景开放。每年发布人工智能应用场景清单，遴选示范项目20个。
（四）支持企业上市。对在境内外上市的人工智能企业给予一次性奖励300万元。
三、保障措施
本措施由市工业和信息化局负责解释，联系人：林晓，联系电话：0571-88886666。
青岚市人民政府办公室
2023年3月15日
"""

HUAIYANG = """淮阳省工业和信息化厅关于省人大代表第88号建议的答复
周明代表：
您提出的《关于加快发展智能网联汽车的建议》收悉，现答复如下：
近年来，我厅大力推进智能网联汽车产业发展。2022年全省智能网联汽车产值达到350亿元，同比增长18%。
目前全省共有智能网联汽车整车企业12家，零部件企业260余家。
下一步，我们将重点做好以下工作：一是完善测试道路，二是建设车联网先导区，三是培育龙头企业。
淮阳省工业和信息化厅
2023年6月30日
"""

LINHAI = """临海市工业和信息化局关于市政协十届二次会议第36号提案的答复
陈立 委员：

  您提出的《关于加快临海市机器人产业集聚发展的建议》收悉。现答复如下：

  一、关于政策支持。近年来，我局先后出台《临海市机器人产业发展三年行动计划(2023-2025年)》《临海市智能制造专项政策》，加大机器人产业集聚发展支持力度。
  二、关于平台建设。临海市机器人产业园已集聚企业45家。
临海市工业和信息化局
2024年5月20日
"""

SUNAN = """苏南市科技局关于人工智能专项资金的说明
苏南市设立人工智能专项资金，每年安排2亿元，支持关键技术攻关。
2024年共支持攻关项目35个，带动企业研发投入18亿元。
苏南市科技局
2024年12月1日
"""


def _engine_over(tmp_path: Path, texts: dict[str, str]) -> Engine:
    """An engine over invented documents (file name -> text), hash embedder."""
    (tmp_path / "docs").mkdir()
    for name, text in texts.items():
        (tmp_path / "docs" / name).write_text(text, "utf-8")
    settings = load_settings(index_dir=str(tmp_path / "ix"), embedder="hash")
    build_index([tmp_path / "docs"], settings)
    return Engine(settings)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    docs = tmp_path_factory.mktemp("other_docs")
    (docs / "canglan.txt").write_text(CANGLAN, "utf-8")
    (docs / "huaiyang.txt").write_text(HUAIYANG, "utf-8")
    (docs / "sunan.txt").write_text(SUNAN, "utf-8")
    settings = load_settings(index_dir=str(tmp_path_factory.mktemp("other_ix")), embedder="hash")
    build_index([docs], settings)
    return Engine(settings)


# ---------------------------------------------------------------- pure text stages


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("全市有多少家人工智能企业？", ("count:家",)),
        ("智算中心补助最高多少钱？", ("money",)),
        ("产值同比增长率是多少？", ("percent",)),
        ("这份通知是哪天印发的？", ("date",)),
        ("通知的文号是什么？", ("doc_number",)),
        ("联系人是谁？", ("contact",)),
        ("这项建议是哪位代表提出的？", ("addressee",)),
        ("由哪个部门负责解释？", ("unit",)),
        ("how many enterprises are there?", ("count:家个",)),
        ("how many AI and robotics enterprises are there?", ("count:家个",)),
        ("Who is the contact person?", ("contact",)),
        ("哪几年的计划？", ("date",)),
        ("人工智能企业数分别是多少？", ("count:家个",)),
        ("全市高校数量有多少？", ("count:所",)),
        # the counter-like character begins a word: the noun counted comes later in the clause
        ("园区有多少人工智能和机器人企业？", ("count:家个",)),
        ("全市有多少家人工智能企业？", ("count:家",)),
    ],
)
def test_asked_kinds(question: str, kinds: tuple[str, ...]) -> None:
    assert asked_kinds(normalise(question))[: len(kinds)] == kinds


def test_stated_kinds_need_the_asked_counter_and_unit() -> None:
    assert states("count:家", "集聚企业80家以上")
    assert states("count:家", "零部件企业260余家")
    assert not states("count:家", "遴选示范项目20个")
    assert states("money", "最高500万元") and not states("money", "增长18%")
    assert states("percent", "同比增长18%")
    assert stated_value("contact", "联系人：林晓，联系电话：0571-88886666") == "林晓"
    assert stated_value("unit", "（牵头单位：市科技局，配合单位：市财政局）") == "市科技局"
    assert years_in("到2025年，2023-2025年") == ["2025", "2023"]
    # years and dates are not counted things when the counter is unknown
    assert not states("count:", "出台《三年行动计划(2023-2025年)》")
    assert not states("quantity", "2024年5月20日")
    assert states("count:", "累计培养4万名专业技师")


def test_stated_kinds_in_the_shapes_general_text_uses() -> None:
    # a magnitude between the number and its counter
    assert states("count:台", "全省约有1.5亿台终端") and states("count:人", "服务3000万人次")
    # a ratio answers a question about a proportion; a time of day does not
    assert states("percent", "师生比例约为1:12") and not states("percent", "上午9:30开馆")
    # dates of other calendars and times of day, not durations
    for sentence in ("庚子年三月迁都", "民国18年设县", "光绪二十六年建成", "开元元年(713年)改元"):
        assert states("date", sentence), sentence
    for sentence in ("实施三年行动计划", "力争五年内建成", "连续三年增长"):
        assert not states("date", sentence), sentence
    assert states("date", "只在工作日上午开放") and states("date", "读大学的时候创办了公司")
    # a name in corner brackets, the quotation marks of Traditional Chinese text
    assert states("title", "正式名称为「青岚市人工智能创新中心」")
    # a body that acts names the unit responsible
    assert states("unit", "市数据资源局负责平台的建设和运维。")
    assert not states("unit", "平台建设和运维由社会资本参与。")


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        # the noun is the kind of thing asked about, not a figure or a number to dial
        ("这些公用电话后来被改为哪一种形式的电话？", ()),
        ("黏性与哪种淀粉的比例有关？", ()),
        ("热线电话是多少？", ("phone",)),
        ("研发投入占营收的比例是多少？", ("percent",)),
        # a superlative is not a size asked for
        ("哪一项是全市最大规模的活动？", ()),
        ("这次活动的规模如何？", ("quantity",)),
    ],
)
def test_a_type_question_does_not_ask_for_the_figure_of_its_noun(
    question: str, kinds: tuple[str, ...]
) -> None:
    assert asked_kinds(normalise(question)) == kinds


def test_a_question_naming_a_kind_of_document_asks_for_a_title_of_that_kind() -> None:
    assert asked_title_endings(normalise("第36号提案的题目是什么？"))[:2] == ("建议", "提案")
    assert asked_title_endings("what is the subject of proposal no. 36?")[:1] == ("建议",)
    assert asked_title_endings(normalise("文件名称是什么？")) == ()
    endings = ("建议", "提案")
    assert states_title_of_kind("您提出的《关于加快机器人产业发展的建议》收悉", endings)
    assert not states_title_of_kind("先后出台《三年行动计划(2023-2025年)》", endings)


def test_traditional_and_full_width_text_normalise_for_matching() -> None:
    assert to_simplified("無錫高新區集聚了多少家企業") == "无锡高新区集聚了多少家企业"
    assert normalise("２０２３年（一）") == "2023年(一)"
    assert question_language("How many firms?") == "en"
    assert question_language("青岚市有多少家企业？") == "zh"


def test_places_come_from_the_gazetteer_not_only_the_tagger() -> None:
    # jieba tags 大同 as an adverb and 烟台 as a noun: the division list knows both
    assert gazetteer_places("富士康在大同累计培养了多少技术人才") == ["大同"]
    assert gazetteer_places("总部放在了烟台") == ["烟台"]
    assert gazetteer_places("矿区治理") == []  # a district name only when written whole
    assert place_stem("淮阳省") == "淮阳" and place_stem("新吴区") == "新吴"


def test_query_is_built_once_with_everything_later_steps_read() -> None:
    stats = CorpusStats(idf={}, pinyin_map={}, metadata_text="青岚市人民政府办公室")
    q = build_query("青岚市2023年人工智能核心产业规模是多少亿元？", stats=stats)
    assert q.lang == "zh" and q.years == ("2023",) and q.shape == "fact"
    assert q.metrics == ("产业规模",) and "money" in q.slots
    # a place the documents' metadata names is checked against documents, not as a key term
    assert q.places == ("青岚",) and not any("青岚" in t for t in q.terms)
    assert build_query("？？？").is_empty and build_query("'; DROP TABLE x;--").is_empty
    assert build_query("\x00\x00").text == ""
    listing = build_query("青岚市支持人工智能产业发展有哪些主要措施？")
    assert listing.shape == "list"
    assert build_query("各地对人才的补贴分别是多少？").shape == "compare"
    # several documents asked about at once
    assert build_query("On what dates were the three reply letters signed?").shape == "compare"
    assert build_query("这三份答复是哪天落款的？").shape == "compare"
    assert build_query("这份答复是哪天落款的？").shape == "fact"


def test_a_city_and_its_district_in_one_document_are_one_place_not_a_comparison() -> None:
    stats = CorpusStats(
        idf={},
        pinyin_map={"linhai": "临海", "xingang": "新港区"},
        metadata_text="临海市新港区 临海市新港区工业和信息化局\n淮阳省 淮阳省工业和信息化厅",
    )
    one = build_query("在临海市的大会上，新港区有几个项目签约？", stats=stats)
    assert one.shape == "fact" and set(one.places) == {"临海", "新港"}
    assert build_query("临海市和淮阳省的企业有多少家？", stats=stats).shape == "compare"


def test_dense_query_is_put_in_the_script_the_library_is_written_in() -> None:
    simplified = CorpusStats(idf={}, pinyin_map={}, traditional_share=0.0)
    traditional = CorpusStats(idf={}, pinyin_map={}, traditional_share=1.0)
    assert build_query("無錫有多少家企業？", stats=simplified).dense_text == "无锡有多少家企业？"
    assert build_query("無錫有多少家企業？", stats=traditional).dense_text == "無錫有多少家企業？"
    assert build_query("无锡有多少家企业？", stats=traditional).dense_text == "無錫有多少家企業？"


def test_the_attribute_asked_weighs_less_than_the_topic() -> None:
    # the sentence stating a value rarely repeats the attribute's name ("祖籍" -> "河南洛阳人")
    assert build_query("元皇后祖籍何处？").attributes == ("祖籍",)
    assert build_query("某市的产业规模是多少？").attributes == ("产业规模",)
    assert build_query("某市有多少家企业？").attributes == ()
    assert build_query("塔顶的经纬度是多少？").attributes == ("经纬度",)
    assert build_query("2023年全市有多少家企业？").attributes == ()  # the count is of 企业
    # pieces of the question phrase are not key terms
    assert build_query("会通河在哪一年开始动工？").terms == ("开始", "动工")
    # words jieba's dictionary tags as places are not places (generic_places lexicon)
    assert build_query("果实的长度约是多少厘米？").places == ()
    # times without a number state a time
    assert states("date", "盛花期为夏季") and states("date", "始于唐末五代时期")


def test_english_clauses_and_possessives_do_not_change_what_is_asked() -> None:
    question = "When opening the park, how many of the city's universities joined?"
    assert asked_kinds(normalise(question)) == ("count:所",)
    assert asked_kinds("when was the notice issued?") == ("date",)


def test_english_aliases_take_phrases_then_words_and_pinyin_names() -> None:
    aliases = english_aliases(
        "Who is the contact person of the Canglan guidance fund?", {"canglan": "苍岚"}
    )
    assert aliases == ["联系人", "引导基金", "引导", "基金", "苍岚"]


def test_a_documents_place_is_named_in_pinyin_by_any_reading_of_its_characters() -> None:
    # 峤 reads jiao or qiao, 长 chang or zhang: an English question may spell either
    spellings = region_spellings(["峤山市"])
    assert spellings["qiaoshan"] == "峤山" and spellings["jiaoshan"] == "峤山"
    assert spellings["qiaoshanshi"] == "峤山市"


def test_how_many_points_a_list_has_is_not_a_figure_asked_for() -> None:
    assert build_query("报告对今后的发展趋势分几点说说？").shape == "list"
    assert build_query("报告对今后的发展趋势分几点说说？").slots == ()
    assert build_query("边啲企业可以申请？").shape == "list"
    assert build_query("服务大厅几点开门？").shape != "list"


def test_user_lexicons_extend_the_bundled_ones(tmp_path: Path) -> None:
    (tmp_path / "glossary_en.txt").write_text("hydrogen\t氢能\n", "utf-8")
    (tmp_path / "policy_terms.txt").write_text("低空经济\n", "utf-8")
    try:
        use_user_dirs(str(tmp_path))
        assert glossary("glossary_en")["hydrogen"] == "氢能"
        assert "低空经济" in lexicon("policy_terms") and "人工智能" in lexicon("policy_terms")
    finally:
        use_user_dirs("")
    assert "hydrogen" not in glossary("glossary_en")


def test_users_extend_the_asker_roles_and_units_lexicons(tmp_path: Path) -> None:
    question = "作为一名分析师，青岚市园区占地多少公亩？"
    assert build_query(question).normalised.startswith("作为一名分析师")
    (tmp_path / "asker_roles.txt").write_text("分析师\n", "utf-8")
    (tmp_path / "measure_units.txt").write_text("公亩\n", "utf-8")
    try:
        use_user_dirs(str(tmp_path))
        query = build_query(question)
        assert query.normalised.startswith("青岚市") and query.slots == ("measure:公亩",)
    finally:
        use_user_dirs("")
    assert build_query(question).normalised.startswith("作为一名分析师")


def test_follow_ups_resolve_against_the_whole_conversation() -> None:
    history = [
        ("青岚市人工智能产业链有多少家企业？", "80家[1]"),
        ("那新材料产业链呢？", "30家[1]"),
    ]
    assert (
        condense_question("那新材料产业链呢？", history[:1]) == "青岚市新材料产业链有多少家企业？"
    )
    third = condense_question("那它们的总投资加起来是多少？", history)
    assert third.startswith("青岚市新材料产业链") and "总投资" in third
    assert "呢" not in third
    assert condense_question("淮阳省有多少家整车企业？", history) == "淮阳省有多少家整车企业？"


# ---------------------------------------------------------------- answers on other documents


def test_fact_answer_cites_the_stating_sentence(engine: Engine) -> None:
    answer = engine.ask("淮阳省智能网联汽车整车企业有多少家？")
    assert answer.answered and answer.kind == "fact"
    assert "12家" in answer.text
    quote = answer.citations[0]
    assert quote.source == "huaiyang.txt" and quote.line_start == quote.line_end == 5


def test_two_part_question_gets_the_proposer_and_the_proposals_own_title(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "linhai.txt").write_text(LINHAI, "utf-8")
    (tmp_path / "docs" / "huaiyang.txt").write_text(HUAIYANG, "utf-8")
    settings = load_settings(index_dir=str(tmp_path / "ix"), embedder="hash")
    build_index([tmp_path / "docs"], settings)
    answer = Engine(settings).ask("市政协十届二次会议第36号提案由哪位委员提出，题目是什么？")
    assert answer.answered and answer.kind == "fact"
    assert "陈立" in answer.text
    assert "关于加快临海市机器人产业集聚发展的建议" in answer.text
    assert "三年行动计划" not in answer.text  # another document's title is not the one asked
    assert [c.line_start for c in answer.citations] == [2, 4]


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("淮阳省2019年智能网联汽车产值是多少？", "not for 2019"),  # a year nobody states
        ("淮阳省智能网联汽车的营收是多少？", "does not state 营收"),  # a metric nobody states
        ("青岚市对引进人才的租房补贴标准是多少？", "does not state 租房"),  # 安家补贴 is not it
        ("海口市智能网联汽车产值是多少？", "海口"),  # a place not in the library
    ],
)
def test_near_misses_are_refused_with_their_reason(
    engine: Engine, question: str, reason: str
) -> None:
    answer = engine.ask(question)
    assert not answer.answered and answer.citations == ()
    assert answer.text.startswith(NOT_FOUND["zh"])
    assert any(reason in r for r in answer.reasons), answer.reasons


def test_a_person_no_document_names_is_not_answered_about(engine: Engine) -> None:
    named = engine.ask("周明代表提出的建议题目是什么？")
    assert named.answered and "关于加快发展智能网联汽车的建议" in named.text
    other = engine.ask("李华代表提出的建议题目是什么？")
    assert not other.answered and other.citations == ()
    assert "李华 is not in the documents found" in other.reasons


def test_a_tagged_name_with_a_joined_neighbour_still_names_the_person() -> None:
    from rag.answer.extractive import _names

    assert _names("高句丽和望平设在玄菟郡", "和望平") and _names("占领佩琴加", "了佩琴")
    assert not _names("张永海开始效力于辽宁队", "杨昊")


def test_meaningless_questions_are_refused(engine: Engine) -> None:
    for question in ("？？？", "😀😀", "'; DROP TABLE x;--"):
        answer = engine.ask(question)
        assert not answer.answered and answer.citations == ()
        assert answer.reasons == ("the question names nothing to look up",)


def test_list_question_gets_the_items_of_the_section(engine: Engine) -> None:
    answer = engine.ask("青岚市支持人工智能产业发展有哪些主要措施？")
    assert answer.answered and answer.kind == "list"
    lines = answer.text.split("\n")
    assert lines[0].startswith("青岚市") and "共4项" in lines[0]
    assert [c.line_start for c in answer.citations] == [8, 9, 10, 11]
    assert "安家补贴100万元" in answer.citations[1].quote
    shown = {h.chunk.chunk_id for h in answer.contexts}
    assert all(c.chunk_id in shown for c in answer.citations)


def test_a_list_named_inline_in_one_sentence_is_quoted_whole(tmp_path: Path) -> None:
    engine = _engine_over(
        tmp_path,
        {
            "baiyun.txt": (
                "白云市人工智能产业发展实施意见\n"
                "一、总体要求\n"
                "坚持创新驱动，以智慧交通、智慧医疗、智慧教育、智慧农业等领域为发展重点，培育新兴产业。\n"
                "二、重点任务\n"
                "（一）建设算力平台。新建智算中心一座。\n"
                "（二）引进领军人才。每年引进人才100名。\n"
            ),
        },
    )
    answer = engine.ask("白云市确定的人工智能发展重点领域有哪些？")
    assert answer.answered and answer.kind == "list"
    assert answer.reasons == ("names the items in one sentence",)
    assert [c.line_start for c in answer.citations] == [3]
    assert "智慧交通、智慧医疗、智慧教育、智慧农业" in answer.citations[0].quote


LANXI = """兰溪市科学技术局关于市政协第15号提案的答复
周明委员：
您提出的关于发展人工智能的提案收悉，现答复如下。
一、工作进展
近年来，我市支持星河光电、远山智造等龙头企业联合高校开展技术攻关。
截至2023年12月31日，全市人工智能企业达到45家，年营收超过60亿元。
二、下一步工作
下一步，我们将从企业、平台、人才等方面，重点做好以下几方面工作：
1.培育一批创新企业。每年新增科技型企业30家。
2.建设一批公共平台。建成算力服务平台2个。
3.引育一批高端人才。引进博士50名。
三、保障措施
（一）加强组织领导。
成立由分管副市长任组长的工作专班，统筹推进各项工作。
（二）加大资金投入。
市财政每年安排专项资金5000万元。
（三）优化服务环境。
建立企业服务专员制度，帮助企业解决困难。
联系人：陈静，联系电话：0579-88001234。
兰溪市科学技术局
2024年5月20日
"""


@pytest.fixture(scope="module")
def lanxi(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    docs = tmp_path_factory.mktemp("lanxi_docs")
    (docs / "lanxi.txt").write_text(LANXI, "utf-8")
    settings = load_settings(index_dir=str(tmp_path_factory.mktemp("lanxi_ix")), embedder="hash")
    build_index([docs], settings)
    return Engine(settings)


def test_a_figure_asked_in_a_unit_must_be_stated_in_that_unit(tmp_path: Path) -> None:
    assert asked_kinds("产业园占地多少亩？") == ("measure:亩",)
    assert asked_kinds("建筑面积是多少平方米") == ("measure:平方米",)
    assert states("measure:亩", "园区规划占地1.2万亩") and states("measure:亩", "占地300余亩")
    assert not states("measure:亩", "园区引进企业20家")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "donghu.txt").write_text(
        "东湖市人工智能产业园建设情况\n东湖市人工智能产业园位于滨江新区，已引进企业20家。\n",
        "utf-8",
    )
    (tmp_path / "docs" / "xiling.txt").write_text(
        "西岭市人工智能小镇建设情况\n西岭市人工智能小镇规划占地800亩，一期已建成。\n", "utf-8"
    )
    settings = load_settings(index_dir=str(tmp_path / "ix"), embedder="hash")
    build_index([tmp_path / "docs"], settings)
    engine = Engine(settings)
    missing = engine.ask("东湖市人工智能产业园占地多少亩？")
    assert not missing.answered and "states no measure" in missing.reasons
    stated = engine.ask("西岭市人工智能小镇占地多少亩？")
    assert stated.answered and "800亩" in stated.citations[0].quote


def test_the_date_of_the_document_is_its_date_line_not_a_date_it_mentions(lanxi: Engine) -> None:
    answer = lanxi.ask("兰溪市科学技术局这份答复是哪天发出的？")
    assert answer.answered
    assert answer.citations[0].quote == "2024年5月20日" and answer.citations[0].line_start == 21


def test_the_noun_naming_the_asked_kind_is_not_a_key_term(lanxi: Engine) -> None:
    # "落款日期": the signature states a date without the word 日期
    answer = lanxi.ask("兰溪市科学技术局这份答复的落款日期是哪天？")
    assert answer.answered and answer.citations[0].quote == "2024年5月20日"


def test_a_salutation_line_names_the_person_a_letter_answers(tmp_path: Path) -> None:
    engine = _engine_over(
        tmp_path,
        {
            "reply.txt": (
                "关于市政协第9号提案的答复\n"
                "孙立委员：\n"
                "您提出的《关于发展智能制造的提案》收悉，现答复如下。\n"
                "我市已建成智能工厂12家。\n"
                "负责人：\n"
                "承办人：王磊\n"
                "联系电话：0579-1234567\n"
            ),
        },
    )
    title = engine.ask("孙立委员提的那份提案叫什么名字？")
    assert title.answered and "《关于发展智能制造的提案》" in title.citations[0].quote
    handler = engine.ask("这份答复的承办人是谁？")
    assert handler.answered and handler.citations[0].quote == "承办人：王磊"
    # "负责人：" is left empty: the 承办人 on the next line is not the person in charge
    assert not engine.ask("这份答复的负责人是谁？").answered


def test_who_a_reply_was_written_to_asks_for_its_addressee() -> None:
    assert "addressee" in asked_kinds("这几份答复分别是回复给哪位委员或代表的？")
    assert "addressee" not in asked_kinds("这份建议的承办人是谁？")
    query = build_query("青岚市和淮阳市这几份答复分别是回复给哪位委员或代表的？")
    # both alternatives name the kind of answer; the places name the documents
    assert query.terms == () and "addressee" in query.slots and query.shape == "compare"


def test_a_number_the_question_names_picks_the_document(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    for name, number, person, title in (
        ("a.txt", "0192", "孙立同志", "关于发展智能制造的建议"),
        ("b.txt", "27", "钱峰委员", "关于建设算力中心的提案"),
    ):
        (tmp_path / "docs" / name).write_text(
            f"对市政协第{number}号提案的答复\n{person}：\n您提出的《{title}》收悉，现答复如下。\n"
            "我市高度重视政协委员提案办理工作。\n",
            "utf-8",
        )
    for i in range(4):  # other documents, so that 委员 and 提案 are rare words
        (tmp_path / "docs" / f"other{i}.txt").write_text(
            f"第{i}份工作简报\n本月完成项目{i}个。\n", "utf-8"
        )
    settings = load_settings(index_dir=str(tmp_path / "ix"), embedder="hash")
    build_index([tmp_path / "docs"], settings)
    answer = Engine(settings).ask("第0192号提案是哪位委员提的？提案题目是什么？")
    assert answer.answered
    assert {c.source for c in answer.citations} == {"a.txt"}, answer


def test_each_question_of_a_two_question_text_gets_its_sentence(lanxi: Engine) -> None:
    answer = lanxi.ask("兰溪市成立的工作专班由谁任组长？企业服务专员制度是为了什么？")
    assert answer.answered
    assert [c.line_start for c in answer.citations] == [14, 18]


def test_a_phase_the_question_names_must_be_the_phase_stated(tmp_path: Path) -> None:
    assert phases_in("基金二期规模") == ("2期",)
    assert phases_in("首期10亿元，第一期已运行") == ("1期",)
    assert phases_in("第三批试点名单") == ("3批",)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "fund.txt").write_text(
        "北川市产业基金情况\n北川市设立总规模50亿元的产业基金，首期5亿元已运行。\n", "utf-8"
    )
    settings = load_settings(index_dir=str(tmp_path / "ix"), embedder="hash")
    build_index([tmp_path / "docs"], settings)
    engine = Engine(settings)
    second = engine.ask("北川市产业基金二期规模是多少？")
    assert not second.answered and "not for phase 2期" in second.reasons
    assert "没有针对第2期的说明" in second.text
    first = engine.ask("北川市产业基金第一期规模是多少？")
    assert first.answered and "首期5亿元" in first.citations[0].quote


def test_words_naming_a_letter_hold_for_its_salutation(tmp_path: Path) -> None:
    engine = _engine_over(
        tmp_path,
        {
            "reply.txt": (
                "对市政协第31号提案的答复\n"
                "吴涛委员：\n"
                "您提出的《关于发展低空经济的建议》收悉，现答复如下。\n"
                + "我市将加快无人机产业园建设，完善低空飞行服务体系。\n" * 3
                + "一、关于培育低空经济龙头企业。我市已引进企业15家。\n"
            ),
        },
    )
    answer = engine.ask("那份关于低空经济的答复，提提案的委员是谁？")
    assert answer.answered and answer.citations[0].quote == "吴涛委员："


def test_deng_closes_a_list_of_the_word_right_after_it(tmp_path: Path) -> None:
    engine = _engine_over(
        tmp_path,
        {
            "labs.txt": (
                "南屏市技术攻关情况\n"
                # 等 closes the companies; 高校 comes later in the clause
                "南屏市技术攻关主要依托甲公司、乙公司等龙头企业联合高校开展。\n"
                "依托甲大学、乙大学、丙学院等高校建设实验室。\n"
            ),
        },
    )
    answer = engine.ask("南屏市技术攻关主要依托哪些高校？")
    assert answer.reasons == ("names the items in one sentence",)
    assert answer.citations[0].line_start == 3


def test_count_and_share_questions_in_colloquial_words() -> None:
    # "多少项目" counts 项目 (its counters), "几个专项" takes whatever counter the text uses
    assert asked_kinds("一共征集了多少项目？")[0] == "count:个项"
    general = asked_kinds("立项了几个重大科技专项？")[0]
    assert states(general, "2023年立项22项") and states(general, "建成3家")
    assert "percent" in asked_kinds("AI相关赛道占多少？")
    assert "percent" not in asked_kinds("产业园占地多少亩？")


def test_rather_is_not_compare_and_which_years_is_not_a_list() -> None:
    assert build_query("有哪些比较知名的企业？").shape == "list"
    assert build_query("比较两地的产业基金规模").shape == "compare"
    assert build_query("行动计划的时间范围是哪几年？").shape == "fact"


def test_the_opening_clause_of_a_paragraph_scopes_its_sentences(tmp_path: Path) -> None:
    engine = _engine_over(
        tmp_path,
        {
            "goals.txt": (
                "东岭市人工智能发展目标\n"
                "到2025年，全市人工智能企业达到100家；建成算力中心2个；争取进入国家级创新示范区。\n"
                "到2030年，全市人工智能企业达到300家。\n"
            ),
        },
    )
    answer = engine.ask("东岭市2025年的目标里，要争取进入什么示范区？")
    assert answer.answered and "国家级创新示范区" in answer.citations[0].quote


def test_english_phases_and_two_asks_of_money_and_share() -> None:
    assert phases_in("the planned capacity of phase two") == ("2期",)
    assert phases_in("the second batch of pilot firms") == ("2批",)
    # two questions: the amount is asked as well as the rate
    assert asked_kinds("完成了多少投资？项目入住率是多少？") == ("money", "percent")
    assert asked_kinds("产值增长率是多少？") == ("percent",)


def test_an_off_topic_english_question_with_one_known_word_is_refused(lanxi: Engine) -> None:
    answer = lanxi.ask("What's a good recipe for chocolate chip cookies?")
    assert not answer.answered and answer.citations == ()
    assert answer.reasons[0].startswith("key terms not covered: ")


def test_a_prose_paragraph_on_the_asked_noun_beats_another_section(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    body = "我市将持续推进人工智能产业发展，加强统筹协调。" * 8
    (tmp_path / "docs" / "reply.txt").write_text(
        f"西湾市关于人工智能产业发展的答复\n{body}\n"
        "一、发展优势\n（一）区位有优势。\n（二）人才有基础。\n"
        "存在的主要问题：我市人工智能产业刚起步，龙头企业较少。\n",
        "utf-8",
    )
    settings = load_settings(index_dir=str(tmp_path / "ix"), embedder="hash")
    build_index([tmp_path / "docs"], settings)
    answer = Engine(settings).ask("西湾市的人工智能产业存在哪些主要问题？")
    assert answer.answered and answer.kind == "fact"
    assert answer.citations[0].quote.startswith("存在的主要问题：")


def test_which_six_directions_is_a_list_and_announcing_sentences_are_not_inline_lists(
    lanxi: Engine,
) -> None:
    assert build_query("政策从哪六大方向发力？").shape == "list"
    answer = lanxi.ask("兰溪市下一步将重点做好哪几方面工作？")
    assert answer.reasons == ("lists 3 items of one section",)


def test_who_is_asking_is_not_what_is_asked() -> None:
    # the asker's job would make 投资 a metric the answer must state
    asked = build_query("我是做科技投资的，想确认一下：青岚市有多少家企业？")
    assert asked.normalised == "青岚市有多少家企业?" and asked.metrics == ()
    assert build_query(
        "作为省里的工作人员想比一下：两市基金规模分别是多少？"
    ).normalised.startswith("两市")
    assert (
        build_query("请问青岚市有多少家企业？").terms == build_query("青岚市有多少家企业？").terms
    )
    # a clause on the subject stays
    assert build_query("作为试点城市，青岚市有哪些任务？").normalised.startswith("作为试点城市")


def test_any_which_question_is_a_list_question() -> None:
    assert build_query("兰溪市列了哪些保障措施？").shape == "list"
    assert build_query("下一步准备做哪几件事？").shape == "list"
    assert build_query("兰溪市人工智能企业有多少家？").shape == "fact"


def test_a_section_of_sub_headings_lists_the_sub_headings(lanxi: Engine) -> None:
    answer = lanxi.ask("兰溪市的答复里列了哪些保障措施？")
    assert answer.kind == "list" and answer.reasons == ("lists 3 items of one section",)
    assert [c.quote for c in answer.citations] == [
        "（一）加强组织领导。",
        "（二）加大资金投入。",
        "（三）优化服务环境。",
    ]
    assert "第13–17行" in answer.text.split("\n")[0]


def test_the_points_an_announcing_paragraph_introduces_are_the_list(lanxi: Engine) -> None:
    answer = lanxi.ask("兰溪市下一步准备重点做好哪几方面工作？")
    assert answer.kind == "list" and answer.reasons == ("lists 3 items of one section",)
    assert [c.line_start for c in answer.citations] == [9, 10, 11]
    assert answer.citations[0].quote.startswith("1.培育一批创新企业。")
    # the lead names the lines of the points, not the rest of the document
    assert "第9–11行" in answer.text.split("\n")[0]


def test_two_items_closed_by_deng_are_an_inline_list(lanxi: Engine) -> None:
    answer = lanxi.ask("兰溪市支持了哪些龙头企业联合高校开展技术攻关？")
    assert answer.reasons == ("names the items in one sentence",)
    assert "星河光电、远山智造" in answer.citations[0].quote


def test_a_paragraph_of_prose_is_not_split_into_a_list(tmp_path: Path) -> None:
    engine = _engine_over(
        tmp_path,
        {
            "hexi.txt": (
                "河西市人工智能产业发展情况\n"
                "河西市人工智能企业主要集中在高新区。全市共有企业52家。其中规模以上企业12家。\n"
            ),
        },
    )
    answer = engine.ask("河西市的人工智能企业主要集中在哪些地方？")
    assert answer.answered and answer.kind != "list"
    assert answer.citations[0].quote == "河西市人工智能企业主要集中在高新区。"


def test_the_subject_named_by_the_opening_line_holds_for_later_sentences(tmp_path: Path) -> None:
    engine = _engine_over(
        tmp_path,
        {
            "fish.txt": (
                "白鹭鱼是青岚湾特有的一种鱼类，属于鲈形目鲈亚目。\n"
                "体长约30厘米，体呈银白色。\n"
                "主要以小虾和藻类为食，夜间活动。\n"
            ),
        },
    )
    answer = engine.ask("白鹭鱼以什么为食？")
    assert answer.answered and 3 in [c.line_start for c in answer.citations]
    assert "小虾和藻类" in answer.text


def test_traditional_question_finds_simplified_text(engine: Engine) -> None:
    answer = engine.ask("淮陽省智能網聯汽車零部件企業有多少家？")
    assert answer.answered and "260余家" in answer.citations[0].quote


def test_english_question_states_the_role_asked(engine: Engine) -> None:
    answer = engine.ask("Who is the contact person for the Canglan measures?")
    assert answer.answered
    assert answer.text.startswith("Contact person: 林晓")
    refused = engine.ask("Who is the contact person for the Huaiyang reply?")
    # the Huaiyang reply names an addressee (周明代表), not a contact person
    assert not refused.answered


def test_comparison_gives_one_line_per_document(engine: Engine) -> None:
    answer = engine.ask("青岚市和淮阳省的企业分别有多少家？")
    assert answer.answered and answer.kind == "compare"
    assert {c.source for c in answer.citations} == {"canglan.txt", "huaiyang.txt"}
    assert "80家" in answer.text and "12家" in answer.text
    # a document that does not state it is named as such, not quoted
    partial = engine.ask("青岚市和苏南市的人工智能专项资金分别是多少？")
    assert partial.kind == "compare" and [c.source for c in partial.citations] == ["sunan.txt"]
    assert "未说明的文件：青岚市" in partial.text


def test_each_place_of_a_comparison_answers_its_own_part(engine: Engine) -> None:
    answer = engine.ask("青岚市人工智能企业数和淮阳省零部件企业数分别是多少？")
    assert answer.kind == "compare"
    assert "80家" in answer.text and "260余家" in answer.text
    assert "苏南" not in answer.text  # a place nobody asked about is not "not stated"


def test_which_documents_an_issuer_made_is_answered_from_every_documents_issuer(
    engine: Engine,
) -> None:
    assert build_query("这些文件中，哪些是由科技部门发布的？").issuer == "科技"
    answer = engine.ask("这几份文件中，哪些是由工业和信息化部门作出的？")
    assert answer.answered and [c.source for c in answer.citations] == ["huaiyang.txt"]
    assert (
        answer.citations[0].quote == "淮阳省工业和信息化厅" and answer.citations[0].line_start == 7
    )
    english = engine.ask("Which documents were issued by the science and technology bureau?")
    assert english.answered and [c.source for c in english.citations] == ["sunan.txt"]


def test_corpus_statistics_are_computed_once_per_index(engine: Engine) -> None:
    stats = engine.stats()
    assert isinstance(stats, CorpusStats) and stats is engine.stats()
    assert "新吴区" not in stats.metadata_text and "青岚市" in stats.metadata_text


def test_cli_json_carries_the_decision_and_its_reasons(engine: Engine) -> None:
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", "？？？", "--json", "--embedder", "hash"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "RAG_INDEX_DIR": engine.settings.index_dir},
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["answered"] is False and answer["citations"] == []
    assert answer["kind"] == "not_found"
    assert answer["reasons"] == ["the question names nothing to look up"]


def test_a_traditional_question_is_refused_in_traditional(engine: Engine) -> None:
    answer = engine.ask("淮陽省2019年智能網聯汽車產值是多少？")
    assert not answer.answered
    assert answer.text.startswith("文檔中沒有找到相關信息。")


def test_a_sentence_a_chunk_edge_cut_is_judged_whole() -> None:
    text = (
        "一、指导思想\n全面贯彻创新驱动发展战略，以智慧港口、智慧水务等领域为发展重点，"
        "统筹布局创新平台。加快集聚人才。着力培育新动能，为建设创新青岚提供支撑。\n二、保障措施"
    )
    doc = Document("d1", "q.txt", "q.txt", "txt", text, text, (), (0,))
    cut_at = text.index(
        "等领域"
    )  # the chunk begins inside the first sentence, ends inside the last
    end = text.index("为建设")
    chunk = Chunk("c1", "d1", text[cut_at:end], cut_at, end, 2, 2)
    sentences = [
        text[a:b] for a, b in _whole_sentences(Passage(1, Hit(chunk, 0.0, 1, "fused"), doc))
    ]
    assert sentences == [
        "全面贯彻创新驱动发展战略，以智慧港口、智慧水务等领域为发展重点，统筹布局创新平台。",
        "加快集聚人才。",
        "着力培育新动能，为建设创新青岚提供支撑。",
    ]


QINGLAN_PLAN = """青岚市人民政府办公室关于印发《青岚市数据要素发展行动方案》的通知
各区人民政府，市政府各部门：
一、重点任务
1．建设城市算力平台，全年新增智能算力800PFlops。（牵头单位：市数据局；配合单位：市财政局、市通信管理办）
2．开展“数据要素×交通”试点，遴选典型场景12个。（牵头单位：市交通运输局；配合单位：市公安局）
二、下一步工作
一是扩大公共数据开放，新增数据集60个。二是培育数据服务商20家。三是举办数据创新大赛。
三、保障措施
成立由市长任组长的市数据要素工作领导小组，统筹推进各项任务。
青岚市人民政府办公室                    2024年3月1日印发
"""
BAILU_RULES = """白鹭县支持数字经济发展若干措施
第一条 对新落户的数字经济企业给予最高50万元奖励。
第二条 对企业建设数据中心按投资额的10%给予补助。
白鹭县工业和信息化局
2023年5月6日
"""


@pytest.fixture(scope="module")
def plan_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    tmp = tmp_path_factory.mktemp("plans")
    return _engine_over(tmp, {"qinglan-plan.txt": QINGLAN_PLAN, "bailu-rules.txt": BAILU_RULES})


def test_what_the_question_names_exactly_must_be_stated(plan_engine: Engine) -> None:
    # a quoted programme, an article and a role are not answered by their neighbours
    for question, missing in (
        ("“数据要素×医疗”试点要遴选多少个场景？", "数据要素×医疗"),
        ("白鹭县若干措施第九条规定了什么？", "第九条"),
        ("青岚市数据要素工作领导小组的副组长由谁担任？", "副组长"),
    ):
        answer = plan_engine.ask(question)
        assert not answer.answered, question
        assert f"{missing} is not in the documents found" in answer.reasons, answer.reasons
    answer = plan_engine.ask("“数据要素×交通”试点要遴选多少个场景？")
    assert answer.answered and "12个" in answer.text


def test_who_leads_and_which_units_assist_a_task(plan_engine: Engine) -> None:
    answer = plan_engine.ask("建设城市算力平台这件事谁牵头？")
    assert answer.answered and "牵头单位：市数据局" in answer.text
    # a role asked with 哪些 is the task's note, whole, not a list of the section's points
    answer = plan_engine.ask("城市算力平台那项任务有哪些配合单位？")
    assert "配合单位：市财政局、市通信管理办）" in answer.text


def test_points_enumerated_in_one_paragraph_are_all_listed(plan_engine: Engine) -> None:
    answer = plan_engine.ask("青岚市下一步准备做哪些工作？")
    assert answer.answered
    for point in ("一是扩大公共数据开放", "二是培育数据服务商", "三是举办数据创新大赛"):
        assert point in answer.text


def test_which_document_came_out_first_reads_their_date_lines(plan_engine: Engine) -> None:
    # places named without their suffix (青岚 for 青岚市) are the documents' regions
    answer = plan_engine.ask("白鹭的若干措施和青岚的行动方案，哪份先出的？")
    assert answer.answered
    assert "2024年3月1日印发" in answer.text and "2023年5月6日" in answer.text


def test_an_email_address_is_not_a_contact_person() -> None:
    assert asked_kinds("what email address should i use to contact the bureau?") == ("email",)
    assert asked_kinds("who is the contact person for the reply?") == ("contact",)
    assert states("email", "电子邮箱：data@qinglan.gov.cn")


PARK_RULES = """青溪区人工智能产业园管理办法（试行）
第一章 总则
第一条 为规范产业园运营管理，制定本办法。
第二章 退出机制
第十条 入驻企业有下列情形之一的，应当退出产业园：
（一）连续两个年度考核不合格的；
（二）擅自改变房屋用途的；
（三）发生重大安全事故的。
第十一条 企业退出的，应当自退出之日起30日内退还租金补贴。
"""
APPLICATION_NOTICE = """青溪省科技厅关于组织申报2025年度人工智能项目的通知
各市科技局：
为培育应用标杆，现就组织申报有关事项通知如下。
一、申报方向
重点支持智能制造类项目。
二、申报条件
（一）申报单位应当满足以下要求：
1. 在本省注册登记，成立时间满2年；
2. 研发投入占营业收入比例不低于3%。
（二）同一单位限报1个项目。
"""
MEETING_NEWS = """青溪市召开人工智能产业推进大会
4月18日，青溪市召开人工智能产业推进大会。市委副书记、市长周某出席会议并讲话。
类别：A类    签发人：罗某某
"""


@pytest.fixture(scope="module")
def rules_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    tmp = tmp_path_factory.mktemp("rules")
    docs = {"park.txt": PARK_RULES, "notice.txt": APPLICATION_NOTICE, "news.txt": MEETING_NEWS}
    return _engine_over(tmp, docs)


def test_the_points_of_an_article_are_its_items(rules_engine: Engine) -> None:
    # （一）（二）（三）under 第十条 are its points, though （一） ranks above 条 elsewhere
    answer = rules_engine.ask("青溪区产业园的企业在哪些情况下必须退出？")
    assert answer.answered
    for point in ("连续两个年度考核不合格", "擅自改变房屋用途", "发生重大安全事故"):
        assert point in answer.text
    assert "第十一条" not in answer.text


def test_a_letters_opening_announces_no_list_of_the_asked_items(rules_engine: Engine) -> None:
    # "通知如下。" announces the whole notice; the conditions are the points under 申报条件
    answer = rules_engine.ask("青溪省的人工智能项目对申报单位本身有哪些条件？")
    assert answer.answered
    assert "成立时间满2年" in answer.text and "不低于3%" in answer.text
    assert "申报方向" not in answer.text


def test_an_office_named_is_not_answered_about_another(rules_engine: Engine) -> None:
    answer = rules_engine.ask("青溪市人工智能产业推进大会上市委书记讲了什么？")
    assert not answer.answered
    assert "市委书记 is not in the documents found" in answer.reasons


def test_who_signed_and_places_named_in_english() -> None:
    assert asked_kinds("签发人是谁？") == ("signer",)
    assert states("signer", "类别：A类    签发人：罗某某")
    assert build_query("How large is Hong Kong's budget for the scheme?").places == ("香港",)


def test_a_key_term_is_covered_by_its_synonyms_and_other_forms() -> None:
    assert covers("房租", "前两年按租金的50%给予补贴")
    assert covers("孩子", "已婚，育有3名子女")
    assert covers("预算", "113年度编列新台币8,600万元")  # a measured quantity's other forms
    assert not covers("房租", "按物业费的50%给予补贴")


def test_follow_ups_about_places_the_tagger_does_not_know_and_short_asks() -> None:
    # "临澜市" is known to no gazetteer: the whole name is swapped, not the part jieba tags
    history = [("临澜市到2026年要集聚多少家人工智能企业？", "…")]
    assert condense_question("那甘肃呢？", history) == "甘肃到2026年要集聚多少家人工智能企业？"
    # "联系人是谁？" names one thing (also tokenized as 联系): it asks about the same letter
    history = [("桂川省数据局的提案答复是哪天发的？", "…")]
    assert condense_question("联系人是谁？", history) == "桂川省数据局的提案答复 联系人是谁"


def test_a_sentence_speaks_of_the_year_its_paragraph_named_before_it(tmp_path: Path) -> None:
    text = (
        "青溪市人工智能产业发展情况\n"
        "会议通报了全市产业情况。截至2024年底，全市共有人工智能企业386家；"
        "核心产业产值达到418.6亿元。全年新增发明专利授权935件，同比增长16.8%。\n"
    )
    engine = _engine_over(tmp_path, {"news.txt": text})
    answer = engine.ask("青溪市2024年新增了多少件发明专利？")
    assert answer.answered and "935件" in answer.text
    answer = engine.ask("青溪市2023年新增了多少件发明专利？")
    assert not answer.answered and "not for 2023" in answer.reasons


def test_a_category_named_by_its_label_must_be_one_of_the_documents() -> None:
    assert exact_phrases("智慧农业类项目最高补助多少？") == ("农业类",)
    assert exact_phrases("这类企业有多少家？") == ()
    assert exact_phrases("以哪类应用为核心？") == ()


def test_a_programme_year_the_documents_do_not_name_is_refused(tmp_path: Path) -> None:
    text = (
        "青溪省科技厅关于组织申报2025年度人工智能项目的通知\n"
        "根据《青溪省人工智能三年行动计划（2024—2026年）》，现将有关事项通知如下。\n"
        "企业网上申报截止时间为2025年6月10日。\n"
    )
    engine = _engine_over(tmp_path, {"notice.txt": text})
    answer = engine.ask("青溪省2024年度人工智能项目的申报截止时间是哪天？")
    assert not answer.answered and "2024年度 is not in the documents found" in answer.reasons
    answer = engine.ask("青溪省2025年度人工智能项目的申报截止时间是哪天？")
    assert answer.answered and "2025年6月10日" in answer.text


def test_an_english_place_name_is_the_documents_own_place_before_a_namesake(
    tmp_path: Path,
) -> None:
    # the gazetteer knows 禹城市 (Shandong); the user's documents are about 昱城市
    engine = _engine_over(
        tmp_path,
        {
            "yucheng.txt": "昱城市工业和信息化局关于印发场景开放实施细则的通知\n\n"
            "第五条　场景开放单位应当自清单发布之日起90日内完成供需对接。\n"
        },
    )
    answer = engine.ask(
        "Under Yucheng's scenario rules, within how many days must the unit complete matching?"
    )
    assert answer.answered and "昱城" in engine.query("What does Yucheng support?").places
    assert "90日内" in answer.text and "states count" in answer.reasons


def test_list_the_noun_does_not_make_a_list_question() -> None:
    assert build_query("In Bailing's project list, which company takes on the model?").shape == (
        "fact"
    )
    assert build_query("List the conditions for applying.").shape == "list"
    assert build_query("Can you list the conditions for applying?").shape == "list"


FAX_AND_RULES = {
    "qiaonan.txt": "桥南市数据局关于算力补贴的政策解读\n\n"
    "问：政策咨询找谁？\n答：桥南市数据局数字经济科，电话：0571-86001234。\n\n"
    "问：申请补贴的项目要满足什么条件？\n答：申请补贴的项目应当同时符合下列条件：\n"
    "（一）在本市注册登记的企业实施；\n（二）算力采购合同金额不低于20万元；\n"
    "（三）近三年无严重失信记录。\n",
}


def test_a_fax_number_is_not_answered_by_a_telephone_number(tmp_path: Path) -> None:
    engine = _engine_over(tmp_path, FAX_AND_RULES)
    for question in (
        "桥南市数据局数字经济科的传真号码是多少？",
        "What is the fax number of the Qiaonan data bureau?",
    ):
        answer = engine.ask(question)
        assert not answer.answered and answer.reasons == ("states no fax",)
    assert "没有给出所问的传真" in engine.ask("桥南市数据局数字经济科的传真号码是多少？").text
    phone = engine.ask("桥南市数据局数字经济科的电话是多少？")
    assert phone.answered and "0571-86001234" in phone.text


def test_an_office_jieba_tags_as_a_verb_must_be_named_by_the_documents(tmp_path: Path) -> None:
    engine = _engine_over(tmp_path, FAX_AND_RULES)
    answer = engine.ask("桥南市数据局数字经济科的处长叫什么名字？")
    assert not answer.answered and answer.reasons == ("处长 is not in the documents found",)


def test_a_sentence_ending_in_a_colon_is_answered_with_the_points_it_announces(
    tmp_path: Path,
) -> None:
    engine = _engine_over(tmp_path, FAX_AND_RULES)
    answer = engine.ask("在桥南申请算力补贴，项目得满足什么条件？")
    assert answer.answered
    quotes = [c.quote for c in answer.citations]
    assert quotes[-3:] == [
        "（一）在本市注册登记的企业实施；",
        "（二）算力采购合同金额不低于20万元；",
        "（三）近三年无严重失信记录。",
    ]


def test_a_variant_of_the_case_asked_gets_the_general_rule_too(tmp_path: Path) -> None:
    engine = _engine_over(
        tmp_path,
        {
            "qiaonan-voucher.txt": "桥南市数据券政策解读\n\n问：数据券能抵扣多少？\n"
            "答：数据券按实际费用的30%抵扣。单家企业年度累计抵扣额度最高不超过80万元；"
            "被认定为高新技术企业的，年度上限提高至120万元。\n"
        },
    )
    answer = engine.ask("在桥南一年最多能抵扣多少钱的数据券？如果是高新技术企业呢？")
    assert answer.answered
    assert [c.quote for c in answer.citations] == [
        "单家企业年度累计抵扣额度最高不超过80万元；",
        "被认定为高新技术企业的，年度上限提高至120万元。",
    ]


MINUTES = {
    "qiaonan-minutes.txt": "桥南市数据要素工作领导小组2026年第1次会议纪要\n\n"
    "时　　间：2026年4月2日下午3:00\n主 持 人：副市长、领导小组组长　韩立群\n"
    "参会单位：市发展改革委、市数据局\n\n"
    "会议研究议定事项如下：\n"
    "一、关于公共数据开放。会议要求2026年上半年开放高价值数据集不少于40个。\n"
    "责任单位：市数据局\n完成时限：2026年6月30日\n"
    "二、关于数据交易。会议同意筹建市数据交易服务中心。\n"
    "责任单位：市国资委\n完成时限：2026年12月31日\n",
}


def test_a_records_fields_answer_the_parts_their_labels_name(tmp_path: Path) -> None:
    engine = _engine_over(tmp_path, MINUTES)
    answer = engine.ask("桥南开放公共数据集那一项，谁负责、啥时候完成、至少开放多少个？")
    assert answer.answered
    quotes = [c.quote for c in answer.citations]
    assert "责任单位：市数据局" in quotes and "完成时限：2026年6月30日" in quotes
    assert "完成时限：2026年12月31日" not in quotes  # the other item's deadline
    chair = engine.ask("桥南数据要素领导小组第1次会议是哪天开的？谁主持的？")
    quotes = [c.quote for c in chair.citations]
    assert "主 持 人：副市长、领导小组组长　韩立群" in quotes
    assert "时　　间：2026年4月2日下午3:00" in quotes


def test_which_body_issued_a_document_is_answered_by_its_title() -> None:
    assert "unit" in asked_kinds(normalise("这份规划是由哪个机关印发的？"))
    assert states("unit", normalise("桥南省人民政府办公厅关于印发《数字经济规划》的通知"))
    assert "date" in asked_kinds(normalise("这项工作啥时候完成？"))
    assert "date" in asked_kinds(normalise("第二期幾時截止申請？"))


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("揭榜挂帅项目的实施期限一般是几年？", "duration"),
        ("数据券有效期多长？", "duration"),
        ("How long is the voucher valid after it is issued?", "duration"),
        ("哪几年的计划？", "date"),
        ("申报什么时候截止？", "date"),
    ],
)
def test_a_length_of_time_is_not_a_date(question: str, kind: str) -> None:
    kinds = asked_kinds(normalise(question))
    assert kind in kinds and ("date" in kinds) == (kind == "date")


def test_durations_are_stated_by_lengths_not_by_days_of_the_month() -> None:
    for stated in ("数据券自发放之日起6个月内有效", "实施期限为3年", "自清单发布之日起90日内完成"):
        assert states("duration", normalise(stated))
    for not_stated in ("2026年6月30日前完成", "2025年度项目"):
        assert not states("duration", normalise(not_stated))


def test_a_numbered_meeting_must_be_the_one_the_documents_record(tmp_path: Path) -> None:
    assert phases_in("领导小组第二次会议是什么时候开的") == ("2次",)
    assert phases_in("2026年第1次会议纪要") == ("1次",)
    assert phases_in("每季度召开一次调度会") == ()
    engine = _engine_over(tmp_path, MINUTES)
    answer = engine.ask("桥南数据要素领导小组第二次会议是什么时候开的？")
    assert not answer.answered and answer.reasons == ("not for phase 2次",)
    assert "没有针对第2次的说明" in answer.text
    assert engine.ask("桥南数据要素领导小组第一次会议是什么时候开的？").answered


def test_an_items_field_lines_state_what_its_own_sentence_does_not(tmp_path: Path) -> None:
    engine = _engine_over(tmp_path, MINUTES)
    answer = engine.ask("桥南筹建数据交易服务中心的事由哪个单位负责？完成时限是？")
    assert answer.answered and set(answer.reasons) == {"states date", "states unit"}
    quotes = [c.quote for c in answer.citations]
    assert quotes[-2:] == ["责任单位：市国资委", "完成时限：2026年12月31日"]


def test_cantonese_question_words_and_an_faq_answer_under_its_question(tmp_path: Path) -> None:
    engine = _engine_over(
        tmp_path,
        {
            "chenghai.txt": "澄海特別行政區政府創新科技辦公室\n\n「數碼轉型配對計劃」常見問題\n\n"
            "問1：哪些企業可以申請？\n答：在澄海登記並聘用不多於50名員工的企業。\n\n"
            "問2：資助金額是多少？\n答：計劃以1:1配對形式資助，每家企業資助上限為50萬港元。\n"
        },
    )
    answer = engine.ask("澄海嗰個數碼轉型配對計劃，每間公司最多攞到幾多錢？")
    assert answer.answered and "50萬港元" in answer.text and "states money" in answer.reasons
    assert build_query("每间公司最多攞到几多钱？系咪要配对？").normalised == (
        "每家公司最多拿到多少钱?是不是要配对?"
    )


def test_a_token_cut_through_a_place_name_is_no_key_term(tmp_path: Path) -> None:
    engine = _engine_over(
        tmp_path,
        {
            "guanchao.txt": "观潮市中小企业AI导入补助计划\n\n补助比例最高50%。\n",
            "tinghu.txt": "汀湖市算力券管理办法\n\n抵扣比例为40%。\n",
        },
    )
    query = engine.query("观潮市的补助跟汀湖市的算力券相比，补助比例最高各是多少？")
    assert {"观潮", "汀湖"} <= set(query.places) and query.shape == "compare"
    assert "跟汀" not in query.terms and "相比" not in query.terms


def test_a_one_character_quantity_must_be_named(tmp_path: Path) -> None:
    engine = _engine_over(
        tmp_path,
        {
            "chengjiang-news.txt": "澄江市召开人工智能产业大会\n\n"
            "截至2025年底，澄江市共有人工智能企业210家，比上年增加30家。\n"
        },
    )
    answer = engine.ask("2025年澄江市人工智能企业一共缴纳了多少税？")
    assert not answer.answered and answer.reasons == ("does not state 税",)


GUIDE = {
    "qiaonan-guide.txt": "桥南市数据局关于组织申报2026年度数字经济专项资金项目的通知\n\n"
    "一、支持专题\n\n"
    "专题一：算力服务补贴\n支持额度：按实际费用的25%给予补助，单家企业最高150万元。\n"
    "申报条件：在桥南市注册的独立法人；合同金额不低于20万元。\n\n"
    "专题二：数据要素流通应用\n支持额度：按项目总投资的20%给予补助，最高300万元；"
    "项目被评为省级标杆的，另给予一次性奖励50万元。\n"
    "申报条件：数据产品已完成登记；申报单位年度场内数据交易额不低于500万元。\n\n"
    "二、受理时间\n\n2026年3月16日至2026年4月15日。\n",
}


def test_a_topics_fields_answer_for_it_and_not_for_the_topic_before(tmp_path: Path) -> None:
    engine = _engine_over(tmp_path, GUIDE)
    answer = engine.ask("想报桥南专项资金的专题二（数据要素流通应用），需要满足什么条件？")
    quotes = [c.quote for c in answer.citations]
    assert "申报条件：数据产品已完成登记；申报单位年度场内数据交易额不低于500万元。" in quotes
    assert not any("注册的独立法人" in q for q in quotes)
    variant = engine.ask("桥南数据要素流通应用专题最高补多少？要是被评为省级标杆，另外还奖多少？")
    quotes = [c.quote for c in variant.citations]
    assert any("最高300万元" in q for q in quotes) and any("50万元" in q for q in quotes)


@pytest.mark.parametrize(
    ("question", "kind", "not_kind"),
    [
        ("专项资金几号开始受理？", "date", "money"),
        ("Who do I contact about the manufacturing topic?", "contact", "title"),
    ],
)
def test_which_day_and_a_funding_topic(question: str, kind: str, not_kind: str) -> None:
    kinds = asked_kinds(normalise(question))
    assert kind in kinds and not_kind not in kinds


def test_how_big_and_roughly_are_no_key_terms() -> None:
    terms = build_query("智算中心二期定了多大规模？总投资大概多少？").terms
    assert not {"大规", "大规模", "大概"} & set(terms) and "智算中心" in terms


def test_taiwan_words_match_their_mainland_forms() -> None:
    # 人工智慧 / 軟體 are Taiwan's words for 人工智能 / 软件: one matching form; mainland words
    # that OpenCC's tw2sp would also rewrite (核心, 文件, 智慧城市, 查询) stay
    assert normalise("澄溪縣人工智慧產業園的軟體") == "澄溪县人工智能产业园的软件"
    assert normalise("核心产业的文件，智慧城市，查询") == "核心产业的文件,智慧城市,查询"
    q = build_query("澄溪縣去年底5G基地台總共有幾多座？")
    # Cantonese and Taiwan words in written mainland form; "last year" names no topic
    assert "基站" in q.normalised and "多少" in q.normalised
    assert not {"去年", "去年底"} & set(q.terms)
    assert states(q.slots[0], normalise("年末全县5G基站累计达到1.32万个。"))  # 座 or 个
    assert not states("count:人名", normalise("基站1.32万个。"))


def test_kinds_of_things_ask_for_a_list_and_a_qualified_rate_its_own_rate() -> None:
    assert build_query("What kinds of expenses can the Lanxi grant pay for?").shape == "list"
    assert build_query("What kind of company may apply to the Lanxi grant?").shape != "list"
    q = build_query("蓝溪的技术规范对语音识别准确率有什么要求？")
    assert ("语音识别", "准确率") in q.qualifiers
    from rag.answer.sufficiency import qualifies

    assert qualifies("语音识别", "准确率", "语音识别的平均准确率不低于90%")
    assert not qualifies("语音识别", "准确率", "意图识别准确率不低于92%。支持语音识别输入。")


def test_the_company_in_charge_is_asked_and_stated_by_a_company_name() -> None:
    kinds = asked_kinds(normalise("蓝溪那个产业基金是哪家基金管理公司负责管理的？"))
    assert kinds[0] == "unit"
    assert states("unit", normalise("基金由蓝溪创新投资管理有限公司负责日常管理。"))
    assert not states("unit", normalise("设立规模10亿元的人工智能产业投资基金。"))


def test_ordinals_are_no_counts_and_thousands_separators_are_figures() -> None:
    assert not states("count:人名", normalise("2　蓝溪市第二人民医院　影像诊断系统"))
    assert stated_value("count:人名", normalise("预计培训2,000人次。")) == "2,000人"
    assert states("count:宗次个", normalise("全年处理查询12万宗。"))


def test_a_sentence_on_another_phase_does_not_answer_for_the_asked_one() -> None:
    from rag.answer.sufficiency import judge

    q = build_query("蓝溪超算中心第二期预计什么时候完工？")
    sentence = normalise("第一期已于2025年9月完成设备安装，预计2026年第一季启用。")
    window = normalise("第二期正进行规划。") + sentence
    verdict = judge(q, sentence, window, sentence, {})
    assert "not for phase 2期" in verdict.reasons


def test_chinese_glossed_in_an_english_question_must_be_in_the_documents() -> None:
    q = build_query("What were the Lanxi bureau's final accounts (决算) for 2024?")
    assert "决算" in q.exact
    assert "智算中心" not in build_query("How big is Lanxi's 智算中心 phase 2?").exact
    assert asked_kinds(normalise("智慧号志是哪家厂商得标的？"))[0] == "unit"


TRANSCRIPT = """澜江市数字政府建设新闻发布会实录

发布时间：2026-05-12　　来源：澜江市人民政府新闻办公室

发布人：
顾明远　澜江市政务服务数据管理局局长
沈佳宁　澜江市工业和信息化局副局长
主持人：许　岚　澜江市人民政府新闻办公室副主任

许岚：各位记者朋友，上午好！

澜江日报记者：请问一网通办目前推进情况如何？
顾明远：谢谢您的提问。我市一网通办平台已上线事项2140项，全程网办率达到92.6%。

澜江电视台记者：在支持智能制造方面有哪些举措？
沈佳宁：主要有三个方面。一是设立规模8亿元的智能制造专项基金；二是发放技改补贴，今年已向37家企业发放2600万元；三是建设工业互联网平台5个。

许岚：今天的发布会到此结束。
"""


def test_a_transcript_turn_is_said_by_its_speaker_in_their_office(tmp_path: Path) -> None:
    engine = _engine_over(tmp_path, {"lanjiang-press.txt": TRANSCRIPT})
    who = engine.ask("发布会上是谁介绍一网通办的？全程网办率是多少？")
    assert who.answered and set(who.reasons) == {"states speaker", "states percent"}
    assert who.text.startswith("顾明远：谢谢您的提问。[1]") and "92.6%" in who.text
    listed = engine.ask("工信局那位副局长说支持智能制造有哪几招？")
    assert listed.answered and "8亿元" in listed.text and "5个" in listed.text
    # the speaker asked about must be in the documents: no one there is a 处长
    assert not engine.ask("工信局那位处长说支持智能制造有哪几招？").answered


def test_an_article_named_by_number_is_looked_up_and_quoted(tmp_path: Path) -> None:
    articles = "\n".join(
        f"第{n}条　本办法第{n}项规定的内容为事项{n}，由澜江市数据局负责解释。"
        for n in ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
    )
    engine = _engine_over(tmp_path, {"rules.txt": "澜江市公共数据开放管理办法\n\n" + articles})
    answer = engine.ask("澜江市公共数据开放管理办法第十一条规定了什么？")
    assert answer.answered and answer.text.startswith("第十一条")


def test_years_in_chinese_numerals_match_years_in_digits() -> None:
    assert normalise("截至二〇二五年十月，一九九七年起") == "截至2025年十月,1997年起"
    assert not states("quantity", normalise("发布时间：2026-05-12 10:30"))


def test_a_sentence_counting_its_points_is_answered_with_them(tmp_path: Path) -> None:
    speech = (
        "在2026澜江数字经济大会上的讲话\n\n各位来宾：\n\n"
        "近年来，澜江数字经济持续增长。为实现目标，我讲三点意见。\n\n"
        "一要夯实数字底座。市财政每年安排3亿元建设算力网络。\n\n"
        "二要拓展应用场景。今年发布80个场景清单。\n\n"
        "三要优化发展生态。设立20亿元产业基金。\n\n各位来宾，让我们共同努力。\n"
    )
    engine = _engine_over(tmp_path, {"speech.txt": speech})
    answer = engine.ask("讲话里提的三点意见分别是什么？")
    assert answer.answered
    for point in ("一要夯实数字底座。", "二要拓展应用场景。", "三要优化发展生态。"):
        assert point in answer.text
    assert "各位来宾，让我们共同努力" not in answer.text


DRAFT = """关于公开征求《岑溪县促进数字经济发展若干措施（征求意见稿）》意见的公告

为广泛听取意见，现将《岑溪县促进数字经济发展若干措施（征求意见稿）》全文公布。

附件：1.岑溪县促进数字经济发展若干措施（征求意见稿）
　　　2.起草说明

岑溪县工业和信息化局
2026年3月2日

附件1
岑溪县促进数字经济发展若干措施（征求意见稿）
第一条　对新落户企业给予一次性奖励，最高100万元。
第二条　对企业租用算力的，按实际费用的20%给予补贴。
第三条　对新引进的博士给予安家补贴10万元。

附件2
起草说明
一、起草过程
2026年1月，县工业和信息化局赴园区调研企业25家，召开座谈会3场，征求8个部门意见。
二、主要内容
《若干措施》共3条。
"""


def test_articles_under_their_title_are_the_items_and_furniture_is_not(tmp_path: Path) -> None:
    engine = _engine_over(tmp_path, {"draft.txt": DRAFT})
    answer = engine.ask("岑溪县的征求意见稿给企业哪些支持？")
    assert answer.reasons == ("lists 3 items of one section",)
    assert [c.quote[:3] for c in answer.citations] == ["第一条", "第二条", "第三条"]
    english = engine.ask("What kinds of support does the Cenxi county draft policy offer?")
    assert english.reasons == ("lists 3 items of one section",)
    # the signature block under "2.起草说明" is no list; the drafting paragraph answers
    process = engine.ask("起草这个若干措施时，县里做了哪些调研和征求意见？")
    assert process.answered and process.citations[0].quote.startswith("2026年1月")


TENDER = """岑江市城市大脑二期建设项目公开招标公告

一、项目基本情况
项目编号：CJCG-2026-0088
项目名称：岑江市城市大脑二期建设项目
采购方式：公开招标
预算金额：2600.00万元
采购需求：
1. 建设城市运行数据中台1套；
2. 部署交通信号智能优化系统，覆盖路口不少于300个；
3. 提供三年运维服务。
合同履行期限：合同签订之日起12个月。
二、申请人的资格要求
1. 满足政府采购法第二十二条规定。
"""


def test_a_records_list_field_answers_what_is_bought(tmp_path: Path) -> None:
    engine = _engine_over(tmp_path, {"tender.txt": TENDER})
    answer = engine.ask("城市大脑二期项目具体要采购哪些东西？")
    assert answer.reasons == ("lists 3 items of one section",)
    assert [c.quote[:2] for c in answer.citations] == ["1.", "2.", "3."]
    assert "数据中台" in answer.text and "资格" not in answer.text


PUBLICITY = """关于2026年度岑江市数字化车间认定名单的公示

根据有关规定，拟认定12个项目为2026年度岑江市数字化车间，现予以公示。

一、拟认定名单
（略）

二、公示时间
2026年9月1日至2026年9月7日（5个工作日）。

三、异议受理
经公示无异议的项目，将正式认定为2026年度岑江市数字化车间。
"""


def test_a_day_asked_is_not_answered_by_a_year_and_its_section_names_it(tmp_path: Path) -> None:
    engine = _engine_over(tmp_path, {"publicity.txt": PUBLICITY})
    answer = engine.ask("岑江那个数字化车间名单的公示到哪天结束？")
    assert answer.answered and answer.citations[0].quote.startswith("2026年9月1日至2026年9月7日")
    from rag.text.facts import states_day

    assert not states_day("公示到哪天结束", "经公示无异议的项目,将认定为2026年度数字化车间")
    assert states_day("公示到哪天结束", "2026年9月1日至9月7日") and states_day("哪年成立", "2026年")


def test_a_list_question_filtering_a_table_gets_every_matching_row(tmp_path: Path) -> None:
    rows = [
        ("1", "岑江第一医院", "影像辅助诊断", "东港区"),
        ("2", "岑江数据公司", "政务问答助手", "西岭区"),
        ("3", "岑江公交集团", "客流预测排班", "东港区"),
        ("4", "岑江水务集团", "管网漏损监测", "南湖区"),
        ("5", "岑江港务公司", "智能理货系统", "东港区"),
    ]
    table = "\n".join("　".join(r) for r in [("序号", "企业名称", "项目名称", "所在区"), *rows])
    text = f"关于岑江市人工智能应用场景名单的公示\n\n拟认定以下5个项目：\n{table}\n\n公示期5日。\n"
    engine = _engine_over(tmp_path, {"list.txt": text})
    answer = engine.ask("岑江名单里位于东港区的项目有哪几个？")
    quoted = [c.quote for c in answer.citations]
    assert quoted[0].startswith("序号") and len(quoted) == 4
    assert all("东港区" in q for q in quoted[1:])


def test_a_chosen_stage_a_share_s_base_and_a_rate_s_kind_must_be_the_asked_ones() -> None:
    from rag.answer.sufficiency import judge

    stage = build_query("岑江高中阶段的人工智能课程每学年要上多少课时？")
    assert ("高中", "阶段") in stage.qualifiers
    said = normalise("小学阶段每学年不少于8课时，初中阶段每学年不少于12课时。")
    assert "does not state 高中阶段" in judge(stage, said, said, said, {}).reasons
    assert ("重点", "领域") not in build_query("岑江的重点领域有哪些？").qualifiers
    share = build_query("岑江数字经济增加值占全省的比重是多少？")
    assert ("全省", "比重") in share.qualifiers
    said = normalise("数字经济增加值412.6亿元，占地区生产总值比重为9.7%。")
    assert "does not state 全省比重" in judge(share, said, said, said, {}).reasons
    rate = build_query("岑江的地方标准对图像识别的准确率有什么要求？")
    assert ("图像识别", "准确率") in rate.qualifiers
    assert ("企业", "研发投入") not in build_query("岑江企业的研发投入是多少？").qualifiers


def test_a_count_of_the_asked_items_does_not_name_them() -> None:
    from rag.answer.extractive import _counts_only

    assert _counts_only(normalise("首批目录共有12家服务商。"), ("服务商",))
    assert not _counts_only(normalise("首批12家服务商为：甲公司、乙公司。"), ("服务商",))


def test_an_english_follow_up_keeps_the_topic_not_the_earlier_question_asked() -> None:
    first = "What is the budget for the Cenjiang city-brain tender?"
    assert condense_question("And how long does the winner have to finish it?", [(first, "")]) == (
        "the Cenjiang city-brain tender how long does the winner have to finish it"
    )
    # without a question of its own, the follow-up asks the same thing of something else
    earlier = "How much computing power does phase one of the Cenjiang centre add?"
    assert condense_question("And the second phase?", [(earlier, "")]).startswith(
        "How much computing power does second phase of"
    )
    # "那二期呢": the earlier question is asked of the phase the follow-up names
    earlier = "星衡在岑江建的智算中心，一期能建成多少算力？"
    assert condense_question("那二期呢？", [(earlier, "")]).startswith(
        "星衡在岑江建的智算中心，二期能建成多少算力"
    )
    # "在栖梧建的": the tagger's 梧建 cuts through the documents' 栖梧, no place of its own
    stats = CorpusStats(idf={}, pinyin_map={}, metadata_text="栖梧市 栖梧市人民政府")
    assert build_query("星衡在栖梧建的智算中心一期能建成吗", stats=stats).places == ("栖梧",)


def test_a_subset_clause_and_a_county_named_in_a_city_document(tmp_path: Path) -> None:
    bulletin = (
        "岑江市2025年国民经济和社会发展统计公报（节选）\n\n"
        "年末全市规模以上数字经济核心产业企业512家，比上年末增加40家；"
        "其中人工智能企业96家，增加15家。\n"
    )
    county = "岑溪县数字经济发展情况\n\n岑溪县数字经济持续增长，全县数字经济企业80家。\n"
    talk = (
        "岑江市新闻发布会实录\n\n岑溪县副县长　周敏\n\n记者：岑溪县有什么新进展？\n"
        "周敏：岑溪县人工智能产业园一期占地210亩，目前入驻企业33家。\n"
    )
    engine = _engine_over(
        tmp_path, {"bulletin.txt": bulletin, "county.txt": county, "talk.txt": talk}
    )
    answer = engine.ask("到2025年底岑江规上的人工智能企业一共有几家？比前一年多了多少？")
    assert "96家" in answer.text and "15家" in answer.text
    park = engine.ask("岑溪县的人工智能产业园一期占地多大？入驻了几家企业？")
    assert park.answered and "210亩" in park.text


def test_taiwan_phone_numbers_are_phone_numbers() -> None:
    assert states("phone", normalise("聯絡電話：(05)386-2210 分機512"))
    assert states("phone", normalise("服務專線：02-2345-6789"))
    assert not states("phone", normalise("計畫期程為114-116年"))


INSPECTION = """岑江市人大常委会执法检查组关于检查《岑江市数据条例》实施情况的报告

主任、各位副主任、各位委员：
根据年度监督工作计划，常委会组成执法检查组，对条例实施情况开展执法检查，走访企业28家。

一、基本情况
条例自2022年3月1日起施行。全市数字经济核心产业增加值达到312.5亿元。

二、主要成效
（一）配套制度逐步完善。出台配套文件11件。
（二）数据流通加快。数据交易额达到8.6亿元。

三、存在的问题
一是公共数据开放推进缓慢，开放率仅为31%。二是算力统筹不足，利用率不足40%。三是人才缺口较大，缺口约1.8万人。

四、意见建议
（一）加快公共数据开放。
（二）优化算力配置。
"""

AGREEMENT = """岑江市人民政府　云岫科技有限公司
战略合作框架协议

甲方：岑江市人民政府
乙方：云岫科技有限公司

为推动岑江市人工智能产业发展，双方达成如下协议：

第一条　合作目标
乙方在岑江市投资建设智算中心，总投资约8亿元。

第二条　甲方权利义务
1．协调落实项目用地约50亩；
2．开放政务服务应用场景。

第三条　乙方权利义务
1．在岑江市设立区域总部，注册资本不低于1亿元；
2．项目于协议签订后6个月内开工建设；
3．政务数据不出岑江市域。

第四条　协议效力
本协议有效期五年。
"""


def test_a_heading_naming_the_asked_noun_heads_the_list(tmp_path: Path) -> None:
    engine = _engine_over(tmp_path, {"inspection.txt": INSPECTION})
    answer = engine.ask("岑江人大执法检查组检查条例，看到存在哪些问题？")
    assert answer.reasons == ("lists 3 items of one section",)
    assert [c.quote[:2] for c in answer.citations] == ["一是", "二是", "三是"]
    assert "“三、存在的问题”" in answer.text


def test_a_contracts_party_label_stands_for_its_name_and_an_articles_points_are_its_items(
    tmp_path: Path,
) -> None:
    engine = _engine_over(tmp_path, {"agreement.txt": AGREEMENT})
    answer = engine.ask("按框架协议，云岫公司这边要承担哪些义务？")
    assert answer.reasons == ("lists 3 items of one section",)
    assert [c.quote[:2] for c in answer.citations] == ["1．", "2．", "3．"]
    assert "注册资本不低于1亿元" in answer.text and "项目用地" not in answer.text


def test_a_tables_header_row_is_no_item_of_the_list(tmp_path: Path) -> None:
    rows = [
        ("CJ01", "算法研究岗", "3", "博士研究生"),
        ("CJ02", "数据工程岗", "2", "硕士研究生"),
        ("CJ03", "综合管理岗", "1", "本科"),
    ]
    table = "\n".join("　".join(r) for r in [("岗位代码", "岗位名称", "人数", "学历"), *rows])
    text = (
        "岑江市人工智能研究院2026年公开招聘工作人员公告\n\n"
        "岑江市人工智能研究院系公益二类事业单位，现公开招聘工作人员6名。\n\n"
        f"一、招聘岗位及条件\n{table}\n\n二、报名时间\n2026年6月1日至6月7日。\n"
    )
    engine = _engine_over(tmp_path, {"recruit.txt": text})
    answer = engine.ask("岑江人工智能研究院这次招聘设了哪些岗位？")
    assert [c.quote[:4] for c in answer.citations] == ["CJ01", "CJ02", "CJ03"], answer.reasons


def test_a_comparison_looks_up_each_places_documents_on_their_own(tmp_path: Path) -> None:
    names = "\n".join(
        f"{i}　峪岚{name}有限公司　{name}智能场景项目　东湖区"
        for i, name in enumerate(["明岳", "澄云", "天衡", "禾丰", "远帆", "新瓷", "恒通"], 1)
    )
    publicity = (
        "关于峪岚市2026年人工智能应用场景拟认定名单的公示\n\n"
        "经企业申报、专家评审，拟认定以下7个场景为峪岚市人工智能应用场景。\n\n"
        f"一、拟认定场景名单\n序号　企业名称　场景名称　所在区\n{names}\n\n"
        "二、拟认定场景的评审\n场景认定评审由峪岚市工业和信息化局组织，认定场景均为标杆场景候选。\n\n"
        "三、公示时间\n2026年10月20日至2026年10月24日。\n\n"
        "四、支持政策\n经公示无异议的，按规定给予每个项目一次性奖励50万元。\n"
    )
    speech = (
        "在2026临渚人工智能产业发展大会上的讲话\n\n"
        "今年发布100个应用场景清单，每年遴选20个标杆场景，每个给予最高200万元奖励。\n"
    )
    others = {
        f"other{i}.txt": f"{place}市人工智能应用场景工作简报\n\n{place}市认定应用场景{i}个，"
        f"其中标杆场景{i + 2}个，场景认定工作持续推进。\n"
        for i, place in enumerate(["澄州", "汀屿", "岑江", "蓼溪", "栖梧"], 3)
    }
    engine = _engine_over(tmp_path, {"pub.txt": publicity, "speech.txt": speech, **others})
    answer = engine.ask("峪岚认定的场景每个奖多少钱？跟临渚标杆场景的奖励比怎么样？")
    assert answer.reasons == ("2 documents state it",), answer.text
    assert "50万元" in answer.text and "200万元" in answer.text


def test_a_fine_a_salary_or_capital_asked_is_an_amount_and_a_counter_before_a_new_word() -> None:
    assert asked_kinds("没有按规定备案的，要罚款多少？") == ("money",)
    assert asked_kinds("岑江数据交易中心的注册资本是多少？") == ("money",)
    assert asked_kinds("这个岗位的年薪大概多少？") == ("money",)
    assert "money" in asked_kinds("二等奖一共几个名额，每个奖金多少？")
    # 张 counts 算力券 though the tagger reads "张算力券" as one unknown word
    assert asked_kinds("岑江一共发出去多少张算力券？") == ("count:张+",)
    assert asked_kinds("多少部门参与？")[0].startswith("count:家个")
    # a named company or hotel is asked for, not a generic one
    assert asked_kinds("被督促整改的是哪家物业公司？") == ("unit",)
    assert not states("unit", "物业服务企业不得将人脸识别作为唯一验证方式。")
    assert states("unit", "由岑江安居物业服务有限公司负责整改。")
    assert "unit" not in asked_kinds("哪家企业把总部放在了岑江？")


def test_a_sentence_on_the_sibling_of_the_asked_word_does_not_answer() -> None:
    from rag.answer.sufficiency import judge

    query = build_query("研究院的面试在哪一天进行？")
    window = normalise("三、笔试和面试 1.笔试定于2026年8月2日上午进行。")
    sentence = normalise("1.笔试定于2026年8月2日上午进行。")
    verdict = judge(query, sentence, window, sentence, {"面试": 1.0, "进行": 0.5})
    assert "about 笔试, not 面试" in verdict.reasons
    asked = normalise("2.面试定于2026年8月20日进行。")
    assert not any(
        r.startswith("about")
        for r in judge(query, asked, window + asked, asked, {"面试": 1.0}).reasons
    )


def test_an_english_acronym_nothing_knows_must_be_written_in_the_documents() -> None:
    query = build_query("What PUE target does the Cenjiang computing centre have to meet?")
    assert "PUE" in query.exact
    assert "AI" not in build_query("What AI target does Cenjiang have?").exact
    assert "这次" in lexicon("question_words") and "那件事" in lexicon("question_words")


MACAU_STYLE = """岑澳特別行政區公報——第一組

第58/2026號經濟財政司司長批示

第一條
標的
　　本批示核准“中小企業數據應用資助計劃”（下稱“資助計劃”），由數碼發展局負責執行。

第二條
申請期
　　申請期由2026年3月2日至2026年5月29日，申請人須以電子方式提交申請。

第三條
審批
　　數碼發展局自收齊申請文件之日起四十五個工作日內作出決定。
"""


def test_what_a_documents_head_defines_is_what_its_later_articles_are_about(
    tmp_path: Path,
) -> None:
    engine = _engine_over(tmp_path, {"dispatch.txt": MACAU_STYLE})
    answer = engine.ask("岑澳嗰個中小企數據資助計劃幾時開始收申請？")
    assert answer.answered and "2026年3月2日至2026年5月29日" in answer.citations[0].quote
    answer = engine.ask("岑澳的中小企數據資助計劃審批要幾耐？")
    assert answer.answered and "四十五個工作日" in answer.citations[0].quote


def test_a_short_point_naming_the_asked_noun_stands_for_its_siblings(tmp_path: Path) -> None:
    text = (
        "岑江省关于组织申报2026年度人工智能应用项目的通知\n\n"
        "为加快人工智能技术落地，重点支持以下方向，现就申报有关事项通知如下。\n\n"
        "一、申报方向\n"
        "1. 智能制造类：面向质量检测、设备维护的人工智能应用；\n"
        "2. 智慧医疗类：面向辅助诊断、慢病管理的人工智能应用；\n"
        "3. 城市治理类：面向交通调度、应急管理的人工智能应用。\n\n"
        "二、申报条件\n申报单位应在岑江省境内注册。\n"
    )
    engine = _engine_over(tmp_path, {"notice.txt": text})
    answer = engine.ask("岑江省这次重点支持哪几类人工智能应用项目？")
    assert [c.quote[:2] for c in answer.citations] == ["1.", "2.", "3."]
    # a name glossed in Chinese is looked up by its gloss, not as an unknown acronym
    assert "CETHIK" not in build_query("In which documents is CETHIK (中电海康) mentioned?").exact


def test_the_askers_own_framing_is_no_key_term() -> None:
    # pronouns, numerals and time words the documents never write frame the question only
    query = build_query("我家老人只会讲方言，岑江的政务助手什么时候能支持客家话？")
    assert "我家" not in query.terms and "方言" in query.terms and "客家话" in query.terms


def test_an_english_page_states_dates_amounts_rates_lengths_and_phones() -> None:
    said = "the measures take effect on april 1, 2025 and are valid for three years."
    assert states("date", said) and states("duration", said)
    assert states("money", "capped at 3 million yuan per entity per year")
    assert states("percent", "computing vouchers covering 30 percent of the cost")
    assert states("phone", "tel: +86-758-6213-0021")
    assert not states("date", "companies may apply online") and not states("money", "30 percent")
    # an English text covers the Chinese term the glossary gives its word (措施: measures)
    assert covers("措施", "the measures take effect on april 1")
    assert not covers("措施", "an immeasurable effect")


def test_a_web_address_or_a_contacts_email_asked_must_be_stated() -> None:
    from rag.answer.sufficiency import judge

    assert asked_kinds(normalise("算力券喺邊個網址申請？")) == ("url",)
    assert states("url", "登录岑江政务服务网（www.cjzwfw.gov.cn）申请")
    assert not states("url", "申请人须以电子方式提交申请")
    query = build_query("采购意向的联系人邮箱是什么？")
    said = normalise("联系人：顾明哲，电话：0758-6213002")
    assert "states no email" in judge(query, said, said, said, {}).reasons


def test_a_lowercase_english_word_is_no_county_when_the_question_writes_capitals() -> None:
    # a place outside the documents' own spellings is a capitalised word
    assert "温州" in english_aliases("What is the budget of Wenzhou?", None)
    assert "温州" not in english_aliases("What is the wenzhou budget?", None)
    assert "温州" in english_aliases("what is the wenzhou budget", None)


def test_one_of_several_exclusive_kinds_asked_is_not_answered_by_another() -> None:
    from rag.answer.sufficiency import judge

    query = build_query("岑江对全职引进的第一季度有没有生活补贴？")
    # (the documents need not write it: "本科毕业于哪所大学" is answered by "…专科学校毕业")
    assert "第一季度" not in query.exact
    assert "此剧" in build_query("此剧的制作人是谁？").terms
    said = normalise("第二季度生活补贴3000元/月")
    assert "about 第二季度, not 第一季度" in judge(query, said, said, said, {}).reasons
    prize = build_query("岑江大赛有没有特等奖？奖金多少？")
    said = normalise("大赛共评出一等奖2名、二等奖4名，一等奖每项奖金20万元。")
    assert "about 一等奖, not 特等奖" in judge(prize, said, said, said, {}).reasons
    asked = normalise("特等奖1名，奖金50万元。")
    assert not any(r.startswith("about") for r in judge(prize, asked, asked, asked, {}).reasons)


def test_an_infographics_numbered_labels_head_their_lines_and_state_no_quantity() -> None:
    from rag.chunk import heading_level

    assert heading_level("02 大模型备案奖励") == 4 and heading_level("▌适用对象") == 4
    assert heading_level("01　　澄湖区　　158.6") == 0
    assert heading_level("01 算力券按实际费用的40%补贴。") == 0
    # an expense asked is an amount, named by the sentence that answers
    query = build_query("岑江大数据中心2024年的会议费花了多少？")
    assert query.slots == ("money",) and "会议费" in query.metrics
    # "和霁州市…": no person 和霁 cuts through a place
    stats = CorpusStats(idf={}, pinyin_map={}, metadata_text="霁州市 霁州市人民政府")
    assert build_query("鹭湾的落户奖励和霁州市的落户奖励哪个高？", stats=stats).persons == ()


def test_a_bare_project_subject_refers_to_the_project_its_paragraph_named(tmp_path: Path) -> None:
    text = (
        "岑州市人民政府专题会议纪要\n\n"
        "2025年5月9日，副市长主持召开专题会议，研究岑州城市智算中心项目建设有关问题。"
        "会议听取了市数据局的汇报。项目位于岑州高新区，总投资28.6亿元，规划建设算力规模1000P。\n"
    )
    engine = _engine_over(tmp_path, {"minutes.txt": text})
    answer = engine.ask("岑州城市智算中心总投资多大？")
    assert answer.answered and "总投资28.6亿元" in answer.citations[0].quote
    # a Hong Kong press release naming no place is about the place whose money it counts in
    meta = extract_meta(
        "政府新聞公報\n\n政府推出三十億元資助計劃\n\n政府今日宣布推出總額三十億港元的計劃。\n"
    )
    assert (meta.title, meta.region) == ("政府推出三十億元資助計劃", "香港")


def test_last_years_figure_is_not_this_years_and_a_cited_documents_year_dates_no_fact() -> None:
    from rag.answer.sufficiency import judge

    query = build_query("统计快报里去年同期的数字经济核心产业增加值是多少亿元？")
    said = normalise("1—10月，全市数字经济核心产业增加值412.6亿元，同比增长9.8%。")
    assert "not for last year" in judge(query, said, said, said, {}).reasons
    said = normalise("过去一年，全县数字经济核心产业增加值完成38.6亿元，增长12.3%。")
    assert "not for last year" not in judge(query, said, said, said, {}).reasons
    fund = build_query("岑川2024年的人工智能专项资金一共多少？")
    said = normalise("根据《若干措施》（岑政办发〔2024〕41号），下达2025年度专项资金2860万元。")
    assert "not for 2024" in judge(fund, said, said, said, {}).reasons


def test_cantonese_follow_ups_and_words_read_as_written_chinese() -> None:
    earlier = "岑湾智算中心第一期嘅算力有几多？"
    standalone = condense_question("咁第二期呢？几时搞掂？", [(earlier, "")])
    assert "第二期" in standalone and standalone.startswith("岑湾智算中心")
    assert "完成" in build_query("第二期几时搞掂？").normalised


def test_an_ordinary_english_word_an_english_page_writes_is_no_key_term_for_chinese_text() -> None:
    stats = CorpusStats(idf={"datasets": 3.0, "open": 2.0}, pinyin_map={})
    query = build_query("how many datasets are open on the public data platform?", stats=stats)
    assert "datasets" in query.unmapped and "open" in query.unmapped
    # conjunctions and adverbs the index never saw frame the question too ("这块要是有疑问")
    framed = build_query("汀屿数据局预算公开这块要是有疑问，联系谁？")
    assert "要是" not in framed.terms and "这块" not in framed.terms


def test_a_choice_question_is_answered_only_by_a_sentence_naming_one_of_its_choices() -> None:
    from rag.answer.sufficiency import judge

    assert alternatives_in("这个平台项目是公开招标还是竞争性磋商？") == ("公开招标", "竞争性磋商")
    assert alternatives_in("申请是线上还是线下办理？") == ("线上", "线下办理")
    assert alternatives_in("补贴有多少？") == ()
    query = build_query("云岫县数据平台项目是公开招标还是竞争性磋商？")
    neither = normalise("云岫县数据平台项目预算金额320万元，预计2026年3月采购。")
    reasons = judge(query, neither, neither, neither, {}).reasons
    assert "names neither 公开招标 nor 竞争性磋商" in reasons
    named = normalise("云岫县数据平台项目采用公开招标方式采购。")
    assert not any(r.startswith("names") for r in judge(query, named, named, named, {}).reasons)


def test_letter_tiers_and_codes_must_be_written_as_asked() -> None:
    assert exact_phrases("沙溪区D类人才每月能拿多少租房补贴？") == ("D类",)
    assert exact_phrases("编号KT2026-07的课题经费多少？") == ("KT2026-07",)
    assert exact_phrases("项目的AI系统有什么要求") == ()


def test_the_number_of_a_counted_noun_asks_a_count() -> None:
    assert asked_kinds("what's the minimum number of employees a firm needs?") == ("count:人名",)
    assert asked_kinds("what is the phone number of the office?") == ("phone",)


def test_an_office_asked_of_an_organisation_is_not_its_deputy_nor_another_ones() -> None:
    from rag.text.facts import states_deadline, states_role

    asked = "云岫县数据局的局长叫什么名字？"
    both = "今天我们邀请到县科技局局长王明先生，县数据局副局长李华先生。"
    assert not states_role(asked, "局长", both)
    assert states_role(asked, "局长", "县数据局局长赵强出席会议。")
    chair = "评审委员会负责评审，主席由沙溪大学校长陈立担任。"
    assert states_role("评审委员会的主席是谁？", "主席", chair)
    assert not states_role("评审委员会的主席是谁？", "主席", "评审委员会副主席由刘一担任。")
    assert not states_deadline("申请截止日期是哪天？", "计划于2025年1月接受申请。")
    assert states_deadline("申请截止日期是哪天？", "申请期由3月3日至4月30日。")
    assert states_deadline("什么时候开始申请？", "计划于2025年1月接受申请。")


def test_a_rate_asked_is_named_by_the_answer_and_grouped_phone_numbers_are_numbers() -> None:
    assert build_query("团标对大模型回答的召回率要求不低于多少？").metrics == ("召回率",)
    assert build_query("增长率是多少？").metrics == ("增长率",)
    assert states("phone", normalise("招商热线：0897-6628 1035（许经理）"))
    assert exact_phrases("产业母基金的基金管理人是哪家机构？") == ("管理人",)


def test_counters_of_each_clause_and_cantonese_jian_count_companies() -> None:
    question = normalise("可以几间公司组队一起报名吗？最多可以几家？")
    counted = asked_kinds(question)[0]
    assert counted.startswith("count:间") and "家" in counted
    assert states(counted, normalise("联合体成员不超过3家。"))
    assert states("contact", normalise("榆港区经信局：邵敏华，0739-86350726"))
    assert not states("contact", normalise("咨询电话：0739-86350726"))


def test_a_documented_place_is_not_read_into_a_titles_words_nor_the_next_word() -> None:
    stats = CorpusStats(
        idf={},
        pinyin_map={},
        metadata_text="云渚县 云渚县数据资源管理局 云渚县数据要素市场培育办法",
    )
    assert build_query("云渚县给数据要素市场定了哪些目标？", stats=stats).places == ("云渚",)
    assert build_query("在云渚拿数据资产去银行贷款能贴息多少？", stats=stats).places == ("云渚",)


def test_the_conditions_an_application_needs_are_a_list_and_a_verb_with_its_particle_no_name() -> (
    None
):
    assert build_query("申请人才安居补贴需要满足什么条件？").shape == "list"
    assert build_query("课题对负责人的年龄卡得严不严？").persons == ()
    assert build_query("可唔可以直接网上申请？").terms == ("直接", "网上", "申请")


def test_an_address_or_a_phone_number_is_no_figure_and_a_bare_heading_answers_nothing() -> None:
    assert not states("quantity", normalise("供应商地址：汐州市鹭川区启明大道1618号"))
    assert not states("quantity", normalise("地址：海晏路201号华睿大厦12楼"))
    assert not states("quantity", normalise("电话：0579-86099215"))
    assert states("quantity", normalise("全市共计约180人。"))
    assert build_query("评标委员会成员都有谁？").shape == "list"


PENALTY = """沙溪市市场监督管理局
行政处罚决定书
沙市监罚〔2025〕12号

当事人：沙溪市灵犀算法科技有限公司
统一社会信用代码：91330100MA2K7Q8X3R
法定代表人：周慕白

经查，当事人运营的“灵犀推荐”小程序未经用户同意收集位置信息，涉及用户约8万人。
本机关决定：
（一）给予警告；
（二）处罚款人民币35万元；
（三）责令于2025年9月30日前完成整改。
当事人如不服本决定，可以在收到本决定书之日起六十日内申请行政复议。
"""


def test_a_records_subject_holds_for_each_of_its_lines_and_a_role_asks_a_person(
    tmp_path: Path,
) -> None:
    engine = _engine_over(tmp_path, {"penalty.txt": PENALTY})
    fine = engine.ask("灵犀算法科技有限公司最后被罚款多少？")
    assert fine.answered and [c.quote for c in fine.citations] == ["（二）处罚款人民币35万元；"]
    person = engine.ask("沙溪市灵犀算法科技有限公司的法定代表人叫什么名字？")
    assert "title" not in person.reasons and any("周慕白" in c.quote for c in person.citations)


def test_a_name_asked_of_a_role_is_a_person_not_a_title() -> None:
    assert "title" not in asked_kinds(normalise("公司的法人代表叫什么名字？"))
    assert "title" in asked_kinds(normalise("这份文件叫什么名字？"))


def test_an_office_asked_by_name_is_named_by_the_line_that_answers() -> None:
    from rag.answer.sufficiency import judge

    query = build_query("验收组组长是谁？")
    spaced = normalise("组　长：严楚航　正高级工程师　沅岱省信息技术标准化研究院")
    assert not any(
        r.startswith("does not name") for r in judge(query, spaced, spaced, spaced, {}).reasons
    )
    other = normalise("验收组由以下5名专家组成：")
    assert "does not name 组长" in judge(query, other, other, other, {}).reasons


def test_which_hotel_or_bank_is_answered_by_a_name_of_that_kind() -> None:
    from rag.answer.sufficiency import judge
    from rag.text.facts import named_kind_asked

    assert named_kind_asked("培训班住的是哪家酒店？")[0] == "酒店"
    assert named_kind_asked("罚款交到哪家银行？")[0] == "银行"
    assert named_kind_asked("哪个部门负责？") == ()
    query = build_query("培训班住的是哪家酒店？")
    vague = normalise("食宿由主办方统一安排。")
    assert "names no 酒店" in judge(query, vague, vague, vague, {}).reasons
    named = normalise("学员统一入住澜江宾馆。")
    assert "names no 酒店" not in judge(query, named, named, named, {}).reasons


def test_each_question_of_two_gets_its_own_line_of_a_record(tmp_path: Path) -> None:
    record = PENALTY.replace(
        "（二）处罚款人民币35万元；",
        "（二）没收违法所得人民币4.2万元；\n（三）处罚款人民币35万元；",
    )
    engine = _engine_over(tmp_path, {"penalty.txt": record})
    answer = engine.ask("灵犀算法科技有限公司罚款罚了多少？违法所得没收了多少？")
    quotes = [c.quote for c in answer.citations]
    assert "（二）没收违法所得人民币4.2万元；" in quotes and "（三）处罚款人民币35万元；" in quotes


VOUCHER_RULES = """沅江市算力券管理细则（试行）

第一条 市财政每年安排算力券资金3000万元。
第二条 算力券自发放之日起有效期为12个月，逾期作废。
第三条 企业应于每季度末月20日前向市数据局报送使用情况。
第四条 本细则自2026年7月1日起施行，有效期3年。
联系人：市数据局　柯明远　电话：0731-5566120
"""


def test_how_long_how_often_adverbs_and_this_sum_are_no_key_terms() -> None:
    terms = build_query("已经领到的算力券要在多长时间内用完？").terms
    assert "算力" in terms and not {"已经", "多长时间", "长时间"} & set(terms)
    assert "一次" not in build_query("使用情况多久报一次？").terms
    assert asked_kinds("使用情况多久报一次，报给谁？") == ("frequency",)
    assert asked_kinds("How often must firms report?") == ("frequency",)
    assert states("frequency", "企业应于每季度末月20日前报送") and states("frequency", "按月报送")
    assert not states("frequency", "有效期为12个月")
    assert build_query("这笔资金有多少？").terms == ("资金",)


def test_a_document_kind_or_a_scope_word_counts_only_where_it_is_written() -> None:
    weights = {"通知": 3.0, "联系人": 1.0, "电话": 1.0}
    assert coverage(weights, "联系人：柯明远　电话：0731-5566120") == 1.0
    assert coverage(weights, "通知　联系人：柯明远") == pytest.approx(4 / 5)
    assert missing_terms(weights, "联系人：柯明远") == ["电话"]
    assert missing_terms({"全市": 2.0, "网办率": 1.0}, "网办率达到90%") == []
    assert missing_terms({"招聘公告": 2.0, "招聘": 1.0}, "报名时间") == ["招聘"]
    assert coverage({"通知": 1.0}, "联系人：柯明远") == 1.0  # nothing left to cover


def test_colloquial_words_are_covered_by_what_documents_write(tmp_path: Path) -> None:
    assert covers("盘子", "基金目标总规模50亿元") and covers("打官司", "可依法提起行政诉讼")
    assert covers("失效", "有效期为12个月") and covers("开始", "自2026年7月1日起施行")
    engine = _engine_over(tmp_path, {"rules.txt": VOUCHER_RULES})
    lasts = engine.ask("沅江的算力券拿到之后多久内要用掉？")
    assert lasts.answered and "有效期为12个月" in lasts.text
    starts = engine.ask("沅江那份细则是哪天开始施行的？")
    assert starts.answered and "2026年7月1日" in starts.text
    often = engine.ask("沅江的企业使用算力券的情况多久报一次，报给谁？")
    assert often.answered and "每季度末月20日前" in often.text


TAIWAN_NOTICE = """鷺埕市113年度智慧製造補助計畫公告
發文日期：中華民國113年5月2日
主旨：公告辦理「113年度鷺埕市智慧製造補助計畫」。
一、本年度總預算新臺幣3,200萬元，預計補助約25案。
二、本計畫由市府委託辦理審查作業，審查結果另行公告。
三、114年度之補助計畫，將另案公告。
"""


def test_years_of_the_republic_are_years_and_this_year_is_the_documents(tmp_path: Path) -> None:
    assert roc_years_in("智慧製造補助計畫114年度預算多少") == ["2025"]
    assert roc_years_in("民國113年的預算") == ["2024"] and roc_years_in("建党100年") == []
    assert year_written("2024", "截至113年4月底") and not year_written("2024", "2113年")
    engine = _engine_over(tmp_path, {"notice.txt": TAIWAN_NOTICE})
    this_year = engine.ask("鷺埕113年度智慧製造補助計畫預計補助幾案？")
    assert this_year.answered and "25案" in this_year.text
    other_year = engine.ask("鷺埕智慧製造補助計畫114年度預算編了多少？")
    assert not other_year.answered and "not for 2025" in other_year.reasons


def test_which_company_or_university_needs_a_name_of_that_kind(tmp_path: Path) -> None:
    assert named_kind_asked("那个平台是哪家公司承建的？") == ("公司", "集团", "有限公司")
    assert named_kind_asked("是跟哪一所高校合作的？") == ("大学", "学院")
    assert named_kind_asked("which university runs the lab?") == ("大学", "学院")
    assert named_kind_asked("哪个大学生获奖？") == ()
    engine = _engine_over(tmp_path, {"notice.txt": TAIWAN_NOTICE})
    who = engine.ask("鷺埕智慧製造補助計畫的審查是委託哪家事務所辦理的？")
    assert not who.answered and who.reasons == ("names no 事务所",)


PROCUREMENT = """蓟原县大数据局2026年政府采购意向

序号：1
采购项目名称：蓟原县政务外网安全运维项目
采购需求概况：提供全县政务外网7×24小时安全监测及应急响应服务，服务期36个月。
预算金额（万元）：215.00
预计采购时间：2026年7月

序号：2
采购项目名称：蓟原县数据共享交换平台扩容项目
采购需求概况：新增数据交换节点12个，提升平台并发能力。
预算金额（万元）：98.60
预计采购时间：2026年9月
"""


def test_a_second_question_asked_with_how_long_gets_its_own_sentence(tmp_path: Path) -> None:
    engine = _engine_over(tmp_path, {"intent.txt": PROCUREMENT})
    answer = engine.ask("蓟原县政务外网安全运维项目预算多少？服务期多长？")
    assert answer.answered and "215.00" in answer.text and "服务期36个月" in answer.text


OBJECTION_NOTICE = """岷川市科技局关于2026年度岷川市智能制造示范企业拟认定名单的公示

一、公示期
2026年11月2日至2026年11月6日（共5个工作日）。
二、异议受理
公示期间对名单有异议的，可以书面形式实名反映。
联系电话：0837-62251930（工作日8:30-12:00，14:30-17:30）
"""


def test_an_end_date_is_not_office_hours_nor_a_phone_numbers_hyphen(tmp_path: Path) -> None:
    question = "对名单有异议最晚哪天之前提？"
    assert not states_asked(question, "date", "联系电话：0837-62251930（工作日8:30-12:00）")
    assert states_asked(question, "date", "2026年11月2日至2026年11月6日（共5个工作日）")
    engine = _engine_over(tmp_path, {"notice.txt": OBJECTION_NOTICE})
    answer = engine.ask("岷川那份示范企业公示有异议的话，最晚哪天之前提？打哪个电话？")
    assert answer.answered and "2026年11月6日" in answer.text and "0837-62251930" in answer.text


def test_a_share_is_how_a_subsidy_is_measured_and_support_with_a_figure_is_one() -> None:
    query = build_query("岷川算力券对中型企业按多大比例补贴？")
    assert "补贴" in query.metrics and query.qualifiers == ()
    assert "给予支持" in metric_variants("补贴")


TRAINING = """岷川市数据局关于举办2026年政务数据治理培训班的通知

一、培训时间：2026年9月14日至9月16日。
二、课程安排：9月16日上午　结业考试。
三、培训费用由市数据局统一承担，参训单位不另收费。
"""


def test_a_yes_no_question_is_answered_only_by_a_sentence_naming_what_it_asks() -> None:
    assert yes_no_topics("培训考试没通过的话能补考吗?", ("培训", "考试", "通过", "补考")) == (
        "补考",
    )
    assert yes_no_topics("培训结束后有没有线上回放?", ("培训", "结束", "回放")) == ("回放",)
    assert yes_no_topics("还能不能报?", ("不能", "报名")) == ()
    # another question beside it is answered by its figure, which says the rest
    assert yes_no_topics("补贴有多少?一次给吗", ("补贴", "一次")) == ()


def test_yes_no_near_misses_are_refused_and_answered_ones_kept(tmp_path: Path) -> None:
    engine = _engine_over(tmp_path, {"training.txt": TRAINING})
    retake = engine.ask("岷川数据治理培训班结业考试没通过的话能补考吗？")
    assert not retake.answered and "does not name 补考" in retake.reasons
    fee = engine.ask("岷川数据治理培训班要收费吗？")
    assert fee.answered and "不另收费" in fee.text


def test_a_round_is_a_phase_and_a_status_date_is_no_deadline() -> None:
    assert phases_in("第二轮申请什么时候开始") == ("2轮",) and phases_in("新一轮申请") == ()
    assert phases_in("when does the second round open") == ("2轮",)
    asked = "申请截止日期是什么时候"
    assert not states_deadline(asked, "截至2026年10月底，计划共收到127宗申请")
    assert states_deadline(asked, "截止日期为同年九月三十日")
    assert states_deadline(asked, "申报截至2026年5月31日")
    assert states_deadline(asked, "受理时间：2026年9月1日到10月15日")


def test_a_light_verb_or_a_blank_to_fill_is_not_what_a_yes_no_question_asks() -> None:
    assert yes_no_topics("狭叶艾纳香能否进行人工栽培?", ("艾纳香", "进行", "人工", "栽培")) == (
        "人工",
    )
    assert yes_no_topics("收缩期可以区分为等容收缩期以及?", ("收缩期", "区分")) == ()


def test_what_a_thing_sells_for_asks_its_price() -> None:
    query = build_query("岷川那款巡检机器人一台卖多少钱？")
    assert "售价" in query.metrics and "价格" in metric_variants("售价")


def test_place_mentions_are_names_with_a_suffix_not_ordinary_words() -> None:
    from rag.text.places import place_mentions

    found = place_mentions("项目分布在碧溪镇、梅坞乡和石埠街道，蓝汀区、渚北区两区，澄州市和霁州市")
    assert [(m.stem, m.level) for m in found] == [
        ("碧溪", 4), ("梅坞", 4), ("石埠", 4), ("蓝汀", 3), ("渚北", 3), ("澄州", 2), ("霁州", 2),
    ]  # fmt: skip
    # ordinary words ending in a suffix, generic places, a name starting mid-word
    ordinary = "核心区、超大城市、数据要素市场、新型城镇化、全市各区县、设区市、示范区"
    assert place_mentions(ordinary) == ()
    assert [m.stem for m in place_mentions("苍屿省霁川市")] == ["苍屿", "霁川"]


def test_a_figure_of_a_sibling_place_does_not_answer_for_the_asked_one(tmp_path: Path) -> None:
    report = (
        "汀浦县2025年政府工作报告\n\n"
        "一、过去一年工作回顾\n"
        "碧溪镇智能装备产业园新增规上企业11家，园区全年营业收入58.3亿元。\n"
        "梅坞镇大力发展乡村旅游，接待游客120万人次。\n"
        "蓝汀区、渚北区两区集聚了全县约78%的人工智能企业，石埠区和云岙区人工智能企业分别有23家和14家。\n"
    )
    engine = _engine_over(tmp_path, {"report.txt": report})
    town = engine.ask("梅坞镇去年新增了几家规上企业？")
    assert not town.answered and "about 碧溪, not 梅坞" in town.reasons
    own_clause = engine.ask("渚北区有多少家人工智能企业？")
    assert not own_clause.answered and "not stated for 渚北" in own_clause.reasons
    stated = engine.ask("云岙区有多少家人工智能企业？")
    assert stated.answered and "14家" in stated.text
    assert engine.ask("碧溪镇新增了几家规上企业？").answered


def test_places_compared_are_joined_not_nested_or_qualifying() -> None:
    stats = CorpusStats(
        idf={},
        pinyin_map={},
        metadata_text=(
            "霁川市 霁川市工业和信息化局\n汀栖县 汀栖县人民政府\n苍岭省 苍岭省工业和信息化厅"
        ),
    )
    assert build_query("霁川和汀栖县的企业有多少家？", stats=stats).shape == "compare"
    assert build_query("霁川今年71家申报企业里，汀栖县报了几家？", stats=stats).shape == "fact"
    assert build_query("苍岭省霁川市开放的测试路段有多少公里？", stats=stats).shape == "fact"


def test_a_rate_per_so_many_people_and_a_numbered_lot_or_event_are_constraints(
    tmp_path: Path,
) -> None:
    bulletin = (
        "澄溪市2025年数字经济统计公报\n\n"
        "全市累计建成5G基站1.46万个，每万人拥有5G基站34.8个。\n"
        "白溪县建成5G基站924个，核心产业增加值16.5亿元。\n"
        "市数据局将开展3场线上培训，首场培训定于2024年4月12日举行。\n"
        "包1 算力设备 中标金额1286.40万元；包2 平台开发 中标金额437.80万元。\n"
    )
    engine = _engine_over(tmp_path, {"bulletin.txt": bulletin})
    assert "34.8个" in engine.ask("澄溪市每万人有几个5G基站？").text
    assert not engine.ask("白溪县每万人有几个5G基站？").answered
    county = "白溪县建成5g基站924个,核心产业增加值16.5亿元。"
    verdict = judge(build_query("白溪县每万人有几个5G基站？"), county, county, county, {})
    assert verdict.reasons == ("does not state per 万人",)
    assert build_query("第二场培训定在哪天？").phases == ("2场",)
    assert not engine.ask("数据局第二场线上培训定在哪天？").answered
    assert "2024年4月12日" in engine.ask("首场培训定在哪天？").text
    assert phases_in("包2的质保期") == ("2包",) and phases_in("包括3个项目") == ()


def test_a_year_compared_against_is_implied_by_a_change_and_each_asks_a_comparison() -> None:
    q = build_query("澄溪市AI核心产业营收2024年比2023年涨了多少？")
    grew = "2024年澄溪市核心产业营收534.6亿元,同比增长23.8%。"
    assert "not for 2023" not in judge(q, grew, grew, grew, {}).reasons
    flat = "2024年澄溪市核心产业营收534.6亿元。"
    assert "not for 2023" in judge(q, flat, flat, flat, {}).reasons
    assert build_query("全市算力总规模和智算中心一期的算力，各是多少？").shape == "compare"


def test_a_contact_split_by_commas_is_still_in_its_places_clause() -> None:
    q = build_query("我们厂在榆溪区，项目申报有问题该找谁？")
    line = "榆溪区经信局:邵敏华,0739-86350726;云汀区经信局:韦立诚,0739-86350727"
    assert not any("榆溪" in r for r in judge(q, line, line, line, {}).reasons)


def test_where_something_is_built_asks_a_location_and_reasons_read_in_both_languages() -> None:
    from rag.answer.messages import explain

    assert asked_kinds("智算中心二期建在哪个位置？") == ("location",)
    assert asked_kinds("在哪申报？") == () and asked_kinds("企业在哪个区？") == ()
    assert asked_kinds("喇嘛庙位在哪一个地方？") == ()  # a place's name, not an address
    assert states("location", "我们在长汀市云溪区布局了人工智能产业园")
    assert states("location", "报送至市数据局（澄湾区临溪路88号B座1206室）")
    assert not states("location", "会议听取了区发展改革局关于智算中心二期前期工作的汇报。")
    assert explain("about 青石, not 临溪", "zh") == "说的是青石，不是临溪"
    assert explain("not stated for 霁州", "en") == "no figure is given for 霁州"
    assert explain("states no location", "zh") == "没有给出所问的地点"


def test_a_list_is_read_from_the_sentence_naming_it_or_the_heading_of_the_asked_noun(
    tmp_path: Path,
) -> None:
    briefing = (
        "溪汀市人工智能方案新闻发布会实录\n\n"
        "【周主任】\n方案一共部署了四个方面的重点任务。一是夯实算力底座，二是汇聚高质量数据，"
        "三是突破关键技术，四是深化行业应用。我就先介绍这些。\n"
    )
    paper = (
        "澜汀省人工智能产业发展白皮书\n\n五、2025年发展目标和重点任务\n\n"
        "（一）发展目标。到2025年底，全省人工智能核心产业营收力争突破1500亿元。\n\n"
        "（二）重点任务。\n\n"
        "1.实施算力普惠工程。扩大算力券发放规模。\n\n"
        "2.实施场景开放工程。每年发布应用场景清单。\n\n"
        "3.实施人才引育工程。引进高层次人才。\n"
    )
    engine = _engine_over(tmp_path, {"briefing.txt": briefing, "paper.txt": paper})
    inline = engine.ask("溪汀方案里的重点任务都有哪些方面？")
    assert inline.answered and "二是汇聚高质量数据" in inline.text
    nested = engine.ask("澜汀省2025年有哪些重点任务？")
    assert nested.kind == "list" and "人才引育工程" in nested.text
    assert "发展目标" not in nested.text.split("\n", 1)[1]


def test_qualifiers_drop_a_year_a_modal_and_the_ask_and_a_share_is_asked_in_points() -> None:
    assert build_query("汀溪那边2023年算力补贴一共兑了多少钱？").qualifiers == (("算力", "补贴"),)
    assert build_query("拿到型号合格证能奖励多少？").qualifiers == ()
    assert ("总投资", "比例") in build_query("设备购置费占总投资多大比例？").qualifiers
    assert build_query("语音识别准确率要达到多少").qualifiers == (("语音识别", "准确率"),)
    assert asked_kinds(build_query("管理费一年按几个点收？").normalised) == ("percent",)


def test_an_english_page_covers_words_through_the_glossary_and_names_in_pinyin() -> None:
    page = "as of 31 october 2025, the qiaoning park was home to 186 ai-related companies."
    assert covers("乔宁", page) and covers("人工智能", page) and not covers("星河", page)
    assert not covers("人工智能", "we aim to grow")  # "ai" only as a word
    assert states("count:家个", page) and not states("count:家个", "it signed 23 new projects")


def test_english_who_runs_asks_a_body_and_a_short_item_heads_only_its_own_points() -> None:
    assert asked_kinds("who manages the ai industry fund in minze?") == ("unit",)
    assert states("unit", "the fund is managed by lanze capital co., ltd.")
    assert not states("unit", "the city will set up an ai industry fund of 1 billion yuan.")
