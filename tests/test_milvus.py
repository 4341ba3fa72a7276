"""The Milvus store (Milvus Lite in a temporary .db) against the FAISS store: same hits, same
statistics after adding and removing documents, filters, citations, and a clear error for a
server that cannot be reached."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.cli import main
from rag.config import Settings, load_settings
from rag.errors import IndexBusyError, IndexMissingError, StoreUnreachableError
from rag.pipeline import Engine, build_index
from rag.store_milvus import collection_name, is_milvus
from rag.types import Filters

pytest.importorskip("milvus_lite", reason="milvus-lite is not installed (pip install milvus-lite)")

ROOT = Path(__file__).resolve().parent.parent

# Invented documents (not the bundled corpus): three cities' digital-economy policies.
DOCS = {
    "anqing-2023-digital-economy.txt": """\
安庆市人民政府办公室关于印发安庆市促进数字经济发展若干措施的通知
庆政办〔2023〕12号
各县（市、区）人民政府，市政府各部门：
现将《安庆市促进数字经济发展若干措施》印发给你们，请认真贯彻执行。
一、培育数字产业
（一）对新认定的国家级专精特新“小巨人”软件企业，一次性奖励50万元。
（二）支持建设公共算力平台，按服务中小企业的算力费用给予30%补贴，每家每年最高100万元。
二、推动产业数字化
（三）企业实施智能化改造项目，按设备投资额的10%给予补助，最高500万元。
（四）到2025年，全市规模以上工业企业数字化转型覆盖率达到80%。
三、保障措施
（五）市数据资源局负责统筹协调，本措施自2023年6月1日起施行。
安庆市人民政府办公室
2023年5月20日
""",
    "luzhou-2022-ai-plan.txt": """\
泸州市人民政府关于加快人工智能产业发展的实施意见
泸府发〔2022〕8号
一、总体目标
到2025年，全市人工智能核心产业规模突破120亿元，培育人工智能骨干企业20家，建成开放创新平台5个。
二、重点任务
（一）建设智能算力中心。依托泸州数据中心集群，新增智能算力规模达到800PFlops。
（二）开展场景应用示范。在白酒酿造、医疗健康、智慧交通等领域遴选示范场景30个。
（三）引进高端人才。对引进的人工智能领军人才给予最高200万元安家补贴。
三、组织保障
建立市人工智能产业发展联席会议制度，由市经济和信息化局牵头。
泸州市人民政府
2022年9月15日
""",
    "yantai-2024-data-elements.txt": """\
烟台市人民政府办公室关于推进数据要素市场化配置改革的实施方案
烟政办字〔2024〕31号
一、工作目标
到2026年，全市数据要素市场体系基本建立，数据交易额累计突破10亿元。
二、主要任务
（一）建设公共数据授权运营平台，年内开放公共数据集200个。
（二）培育数据商和第三方专业服务机构，对新落户的数据商给予最高50万元奖励。
（三）支持企业开展数据资产入表，对完成入表的企业每家补助20万元。
三、保障措施
市大数据局会同市财政局制定资金管理办法。
烟台市人民政府办公室
2024年3月8日
""",
}
EXTRA = (
    "jiaxing-2024-computing-power.txt",
    """嘉兴市人民政府关于支持算力产业高质量发展的若干政策
