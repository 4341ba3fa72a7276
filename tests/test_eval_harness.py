"""Tests for the evaluation harness, question-set loaders and baseline, with the hash embedder."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval import baseline, harness, measure, metrics
from eval.datasets import CMRC_TRIAL, DatasetError, load_cmrc, load_jsonl, sample
from rag.config import load_settings
from rag.pipeline import Engine, build_index

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
