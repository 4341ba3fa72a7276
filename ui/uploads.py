"""Accepting uploaded files: size limit, safe names, copies under <index_dir>/uploads/."""

from __future__ import annotations

import filecmp
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
MAX_NAME_CHARS = 120
# Path separators, Windows-reserved characters and control characters never reach the disk.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


@dataclass(frozen=True, slots=True)
class Rejected:
    name: str  # the name the client sent, for the message
    reason: str


@dataclass(frozen=True, slots=True)
class Accepted:
    name: str  # the name the client sent
    path: Path  # the copy under uploads/
    created: bool  # False when an identical file was already stored under that name


def safe_name(client_name: str) -> str:
    """A basename safe to create in the uploads folder; raises ValueError with the reason."""
    base = re.split(r"[\\/]", client_name or "")[-1]
    base = unicodedata.normalize("NFC", base).strip()
    base = _UNSAFE.sub("_", base)
    if not base or base in (".", ".."):
        raise ValueError("the file has no name")
    if base.startswith("."):
        raise ValueError("hidden file names (starting with '.') are not accepted")
    suffix = Path(base).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValueError(
            f"unsupported file type {suffix or '(none)'}; supported: {' '.join(ALLOWED_SUFFIXES)}"
        )
    stem = Path(base).stem[: MAX_NAME_CHARS - len(suffix)]
    return stem + suffix


def _free_target(folder: Path, name: str, source: Path) -> Path:
    """uploads/name, or name-2, name-3 … when a different file already has that name."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate = folder / name
    n = 1
    while candidate.exists():
        if candidate.is_file() and filecmp.cmp(candidate, source, shallow=False):
            return candidate  # the same bytes again: reuse, the index sees it as unchanged
        n += 1
        candidate = folder / f"{stem}-{n}{suffix}"
    return candidate


def accept_uploads(
    files: list[tuple[str, Path]], uploads_dir: Path, max_mb: int
) -> tuple[list[Accepted], list[Rejected]]:
    """Copy (client name, temp path) uploads into uploads_dir under sanitised, unique names."""
    uploads_dir.mkdir(parents=True, exist_ok=True)
    root = uploads_dir.resolve()
    accepted: list[Accepted] = []
    rejected: list[Rejected] = []
    for client_name, temp in files:
        shown = re.split(r"[\\/]", client_name or "")[-1] or "(unnamed)"
        try:
            name = safe_name(client_name)
            size = temp.stat().st_size
            if size > max_mb * 1024 * 1024:
                raise ValueError(
                    f"the file is {size / 1024 / 1024:.1f} MB; the limit is {max_mb} MB "
                    "(setting max_upload_mb)"
                )
            target = _free_target(root, name, temp)
            if target.resolve().parent != root:
                raise ValueError("the file name does not stay inside the uploads folder")
            created = not target.exists()
            if created:
                shutil.copyfile(temp, target)
            accepted.append(Accepted(shown, target, created))
        except ValueError as e:
            rejected.append(Rejected(shown, str(e)))
        except OSError as e:
            rejected.append(Rejected(shown, f"cannot store the file: {e.strerror or e}"))
    return accepted, rejected
