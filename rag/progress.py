"""One progress display for every surface: a tqdm bar per stage on stderr.

`progress_bar()` returns a callback with build_index's Progress signature
`(stage, done, total) -> None`. The CLI, the eval harness and scripts share it; the web app passes
its own callback of the same signature to Gradio. Bars are hidden when the stream is not a terminal
(pipes, CI logs, files) or when the caller asks for quiet, so captured output stays clean.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO, Any

ProgressCallback = Callable[[str, int, int], None]


def _silent(stage: str, done: int, total: int) -> None:
    return None


def progress_bar(
    *, quiet: bool = False, stream: IO[str] | None = None, unit: str = ""
) -> ProgressCallback:
    """A (stage, done, total) callback drawing one bar per stage; silent if quiet or no terminal."""
    out = stream if stream is not None else sys.stderr
    isatty = getattr(out, "isatty", None)
    if quiet or not (callable(isatty) and isatty()):
        return _silent

    from tqdm import tqdm

    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit=unit, file=out, leave=True)
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()
            del bars[stage]  # a later round of the same stage starts a fresh bar

    return progress