嘉政发〔2024〕5号
一、支持算力基础设施建设
（一）对新建智能算力中心，按实际投资额的15%给予补助，单个项目最高2000万元。
（二）发放算力券，对中小企业租用智能算力的费用给予40%补贴。
二、附则
本政策自2024年4月1日起施行，由市发展改革委负责解释。
嘉兴市人民政府
2024年3月25日
""",
)
# a second process that opens a Milvus Lite store and keeps it open until stdin closes
HOLD_STORE = (
    "import sys; from pymilvus import MilvusClient; MilvusClient(sys.argv[1]); "
    "print('open', flush=True); sys.stdin.read()"
)
QUESTIONS = (
    "公共算力平台的补贴比例是多少",
    "人工智能领军人才安家补贴最高多少",
    "数据资产入表的企业补助多少",
    "到2025年数字化转型覆盖率目标",
    "智能算力规模",
    "Anqing digital economy subsidy",
)


def _write(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _pair(tmp_path: Path) -> tuple[Settings, Settings, Path]:
    """FAISS and Milvus Lite settings over the same (invented) documents, both indexed."""
    docs = _write(tmp_path / "docs", DOCS)
    faiss = load_settings(index_dir=str(tmp_path / "faiss"), embedder="hash")
    milvus = faiss.replace(store=str(tmp_path / "store.db"))
    build_index([docs], faiss)
    build_index([docs], milvus)
    return faiss, milvus, docs


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, Engine]:
    faiss, milvus, _docs = _pair(tmp_path_factory.mktemp("milvus"))
    return Engine(faiss), Engine(milvus)


def _hits(engine: Engine, question: str, **options: object) -> list[tuple[str, float, float]]:
    # (float32 sums of the same term scores in another order differ in the last place)
    return [
        (h.chunk.chunk_id, round(h.score, 4), round(h.bm25_score or 0.0, 4))
        for h in engine.search(question, **options)  # type: ignore[arg-type]
    ]


def test_store_setting_names_faiss_a_lite_file_or_a_server() -> None:
    assert not is_milvus("faiss")
    assert is_milvus("./x.db") and is_milvus("http://h:19530") and is_milvus("https://h")
    assert collection_name("", "index") == "rag_index"
    assert collection_name("", "/tmp/my-index.v2") == "rag_my_index_v2"
    assert collection_name("policies", "index") == "policies"
    with pytest.raises(Exception, match="store='milvus'"):
        load_settings(store="milvus")


def test_search_matches_the_faiss_store(pair: tuple[Engine, Engine]) -> None:
    faiss, milvus = pair
    assert type(milvus.index).__name__ == "MilvusStore"
    for question in QUESTIONS:
        for mode in ("fused", "dense", "bm25"):
            assert _hits(milvus, question, k=5, mode=mode) == _hits(faiss, question, k=5, mode=mode)
    got = milvus.search("公共算力平台的补贴比例是多少", k=1)[0].chunk
    assert "30%补贴" in got.text and got.line_start == 5 and got.heading.startswith("一、")


def test_statistics_documents_and_chunks_match(pair: tuple[Engine, Engine]) -> None:
    faiss, milvus = pair
    f, m = faiss.index, milvus.index
    assert dict(m.bm25.idf) == pytest.approx(dict(f.bm25.idf))
    assert dict(m.bm25.doc_freq) == dict(f.bm25.doc_freq)
    assert dict(m.pinyin_map) == dict(f.pinyin_map)
    assert sorted(m.doc_infos(), key=lambda d: d.doc_id) == sorted(
        f.doc_infos(), key=lambda d: d.doc_id
    )
    assert dict(m.files) == dict(f.files)
    assert m.chunk_counts() == f.chunk_counts()
    assert list(m.chunks) == list(f.chunks) and len(m.chunks) == len(f.chunks) == 11
    for doc_id in f.documents:
        assert m.documents[doc_id] == f.documents[doc_id]  # raw text, spans, lines, metadata
        assert m.chunks_at(m.chunks_of(doc_id)) == f.chunks_at(f.chunks_of(doc_id))
    vector = faiss.embedder.embed_query("算力补贴")
    rows = m.chunks_of(next(iter(f.documents)))
    assert np.allclose(m.dense_scores(vector, rows), f.dense_scores(vector, rows))


def test_filters_run_inside_milvus_and_match_faiss(pair: tuple[Engine, Engine]) -> None:
    faiss, milvus = pair
    for filters in (
        Filters(region="泸州"),
        Filters(sources=("yantai-2024-data-elements.txt",)),
        Filters(year_from=2023),
        Filters(year_to=2022),
        Filters(region="没有这个地方"),
    ):
        got = _hits(milvus, "补贴最高多少", k=5, filters=filters)
        assert got == _hits(faiss, "补贴最高多少", k=5, filters=filters)
    hits = milvus.search("补贴", k=10, filters=Filters(region="泸州"))
    assert hits and {h.chunk.doc_id for h in hits} == {
        d.doc_id for d in milvus.index.doc_infos() if d.source.startswith("luzhou")
    }
    assert milvus.search("补贴", k=5, filters=Filters(region="没有这个地方")) == []


def test_citations_resolve_from_milvus_alone(pair: tuple[Engine, Engine]) -> None:
    faiss, milvus = pair
    question = "数据资产入表的企业补助多少"
    a, b = milvus.ask(question), faiss.ask(question)
    assert a.answered and a.citations
    assert (a.text, a.citations) == (b.text, b.citations)
    for c in a.citations:
        doc = milvus.document(c.doc_id)
        assert doc.text[c.start_char : c.end_char] == c.quote
        raw = Path(c.path).read_text(encoding="utf-8")
        lines = raw.split("\n")[c.line_start - 1 : c.line_end]
        assert c.quote.split("\n")[0] in "\n".join(lines)


def test_adding_and_removing_documents_keeps_the_stores_equal(tmp_path: Path) -> None:
    faiss, milvus, docs = _pair(tmp_path)
    (docs / EXTRA[0]).write_text(EXTRA[1], encoding="utf-8")
    added = build_index([docs], milvus)
    assert added.added == (str((docs / EXTRA[0]).resolve()),) and len(added.unchanged) == 3
    build_index([docs], faiss)
    engine_f, engine_m = Engine(faiss), Engine(milvus)
    assert _hits(engine_m, "算力券补贴比例", k=3) == _hits(engine_f, "算力券补贴比例", k=3)
    assert engine_m.search("算力券补贴比例", k=1)[0].chunk.text.count("40%") == 1

    (docs / "luzhou-2022-ai-plan.txt").unlink()
    removed = build_index([docs], milvus)
    assert [Path(p).name for p in removed.removed] == ["luzhou-2022-ai-plan.txt"]
    build_index([docs], faiss)
    engine_m.reload()
    engine_f.reload()
    m, f = engine_m.index, engine_f.index
    assert "luzhou-2022-ai-plan.txt" not in {d.source for d in m.doc_infos()}
    assert dict(m.bm25.doc_freq) == dict(f.bm25.doc_freq)
    assert len(m.chunks) == len(f.chunks)
    for question in QUESTIONS:
        assert _hits(engine_m, question, k=5) == _hits(engine_f, question, k=5)

    # a moved file keeps its vectors and gets its new path
    moved = tmp_path / "moved"
    moved.mkdir()
    os.replace(docs / "yantai-2024-data-elements.txt", moved / "yantai.txt")
    build_index([docs, moved], milvus)
    engine_m.reload()
    assert str((moved / "yantai.txt").resolve()) in engine_m.index.files

    rebuilt = build_index([moved], milvus, rebuild=True)
    assert len(rebuilt.documents) == 1
    assert sorted(Path(p).name for p in rebuilt.removed) == [
        "anqing-2023-digital-economy.txt",
        EXTRA[0],
    ]
    engine_m.reload()
    assert [d.source for d in engine_m.index.doc_infos()] == ["yantai.txt"]


def test_a_reopened_store_loads_its_released_collections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pymilvus import MilvusClient

    _faiss, milvus, _docs = _pair(tmp_path)
    client = MilvusClient(milvus.store)
    for name in client.list_collections():
        client.release_collection(name)  # as a new process finds a .db
    monkeypatch.setattr("rag.store_milvus._loaded", set())
    assert Engine(milvus).search("算力补贴", k=1)


def test_engine_add_files_and_remove_documents(tmp_path: Path) -> None:
    _faiss, milvus, _docs = _pair(tmp_path)
    engine = Engine(milvus)
    before = len(engine.index.chunks)
    extra = _write(tmp_path / "more", {EXTRA[0]: EXTRA[1]})
    engine.add_files([extra])
    assert len(engine.index.chunks) > before
    doc_id = next(d.doc_id for d in engine.index.doc_infos() if d.source == EXTRA[0])
    assert engine.search("算力券", k=1)[0].chunk.doc_id == doc_id
    engine.remove_documents([doc_id])
    assert len(engine.index.chunks) == before
    assert doc_id not in engine.index.documents

    # a metadata correction rewrites the document's rows under the same id
    anqing = next(d.doc_id for d in engine.index.doc_infos() if d.source.startswith("anqing"))
    n_chunks = engine.chunk_counts()[anqing]
    engine.edit_document(anqing, issuer="安庆市数据资源局", date="2023-06-01")
    info = next(d for d in engine.index.doc_infos() if d.doc_id == anqing)
    assert (info.issuer, info.date) == ("安庆市数据资源局", "2023-06-01")
    assert engine.document(anqing).doc_number == "庆政办〔2023〕12号"
    assert engine.chunk_counts()[anqing] == n_chunks and len(engine.index.chunks) == before
    hits = engine.search("补贴", k=10, filters=Filters(issuer="数据资源局"))
    assert hits and {h.chunk.doc_id for h in hits} == {anqing}


def test_a_missing_store_and_an_unreachable_server_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "none.db")
    with pytest.raises(IndexMissingError, match=f"no index in Milvus at {missing}"):
        Engine(load_settings(store=missing, embedder="hash")).search("算力")
    assert not Path(missing).exists()  # reading does not create a store
    uri = "http://admin:s3cretpass@127.0.0.1:1"
    settings = load_settings(store=uri, embedder="hash", milvus_token="tok-abcdef")
    with pytest.raises(StoreUnreachableError) as e:
        Engine(settings).search("算力")
    message = str(e.value)
    assert "127.0.0.1:1" in message and "s3cretpass" not in message and "admin" not in message
    code = main(["search", "算力", "--store", uri, "--embedder", "hash"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "cannot reach the Milvus server at http://***@127.0.0.1:1" in err
    assert "s3cretpass" not in err


def test_a_lite_store_open_in_another_process_is_a_one_line_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = str(tmp_path / "held.db")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_STORE, db],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(IndexBusyError, match=r"another process .* has it open"):
            Engine(load_settings(store=db, embedder="hash")).search("算力")
    finally:
        holder.kill()
        holder.wait()
    assert not [r for r in caplog.records if r.name.startswith("milvus_lite")]  # no traceback


def test_cli_index_and_ask_with_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = _write(tmp_path / "docs", DOCS)
    db = tmp_path / "cli.db"
    assert main(["index", str(docs), "--store", str(db), "--embedder", "hash", "-q"]) == 0
    capsys.readouterr()
    question = "数据资产入表的企业补助多少"
    assert main(["ask", question, "--store", str(db), "--embedder", "hash"]) == 0
    out = capsys.readouterr().out
    assert "20万元" in out and "yantai-2024-data-elements.txt" in out


def test_long_documents_and_file_names_that_are_not_utf8_round_trip(tmp_path: Path) -> None:
    """A document longer than one VARCHAR is stored in parts; a file name that is not UTF-8
    keeps its bytes."""
    docs = tmp_path / "docs"
    docs.mkdir()
    articles = "\n".join(
        f"第{i}条 县级以上人民政府应当将第{i}类数字基础设施纳入国土空间规划，"
        f"对符合条件的项目按投资额的{i % 30 + 1}%给予补助。"
        for i in range(1, 400)
    )
    long_text = f"某省数字基础设施条例\n{articles}\n"
    (docs / "long.txt").write_text(long_text, encoding="utf-8")
    raw_name = os.path.join(os.fsencode(docs), b"gbk_\xd5\xfe\xb2\xdf.txt")
    with open(raw_name, "wb") as f:
        f.write("南湖区人工智能产业政策\n支持算力券发放。\n".encode())
    settings = load_settings(
        index_dir=str(tmp_path / "faiss"), embedder="hash", store=str(tmp_path / "s.db")
    )
    report = build_index([docs], settings)
    assert len(report.documents) == 2 and report.skipped == ()
    engine = Engine(settings)
    long_id = next(d.doc_id for d in engine.index.doc_infos() if d.source == "long.txt")
    assert engine.index._parts[long_id] > 1  # type: ignore[attr-defined]
    doc = engine.document(long_id)
    assert doc.raw_text == long_text and len(engine.doc_chunks(long_id)) > 10
    hit = engine.search("第237类数字基础设施补助比例", k=1)[0].chunk
    assert hit.doc_id == long_id and "第237条" in hit.text
    assert doc.text[hit.start_char : hit.end_char] == hit.text
    assert os.fsdecode(raw_name) in engine.index.files
    assert build_index([docs], settings).unchanged  # the stored path still matches the file


@pytest.mark.slow
def test_dev_questions_score_the_same_on_milvus_lite_as_on_faiss(
    real_engine: Engine, tmp_path: Path
) -> None:
    """eval/dev.jsonl on the bundled corpus with the real embedder: recall@5 and MRR within
    0.01 of the FAISS store's and every citation exact."""
    from eval.datasets import load_jsonl
    from eval.measure import run_eval

    settings = real_engine.settings.replace(store=str(tmp_path / "dev.db"))
    build_index([settings.corpus_path], settings)
    questions = load_jsonl(ROOT / "eval" / "dev.jsonl").questions
    on_faiss = run_eval(real_engine, questions).summary
    on_milvus = run_eval(Engine(settings), questions).summary
    for mode, got in on_milvus["retrieval"].items():
        want = on_faiss["retrieval"][mode]
        assert got["recall@5"] == pytest.approx(want["recall@5"], abs=0.01), mode
        mrr = next(k for k in want if k.startswith("mrr@"))
        assert got[mrr] == pytest.approx(want[mrr], abs=0.01), mode
    assert on_milvus["answers"]["citations"] > 0
    assert on_milvus["answers"]["citation_exact"] == 1.0
    assert on_milvus["answers"]["fact_in_answer"] == on_faiss["answers"]["fact_in_answer"]


