"""Uploaded files: checks (type, size, characters), safe names, and each session's private library.

By default an upload is private to the browser session that made it: the session gets its own
index folder, a copy of the shared index plus its uploads, built with the public `build_index`, so
its asks search the shared library and its own files while other sessions see neither. The folder
is deleted when the session ends or its time to live runs out. With `rag serve --library-uploads`
uploads go into the shared index instead (single-user installs).
"""

from __future__ import annotations

import filecmp
import logging
import re
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rag import (
    SUPPORTED,
    UPLOADS,
    Document,
    Engine,
    IndexReport,
    RagError,
    build_index,
    copy_index,
    load_document,
)
from ui.i18n import t

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 120
INDEX_FOLDER = "index"
# Path separators, Windows-reserved characters and control characters never reach the disk.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
# Never copied into a session's index: other uploads, and lock files of the shared index's writer.
_NOT_COPIED = shutil.ignore_patterns(UPLOADS, "*.lock", ".lock*", "*.tmp")


@dataclass(frozen=True, slots=True)
class Rejected:
    name: str  # the name the client sent, for the message
    reason: str


@dataclass(frozen=True, slots=True)
class Accepted:
    name: str  # the name the client sent
    path: Path  # the copy in the uploads folder
    created: bool  # False when an identical file was already stored under that name


class UploadRejected(ValueError):
    """Why an upload is refused: a text key of ui.i18n and its values (str() is English)."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(t("en", key, **values))
        self.key = key
        self.values = values

    def told(self, lang: str) -> str:
        """The reason in the page's language."""
        return t(lang, self.key, **self.values)


def safe_name(client_name: str) -> str:
    """A basename safe to create in the uploads folder; raises UploadRejected with the reason."""
    base = re.split(r"[\\/]", client_name or "")[-1]
    base = unicodedata.normalize("NFC", base).strip()
    base = _UNSAFE.sub("_", base)
    if not base or base in (".", ".."):
        raise UploadRejected("up_no_name")
    if base.startswith("."):
        raise UploadRejected("up_hidden")
    suffix = Path(base).suffix.lower()
    if suffix not in SUPPORTED:
        raise UploadRejected("up_type", suffix=suffix or "(none)", types=" ".join(SUPPORTED))
    stem = Path(base).stem[: MAX_NAME_CHARS - len(suffix)]
    return stem + suffix


def _free_target(folder: Path, name: str, source: Path) -> Path:
    """folder/name, or name-2, name-3 … when a different file already has that name."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate = folder / name
    n = 1
    while candidate.exists():
        if candidate.is_file() and filecmp.cmp(candidate, source, shallow=False):
            return candidate  # the same bytes again: reuse, the index sees it as unchanged
        n += 1
        candidate = folder / f"{stem}-{n}{suffix}"
    return candidate


def _check_chars(path: Path, max_chars: int) -> None:
    """Raise UploadRejected when the file's text is longer than the character cap."""
    if max_chars <= 0:
        return
    try:
        doc = load_document(path)
    except RagError:
        return  # indexing reports the file's own problem with its reason
    if len(doc.text) > max_chars:
        raise UploadRejected("up_chars", n=f"{len(doc.text):,}", limit=f"{max_chars:,}")


def accept_uploads(
    files: list[tuple[str, Path]],
    uploads_dir: Path,
    max_mb: int,
    max_chars: int = 0,
    lang: str = "en",
) -> tuple[list[Accepted], list[Rejected]]:
    """Copy (client name, temp path) uploads into uploads_dir under sanitised, unique names;
    the reasons for refusals are told in lang."""
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
                raise UploadRejected("up_size", mb=f"{size / 1024 / 1024:.1f}", limit=max_mb)
            target = _free_target(root, name, temp)
            if target.resolve().parent != root:
                raise UploadRejected("up_outside")
            created = not target.exists()
            if created:
                shutil.copyfile(temp, target)
            try:
                _check_chars(target, max_chars)
            except UploadRejected:
                if created:
                    target.unlink(missing_ok=True)
                raise
            accepted.append(Accepted(shown, target, created))
        except UploadRejected as e:
            rejected.append(Rejected(shown, e.told(lang)))
        except OSError as e:
            rejected.append(Rejected(shown, t(lang, "up_store", e=e.strerror or e)))
    return accepted, rejected


def delete_temp_copies(paths: Sequence[str | Path]) -> None:
    """Remove Gradio's temporary copies of uploaded files once they have been handled."""
    for p in paths:
        try:
            Path(p).unlink(missing_ok=True)
        except OSError as e:
            log.warning("cannot delete the temporary upload %s: %s", p, e)


def shared_uploads_dir(engine: Engine) -> Path:
    """Where uploads that join the shared library are kept (inside its index folder)."""
    return Path(engine.settings.index_dir) / UPLOADS


class PrivateLibrary:
    """One browser session's own index: the shared library plus that session's uploads."""

    def __init__(self, shared: Engine, parent: str | Path | None = None) -> None:
        self.shared = shared
        self.folder = Path(tempfile.mkdtemp(prefix="rag-session-", dir=parent))
        self.uploads_dir = self.folder / UPLOADS
        # always a FAISS folder of its own: with a Milvus store the uploads stay private too
        self.settings = shared.settings.replace(
            index_dir=str(self.folder / INDEX_FOLDER), store="faiss"
        )
        self.engine = Engine(self.settings)
        self._lock = threading.Lock()
        self._copied = False
        self._shared_ids: frozenset[str] = frozenset()  # the shared documents when copied

    def _copy_shared(self) -> None:
        """Start the session's index as a copy of the shared one (its vectors are reused)."""
        shutil.rmtree(self.settings.index_dir, ignore_errors=True)
        self._shared_ids = self._shared_doc_ids()
        copy_index(self.shared.settings, self.settings.index_dir, ignore=_NOT_COPIED)
        self._copied = True

    def _shared_doc_ids(self) -> frozenset[str]:
        return frozenset(d.doc_id for d in self.shared.documents())

    def add(self, paths: Sequence[Path], progress: object = None) -> IndexReport:
        """Index uploads into the session's index (a copy of the shared one, made on first use)."""
        with self._lock:
            if not self._copied:
                self._copy_shared()
            report = build_index(list(paths), self.settings, progress=progress)  # type: ignore[arg-type]
            self.engine.reload()
            return report

    def refresh(self) -> bool:
        """Take in a change of the shared library (re-copy it, re-add the uploads); True if so."""
        with self._lock:
            if not self._copied or self._shared_doc_ids() == self._shared_ids:
                return False
            uploads = sorted(p for p in self.uploads_dir.glob("*") if p.is_file())
            self._copy_shared()
            build_index(uploads, self.settings)
            self.engine.reload()
            return True

    def remove(self, doc: Document) -> IndexReport:
        """Delete one upload and drop it from the session's index."""
        with self._lock:
            Path(doc.path).unlink(missing_ok=True)
            # a file that no longer exists leaves the index; the shared files are still there
            report = build_index([], self.settings)
            self.engine.reload()
            return report

    def edit(self, doc_id: str, changes: dict[str, str]) -> Document:
        """Correct an upload's metadata in the session's index."""
        with self._lock:
            return self.engine.edit_document(doc_id, **changes)

    def owns(self, doc: Document) -> bool:
        """True for a document uploaded in this session."""
        return Path(doc.path).parent == self.uploads_dir.resolve()

    def close(self) -> None:
        """Delete the session's uploads and index."""
        shutil.rmtree(self.folder, ignore_errors=True)
