"""Tests for the evaluation harness, question-set loaders and baseline, with the hash embedder."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval import baseline, harness, measure, metrics
from eval.datasets import CMRC_TRIAL, DatasetError, load_cmrc, load_jsonl, sample
from rag import Engine, build_index, load_settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
JC = "jincheng-2024-reply-npc-268.txt"
WZ = "wenzhou-2024-reply-cppcc-2.txt"
WX = "wuxi-xinwu-2024-reply-cppcc-20.txt"

QUESTIONS = [
    {
        "id": "jc-01",
        "user_input": "晋城市的人工智能产业链目前有多少家企业？总投资规模是多少？",
        "reference_facts": ["33家", "83亿"],
        "reference_sources": [JC],
        "reference_quotes": ["人工智能产业链共有企业33家，总投资83亿"],
        "answerable": True,
        "kind": "number",
    },
    {
        "id": "xd-01",
        "user_input": "哪些文件提到了建设智算中心？分别是什么智算中心？",
        "reference_facts": ["温州智算中心", "国产高端智算中心"],
        "reference_sources": [WZ, WX],
        "reference_quotes": ["温州智算中心", "国产高端智算中心"],
        "answerable": True,
        "kind": "cross_doc",
    },
    {
        "id": "wrong-src",
        "user_input": "晋城市的人工智能产业链目前有多少家企业？",
        "reference_facts": ["33家"],
        "reference_sources": [WZ],  # the quote is in JC, not WZ
        "reference_quotes": ["人工智能产业链共有企业33家"],
        "answerable": True,
        "kind": "number",
    },
    {
        "id": "un-01",
        "user_input": "北京市对入驻的人工智能企业提供多少房租补贴？",
        "answerable": False,
        "kind": "unanswerable",
    },
]

CMRC = {
    "version": "v1.0",
    "data": [
        {
            "paragraphs": [
                {
                    "id": "T_1",
                    "context": "泡泡战士由韩国Nexon开发。玩家以水枪、小枪、锤子或是水炸弹泡封敌人。"
                    "若游戏中离，则4分钟内不得进行配对。",
                    "qas": [
                        {
                            "id": "T_1_Q0",
                            "question": "若游戏中离，则多少分钟内不得进行配对？",
                            "answers": [
                                {"text": "4分钟", "answer_start": 0},
                                {"text": "4分钟", "answer_start": 0},
                            ],
                        },
                        {
                            "id": "T_1_Q1",
                            "question": "玩家用什么泡封敌人？",
                            "answers": [{"text": "水枪、小枪、锤子或是水炸弹", "answer_start": 0}],
                        },
                    ],
                }
            ]
        },
        {
            "paragraphs": [
                {
                    "id": "T/2",
                    "context": "范廷颂是越南罗马天主教枢机。1963年被任为主教，"
                    "1990年被擢升为天主教河内总教区宗座署理。",
                    "qas": [
                        {
                            "id": "T_2_Q0",
                            "question": "范廷颂是什么时候被任为主教的？",
                            "answers": [{"text": "1963年", "answer_start": 0}],
                        },
                        {"id": "T_2_Q1", "question": "no answers", "answers": []},
                        {"id": "T_2_Q2", "question": " ", "answers": [{"text": "1963年"}]},
                    ],
                }
            ]
        },
    ],
}


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


@pytest.fixture(scope="module")
def hash_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    settings = load_settings(embedder="hash", index_dir=str(tmp_path_factory.mktemp("ix")))
    build_index([CORPUS], settings)
    return Engine(settings)


def test_load_jsonl_fields_and_errors(tmp_path: Path) -> None:
    qset = load_jsonl(_write_jsonl(tmp_path / "q.jsonl", QUESTIONS))
    assert [q.id for q in qset.questions] == ["jc-01", "xd-01", "wrong-src", "un-01"]
    q = qset.questions[1]
    assert q.reference_sources == (WZ, WX) and q.hit_quotes == ("温州智算中心", "国产高端智算中心")
    assert qset.questions[3].answerable is False and qset.questions[3].reference_facts == ()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "user_input": "x"}\n{"id": "a", "user_input": "y"}\n', "utf-8")
    with pytest.raises(DatasetError, match=r"bad.jsonl:2: duplicate id 'a'"):
        load_jsonl(bad)
    bad.write_text('{"id": "a", "user_input": "x"}\n\n{"id": "b"\n', "utf-8")
    with pytest.raises(DatasetError, match=r"bad.jsonl:3: invalid JSON"):
        load_jsonl(bad)
    bad.write_text('{"id": "a"}\n', "utf-8")
    with pytest.raises(DatasetError, match="missing user_input"):
        load_jsonl(bad)


def test_dev_set_is_well_formed() -> None:
    qset = load_jsonl(ROOT / "eval" / "dev.jsonl")
    sources = {p.name for p in CORPUS.iterdir()}
    for q in qset.questions:
        assert set(q.reference_sources) <= sources, q.id
        assert q.answerable == bool(q.reference_quotes), q.id
        for quote in q.reference_quotes:  # every gold quote is really in one of its sources
            texts = [(CORPUS / s).read_text("utf-8") for s in q.reference_sources]
            assert any(metrics.normalise(quote) in metrics.normalise(t) for t in texts), (
                q.id,
                quote,
            )


def test_load_cmrc_writes_one_document_per_context(tmp_path: Path) -> None:
    src = tmp_path / "cmrc.json"
    src.write_text(json.dumps(CMRC, ensure_ascii=False), "utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "stale.txt").write_text("left over from another set", "utf-8")
    qset = load_cmrc(src, docs)
    assert sorted(p.name for p in docs.iterdir()) == ["T_1.txt", "T_2.txt"]
    assert (docs / "T_2.txt").read_text("utf-8") == CMRC["data"][1]["paragraphs"][0]["context"]
    assert [q.id for q in qset.questions] == ["T_1_Q0", "T_1_Q1", "T_2_Q0"]
    assert qset.skipped == ("T_2_Q1", "T_2_Q2")  # no answer; an empty question
    q0 = qset.questions[0]
    assert q0.reference_sources == ("T_1.txt",)
    assert q0.reference_quotes == ("4分钟",)  # duplicate answer spans collapse
    assert q0.hit_quotes == () and q0.fact_rule == "any" and q0.answerable
    assert (qset.documents, qset.chars) == (
        2,
        sum(len(p["context"]) for a in CMRC["data"] for p in a["paragraphs"]),
    )
    assert [q.id for q in sample(qset.questions, 2, seed=1)] == [
        q.id for q in sample(qset.questions, 2, seed=1)
    ]
    assert len(sample(qset.questions, 2)) == 2 and sample(qset.questions, None) == list(
        qset.questions
    )


def test_run_eval_retrieval_values(hash_engine: Engine, tmp_path: Path) -> None:
    questions = load_jsonl(_write_jsonl(tmp_path / "q.jsonl", QUESTIONS)).questions
    result = measure.run_eval(hash_engine, questions, name="tiny")
    by_id = {r["id"]: r for r in result.records}
    # the exact quote is in one passage of the Jincheng reply: BM25 ranks it first
    assert by_id["jc-01"]["retrieval"]["bm25"]["rank"] == 1
    assert by_id["jc-01"]["gold_in_index"] is True
    # the quote exists only in another file than the reference source: never a hit
    assert by_id["wrong-src"]["gold_in_index"] is False
    assert all(by_id["wrong-src"]["retrieval"][m]["rank"] is None for m in measure.MODES)
    assert "retrieval" not in by_id["un-01"]  # no gold evidence to retrieve
    bm25 = result.summary["retrieval"]["bm25"]
    assert bm25["questions"] == 3
    xd = by_id["xd-01"]["retrieval"]["bm25"]
    assert bm25["recall@1"] == pytest.approx((1 + xd["recall@1"] + 0) / 3)
    assert bm25["mrr@10"] == pytest.approx((1 + xd["rr"] + 0) / 3)
    assert xd["quotes_covered@5"] in (0.0, 0.5, 1.0)
    assert result.summary["gold_not_in_any_chunk"] == ["wrong-src"]
    assert "wrong-src" in result.summary["failures"]["fused_miss@5"]
    answers = result.summary["answers"]
    assert answers["asked"] == 4 and answers["answerable_asked"] == 3
    assert answers["citation_exact"] in (None, 1.0)  # every citation resolves in the raw file
    assert answers["citation_valid"] == 1.0
    assert answers["refusal"]["unanswerable"] == 1
    assert answers["refused_with_citation"] == 0
    assert by_id["wrong-src"]["answer"]["citation_support"] is False  # wrong file is never gold
    assert result.summary["errors"] == 0


def test_run_eval_cli_writes_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    qa = _write_jsonl(tmp_path / "q.jsonl", QUESTIONS)
    settings = load_settings(embedder="hash", index_dir=str(tmp_path / "index"))
    runs = tmp_path / "runs"
    code = harness.run_eval_cli(settings, qa=str(qa), as_json=True, limit=2, runs_dir=runs)
    assert code == 0
    assert (tmp_path / "index" / "manifest.json").is_file()  # built from the corpus when missing
    printed = json.loads(capsys.readouterr().out)
    [run] = list(runs.iterdir())
    summary = json.loads((run / "summary.json").read_text("utf-8"))
    assert printed == summary
    assert {
        "set",
        "qa",
        "index",
        "questions",
        "retrieval",
        "answers",
        "failures",
        "errors",
        "run_dir",
    } <= summary.keys()
    assert set(summary["retrieval"]) == {"dense", "bm25", "fused"}
    assert {"recall@1", "recall@5", "mrr@10"} <= summary["retrieval"]["fused"].keys()
    assert {
        "fact_in_answer",
        "citation_valid",
        "citation_support",
        "citation_exact",
        "refusal",
        "latency_ms",
    } <= summary["answers"].keys()
    assert summary["questions"] == 2 and summary["index"]["documents"] == 5
    lines = (run / "questions.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(x)["id"] for x in lines] == ["jc-01", "xd-01"]
    assert json.loads(lines[0])["retrieval"]["bm25"]["rank"] == 1


def test_run_eval_cli_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = load_settings(embedder="hash", index_dir=str(tmp_path / "index"))
    runs = tmp_path / "runs"
    assert harness.run_eval_cli(settings, qa=str(tmp_path / "nope.jsonl"), runs_dir=runs) == 2
    assert "no such question set" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", "utf-8")
    assert harness.run_eval_cli(settings, qa=str(bad), runs_dir=runs) == 2
    assert "bad.jsonl:1: invalid JSON" in capsys.readouterr().err
    notcmrc = tmp_path / "x.json"
    notcmrc.write_text("[1, 2]", "utf-8")
    assert harness.run_eval_cli(settings, qa=str(notcmrc), runs_dir=runs) == 2
    assert harness.run_eval_cli(settings, qa=str(bad), limit=0, runs_dir=runs) == 2
    assert not runs.exists()  # nothing saved for a run that never started


def test_run_eval_cli_cmrc_gets_its_own_index(tmp_path: Path) -> None:
    src = tmp_path / "mini_cmrc.json"
    src.write_text(json.dumps(CMRC, ensure_ascii=False), "utf-8")
    settings = load_settings(embedder="hash", index_dir=str(tmp_path / "dev-index"))
    runs = tmp_path / "runs"
    assert harness.run_eval_cli(settings, qa=str(src), as_json=True, runs_dir=runs) == 0
    assert not (tmp_path / "dev-index").exists()  # the dev index is not touched
    assert (runs / "cmrc_index" / "mini_cmrc" / "manifest.json").is_file()
    [run] = [p for p in runs.iterdir() if p.name not in ("cmrc_index", "cmrc_docs")]
    summary = json.loads((run / "summary.json").read_text("utf-8"))
    assert summary["index"]["documents"] == 2 and summary["answerable"] == 3
    # with two passages, each question's own passage is always in the top 5
    assert summary["retrieval"]["bm25"]["recall@5"] == 1.0
    records = [json.loads(x) for x in (run / "questions.jsonl").read_text("utf-8").splitlines()]
    assert records[0]["reference_sources"] == ["T_1.txt"]
    # the BM25 hit for the 4-minute question is its own passage document
    assert records[0]["retrieval"]["bm25"]["rank"] == 1


def test_recursive_split_by_hand() -> None:
    text = "aaaa bbbb\n\ncccc dddd eeee\nffff"
    # paragraphs first, then lines, then words, keeping each separator at the next piece's start
    assert baseline.recursive_split(text, size=12, overlap=0) == [
        "aaaa bbbb",
        "cccc dddd",
        "eeee",
        "ffff",
    ]
    assert baseline.recursive_split(text, size=12, overlap=5) == [
        "aaaa bbbb",
        "cccc dddd",
        "dddd eeee",
        "ffff",
    ]
    assert baseline.recursive_split("一二三四五六七", size=3, overlap=1) == [
        "一二三",
        "三四五",
        "五六七",
    ]


def test_recursive_split_matches_langchain() -> None:
    lc = pytest.importorskip("langchain_text_splitters")
    for path in sorted(CORPUS.iterdir()):
        text = path.read_text("utf-8")
        for size, overlap in ((500, 50), (120, 30)):
            splitter = lc.RecursiveCharacterTextSplitter(chunk_size=size, chunk_overlap=overlap)
            assert baseline.recursive_split(text, size=size, overlap=overlap) == (
                splitter.split_text(text)
            ), (path.name, size)


def test_baseline_finds_the_passage(tmp_path: Path) -> None:
    settings = load_settings(embedder="hash", index_dir=str(tmp_path / "unused"))
    index = baseline.BaselineIndex(settings).build([CORPUS], cache_dir=tmp_path / "cache")
    again = baseline.BaselineIndex(settings).build([CORPUS], cache_dir=tmp_path / "cache")
    assert (index.cached, again.cached) == (False, True)
    assert again.search("晋城", k=3) == index.search("晋城", k=3)
    assert all(len(t) <= baseline.CHUNK_SIZE for t in index.texts)
    questions = load_jsonl(_write_jsonl(tmp_path / "q.jsonl", QUESTIONS)).questions
    result = baseline.evaluate_baseline(index, questions)
    assert result["questions"] == 3 and result["refuses"] is False
    # hash-embedder ranks (deterministic): jc-01's passage at 3, xd-01 at 1, wrong-src never
    assert result["recall@1"] == pytest.approx(1 / 3)
    assert result["recall@5"] == pytest.approx(2 / 3)
    assert result["mrr@10"] == pytest.approx((1 / 3 + 1 + 0) / 3)
    hits = index.search(QUESTIONS[0]["user_input"], k=10)
    assert [h.rank for h in hits] == list(range(1, 11))
    assert index.answer(QUESTIONS[0]["user_input"]) == hits[0].text


@pytest.mark.slow
def test_bench_quick_smoke(tmp_path: Path) -> None:
    from eval import bench, report

    if not CMRC_TRIAL.is_file():
        pytest.skip("CMRC 2018 trial set not beside the repository")
    settings = load_settings(embedder="hash", index_dir=str(tmp_path / "unused"))
    result = bench.run_bench(settings, quick=True, runs_dir=tmp_path)
    dev, cmrc = result["quality"]["dev"], result["quality"]["cmrc"]
    assert dev["product"]["citation_exact"] == 1.0 and cmrc["product"]["citation_exact"] == 1.0
    assert cmrc["contexts"] == bench.QUICK["cmrc_paragraphs"]
    assert cmrc["answered_sample"] == bench.QUICK["cmrc_answers"]
    assert dev["baseline"]["splitter"].endswith(("1.1.3", "(package missing)"))
    build = result["speed"]["index_build_corpus"]
    assert build["documents"] == 1 and build["chars_per_s"] > 0 and build["peak_rss_mb"] > 50
    assert result["speed"]["warm_dev"]["ask_ms"]["n"] == bench.QUICK["warm"]
    assert result["speed"]["cold_start_rag_ask"]["median_seconds"] > 0
    assert result["speed"]["serving_process"]["questions"] == bench.QUICK["serve"]
    assert "recall@5" in report.format_bench(result)  # the table renders from the result
    assert (Path(result["run_dir"]) / "dev" / "summary.json").is_file()


# --- near-miss generator, 繁體/English variants, passage benchmarks and the suite table --------
# Fixtures are small invented policy texts and tea passages, not the bundled corpus.

NM_DOCS = {
    "luoyang.txt": "洛阳市人民政府办公室关于印发《洛阳市人工智能产业发展行动方案》的通知\n"
    "截至2023年底，洛阳市目前有人工智能核心企业45家，2022年营业收入达到60亿元。\n"
    "下一步，我市将建设智能制造创新中心。\n",
    "hefei.txt": "合肥市数据资源局关于2023年智能语音产业情况的报告\n"
    "合肥市智能语音企业集聚发展，形成完整产业链。\n",
}


def _nm_rows() -> list[dict]:
    return [
        {"id": "ly-01", "user_input": "洛阳市目前有多少家人工智能核心企业？",
         "reference_sources": ["luoyang.txt"], "answerable": True},
        {"id": "ly-02", "user_input": "2023年洛阳市人工智能核心企业有多少家？",
         "reference_sources": ["luoyang.txt"], "answerable": True},
        {"id": "ly-03", "user_input": "洛阳市有多少家人工智能核心企业，营业收入多少？",
         "reference_sources": ["luoyang.txt"], "answerable": True},
        {"id": "ly-en", "user_input": "How many AI core enterprises does Luoyang have?",
         "reference_sources": ["luoyang.txt"], "answerable": True},
        {"id": "xd", "user_input": "洛阳市和合肥市各有什么产业？",
         "reference_sources": ["luoyang.txt", "hefei.txt"], "answerable": True},
        {"id": "un", "user_input": "洛阳市的GDP是多少？", "answerable": False},
    ]  # fmt: skip


@pytest.fixture(scope="module")
def nm_corpus(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from eval.near_miss import EngineCorpus

    root = tmp_path_factory.mktemp("nm")
    for name, text in NM_DOCS.items():
        (root / name).write_text(text, "utf-8")
    settings = load_settings(embedder="hash", index_dir=str(root / "index"))
    build_index([root / name for name in NM_DOCS], settings)
    return EngineCorpus(Engine(settings))


def test_near_miss_variants_change_one_detail_checked_by_search(nm_corpus) -> None:  # type: ignore[no-untyped-def]
    from eval.near_miss import Metric, Place, near_misses

    places = [Place(name, name[:-1], name[-1]) for name in ("洛阳市", "合肥市", "西宁市", "河南省")]
    # 营业收入 is in the Luoyang text, so only 年产值 may replace a count ask
    metric_list = [Metric(("营业收入", "营收"), "亿元"), Metric(("年产值", "产值"), "亿元")]
    out = near_misses(_nm_rows(), nm_corpus, places=places, metrics=metric_list)
    by_id = {v["id"]: v for v in out}
    # cross-document and unanswerable rows make no variants
    assert {v["variant_of"] for v in out} == {"ly-01", "ly-02", "ly-03", "ly-en"}
    assert all(v["answerable"] is False for v in out)
    # the year 2022 is in the document, 2024 is not: the search-based check skips 2022
    assert by_id["ly-02-nm-year"]["user_input"] == "2024年洛阳市人工智能核心企业有多少家？"
    assert by_id["ly-02-nm-year"]["change"] == {"from": "2023", "to": "2024"}
    # a year put in front drops "目前" and is one that no nearby document contains
    inserted = by_id["ly-01-nm-year"]
    assert inserted["user_input"].endswith("年洛阳市有多少家人工智能核心企业？")
    assert inserted["change"]["to"][:4] not in "".join(NM_DOCS.values())
    # 合肥 is mentioned in the corpus and 河南 is a province: 西宁 is the only candidate
    assert by_id["ly-01-nm-place"]["user_input"] == "西宁市目前有多少家人工智能核心企业？"
    assert by_id["ly-01-nm-place"]["kind"] == "near_miss_place"
    # a count ask becomes an amount ask about a metric the documents never state
    assert (
        by_id["ly-01-nm-metric"]["user_input"] == "洛阳市目前人工智能核心企业的年产值是多少亿元？"
    )
    # of two asks, the first clause alone is changed (the second would stay answerable)
    assert by_id["ly-03-nm-metric"]["user_input"] == "洛阳市人工智能核心企业的年产值是多少亿元？"
    # English: a year put in front; no Chinese place or metric rules
    assert by_id["ly-en-nm-year"]["user_input"].startswith("In ")
    assert "ly-en-nm-place" not in by_id and "ly-en-nm-metric" not in by_id


def test_near_miss_set_is_well_formed() -> None:
    qset = load_jsonl(ROOT / "eval" / "near_miss.jsonl")
    dev_ids = {q.id for q in load_jsonl(ROOT / "eval" / "dev.jsonl").questions}
    assert len(qset.questions) >= 100
    assert all(not q.answerable and q.kind.startswith("near_miss_") for q in qset.questions)
    rows = [
        json.loads(x)
        for x in (ROOT / "eval" / "near_miss.jsonl").read_text("utf-8").split("\n")
        if x
    ]
    assert {r["variant_of"] for r in rows} <= dev_ids
    assert {r["kind"] for r in rows} == {"near_miss_year", "near_miss_place", "near_miss_metric"}


def test_hant_and_english_variants() -> None:
    from eval import variants

    rows = [
        {"id": "a", "user_input": "无锡高新区集聚了多少家人工智能企业？", "answerable": True},
        {"id": "b", "user_input": "Who signed the reply?", "answerable": True},
    ]
    [hant] = variants.hant_rows(rows)  # the English question has nothing to convert
    assert hant["user_input"] == "無錫高新區集聚了多少家人工智能企業？"
    assert (hant["id"], hant["variant_of"], hant["answerable"]) == ("a-hant", "a", True)
    en = variants.en_rows(rows, {"a": "How many AI enterprises are in the Wuxi High-tech Zone?"})
    assert [r["id"] for r in en] == ["a-en", "b-en"] and en[1][
        "user_input"
    ] == "Who signed the reply?"
    with pytest.raises(DatasetError, match=r"missing \['a'\]"):
        variants.en_rows(rows, {})
    with pytest.raises(DatasetError, match="not an English question"):
        variants.en_rows(rows, {"a": "无锡有多少家企业？"})
    assert variants.main(["--check"]) == 0  # dev_hant.jsonl and dev_en.jsonl match dev.jsonl


TEA = {
    "version": "test",
    "data": [
        {"title": "绿茶", "paragraphs": [
            {"id": "T1-1", "context": "龙井茶产于杭州西湖一带，已有一千二百多年历史。",
             "qas": [{"id": "T1-1-Q", "question": "龙井茶产于哪里？",
                      "answers": [{"text": "杭州西湖一带", "answer_start": 5}]}]},
            {"id": "T1-2", "context": "碧螺春产于江苏苏州太湖洞庭山，条索纤细，卷曲成螺。",
             "qas": [{"id": "T1-2-Q", "question": "碧螺春产于哪里？",
                      "answers": [{"text": "江苏苏州太湖洞庭山", "answer_start": 4}]}]},
            {"id": "T1-3", "context": "龙井茶以清明前采摘为佳，杭州西湖一带的茶农称之为明前茶。",
             "qas": []},
        ]},
        {"title": "黄茶", "paragraphs": [
            {"id": "T2-1", "context": "君山银针产于湖南岳阳洞庭湖中的君山岛。",
             "qas": [{"id": "T2-1-Q", "question": "君山银针产于哪里？",
                      "answers": [{"text": "湖南岳阳洞庭湖中的君山岛", "answer_start": 5}]},
                     {"id": "T2-1-E", "question": "", "answers": [{"text": "x"}]}]},
        ]},
    ],
}  # fmt: skip


def test_load_passages_groups_articles(tmp_path: Path) -> None:
    from eval.datasets import load_passages

    src = tmp_path / "tea.json"
    src.write_text(json.dumps(TEA, ensure_ascii=False), "utf-8")
    pset = load_passages(src, tmp_path / "docs")
    assert pset.articles == (("T1-1.txt", "T1-2.txt", "T1-3.txt"), ("T2-1.txt",))
    assert pset.article_of("T1-2.txt") == pset.articles[0]
    assert [q.id for q in pset.questions] == ["T1-1-Q", "T1-2-Q", "T2-1-Q"]
    assert pset.skipped == ("T2-1-E",)
    assert (tmp_path / "docs" / "T1-3.txt").read_text("utf-8") == TEA["data"][0]["paragraphs"][2][
        "context"
    ]
    q = pset.questions[0]
    assert (q.reference_sources, q.fact_rule, q.hit_quotes) == (("T1-1.txt",), "any", ())
    # a paragraph budget takes whole articles, and removes the other files from the folder
    small = load_passages(src, tmp_path / "docs", max_paragraphs=1, seed=3)
    assert small.articles in ((pset.articles[0],), (pset.articles[1],))
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == sorted(small.passages)


def test_passage_eval_asks_with_and_without_the_gold_passage(tmp_path: Path) -> None:
    from eval.datasets import load_passages

    src = tmp_path / "tea.json"
    src.write_text(json.dumps(TEA, ensure_ascii=False), "utf-8")
    pset = load_passages(src, tmp_path / "docs")
    settings = load_settings(embedder="hash", index_dir=str(tmp_path / "index"))
    build_index([pset.docs_dir], settings)
    result = measure.run_passage_eval(Engine(settings), pset, pset.questions)
    by_id = {r["id"]: r for r in result.records}
    rec = by_id["T1-1-Q"]
    # the article's other passages come first; the gold passage is never among them
    assert rec["related"][:2] == ["T1-2.txt", "T1-3.txt"] and "T1-1.txt" not in rec["related"]
    # T1-3 also states 杭州西湖一带, so a refusal there would be wrong: not a negative
    assert "T1-3.txt" not in rec["negatives"] and "T1-2.txt" in rec["negatives"]
    assert "without_passage" in rec and "with_passage" in rec
    # the one-paragraph article gets its related passages from the search
    assert set(by_id["T2-1-Q"]["related"]) <= {"T1-1.txt", "T1-2.txt", "T1-3.txt"}
    s = result.summary
    assert s["questions"] == 3 and s["errors"] == 0 and s["articles"] == 2
    assert s["answers"]["answerable_asked"] == 3
    assert s["answers"]["refusal"]["unanswerable"] == sum(
        1 for r in result.records if r["negatives"]
    )
    assert s["answers"]["citation_exact"] in (None, 1.0)
    assert s["retrieval"]["fused"]["recall@5"] == 1.0  # four passages: all in the top 5


def test_gold_in_answer_reads_text_and_quotes() -> None:
    assert measure.gold_in_answer("产于杭州 西湖一带[1]", [], ["杭州西湖一带"])
    assert measure.gold_in_answer("见引文[1]", ["龙井茶产于杭州西湖一带"], ["杭州西湖一带"])
    assert not measure.gold_in_answer("产于江苏[1]", ["碧螺春产于江苏"], ["杭州西湖一带"])


def test_suite_sets_and_table() -> None:
    from eval import report, suite

    assert [s.name for s in suite.pick_sets("drcd, dev")] == ["dev", "drcd"]
    assert [s.name for s in suite.pick_sets(None)] == list(suite.SET_NAMES)
    with pytest.raises(DatasetError, match="unknown question set"):
        suite.pick_sets("dev,squad")
    dev = {
        "questions": 85,
        "retrieval": {"fused": {"recall@5": 0.9876, "mrr@10": 0.9}},
        "answers": {"fact_in_answer": 0.88, "answerable_asked": 75, "citation_exact": 1.0,
                    "refusal": {"unanswerable": 10, "unanswerable_refused": 9,
                                "answerable_refused": 3}, "latency_ms": {"p50": 340.0}},
        "failure_counts": {"fact_miss": 9, "answerable_refused": 3},
        "errors": 0,
    }  # fmt: skip
    table = report.format_suite({"dev": dev}, {"dev": "dev"})
    lines = table.splitlines()
    assert lines[0].split() == ["dev"]
    assert lines[2].split() == ["recall@5", "0.988"]
    assert lines[4].split() == ["answer", "contains", "gold", "0.880"]
    assert lines[5].split() == ["refused", "when", "unanswerable", "0.900"]
    assert lines[6].split() == ["false", "refusals", "0.040"]
    assert "dev: refused 9/10 unanswerable, 3/75 answerable" in table


def test_run_eval_cli_suite_side_by_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(embedder="hash", index_dir=str(tmp_path / "index"))
    runs = tmp_path / "runs"
    assert harness.run_eval_cli(settings, sets="dev,near_miss", limit=2, runs_dir=runs) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["dev", "near-miss"]
    assert out.splitlines()[1].split() == ["questions", "2", "2"]
    [run] = runs.glob("suite-*")
    report = json.loads((run / "suite.json").read_text("utf-8"))
    assert report["table"]["near_miss"]["recall@5"] is None  # nothing answerable to retrieve
    assert report["sets"]["dev"]["questions"] == 2
    assert (run / "dev" / "questions.jsonl").is_file()
    assert (run / "near_miss" / "summary.json").is_file()
    assert harness.run_eval_cli(settings, sets="dev,squad", runs_dir=runs) == 2
    assert "unknown question set(s) squad" in capsys.readouterr().err


def test_follow_up_is_asked_after_its_earlier_turns(hash_engine: Engine, tmp_path: Path) -> None:
    row = {
        "id": "fu-01",
        "user_input": "那总投资规模呢？",
        "history": ["晋城市的人工智能产业链目前有多少家企业？"],
        "reference_facts": ["x"],
        "answerable": True,
    }
    (q,) = load_jsonl(_write_jsonl(tmp_path / "q.jsonl", [row])).questions
    assert q.history == ("晋城市的人工智能产业链目前有多少家企业？",)
    rec = measure.answer_record(hash_engine, q, metrics.read_raw_text)
    # resolved against the earlier turn: the place and topic come from it
    assert "晋城" in rec["read_as"] and "总投资" in rec["read_as"]
    one = tmp_path / "one.jsonl"  # a single earlier turn may be given as a string
    one.write_text('{"id": "a", "user_input": "x", "history": "y"}\n', "utf-8")
    assert load_jsonl(one).questions[0].history == ("y",)