def test_a_web_session_uploads_into_a_private_copy_not_the_shared_milvus_store(
    tmp_path: Path,
) -> None:
    from ui.uploads import PrivateLibrary

    _faiss, milvus, _docs = _pair(tmp_path)
    shared = Engine(milvus)
    session = PrivateLibrary(shared, parent=tmp_path)
    upload = _write(tmp_path / "upload", {EXTRA[0]: EXTRA[1]}) / EXTRA[0]
    session.add([upload])
    assert session.engine.search("算力券", k=1)[0].chunk.text.count("40%") == 1
    assert EXTRA[0] in {d.source for d in session.engine.index.doc_infos()}
    shared.reload()
    assert EXTRA[0] not in {d.source for d in shared.index.doc_infos()}
    # the copy reused the shared store's vectors: its documents rank and score the same
    shared_docs = {d.doc_id for d in shared.index.doc_infos()}
    for question in QUESTIONS[:3]:
        got = [h[:2] for h in _hits(session.engine, question, k=5, mode="dense")]
        want = [h[:2] for h in _hits(shared, question, k=5, mode="dense")]
        assert [g for g in got if g[0].split(":")[0] in shared_docs][:3] == want[:3]


def test_the_milvus_token_and_uri_credentials_are_settings_secrets() -> None:
    from rag.redact import redact, settings_secrets

    settings = load_settings(store="https://ops:pa55word@m.example:443", milvus_token="tok-123456")
    secrets = settings_secrets(settings)
    assert {"tok-123456", "ops", "pa55word"} <= set(secrets)
    assert "tok-123456" not in repr(settings)
    assert redact("token tok-123456 at https://ops:pa55word@m.example", secrets) == (
        "token *** at https://***@m.example"
    )


def test_a_milvus_server_by_uri_gives_the_faiss_hits(tmp_path: Path) -> None:
    """The server path (http:// URI: AUTOINDEX, query iterators, a token) against Milvus Lite's
    own gRPC server in a second process."""
    import socket
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    where = ["--data-dir", str(tmp_path / "srv"), "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        [sys.executable, "-m", "milvus_lite", "server", *where],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):  # until it listens
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        docs = _write(tmp_path / "docs", DOCS)
        faiss = load_settings(index_dir=str(tmp_path / "faiss"), embedder="hash")
        milvus = faiss.replace(store=f"http://127.0.0.1:{port}", milvus_token="root:Milvus")
        build_index([docs], faiss)
        report = build_index([docs], milvus)
        assert report.index_dir == f"http://127.0.0.1:{port}" and report.chunks == 11
        engine_f, engine_m = Engine(faiss), Engine(milvus)
        for question in QUESTIONS[:3]:
            for mode in ("fused", "dense", "bm25"):
                got = _hits(engine_m, question, k=5, mode=mode)
                assert got == _hits(engine_f, question, k=5, mode=mode)
    finally:
        server.kill()
        server.wait()
