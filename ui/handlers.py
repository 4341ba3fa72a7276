"""Event handlers of the chat app: one small method per UI event, over one shared Engine.

app.py lays the components out and wires them to these methods; the methods never build
components, they return values and gr.update(...)s in the order app.py lists the outputs.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from rag import (
    EDITABLE_FIELDS,
    Answer,
    Document,
    Engine,
    Filters,
    IndexReport,
    QuestionError,
    RagError,
    index_location,
)
from ui import history
from ui.i18n import t, told_error, told_reason
from ui.render import (
    answer_markdown,
    chat_text,
    conversation_markdown,
    corpus_cards,
    corpus_headers,
    corpus_rows,
    document_html,
    error_text,
    esc,
    example_questions,
    filters_summary,
    placeholder_html,
    sources_html,
    streaming_text,
)
from ui.uploads import (
    PrivateLibrary,
    accept_uploads,
    delete_temp_copies,
    shared_uploads_dir,
)

log = logging.getLogger(__name__)

# Follow-up rewriting only needs the recent turns; older ones would only grow the prompt.
HISTORY_TURNS = 6
ANY = ""  # dropdown value meaning "no restriction"
POLL_SECONDS = 0.5  # how often an upload's progress is reported
N_CORPUS = 8  # outputs of corpus_updates
N_ASK_OUTPUTS = 12  # outputs of ask and quick_answer (see Handlers._out)
STAGE_KEYS = {"files": "stage_files", "chunks": "stage_chunks", "embedding": "stage_embedding"}


class Refused(QuestionError):
    """A question the app itself refuses; its message is already in the page's language."""


@dataclass(frozen=True)
class Asked:
    """The last question as it was asked: what a quick (extractive) answer asks again."""

    question: str
    filters: Filters
    k: int
    history: tuple[tuple[str, str], ...]
    mode: str  # the answer mode the user chose


@dataclass
class Session:
    """Per-browser-session state: the answers given so far and which one the pane shows."""

    answers: list[Answer] = field(default_factory=list)
    turn_of_message: dict[int, int] = field(default_factory=dict)  # chat index -> answers index
    shown: int = -1
    chat_id: str = field(default_factory=history.new_id)
    sid: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    filters: dict[int, Filters] = field(default_factory=dict)  # answers index -> filters used
    modes: dict[int, str] = field(default_factory=dict)  # answers index -> mode asked, "quick"
    asked: Asked | None = None
    finished: bool = True  # False while an answer to `asked` is being produced
    # bumped by each answer, Stop and the quick answer: an answer whose token is no longer the
    # current one stops yielding, so none of its updates can land after the newer ones
    token: int = 0


@dataclass
class Job:
    """An indexing run in the background thread; the upload handler reports its progress."""

    stage: str = "files"
    done: int = 0
    total: int = 0
    finished: bool = False
    lines: list[str] = field(default_factory=list)

    def tick(self, stage: str, done: int, total: int) -> None:
        """A build_index progress callback."""
        self.stage, self.done, self.total = stage, done, total


def build_filters(
    doc_ids: list[str] | None, region: str | None, year_from: Any, year_to: Any
) -> Filters:
    """Filters from the UI controls; empty controls restrict nothing."""
    lo, hi = _year(year_from), _year(year_to)
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    return Filters(sources=tuple(doc_ids or ()), region=region or None, year_from=lo, year_to=hi)


def _year(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, ANY) else None
    except (TypeError, ValueError):
        return None


def doc_choices(docs: list[Document]) -> list[tuple[str, str]]:
    """(label, doc_id) of each document for the documents filter."""
    return [(f"{d.title or d.source} ({d.source})", d.doc_id) for d in docs]


def region_choices(docs: list[Document], lang: str) -> list[tuple[str, str]]:
    """The regions the documents name, after an "all" choice."""
    regions = sorted({d.region for d in docs if d.region})
    return [(t(lang, "all"), ANY), *((r, r) for r in regions)]


