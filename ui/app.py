"""Gradio app: chat with streamed, cited answers; sources pane; filters; document uploads."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from rag.config import Settings
from rag.errors import IndexMissingError, RagError
from rag.pipeline import Engine, build_index
from rag.types import Answer, Document, Filters
from ui.render import (
    CORPUS_HEADERS,
    chat_text,
    corpus_rows,
    document_html,
    error_text,
    esc,
    placeholder_html,
    sources_html,
)
from ui.uploads import ALLOWED_SUFFIXES, accept_uploads

log = logging.getLogger(__name__)

EXAMPLES = [
    "晋城市人工智能产业链有多少家企业？",
    "晋城开发区产业引导基金总规模是多少？",
    "哪些城市提到了智算中心？",
    "What fund did Jincheng set up?",
]
# Follow-up rewriting only needs the recent turns; older ones would only grow the prompt.
HISTORY_TURNS = 6
ASK_CONCURRENCY = 4
ANY = ""  # dropdown value meaning "no restriction"
STAGES = {
    "files": "读取文件 Reading files",
    "chunks": "切分 Chunking",
    "embedding": "向量化 Embedding",
}
MODES = [("抽取式 Extractive (offline)", "extractive"), ("LLM", "llm")]
NO_LLM_INFO = "未配置 LLM · no LLM configured (set RAG_LLM_BASE_URL and RAG_LLM_MODEL)"
QUESTION_PLACEHOLDER = "输入问题 Type a question, e.g. 晋城开发区产业引导基金总规模是多少？"
INTRO = (
    "## 地方政府人工智能政策问答 · AI policy Q&A\n"
    "回答只来自已索引的政策文件，每句都附有可核对的原文引用。"
    " Answers come only from the indexed documents, each with a checkable citation."
)
SOURCES_HINT = "提问后，这里显示每条引用的原文。 Ask a question; the cited passages appear here."
DOC_HINT = "点击来源卡片上的“查看全文”查看整篇文档。 Click “Open full document” on a source card."

CSS = """
#rag-sources .rag-sources, #rag-doc .rag-doc { font-size: 14px; line-height: 1.6;
  padding-top: 18px; }
.rag-empty { color: var(--body-text-color-subdued); padding: 12px; }
.rag-question { font-weight: 600; margin-bottom: 6px; }
.rag-note { color: var(--body-text-color-subdued); font-size: 12px; margin: 4px 0; }
.cite-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
  margin: 10px 0; background: var(--background-fill-primary); scroll-margin-top: 8px;
  transition: box-shadow .3s; cursor: pointer; }
