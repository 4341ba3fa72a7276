"""Speed: index builds, warm and cold answers and serving, each timed in its own process.

Index builds and the serving processes run as subprocesses so their wall time and peak RSS are
their own (os.wait4 returns the child's rusage). `python -m eval.speed --index-worker ...` is the
index-build subprocess.
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
from eval.datasets import Question
from rag import Engine, IndexMismatchError, Settings, build_index, load_settings
from rag.config import PROJECT_DIR
from rag.embed import embed_in_batches
from rag.pipeline import EMBED_BATCH, passage_text


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
    cmd = [sys.executable, "-m", "eval.speed", "--index-worker", _settings_arg(settings)]
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
    settings = Settings(**json.loads(settings_json))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        # a one-line index loads the model and the tokenizer dictionaries, so that their load
        # time is reported apart from the build
        Path(tmp, "warm.txt").write_text("预热文本。Warm-up text.\n", encoding="utf-8")
        build_index([Path(tmp, "warm.txt")], settings.replace(index_dir=str(Path(tmp, "ix"))))
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
        engine = Engine(settings)
        texts = [
            passage_text(doc, chunk)
            for doc in engine.documents()
            for chunk in engine.doc_chunks(doc.doc_id)
        ]
        started = time.perf_counter()
        embed_in_batches(engine.embedder, texts, batch_size=EMBED_BATCH)
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


def _main(argv: Sequence[str]) -> int:
    p = argparse.ArgumentParser(
        description="index overhead: python -m eval.speed --overhead corpus eval/runs/passages/"
        "cmrc/docs ... builds each folder in a fresh index and times the bare embedder on the "
        "same passages (the bench's subprocess worker otherwise)"
    )
    p.add_argument("--index-worker", help="Settings as JSON (internal)")
    p.add_argument("--overhead", action="store_true", help="measure each path's index overhead")
    p.add_argument("--raw", action="store_true")
    p.add_argument("--rebuild", action="store_true")
    p.add_argument("paths", nargs="+")
    args = p.parse_args(argv)
    if args.overhead:
        settings = load_settings()
        for path in args.paths:
            r = measure_index_build(settings, [path], raw=True)
            print(json.dumps({"path": path, **r}, ensure_ascii=False), flush=True)
        return 0
    if not args.index_worker:
        p.error("give --overhead or --index-worker")
    return _index_worker(args.index_worker, args.paths, args.raw, args.rebuild)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