def year_choices(docs: list[Document], lang: str) -> list[tuple[str, str]]:
    """The years of the documents, after an "any" choice."""
    years = sorted({str(d.year) for d in docs if d.year})
    return [(t(lang, "any"), ANY), *((y, y) for y in years)]


def mode_choices(lang: str) -> list[tuple[str, str]]:
    """The answer modes, named in the page's language."""
    return [(t(lang, "mode_extractive"), "extractive"), ("LLM", "llm")]


def cite_choices(answer: Answer | None) -> list[tuple[str, int]]:
    """(label, n) of each citation of an answer for the citation picker."""
    if answer is None:
        return []
    return [(f"[{c.n}] {c.title or c.source}", c.n) for c in answer.citations]


def _pick(choices: list[tuple[str, int]]) -> Any:
    return gr.update(choices=choices, value=choices[0][1] if choices else None)


class Handlers:
    """The app's event handlers over one shared Engine (plus each session's private library)."""

    def __init__(self, engine: Engine, *, library_uploads: bool = False) -> None:
        self.engine = engine
        self.settings = engine.settings
        self.library_uploads = library_uploads
        self.exports = Path(tempfile.mkdtemp(prefix="rag-exports-"))
        self.sessions_dir = Path(tempfile.mkdtemp(prefix="rag-sessions-"))
        # sessions still open when the server stops leave nothing behind
        for folder in (self.exports, self.sessions_dir):
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
        # one indexing run at a time: the machine's cores are shared with the asks
        self._indexer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rag-index")
        self.label_specs: list[dict[str, str]] = []  # set by app.py: component attr -> text key
        self.label_values: dict[str, dict[str, object]] = {}  # text key -> its {names}

    # --- engines and documents ------------------------------------------------------------

    def engine_for(self, private: PrivateLibrary | None) -> Engine:
        """The session's own engine once it has uploads, else the shared one."""
        return private.engine if private is not None else self.engine

    def documents(self, private: PrivateLibrary | None = None) -> list[Document]:
        """The documents a session can search (an empty list when there is no index yet)."""
        try:
            return self.engine_for(private).documents()
        except RagError as e:
            log.warning("no documents to list: %s", e)
            return []

    def lookup_in(self, engine: Engine) -> Any:
        """A doc_id -> Document | None function over one engine."""

        def lookup(doc_id: str) -> Document | None:
            try:
                return engine.document(doc_id)
            except (KeyError, RagError):
                return None

        return lookup

    def table(self, private: PrivateLibrary | None, lang: str) -> dict[str, Any]:
        """The documents table (rows and headers) a session sees."""
        engine = self.engine_for(private)
        docs = self.documents(private)
        try:
            counts = engine.chunk_counts()
        except RagError:
            counts = {}
        sizes: dict[str, int | None] = {}
        for d in docs:
            try:
                sizes[d.doc_id] = Path(d.path).stat().st_size
            except OSError:
                sizes[d.doc_id] = None
        mine = {d.doc_id for d in docs if private is not None and private.owns(d)}
        return {
            "data": corpus_rows(docs, counts, sizes, mine, lang),
            "headers": corpus_headers(lang),
        }

    def corpus_updates(
        self,
        private: PrivateLibrary | None,
        lang: str,
        picked: str | None = None,
        *,
        keep_pick: bool = False,
    ) -> tuple[Any, ...]:
        """Documents table, filter choices, manager choices and example questions."""
        docs = self.documents(private)
        examples = [{"text": q} for q in example_questions(docs, lang)]
        table = self.table(private, lang)
        # Setting the manager's value, even to the same one, fires its change event, whose
        # metadata_fields result then lands at some later moment and overwrites the edit boxes:
        # a refresh that is not about the picked document (page load, language, upload) leaves
        # the pick, and so what the user is typing, alone.
        pick: dict[str, Any] = {} if keep_pick else {"value": picked}
        return (
            gr.update(value=table),
            gr.update(choices=doc_choices(docs)),
            gr.update(choices=region_choices(docs, lang)),
            gr.update(choices=year_choices(docs, lang)),
            gr.update(choices=year_choices(docs, lang)),
            gr.update(choices=doc_choices(docs), **pick),
            gr.update(examples=examples or None),
            corpus_cards(table["data"], table["headers"]),
        )

    def load_corpus(self, private: PrivateLibrary | None, lang: str) -> tuple[Any, ...]:
        """On page load: the corpus outputs for the shared library."""
        return self.corpus_updates(private, lang, keep_pick=True)

    # --- asking ---------------------------------------------------------------------------

    def told(self, error: RagError, lang: str, private: PrivateLibrary | None) -> str:
        """A RagError in the page's language, naming where this session's index lives."""
        if isinstance(error, Refused):
            return str(error)
        return told_error(lang, error, index_location(self.engine_for(private).settings))

    def _validate(self, question: str, lang: str) -> str:
        q = (question or "").strip()
        if not q:
            raise Refused(t(lang, "empty_question"))
        if len(q) > self.settings.max_question_chars:
            raise Refused(t(lang, "too_long", n=len(q), limit=self.settings.max_question_chars))
        return self.engine.check_question(q)

    def ask(
        self,
        question: str,
        chat: list[dict[str, Any]] | None,
        doc_ids: list[str] | None,
        region: str | None,
        year_from: str | None,
        year_to: str | None,
        mode: str,
        k: float,
        lang: str,
        session: Session,
        private: PrivateLibrary | None,
        store: Any = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream an answer into the chat; then its sources, exports and the buttons back."""
        chat = list(chat or [])
        try:
            q = self._validate(question, lang)
        except RagError as e:
            chat.append({"role": "assistant", "content": error_text(self.told(e, lang, private))})
            yield self._out(chat, session, busy=False)
            return
        if private is not None:
            try:
                private.refresh()  # the shared library changed since this session's copy
            except RagError as e:
                log.warning("session index not refreshed: %s", e)
        session.asked = Asked(
            question=q,
            filters=build_filters(doc_ids, region, year_from, year_to),
            k=int(k),
            history=tuple((a.question, a.text) for a in session.answers[-HISTORY_TURNS:]),
            mode=mode if self.settings.llm_configured else "extractive",
        )
        chat.append({"role": "user", "content": esc(q)})
        chat.append({"role": "assistant", "content": "…"})
        yield from self._answer_into(chat, session, private, store, lang, session.asked.mode)

    def quick_answer(
        self,
        chat: list[dict[str, Any]] | None,
        lang: str,
        session: Session,
        private: PrivateLibrary | None,
        store: Any = None,
    ) -> Iterator[tuple[Any, ...]]:
        """The extractive answer to the last question: instead of an LLM answer still being
        written (the button cancelled it), or beside a finished one the model was unsure of."""
        chat = list(chat or [])
        if session.asked is None:
            yield self._out(chat, session, busy=False, quick=gr.update(visible=False))
            return
        if session.finished or not chat or chat[-1].get("role") != "assistant":
            chat.append({"role": "assistant", "content": "…"})
        else:
            chat[-1] = {"role": "assistant", "content": "…"}  # the LLM's unfinished text
        yield from self._answer_into(chat, session, private, store, lang, "extractive")

    def _out(
        self,
        chat: list[dict[str, Any]],
        session: Session,
        *,
        busy: bool,
        sources: Any = None,
        doc: Any = None,
        cites: Any = None,
        answer_dl: Any = None,
        chat_dl: Any = None,
        store: Any = None,
        chats: Any = None,
        quick: Any = None,
    ) -> tuple[Any, ...]:
        """The outputs of ask and quick_answer in app.py's order; None leaves one unchanged."""
        send = gr.update(interactive=not busy)
        stop = gr.update(visible=busy)
        values = (sources, doc, cites, send, stop, answer_dl, chat_dl, session, store, chats)
        return (chat, *(gr.skip() if v is None else v for v in values), quick or gr.skip())

    def model_name(self) -> str:
        """The LLM's short name for chat captions (the mode switch shows where it runs)."""
        s = self.settings
        return Path(s.llm_gguf).name if s.llm_backend == "llamacpp" else s.llm_model

    def _caption(self, answer: Answer, mode: str, lang: str) -> str:
        """Who wrote an answer, when that is not the offline default."""
        if answer.mode == "llm":
            by = t(lang, "by_llm", model=self.model_name())
            return f"{by} {t(lang, 'llm_unsure')}" if answer.note else by
        if mode == "llm" and answer.answered:
            return t(lang, "by_fallback")
        return ""

    def _by(self, session: Session, turn: int, lang: str) -> str:
        """The caption of one recorded answer (who wrote it), in lang."""
        mode = session.modes.get(turn, "extractive")
        if mode == "quick":
            return t(lang, "by_extractive")
        return self._caption(session.answers[turn], mode, lang)

    def _answer_into(
        self,
        chat: list[dict[str, Any]],
        session: Session,
        private: PrivateLibrary | None,
        store: Any,
        lang: str,
        mode: str,
    ) -> Iterator[tuple[Any, ...]]:
        """Answer session.asked in the chat's last bubble, streaming, and record the turn."""
        asked = session.asked
        assert asked is not None
        session.token += 1
        token = session.token
        session.finished = False
        llm = mode == "llm"
        writing = t(lang, "writing", model=self.model_name()) if llm else ""
        quick = gr.update(value=t(lang, "quick_now"), visible=llm)
        yield self._out(
            chat,
            session,
            busy=True,
            sources=placeholder_html(t(lang, "searching")),
            doc=placeholder_html(t(lang, "doc_hint")),
            cites=gr.update(choices=[], value=None),
            quick=quick,
        )
        engine = self.engine_for(private)
        text = ""
        answer: Answer | None = None
        try:
            stream = engine.ask_stream(
                asked.question,
                history=list(asked.history),
                filters=asked.filters,
                k=asked.k,
                answer_mode=mode,
            )
            for piece in stream:
                if session.token != token:
                    # stopped, or replaced by the quick answer. Gradio sends an event's last
                    # output again when it ends: make that last output change nothing
                    yield (gr.skip(),) * N_ASK_OUTPUTS
                    return
                first = not text
                text += piece
                chat[-1] = {"role": "assistant", "content": streaming_text(text, writing)}
                pending = placeholder_html(t(lang, "sources_pending")) if first and llm else None
                yield self._out(chat, session, busy=True, sources=pending)
            answer = stream.answer
            if session.token != token:
                yield (gr.skip(),) * N_ASK_OUTPUTS
                return
        except RagError as e:
            text = self.told(e, lang, private)
        except Exception:
            log.exception("answering %r failed", asked.question)
            text = t(lang, "internal_error")
        session.finished = True
        hide = gr.update(visible=False)
        if answer is None:
            chat[-1] = {"role": "assistant", "content": error_text(text)}
            yield self._out(chat, session, busy=False, sources=placeholder_html(text), quick=hide)
            return
        session.answers.append(answer)
        turn = len(session.answers) - 1
        session.turn_of_message[len(chat) - 1] = turn
        session.filters[turn] = asked.filters
        session.modes[turn] = mode if mode == asked.mode else "quick"
        by = self._by(session, turn, lang)
        session.shown = turn
        said = answer.lang if not answer.answered else lang  # a refusal: the question's language
        note = filters_summary(asked.filters, said)
        chat[-1] = {"role": "assistant", "content": chat_text(answer, turn, lang, note, by)}
        lookup = self.lookup_in(engine)
        unsure = answer.mode == "llm" and bool(answer.note)
        saved_store, chats = self.save_chat(session, chat, store, lang)
        yield self._out(
            chat,
            session,
            busy=False,
            sources=sources_html(answer, lookup, turn, lang, asked.filters, by),
            cites=_pick(cite_choices(answer)),
            answer_dl=self._export_answer(session, turn, lookup, lang),
            chat_dl=self._export_chat(session, lookup, lang),
            store=saved_store,
            chats=chats,
            quick=gr.update(value=t(lang, "quick_compare"), visible=True) if unsure else hide,
        )

    def pick_example(self, evt: gr.SelectData) -> str:
        """The text of a clicked example question."""
        value = evt.value
        return str(value.get("text", "") if isinstance(value, dict) else value or "")

    def stop(self, lang: str, session: Session) -> tuple[Any, ...]:
        """After the stop button cancelled an answer: Ask back, Stop and the quick answer hidden."""
        session.token += 1  # the answer yields nothing more, even if it is not cancelled yet
        return gr.update(interactive=True), gr.update(visible=False), gr.update(visible=False)

    def _export_answer(self, session: Session, turn: int, lookup: Any, lang: str) -> Any:
        folder = self.exports / session.sid
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"answer-{turn + 1}.md"
        path.write_text(answer_markdown(session.answers[turn], lookup, lang), encoding="utf-8")
        return gr.update(value=str(path), visible=True)

    def _export_chat(self, session: Session, lookup: Any, lang: str) -> Any:
        folder = self.exports / session.sid
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "conversation.md"
        path.write_text(conversation_markdown(session.answers, lookup, lang), encoding="utf-8")
        return gr.update(value=str(path), visible=True)

    # --- sources pane and documents -------------------------------------------------------

    def show_message_sources(
        self, session: Session, lang: str, private: PrivateLibrary | None, evt: gr.SelectData
    ) -> tuple[Any, ...]:
        """A click on an older answer shows its sources."""
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        turn = session.turn_of_message.get(int(index)) if index is not None else None
        if turn is None or turn == session.shown:
            return gr.skip(), gr.skip(), session, gr.skip(), gr.skip()
        session.shown = turn
        answer = session.answers[turn]
        lookup = self.lookup_in(self.engine_for(private))
        return (
            sources_html(
                answer, lookup, turn, lang, session.filters.get(turn), self._by(session, turn, lang)
            ),
            placeholder_html(t(lang, "doc_hint")),
            session,
            _pick(cite_choices(answer)),
            self._export_answer(session, turn, lookup, lang),
        )

    def open_document(
        self, n: int | None, session: Session, lang: str, private: PrivateLibrary | None
    ) -> tuple[Any, Any]:
        """The full document of citation n of the shown answer, and its raw file to download."""
        hidden = gr.update(value=None, visible=False)
        if not session.answers or session.shown < 0:
            return placeholder_html(t(lang, "doc_hint")), hidden
        answer = session.answers[session.shown]
        cit = next((c for c in answer.citations if c.n == n), None)
        if cit is None:
            return placeholder_html(t(lang, "doc_hint")), hidden
        doc = self.lookup_in(self.engine_for(private))(cit.doc_id)
        if doc is None:
            return placeholder_html(t(lang, "doc_gone", source=cit.source)), hidden
        return document_html(doc, answer.citations, cit.n, lang), self._raw_copy(session, doc)

    def _raw_copy(self, session: Session, doc: Document) -> Any:
        """The raw file, copied where the server may hand it out (never the original path)."""
        folder = self.exports / session.sid / doc.doc_id
        target = folder / doc.source
        try:
            if not target.exists():
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(doc.path, target)
        except OSError as e:
            log.warning("cannot offer %s for download: %s", doc.path, e)
            return gr.update(value=None, visible=False)
        return gr.update(value=str(target), visible=True)

    def open_from_card(
        self, session: Session, lang: str, private: PrivateLibrary | None, evt: gr.EventData
    ) -> tuple[Any, ...]:
        """The "open full document" button on a source card."""
        n = int(getattr(evt, "n", 0) or 0)
        html, raw = self.open_document(n, session, lang, private)
        return html, raw, gr.update(value=n)

    def clear(self, lang: str) -> tuple[Any, ...]:
        """A new, empty conversation (the Clear button and the chat's own trash icon)."""
        return (
            [],
            placeholder_html(t(lang, "sources_hint")),
            placeholder_html(t(lang, "doc_hint")),
            gr.update(choices=[], value=None),
            gr.update(value=None, visible=False),
            gr.update(value=None, visible=False),
            gr.update(value=None, visible=False),
            Session(),
            gr.update(visible=False),
        )

    # --- conversations kept in the browser ------------------------------------------------

    def save_chat(
        self, session: Session, chat: list[Any] | None, store: Any, lang: str
    ) -> tuple[Any, Any]:
        """After an answer: write the conversation into the browser's storage."""
        if not session.answers:
            return gr.skip(), gr.skip()
        store = history.save_chat(
            store,
            session.chat_id,
            list(chat or []),
            session.answers,
            session.turn_of_message,
            t(lang, "untitled"),
        )
        return store, gr.update(choices=history.chat_choices(store), value=session.chat_id)

    def restore(
        self, store: Any, saved_lang: Any, private: PrivateLibrary | None
    ) -> tuple[Any, ...]:
        """On page load: the language and the last conversation from the browser's storage."""
        lang = saved_lang if saved_lang in ("zh", "en") else "zh"
        store = history.valid_store(store)
        opened = self._open(store, store.get("current"), lang, private)
        return (
            lang,
            gr.update(choices=history.chat_choices(store), value=store.get("current")),
            *opened,
        )

    def _open(
        self, store: Any, chat_id: str | None, lang: str, private: PrivateLibrary | None
    ) -> tuple[Any, ...]:
        # outputs: chat, sources, doc_view, cite_pick, session
        loaded = history.load_chat(store, chat_id)
        if loaded is None:
            return (
                gr.skip(),
                placeholder_html(t(lang, "sources_hint")),
                placeholder_html(t(lang, "doc_hint")),
                gr.update(choices=[], value=None),
                Session(),
            )
        messages, answers, turns = loaded
        session = Session(
            answers=answers, turn_of_message=turns, shown=len(answers) - 1, chat_id=chat_id or ""
        )
        sources = placeholder_html(t(lang, "sources_hint"))
        choices: list[tuple[str, int]] = []
        if answers:
            lookup = self.lookup_in(self.engine_for(private))
            sources = sources_html(answers[-1], lookup, len(answers) - 1, lang)
            choices = cite_choices(answers[-1])
        return (
            messages,
            sources,
            placeholder_html(t(lang, "doc_hint")),
            _pick(choices),
            session,
        )

    def open_chat(
        self, chat_id: str | None, store: Any, lang: str, private: PrivateLibrary | None
    ) -> tuple[Any, ...]:
        """Reopen a stored conversation."""
        store = history.valid_store(store)
        if chat_id:
            store = {**store, "current": chat_id}
        return (store, *self._open(store, chat_id, lang, private))

    def new_chat(self, store: Any, lang: str) -> tuple[Any, ...]:
        """Start an empty conversation; the stored ones stay in the list."""
        store = {**history.valid_store(store), "current": None}
        return (store, gr.update(value=None), *self.clear(lang))

    def rename_chat(self, chat_id: str | None, title: str, store: Any) -> tuple[Any, ...]:
        """Give a stored conversation a new name."""
        store = history.rename_chat(store, chat_id or "", title or "")
        return store, gr.update(choices=history.chat_choices(store), value=chat_id), ""

    def delete_chat(self, chat_id: str | None, store: Any, lang: str) -> tuple[Any, ...]:
        """Forget a stored conversation (and clear the chat when it is the open one)."""
        store = history.delete_chat(store, chat_id or "")
        return (
            store,
            gr.update(choices=history.chat_choices(store), value=None),
            *self.clear(lang),
        )

    # --- uploads and the document manager -------------------------------------------------

    def add_documents(
        self,
        files: list[str] | None,
        session: Session,
        private: PrivateLibrary | None,
        lang: str,
    ) -> Iterator[tuple[Any, ...]]:
        """Accept uploads and index them in a background thread, reporting progress meanwhile.

        The handler only waits and reports, so asks (their own queue) keep being answered.
        """
        # outputs: status, upload, *corpus outputs, session, private
        keep = [gr.skip()] * N_CORPUS
        if not files:
            yield t(lang, "choose_files"), None, *keep, session, private
            return
        if not self.library_uploads and private is None:
            private = PrivateLibrary(self.engine, parent=self.sessions_dir)
        target = shared_uploads_dir(self.engine) if private is None else private.uploads_dir
        accepted, rejected = accept_uploads(
            [(Path(f).name, Path(f)) for f in files],
            target,
            self.settings.max_upload_mb,
            self.settings.max_upload_chars,
            lang,
        )
        delete_temp_copies(files)
        job = Job(lines=[f"- ⚠ **{esc(r.name)}**: {esc(r.reason)}" for r in rejected])
        yield t(lang, "indexing_wait"), None, *keep, session, private
        done = self._indexer.submit(self._run_job, job, accepted, private, lang)
        shown = ""
        while not done.done():
            stage = t(lang, STAGE_KEYS.get(job.stage, "stage_files"))
            status = t(lang, "indexing", stage=stage, done=job.done, total=max(job.total, 1))
            if status != shown:
                shown = status
                yield status, gr.skip(), *keep, session, private
            time.sleep(POLL_SECONDS)
        status = "\n".join(job.lines) or t(lang, "no_files")
        yield status, None, *self.corpus_updates(private, lang, keep_pick=True), session, private

    def _run_job(
        self, job: Job, accepted: list[Any], private: PrivateLibrary | None, lang: str
    ) -> None:
        try:
            if accepted:
                self._index(job, accepted, private, lang)
        except Exception:
            log.exception("indexing uploads failed")
            job.lines.append(f"- ⚠ {esc(t(lang, 'internal_error'))}")
        finally:
            job.finished = True

    def _index(
        self, job: Job, accepted: list[Any], private: PrivateLibrary | None, lang: str
    ) -> None:
        paths = [a.path for a in accepted]
        try:
            report: IndexReport = (
                private.add(paths, progress=job.tick)
                if private is not None
                else self.engine.add_files(paths, progress=job.tick)
            )
        except RagError as e:
            for a in accepted:
                if a.created:
                    a.path.unlink(missing_ok=True)
            told = self.told(e, lang, private)
            job.lines.append(f"- ⚠ {esc(t(lang, 'index_unchanged', e=told))}")
            return
        skipped = {s.path: s.reason for s in report.skipped}
        for a in accepted:
            path = str(a.path.resolve())
            if path in skipped:
                if a.created:
                    # a rejected copy would only be rejected again by a later re-index
                    a.path.unlink(missing_ok=True)
                reason = told_reason(lang, skipped[path])
                job.lines.append(f"- ⚠ **{esc(a.name)}**: {esc(reason)}")
            elif path in report.added:
                job.lines.append(f"- ✅ **{esc(a.name)}**: {t(lang, 'added')} ({a.path.name})")
            else:
                job.lines.append(f"- **{esc(a.name)}**: {t(lang, 'already')}")

    def _find(self, doc_id: str | None, private: PrivateLibrary | None) -> Document | None:
        return self.lookup_in(self.engine_for(private))(doc_id or "")

    def _may_change(self, doc: Document, private: PrivateLibrary | None) -> bool:
        """A session changes its own uploads; the library only on a library server."""
        return (private is not None and private.owns(doc)) or self.library_uploads

    def delete_document(
        self, doc_id: str | None, private: PrivateLibrary | None, lang: str
    ) -> tuple[Any, ...]:
        """Drop a document from the index; an upload's file is deleted with it."""
        doc = self._find(doc_id, private)
        if doc is None:
            return (t(lang, "no_doc"), *self.corpus_updates(private, lang))
        if not self._may_change(doc, private):
            return (t(lang, "cannot_change", name=doc.source), *self.corpus_updates(private, lang))
        try:
            if private is not None and private.owns(doc):
                private.remove(doc)
                key = "deleted"
            else:
                self.engine.remove_documents([doc.doc_id])
                if Path(doc.path).parent == shared_uploads_dir(self.engine).resolve():
                    Path(doc.path).unlink(missing_ok=True)
                    key = "deleted"
                else:
                    key = "removed"  # a library file stays where its owner keeps it
        except RagError as e:
            told = self.told(e, lang, private)
            return (t(lang, "index_unchanged", e=told), *self.corpus_updates(private, lang))
        return (t(lang, key, name=doc.source), *self.corpus_updates(private, lang))

    def reindex_document(
        self, doc_id: str | None, private: PrivateLibrary | None, lang: str
    ) -> tuple[Any, ...]:
        """Read a document's file again (after it changed on disk) and index it."""
        doc = self._find(doc_id, private)
        if doc is None:
            return (t(lang, "no_doc"), *self.corpus_updates(private, lang))
        try:
            if private is not None:
                private.add([Path(doc.path)])
            else:
                self.engine.add_files([doc.path])
        except RagError as e:
            told = self.told(e, lang, private)
            return (t(lang, "index_unchanged", e=told), *self.corpus_updates(private, lang))
        return (t(lang, "reindexed", name=doc.source), *self.corpus_updates(private, lang))

    def metadata_fields(
        self, doc_id: str | None, private: PrivateLibrary | None
    ) -> tuple[Any, ...]:
        """The picked document's title, issuer, date, 文号 and region in the edit boxes."""
        doc = self._find(doc_id, private)
        return tuple((getattr(doc, name) or "") if doc else "" for name in EDITABLE_FIELDS)

    def save_metadata(self, doc_id: str | None, *values_private_lang: Any) -> tuple[Any, ...]:
        """Store corrected metadata with the index (filters and listings use it at once).

        Arguments after doc_id: one value per EDITABLE_FIELDS, then private and lang.
        """
        *values, private, lang = values_private_lang
        doc = self._find(doc_id, private)
        if doc is None:
            return (t(lang, "no_doc"), *self.corpus_updates(private, lang))
        if not self._may_change(doc, private):
            return (t(lang, "cannot_change", name=doc.source), *self.corpus_updates(private, lang))
        changes = {name: str(v or "") for name, v in zip(EDITABLE_FIELDS, values, strict=True)}
        try:
            if private is not None and private.owns(doc):
                private.edit(doc.doc_id, changes)
            else:
                self.engine.edit_document(doc.doc_id, **changes)
        except RagError as e:
            return (
                t(lang, "index_unchanged", e=self.told(e, lang, private)),
                *self.corpus_updates(private, lang, picked=doc.doc_id),
            )
        return (
            t(lang, "saved", name=doc.source),
            *self.corpus_updates(private, lang, picked=doc.doc_id),
        )

    # --- language -------------------------------------------------------------------------

    def set_language(
        self, lang: str, session: Session, private: PrivateLibrary | None
    ) -> tuple[Any, ...]:
        """Every label in the chosen language, and the shown answer rendered again."""
        labels = []
        for spec in self.label_specs:
            texts: dict[str, Any] = {
                attr: t(lang, key, **self.label_values.get(key, {}))
                for attr, key in spec.items()
                if attr != "choices"
            }
            if "choices" in spec:
                texts["choices"] = mode_choices(lang)
            labels.append(gr.update(**texts))
        lookup = self.lookup_in(self.engine_for(private))
        if session.answers and session.shown >= 0:
            turn = session.shown
            sources = sources_html(
                session.answers[turn],
                lookup,
                turn,
                lang,
                session.filters.get(turn),
                self._by(session, turn, lang),
            )
        else:
            sources = placeholder_html(t(lang, "sources_hint"))
        chatbot = gr.update(label=t(lang, "chat"), placeholder=t(lang, "howto"))
        quick = gr.update(value=t(lang, "quick_compare" if session.finished else "quick_now"))
        corpus = self.corpus_updates(private, lang, keep_pick=True)
        return (lang, *labels, sources, chatbot, *corpus, quick)


def close_private(private: PrivateLibrary | None) -> None:
    """gr.State delete callback: a session ended or its uploads' time ran out."""
    if private is not None:
        private.close()