.cite-card.flash, .cite-card:focus { box-shadow: 0 0 0 3px #f59e0b; outline: none; }
.cite-head { font-weight: 600; margin-bottom: 4px; }
.cite-n { color: #b45309; margin-right: 4px; }
.cite-meta { display: grid; grid-template-columns: max-content 1fr; gap: 0 10px; margin: 4px 0;
  font-size: 12px; color: var(--body-text-color-subdued); }
.cite-meta dt { font-weight: 500; } .cite-meta dd { margin: 0; }
.cite-passage { margin: 6px 0; padding: 6px 10px; border-left: 3px solid #f59e0b;
  background: var(--background-fill-secondary); white-space: pre-wrap; }
.rag-sources mark, .rag-doc mark { background: #fde68a; color: #111827; padding: 0 1px;
  border-radius: 2px; }
.rag-doc mark.other { background: #fef3c7; }
.rag-doc mark.selected { outline: 2px solid #d97706; }
#rag-sources .open-doc { margin-top: 4px; font-size: 12px; padding: 2px 10px; border-radius: 6px;
  border: 1px solid var(--border-color-primary);
  background: var(--button-secondary-background-fill); cursor: pointer; font-weight: 400;
  line-height: 1.6; }
.not-found { border: 1px solid #f59e0b; border-left: 6px solid #d97706; background: #fffbeb;
  color: #78350f; border-radius: 8px; padding: 10px 12px; margin: 8px 0; }
.not-found p { margin: 4px 0; }
.rag-searched { font-size: 12px; color: var(--body-text-color-subdued); }
.rag-doc-head { padding: 4px 0 6px; border-bottom: 1px solid var(--border-color-primary); }
.rag-doc-meta { font-size: 12px; color: var(--body-text-color-subdued); }
.rag-doc-text { white-space: pre-wrap; padding-top: 6px; }
.not-found-chat { color: #92400e; font-weight: 500; }
#rag-chat a.cite-ref { text-decoration: none; font-weight: 600; color: #b45309; cursor: pointer; }
#rag-chat a.cite-ref:hover { text-decoration: underline; }
"""

# Runs once when the sources pane mounts: installs the styles and one document-level handler,
# because [n] links live in the chatbot, which has no hook of its own for custom clicks.
SOURCES_JS = (
    "const RAG_CSS = "
    + json.dumps(CSS)
    + """;
if (!window.__ragInstalled) {
  window.__ragInstalled = true;
  const style = document.createElement('style');
  style.textContent = RAG_CSS;
  document.head.appendChild(style);
  const showCard = (n, turn, tries) => {
    const pane = document.querySelector('#rag-sources .rag-sources');
    const ready = pane && (turn === undefined || pane.dataset.turn === String(turn));
    const card = ready ? pane.querySelector('#cite-' + n) : null;
    if (card) {
      card.scrollIntoView({behavior: 'smooth', block: 'nearest'});
      card.classList.add('flash');
      setTimeout(() => card.classList.remove('flash'), 1600);
    } else if (tries > 0) {
      // an older answer's marker: its sources arrive from the server after the select event
      setTimeout(() => showCard(n, turn, tries - 1), 100);
    }
  };
  document.addEventListener('click', (ev) => {
    const link = ev.target.closest ? ev.target.closest('a.cite-ref, a[href^="#cite-"]') : null;
    if (!link) return;
    ev.preventDefault();
    const n = link.getAttribute('href').replace('#cite-', '');
    const turn = [...link.classList].find((c) => c.startsWith('cite-turn-'));
    showCard(n, turn ? turn.slice(10) : undefined, 30);
  }, true);
}
element.addEventListener('click', (ev) => {
  const btn = ev.target.closest('.open-doc');
  if (btn) { trigger('click', {n: parseInt(btn.dataset.n, 10)}); return; }
  const card = ev.target.closest('.cite-card');
  if (card) {
    card.scrollIntoView({behavior: 'smooth', block: 'nearest'});
    card.classList.add('flash');
    setTimeout(() => card.classList.remove('flash'), 1600);
  }
});
"""
)

# Brings the selected quote of a newly opened document into view.
DOC_JS = """
watch('value', () => {
  const m = element.querySelector('mark.selected');
  if (m) m.scrollIntoView({behavior: 'smooth', block: 'center'});
});
"""


@dataclass
class Session:
    """Per-browser-session state: the answers given so far and which one the pane shows."""

    answers: list[Answer] = field(default_factory=list)
    turn_of_message: dict[int, int] = field(default_factory=dict)  # chat index -> answers index
    shown: int = -1


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


def _doc_choices(docs: list[Document]) -> list[tuple[str, str]]:
    return [(f"{d.title or d.source} ({d.source})", d.doc_id) for d in docs]


def _region_choices(docs: list[Document]) -> list[tuple[str, str]]:
    regions = sorted({d.region for d in docs if d.region})
    return [("全部 All", ANY), *((r, r) for r in regions)]


def _year_choices(docs: list[Document]) -> list[tuple[str, str]]:
    years = sorted({str(d.year) for d in docs if d.year})
    return [("不限 Any", ANY), *((y, y) for y in years)]


def _cite_choices(answer: Answer | None) -> list[tuple[str, int]]:
    if answer is None:
        return []
    return [(f"[{c.n}] {c.title or c.source}", c.n) for c in answer.citations]


def build_app(engine: Engine) -> gr.Blocks:
    """The chat app over one Engine; all retrieval goes through the engine."""
    settings = engine.settings

    def documents() -> list[Document]:
        try:
            return engine.documents()
        except RagError as e:
            log.warning("no documents to list: %s", e)
            return []

    def lookup(doc_id: str) -> Document | None:
        try:
            return engine.document(doc_id)
        except (KeyError, RagError):
            return None

    def corpus_updates() -> tuple[Any, ...]:
        docs = documents()
        return (
            gr.update(value=corpus_rows(docs)),
            gr.update(choices=_doc_choices(docs)),
            gr.update(choices=_region_choices(docs)),
            gr.update(choices=_year_choices(docs)),
            gr.update(choices=_year_choices(docs)),
        )

    def ask(
        question: str,
        chat: list[dict[str, Any]] | None,
        doc_ids: list[str] | None,
        region: str | None,
        year_from: str | None,
        year_to: str | None,
        mode: str,
        k: float,
        session: Session,
    ) -> Iterator[tuple[Any, ...]]:
        chat = list(chat or [])
        try:
            q = engine.check_question(question)
        except RagError as e:
            chat.append({"role": "assistant", "content": error_text(str(e))})
            yield chat, gr.skip(), session, gr.skip(), gr.skip()
            return
        chat.append({"role": "user", "content": esc(q)})
        chat.append({"role": "assistant", "content": "…"})
        yield chat, placeholder_html("检索中 Searching…"), session, "", gr.skip()
        history = [(a.question, a.text) for a in session.answers[-HISTORY_TURNS:]]
        text = ""
        answer: Answer | None = None
        try:
            stream = engine.ask_stream(
                q,
                history=history,
                filters=build_filters(doc_ids, region, year_from, year_to),
                k=int(k),
                answer_mode=mode if settings.llm_configured else "extractive",
            )
            for piece in stream:
                text += piece
                chat[-1] = {"role": "assistant", "content": esc(text)}
                yield chat, gr.skip(), session, gr.skip(), gr.skip()
            answer = stream.answer
        except RagError as e:
            answer = None
            text = str(e)
        except Exception:
            log.exception("answering %r failed", q)
            answer = None
            text = "internal error while answering; see the server log"
        if answer is None:
            chat[-1] = {"role": "assistant", "content": error_text(text)}
            yield (
                chat,
                placeholder_html(text),
                session,
                gr.skip(),
                gr.update(choices=[], value=None),
            )
            return
        session.answers.append(answer)
        turn = len(session.answers) - 1
        session.turn_of_message[len(chat) - 1] = turn
        session.shown = turn
        chat[-1] = {"role": "assistant", "content": chat_text(answer, turn)}
        choices = _cite_choices(answer)
        yield (
            chat,
            sources_html(answer, lookup, turn),
            session,
            gr.skip(),
            gr.update(choices=choices, value=choices[0][1] if choices else None),
        )

    def show_message_sources(session: Session, evt: gr.SelectData) -> tuple[Any, ...]:
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        turn = session.turn_of_message.get(int(index)) if index is not None else None
        if turn is None or turn == session.shown:
            return gr.skip(), session, gr.skip()
        session.shown = turn
        answer = session.answers[turn]
        choices = _cite_choices(answer)
        return (
            sources_html(answer, lookup, turn),
            session,
            gr.update(choices=choices, value=choices[0][1] if choices else None),
        )

    def open_document(n: int | None, session: Session) -> str:
        if not session.answers or session.shown < 0:
            return placeholder_html(DOC_HINT)
        answer = session.answers[session.shown]
        cit = next((c for c in answer.citations if c.n == n), None)
        if cit is None:
            return placeholder_html(DOC_HINT)
        doc = lookup(cit.doc_id)
        if doc is None:
            return placeholder_html(f"{cit.source}: 文档已不在索引中 no longer in the index")
        return document_html(doc, answer.citations, cit.n)

    def open_from_card(session: Session, evt: gr.EventData) -> tuple[Any, ...]:
        n = int(getattr(evt, "n", 0) or 0)
        return open_document(n, session), gr.update(value=n)

    def clear() -> tuple[Any, ...]:
        return (
            [],
            placeholder_html(SOURCES_HINT),
            Session(),
            gr.update(choices=[], value=None),
            placeholder_html(DOC_HINT),
        )

    def add_documents(files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        if not files:
            return ("请先选择文件。 Choose files first.", None, *corpus_updates())
        uploads_dir = Path(settings.index_dir) / "uploads"
        accepted, rejected = accept_uploads(
            [(Path(f).name, Path(f)) for f in files], uploads_dir, settings.max_upload_mb
        )
        lines = [f"- ⚠ **{esc(r.name)}**: {esc(r.reason)}" for r in rejected]
        if accepted:

            def tick(stage: str, done: int, total: int) -> None:
                progress((done, max(total, 1)), desc=STAGES.get(stage, stage))

            try:
                report = engine.add_files([a.path for a in accepted], progress=tick)
            except RagError as e:
                for a in accepted:
                    if a.created:
                        a.path.unlink(missing_ok=True)
                lines.append(f"- ⚠ 索引未改变 index unchanged: {esc(e)}")
            else:
                by_path = {str(a.path.resolve()): a for a in accepted}
                skipped = {s.path: s.reason for s in report.skipped}
                for path, a in by_path.items():
                    if path in skipped:
                        if a.created:
                            # a rejected copy would only be rejected again by a later re-index
                            a.path.unlink(missing_ok=True)
                        lines.append(f"- ⚠ **{esc(a.name)}**: {esc(skipped[path])}")
                    elif path in report.added:
                        lines.append(f"- ✅ **{esc(a.name)}**: 已加入索引 added ({a.path.name})")
                    else:
                        lines.append(f"- **{esc(a.name)}**: 已在索引中 already indexed")
        return ("\n".join(lines) or "没有文件被处理。 No files processed.", None, *corpus_updates())

    docs = documents()
    with gr.Blocks(title="政策问答 Policy Q&A", analytics_enabled=False) as app:
        session = gr.State(Session())
        gr.Markdown(INTRO)
        with gr.Tabs():
            with gr.Tab("问答 Ask", id="ask"), gr.Row(equal_height=False):
                with gr.Column(scale=5):
                    chatbot = gr.Chatbot(
                        label="对话 Chat",
                        height=520,
                        elem_id="rag-chat",
                        buttons=["copy"],
                        feedback_options=None,
                        sanitize_html=True,
                    )
                    with gr.Row():
                        question = gr.Textbox(
                            label="问题 Question",
                            placeholder=QUESTION_PLACEHOLDER,
                            show_label=False,
                            lines=1,
                            max_lines=4,
                            scale=8,
                            elem_id="rag-question",
                            autofocus=True,
                        )
                        send = gr.Button("提问 Ask", variant="primary", scale=1, elem_id="rag-send")
                    gr.Examples(EXAMPLES, inputs=[question], label="示例问题 Examples")
                    with gr.Accordion("筛选与设置 Filters & settings", open=False):
                        with gr.Row():
                            doc_filter = gr.Dropdown(
                                choices=_doc_choices(docs),
                                value=[],
                                multiselect=True,
                                label="文档 Documents",
                                info="空 = 全部 empty = all",
                            )
                            region = gr.Dropdown(
                                choices=_region_choices(docs), value=ANY, label="地区 Region"
                            )
                        with gr.Row():
                            year_from = gr.Dropdown(
                                choices=_year_choices(docs), value=ANY, label="从 From year"
                            )
                            year_to = gr.Dropdown(
                                choices=_year_choices(docs), value=ANY, label="到 To year"
                            )
                        with gr.Row():
                            llm = settings.llm_configured
                            mode = gr.Radio(
                                choices=MODES,
                                value=settings.answer_mode if llm else "extractive",
                                label="回答方式 Answer mode",
                                interactive=llm,
                                info=None if llm else NO_LLM_INFO,
                            )
                            k = gr.Slider(
                                1,
                                10,
                                value=min(max(settings.k, 1), 10),
                                step=1,
                                label="检索段落数 Passages (k)",
                            )
                    clear_btn = gr.Button("清空对话 Clear chat", size="sm", variant="secondary")
                with gr.Column(scale=4):
                    sources = gr.HTML(
                        placeholder_html(SOURCES_HINT),
                        label="来源 Sources",
                        show_label=True,
                        elem_id="rag-sources",
                        js_on_load=SOURCES_JS,
                        max_height=620,
                        container=True,
                        padding=True,
                    )
                    with gr.Row():
                        cite_pick = gr.Dropdown(
                            choices=[], value=None, label="引用 Citation", scale=3
                        )
                        open_btn = gr.Button("打开 Open", scale=1, size="sm", min_width=80)
                    doc_view = gr.HTML(
                        placeholder_html(DOC_HINT),
                        label="全文 Full document",
                        show_label=True,
                        elem_id="rag-doc",
                        js_on_load=DOC_JS,
                        max_height=520,
                        container=True,
                        padding=True,
                    )
            with gr.Tab("文档 Documents", id="docs"):
                corpus = gr.Dataframe(
                    value=corpus_rows(docs),
                    headers=CORPUS_HEADERS,
                    interactive=False,
                    wrap=True,
                    label="已索引文档 Indexed documents",
                    elem_id="rag-corpus",
                )
                upload = gr.File(
                    file_count="multiple",
                    file_types=list(ALLOWED_SUFFIXES),
                    label=f"添加文档 Add documents (≤ {settings.max_upload_mb} MB each; "
                    f"{' '.join(ALLOWED_SUFFIXES)})",
                    elem_id="rag-upload",
                )
                add_btn = gr.Button("加入索引 Add to index", variant="primary")
                upload_status = gr.Markdown(elem_id="rag-upload-status")

        corpus_outputs = [corpus, doc_filter, region, year_from, year_to]
        gr.on(
            [question.submit, send.click],
            ask,
            inputs=[question, chatbot, doc_filter, region, year_from, year_to, mode, k, session],
            outputs=[chatbot, sources, session, question, cite_pick],
            api_name="ask",
            concurrency_limit=ASK_CONCURRENCY,
            concurrency_id="ask",
        )
        chatbot.select(
            show_message_sources,
            inputs=[session],
            outputs=[sources, session, cite_pick],
            api_visibility="private",
        )
        open_btn.click(open_document, [cite_pick, session], [doc_view], api_name="open_document")
        sources.click(open_from_card, [session], [doc_view, cite_pick], api_visibility="private")
        clear_btn.click(
            clear,
            outputs=[chatbot, sources, session, cite_pick, doc_view],
            api_name="clear",
        )
        add_btn.click(
            add_documents,
            inputs=[upload],
            outputs=[upload_status, upload, *corpus_outputs],
            api_name="add_documents",
            concurrency_limit=1,
            concurrency_id="index",
        )
        app.load(corpus_updates, outputs=corpus_outputs, api_name="documents")
    return app


def _print_progress() -> Any:
    """A build_index progress callback that prints one line per stage step of 10%."""
    last: dict[str, int] = {}

    def tick(stage: str, done: int, total: int) -> None:
        step = 10 * done // total if total else 10
        if last.get(stage) != step:
            last[stage] = step
            print(f"  {STAGES.get(stage, stage)}: {done}/{total}", file=sys.stderr, flush=True)

    return tick


def launch(
    app: gr.Blocks,
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    prevent_thread_lock: bool = False,
) -> None:
    """Start the server with the app's launch options (queue, upload limit, offline theme)."""
    app.queue(default_concurrency_limit=ASK_CONCURRENCY)
    app.launch(
        server_name=host,
        server_port=port,
        prevent_thread_lock=prevent_thread_lock,
        max_file_size=f"{settings.max_upload_mb}mb",
        # system fonts: the default theme would fetch Google Fonts, which offline users lack
        theme=gr.themes.Default(
            font=["system-ui", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "sans-serif"],
            font_mono=["ui-monospace", "monospace"],
        ),
        quiet=prevent_thread_lock,
    )


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Open (or first build from the bundled corpus) the index, warm up and serve the app."""
    engine = Engine(settings)
    try:
        engine.warm_up()
    except IndexMissingError:
        corpus = settings.corpus_path
        print(f"no index at {settings.index_dir}; building it from {corpus}", file=sys.stderr)
        report = build_index([corpus], settings, progress=_print_progress())
        print(
            f"indexed {len(report.documents)} documents, {report.chunks} chunks "
            f"in {report.seconds:.1f} s",
            file=sys.stderr,
        )
        for s in report.skipped:
            print(f"  skipped {s.path}: {s.reason}", file=sys.stderr)
        engine.reload()
        engine.warm_up()
    launch(build_app(engine), settings, host=host, port=port)
