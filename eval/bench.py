"""`rag bench`: quality (product vs a LangChain-tutorial baseline) and speed, in one table + JSON.

Quality runs on the dev set (bundled corpus) and on the CMRC 2018 trial set (each context its
own document). Retrieval uses every CMRC question; answers use a seeded sample of them (see
CMRC_ANSWER_SAMPLE) because the extractive answerer embeds candidate sentences per question.
Speed: index builds and the serving processes run as subprocesses so their wall time and peak
RSS are their own (os.wait4 returns the child's rusage).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from eval import metrics
from eval.baseline import BaselineIndex, evaluate_baseline
from eval.datasets import DEV_SET, RUNS_DIR, Question, load_cmrc, load_jsonl, sample
from eval.harness import EXIT_OK, EXIT_USER, new_run_dir, run_eval, write_run
from rag.config import PROJECT_DIR, Settings
from rag.errors import RagError
from rag.pipeline import Engine

CMRC_TRIAL = PROJECT_DIR.parent / "shared" / "benchmarks" / "cmrc2018" / "cmrc2018_trial.json"
SEED = 2018
CMRC_ANSWER_SAMPLE = 200  # CMRC questions answered (all 1002 are used for retrieval)
WARM_QUESTIONS = 60  # per set, so 120 in all: dev questions (cycled), then CMRC questions
COLD_RUNS = 3
SERVE_QUESTIONS = 50
QUICK = {"dev": 12, "cmrc_paragraphs": 12, "cmrc_answers": 12, "warm": 10, "cold": 1, "serve": 5}


@dataclass(frozen=True, slots=True)
class Measured:
    """A finished subprocess: wall time, its own peak RSS, exit code and output."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def run_measured(
    cmd: Sequence[str], *, stdin_text: str | None = None, timeout: float = 900
) -> Measured:
    """Run cmd from the project folder; wall time from start to exit and the child's ru_maxrss."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            cwd=PROJECT_DIR,
            stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        timer = threading.Timer(timeout, proc.kill)  # a hung child must not hang the bench
        timer.start()
        try:
            if stdin_text is not None and proc.stdin is not None:
                proc.stdin.write(stdin_text.encode("utf-8"))
                proc.stdin.close()
            # wait4, not wait: it returns this child's own rusage (RUSAGE_CHILDREN is a max
            # over every child so far)
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(
            seconds=seconds,
            peak_rss_mb=usage.ru_maxrss / 1024,  # KiB on Linux
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def _settings_arg(settings: Settings) -> str:
    return json.dumps(dataclasses.asdict(settings), ensure_ascii=False)


def _rag_cmd(settings: Settings, *args: str) -> list[str]:
    return [
        sys.executable, "-m", "rag.cli", *args,
        "--index-dir", str(settings.index_dir), "--embedder", settings.embedder,
    ]  # fmt: skip


def measure_index_build(
    settings: Settings, paths: Sequence[str | Path], *, raw: bool, rebuild: bool = True
) -> dict[str, Any]:
    """Build an index in a subprocess; with raw, also time the bare embedder on its texts.

    Without rebuild the build is incremental: an index already holding these files is reused
    and only the peak RSS of loading it is measured.
    """
    cmd = [sys.executable, "-m", "eval.bench", "--index-worker", _settings_arg(settings)]
    cmd += ["--raw"] if raw else []
    cmd += ["--rebuild"] if rebuild else []
    m = run_measured([*cmd, *map(str, paths)])
    if m.returncode != 0:
        raise RuntimeError(f"index worker failed ({m.returncode}): {m.stderr[-2000:]}")
    r = json.loads(m.stdout.strip().splitlines()[-1])
    build = r["build_seconds"]
    out: dict[str, Any] = {
        "documents": r["documents"],
        "chunks": r["chunks"],
        "chunks_embedded": r["embedded_chunks"],
        "chars_embedded": r["chars"],
        "model_load_seconds": round(r["model_load_seconds"], 3),
        "build_seconds": round(build, 3),
        "chars_per_s": round(r["chars"] / build, 1) if r["chars"] else None,
        "chunks_per_s": round(r["embedded_chunks"] / build, 2) if r["chars"] else None,
        "process_seconds": round(m.seconds, 3),
        "peak_rss_mb": round(m.peak_rss_mb, 1),
    }
    if raw:
        out["raw_embed_seconds"] = round(r["raw_seconds"], 3)
        out["raw_embed_chars_per_s"] = round(r["chars"] / r["raw_seconds"], 1)
        # build time not spent embedding: reading, cleaning, chunking, BM25, saving
        out["pipeline_overhead_pct"] = round(100 * (build - r["raw_seconds"]) / build, 1)
    return out


def _index_worker(settings_json: str, paths: list[str], raw: bool, rebuild: bool) -> int:
    """Subprocess body: load the model, build the index, optionally re-embed its texts bare."""
    from rag.embed import get_embedder
    from rag.errors import IndexMismatchError
    from rag.lexical import tokenize
    from rag.pipeline import EMBED_BATCH, build_index, passage_text
    from rag.store import load_index

    settings = Settings(**json.loads(settings_json))
    started = time.perf_counter()
    embedder = get_embedder(settings.embedder, settings.device)
    embedder.embed_documents(["warm up"])  # model and dictionary loads are reported apart
    tokenize("预热")
    load_seconds = time.perf_counter() - started
    try:
        report = build_index(paths, settings, rebuild=rebuild)
    except IndexMismatchError:  # an index of ours built with other settings: start afresh
        report = build_index(paths, settings, rebuild=True)
    result = {
        "documents": len(report.documents),
        "chunks": report.chunks,
        "embedded_chunks": int(report.extra["embedded_chunks"]),
        "chars": int(report.extra["embedded_chars"]),
        "build_seconds": report.seconds,
        "embed_seconds": report.extra["embed_seconds"],
        "model_load_seconds": load_seconds,
    }
    if raw:
        index = load_index(settings.index_dir)
        texts = [passage_text(index.documents[c.doc_id], c) for c in index.chunks]
        started = time.perf_counter()
        for i in range(0, len(texts), EMBED_BATCH):
            embedder.embed_documents(texts[i : i + EMBED_BATCH])
        result["raw_seconds"] = time.perf_counter() - started
    print(json.dumps(result))
    return 0


def warm_latency(engine: Engine, questions: Sequence[Question], n: int) -> dict[str, Any]:
    """Search (fused, k from settings) and ask latency over n questions, cycling if needed."""
    engine.warm_up()
    picked = list(islice(cycle(questions), n))
    search_s: list[float] = []
    ask_s: list[float] = []
    for q in picked:
        t0 = time.perf_counter()
        engine.search(q.user_input)
        t1 = time.perf_counter()
        engine.ask(q.user_input)
        t2 = time.perf_counter()
        search_s.append(t1 - t0)
        ask_s.append(t2 - t1)
    return {"search_ms": metrics.latency_ms(search_s), "ask_ms": metrics.latency_ms(ask_s)}


def cold_start(settings: Settings, question: str, runs: int) -> dict[str, Any]:
    """`rag ask QUESTION` in a fresh process, start to exit (the answer is printed at the end)."""
    times: list[float] = []
    rss: list[float] = []
    for _ in range(runs):
        m = run_measured(_rag_cmd(settings, "ask", question, "--json"), timeout=300)
        if m.returncode != 0:
            raise RuntimeError(f"rag ask failed ({m.returncode}): {m.stderr[-2000:]}")
        json.loads(m.stdout)  # a full answer object was printed
        times.append(m.seconds)
        rss.append(m.peak_rss_mb)
    return {
        "question": question,
        "runs": runs,
        "seconds": [round(t, 3) for t in times],
        "median_seconds": round(metrics.percentile(times, 50) or 0.0, 3),
        "peak_rss_mb": round(max(rss), 1),
    }


def serving_process(settings: Settings, questions: Sequence[str]) -> dict[str, Any]:
    """One `rag ask -` process answering many questions: its wall time and peak RSS."""
    m = run_measured(
        _rag_cmd(settings, "ask", "-", "--json"), stdin_text="\n".join(questions) + "\n"
    )
    if m.returncode != 0:
        raise RuntimeError(f"rag ask - failed ({m.returncode}): {m.stderr[-2000:]}")
    answers = [json.loads(line) for line in m.stdout.splitlines() if line.strip()]
    return {
        "command": "rag ask - --json",
        "questions": len(answers),
        "seconds": round(m.seconds, 3),
        "peak_rss_mb": round(m.peak_rss_mb, 1),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_startup(settings: Settings, timeout: float = 180) -> dict[str, Any]:
    """`rag serve` on a free local port: seconds until the page answers, and peak RSS then."""
    port = _free_port()
    cmd = [*_rag_cmd(settings, "serve"), "--port", str(port)]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=PROJECT_DIR, stdout=log, stderr=log)
        try:
            while time.perf_counter() - started < timeout:
                if proc.poll() is not None:
                    log.seek(0)
                    tail = log.read().decode("utf-8", "replace")[-1500:]
                    return {"error": f"rag serve exited with {proc.returncode}: {tail}"}
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                        if r.status == 200:
                            break
                except OSError:
                    time.sleep(0.5)
            else:
                return {"error": f"rag serve did not answer within {timeout:.0f} s"}
            seconds = time.perf_counter() - started
            status = Path(f"/proc/{proc.pid}/status").read_text()
            hwm = next(int(x.split()[1]) for x in status.splitlines() if x.startswith("VmHWM"))
            return {"seconds_to_first_page": round(seconds, 2), "peak_rss_mb": round(hwm / 1024, 1)}
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _quality(
    product: dict[str, Any], base: dict[str, Any], n_questions: int, answered: int
) -> dict[str, Any]:
    fused = product["retrieval"]["fused"]
    answers = product.get("answers", {})
    return {
        "questions": n_questions,
        "answerable": product["answerable"],
        "answered_sample": answered,
        "product": {
            "recall@1": fused["recall@1"],
            "recall@5": fused["recall@5"],
            "mrr@10": fused["mrr@10"],
            "fact_in_answer": answers.get("fact_in_answer"),
            "answer_latency_p50_ms": answers.get("latency_ms", {}).get("p50"),
            "answer_chars_p50": answers.get("answer_chars_p50"),
            "citation_exact": answers.get("citation_exact"),
            "citation_support": answers.get("citation_support"),
            "citation_valid": answers.get("citation_valid"),
            "refusal": answers.get("refusal"),
            "by_mode": {
                m: {k: v for k, v in r.items() if k != "search_latency_ms"}
                for m, r in product["retrieval"].items()
            },
        },
        "baseline": {
            "recall@1": base["recall@1"],
            "recall@5": base["recall@5"],
            "mrr@10": base["mrr@10"],
            "fact_in_answer": base["fact_in_answer"],
            "answer_latency_p50_ms": base["latency_ms"]["p50"],
            "answer_chars_p50": base["answer_chars_p50"],
            "chunks": base["chunks"],
            "splitter": base["splitter"],
        },
        "failures": product["failure_counts"],
    }


def _log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_bench(
    settings: Settings,
    *,
    quick: bool = False,
    runs_dir: Path = RUNS_DIR,
    cmrc_path: Path = CMRC_TRIAL,
    dev_path: Path = DEV_SET,
) -> dict[str, Any]:
    """Every measurement of `rag bench`; saves bench.json and the eval runs in a new folder."""
    started = time.perf_counter()
    folder = new_run_dir(runs_dir, prefix="bench-quick-" if quick else "bench-")
    load_start = os.getloadavg()
    dev_settings = settings.replace(index_dir=str(folder / "dev-index"))
    dev_all = load_jsonl(dev_path).questions
    dev_questions = list(dev_all)
    corpus = [settings.corpus_path]
    if quick:  # the smallest document and its questions are enough to smoke-test every path
        small = min(settings.corpus_path.glob("*.txt"), key=lambda p: p.stat().st_size)
        corpus = [small]
        ours = [q for q in dev_all if q.answerable and set(q.reference_sources) == {small.name}]
        dev_questions = ours[: QUICK["dev"] - 3] + [q for q in dev_all if not q.answerable][:3]

    _log(f"index build (bundled corpus) into {dev_settings.index_dir}")
    speed: dict[str, Any] = {}
    speed["index_build_corpus"] = measure_index_build(dev_settings, corpus, raw=True)

    stem = cmrc_path.stem + ("-quick" if quick else "")
    cmrc = load_cmrc(
        cmrc_path,
        runs_dir / "cmrc_docs" / stem,
        paragraphs=QUICK["cmrc_paragraphs"] if quick else None,
    )
    assert cmrc.docs_dir is not None
    cmrc_settings = settings.replace(index_dir=str(runs_dir / "cmrc_index" / stem))
    _log(f"index build (CMRC: {cmrc.documents} contexts, {cmrc.chars} chars)")
    # incremental: the CMRC index is rebuilt only when its contexts or settings changed
    speed["index_build_cmrc"] = measure_index_build(
        cmrc_settings, [cmrc.docs_dir], raw=False, rebuild=False
    )

    cache = runs_dir / "baseline_cache"
    dev_engine = Engine(dev_settings)
    dev_engine.warm_up()
    _log(f"dev quality: {len(dev_questions)} questions")
    dev_run = run_eval(dev_engine, dev_questions, name="dev")
    (folder / "dev").mkdir()
    write_run(folder / "dev", dev_run)
    _log("dev baseline")
    dev_base = evaluate_baseline(
        BaselineIndex(settings).build(corpus, cache_dir=cache), dev_questions
    )

    cmrc_engine = Engine(cmrc_settings)
    cmrc_engine.warm_up()
    n_answers = QUICK["cmrc_answers"] if quick else CMRC_ANSWER_SAMPLE
    answer_ids = {q.id for q in sample(cmrc.questions, n_answers, SEED)}
    _log(f"CMRC quality: {len(cmrc.questions)} questions, {len(answer_ids)} answered")
    cmrc_run = run_eval(cmrc_engine, cmrc.questions, name=cmrc.name, answer_ids=answer_ids)
    (folder / "cmrc").mkdir()
    write_run(folder / "cmrc", cmrc_run)
    _log("CMRC baseline")
    cmrc_base = evaluate_baseline(
        BaselineIndex(settings).build([cmrc.docs_dir], cache_dir=cache),
        cmrc.questions,
        answer_ids=answer_ids,
    )

    n_warm = QUICK["warm"] if quick else WARM_QUESTIONS
    _log(f"warm latency: {n_warm} dev + {n_warm} CMRC questions")
    warm_dev = warm_latency(dev_engine, dev_questions, n_warm)
    warm_cmrc = warm_latency(cmrc_engine, sample(cmrc.questions, n_warm, SEED + 1), n_warm)
    speed["warm_dev"] = warm_dev
    speed["warm_cmrc"] = warm_cmrc

    _log("cold start, serving process")
    first = next(q for q in dev_questions if q.answerable).user_input
    speed["cold_start_rag_ask"] = cold_start(
        dev_settings, first, QUICK["cold"] if quick else COLD_RUNS
    )
    n_serve = QUICK["serve"] if quick else SERVE_QUESTIONS
    served = [q.user_input for q in islice(cycle(dev_questions), n_serve)]
    speed["serving_process"] = serving_process(dev_settings, served)
    speed["serve_startup"] = serve_startup(dev_settings)

    return {
        "command": "rag bench" + (" --quick" if quick else ""),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine_info(),
        "load_average_start_end": [round(load_start[0], 2), round(os.getloadavg()[0], 2)],
        "settings": {
            "embedder": settings.embedder,
            "chunk_tokens": settings.chunk_tokens,
            "overlap_sentences": settings.overlap_sentences,
            "k": settings.k,
            "reranker": settings.reranker or None,
            "answer_mode": settings.answer_mode,
        },
        "quality": {
            "dev": _quality(dev_run.summary, dev_base, len(dev_questions), len(dev_questions)),
            "cmrc": _quality(cmrc_run.summary, cmrc_base, len(cmrc.questions), len(answer_ids))
            | {
                "contexts": cmrc.documents,
                "context_chars": cmrc.chars,
                "seed": SEED,
                "skipped_questions": list(cmrc.skipped),
            },
        },
        "speed": speed,
        "run_dir": str(folder),
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def machine_info() -> dict[str, Any]:
    """CPU count and model, memory, Python: what the speed numbers depend on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        import psutil

        mem_gb = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": mem_gb,
        "gpu": None,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def _f(v: Any, digits: int = 3) -> str:
    if v is None:
        return "-"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def format_bench(b: dict[str, Any]) -> str:
    """The one table `rag bench` prints."""
    m = b["machine"]
    dev, cm = b["quality"]["dev"], b["quality"]["cmrc"]
    lines = [
        f"{b['command']} | {b['date']} | {m['cpus']} CPUs ({m['cpu_model']}), no GPU | "
        f"embedder {b['settings']['embedder']} | load avg {b['load_average_start_end']}",
        "",
        f"{'quality':<26}{'dev product':>13}{'dev baseline':>14}"
        f"{'CMRC product':>14}{'CMRC baseline':>15}",
    ]
    rows = [
        ("recall@1", "recall@1", 3),
        ("recall@5", "recall@5", 3),
        ("MRR@10", "mrr@10", 3),
        ("answer contains fact", "fact_in_answer", 3),
        ("answer length p50 chars", "answer_chars_p50", 0),
        ("answer latency p50 ms", "answer_latency_p50_ms", 1),
    ]
    for label, key, d in rows:
        lines.append(
            f"{label:<26}{_f(dev['product'][key], d):>13}{_f(dev['baseline'][key], d):>14}"
            f"{_f(cm['product'][key], d):>14}{_f(cm['baseline'][key], d):>15}"
        )
    for label, key in (("citation exactness", "citation_exact"),
                       ("citation support", "citation_support")):  # fmt: skip
        lines.append(f"{label:<26}{_f(dev['product'][key]):>13}{'n/a':>14}"
                     f"{_f(cm['product'][key]):>14}{'n/a':>15}")  # fmt: skip
    ref = dev["product"]["refusal"] or {}
    lines += [
        f"{'unanswerable refused':<26}{ref.get('unanswerable_refused')}/{ref.get('unanswerable')}"
        f" (baseline never refuses); answerable refused: {ref.get('answerable_refused')}",
        f"questions: dev {dev['questions']} ({dev['answerable']} answerable); CMRC "
        f"{cm['questions']} for retrieval ({len(cm['skipped_questions'])} empty skipped), "
        f"{cm['answered_sample']} sampled (seed {cm['seed']}) for answers; "
        f"{cm['contexts']} contexts, {cm['context_chars']} chars",
        f"baseline: {dev['baseline']['splitter']}, chunk_size 500, overlap 50, dense only, "
        "top chunk as the answer",
        "",
        "speed",
    ]
    s = b["speed"]
    for key, label in (("index_build_corpus", "index build, corpus"),
                       ("index_build_cmrc", "index build, CMRC")):  # fmt: skip
        ib = s[key]
        if not ib["chars_embedded"]:
            lines.append(
                f"  {label}: {ib['documents']} docs, {ib['chunks']} chunks, already indexed "
                f"(reused; build speed not measured); peak RSS {ib['peak_rss_mb']:.0f} MB"
            )
            continue
        line = (
            f"  {label}: {ib['documents']} docs, {ib['chunks_embedded']} chunks, "
            f"{ib['chars_embedded']} chars in {ib['build_seconds']:.1f} s = "
            f"{ib['chars_per_s']:.0f} chars/s, {ib['chunks_per_s']:.2f} chunks/s; "
            f"peak RSS {ib['peak_rss_mb']:.0f} MB"
        )
        if "raw_embed_chars_per_s" in ib:
            line += (
                f"\n    embedder alone on the same texts: {ib['raw_embed_chars_per_s']:.0f} "
                f"chars/s; pipeline overhead {ib['pipeline_overhead_pct']:.1f}% "
                f"(model + jieba load {ib['model_load_seconds']:.1f} s, not counted)"
            )
        lines.append(line)
    for key, label in (("warm_dev", "dev"), ("warm_cmrc", "CMRC")):
        w = s[key]
        lines.append(
            f"  warm {label} ({w['search_ms']['n']} q): search p50 {_f(w['search_ms']['p50'], 1)}"
            f" / p95 {_f(w['search_ms']['p95'], 1)} ms; ask p50 {_f(w['ask_ms']['p50'], 1)} / "
            f"p95 {_f(w['ask_ms']['p95'], 1)} ms"
        )
    c = s["cold_start_rag_ask"]
    lines.append(
        f"  cold start `rag ask` (process start to answer): median {c['median_seconds']:.2f} s "
        f"of {c['runs']}; peak RSS {c['peak_rss_mb']:.0f} MB"
    )
    sp = s["serving_process"]
    lines.append(
        f"  serving process (`{sp['command']}`, {sp['questions']} questions): "
        f"{sp['seconds']:.1f} s, peak RSS {sp['peak_rss_mb']:.0f} MB"
    )
    ss = s["serve_startup"]
    lines.append(
        f"  `rag serve` startup: {ss['seconds_to_first_page']:.1f} s to first page, peak RSS "
        f"{ss['peak_rss_mb']:.0f} MB"
        if "error" not in ss
        else f"  `rag serve` startup: not measured ({ss['error'][:200]})"
    )
    lines += ["", f"saved {b['run_dir']}/bench.json ({b['total_seconds']:.0f} s in all)"]
    return "\n".join(lines)


def run_bench_cli(settings: Settings, *, as_json: bool = False, quick: bool = False) -> int:
    """`rag bench`: print the table (or JSON) and save bench.json under eval/runs/bench-*/."""
    if not CMRC_TRIAL.is_file():
        print(f"rag: error: {CMRC_TRIAL}: CMRC 2018 trial set not found", file=sys.stderr)
        return EXIT_USER
    try:
        result = run_bench(settings, quick=quick)
    except RagError as e:
        print(f"rag: error: {e}", file=sys.stderr)
        return EXIT_USER
    Path(result["run_dir"], "bench.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps(result, ensure_ascii=False, indent=2) if as_json else format_bench(result))
    return EXIT_OK


def _main(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(description="bench subprocess worker (internal)")
    p.add_argument("--index-worker", required=True, help="Settings as JSON")
    p.add_argument("--raw", action="store_true")
    p.add_argument("--rebuild", action="store_true")
    p.add_argument("paths", nargs="+")
    args = p.parse_args(argv)
    return _index_worker(args.index_worker, args.paths, args.raw, args.rebuild)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
