"""Gradio app layout: chat with streamed, cited answers; sources pane; filters; documents.

build_app lays the page out with one small builder per part (the top bar, the chat, its filters,
the stored conversations, the sources pane, the documents tab) and wires the events in a few
small functions. The event handlers live in ui/handlers.py, the styles in ui/assets/app.css and
the browser-side behaviour (citation links, copy as plain text, phone sheet) in
ui/assets/sources.js.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr

from rag import (
    EDITABLE_FIELDS,
    SUPPORTED,
    Document,
    Engine,
    IndexMissingError,
    Settings,
    build_index,
    index_location,
    progress_bar,
)
from ui.handlers import (
    ANY,
    Handlers,
    Session,
    build_filters,
    close_private,
    doc_choices,
    mode_choices,
    region_choices,
    year_choices,
)
from ui.i18n import DEFAULT_LANG, LANGS, t
from ui.render import corpus_cards, example_questions, placeholder_html

__all__ = ["build_app", "build_filters", "launch", "serve"]

ASSETS = Path(__file__).resolve().parent / "assets"
CSS = (ASSETS / "app.css").read_text(encoding="utf-8")
SOURCES_JS = (ASSETS / "sources.js").read_text(encoding="utf-8")
ASK_CONCURRENCY = 4
META_KEYS = {
    "title": "meta_title",
    "issuer": "meta_issuer",
    "date": "meta_date",
    "doc_number": "meta_number",
    "region": "meta_region",
}

# Brings the selected quote of a newly opened document into view.
DOC_JS = """
watch('value', () => {
  const m = element.querySelector('mark.selected');
  if (m) m.scrollIntoView({behavior: 'smooth', block: 'center'});
});
"""
# Runs in the browser on submit, before the question goes to the server: empties the box at once,
# so what the user types while the answer streams is never overwritten by a server update.
# The question is the box's text when Enter or Send was pressed (sources.js remembers it); what was
# typed after that, before this ran on a busy machine, stays in the box and is not sent.
TAKE_QUESTION_JS = """(...inputs) => {
  const box = document.querySelector('#rag-question textarea');
  const read = typeof inputs[0] === 'string' ? inputs[0] : '';
  const kept = window.__ragAsked;
  window.__ragAsked = undefined;
  const asked = typeof kept === 'string' && kept && read.startsWith(kept) ? kept : read;
  if (box) {
    const now = box.value;
    box.value = asked && now.startsWith(asked) ? now.slice(asked.length) : '';
    box.dispatchEvent(new Event('input', {bubbles: true}));
  }
  inputs[0] = asked;
  return inputs;
}"""
BACK_JS = "() => { document.querySelector('#rag-side')?.classList.remove('sheet-open'); }"


class Parts(SimpleNamespace):
    """The page's components by name, filled in by the builders below."""


class Labels:
    """Remembers which text key each component attribute shows, for the language switch."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.specs: list[tuple[Any, dict[str, str]]] = []

    def __call__(self, component: Any, **spec: str) -> Any:
        self.specs.append((component, spec))
        return component

    def text(self, key: str, **values: object) -> str:
        return t(self.lang, key, **values)


def _top(tr: Labels, ui: Parts) -> None:
    with gr.Row(elem_id="rag-top"):
        tr(gr.Markdown(tr.text("intro"), elem_id="rag-intro"), value="intro")
        ui.language = gr.Radio(
            LANGS,
            value=tr.lang,
            show_label=False,
            elem_id="rag-lang",
            scale=0,
            min_width=200,
            container=False,
        )


def _button(tr: Labels, key: str, elem_id: str, **options: Any) -> Any:
    return tr(gr.Button(tr.text(key), elem_id=elem_id, **options), value=key)


def _chat(tr: Labels, ui: Parts, docs: list[Document]) -> None:
    ui.chatbot = gr.Chatbot(
        label=tr.text("chat"),
        height=520,
        elem_id="rag-chat",
        buttons=["copy"],
        feedback_options=None,
        sanitize_html=True,
        placeholder=tr.text("howto"),
        examples=[{"text": q} for q in example_questions(docs, tr.lang)] or None,
    )
    with gr.Row(elem_id="rag-ask-row"):
        ui.question = tr(
            gr.Textbox(
                label=tr.text("question"),
                placeholder=tr.text("placeholder"),
                show_label=False,
                lines=1,
                max_lines=4,
                scale=8,
                elem_id="rag-question",
                autofocus=True,
            ),
            label="question",
            placeholder="placeholder",
        )
        ui.send = _button(tr, "ask", "rag-send", variant="primary", scale=1, min_width=70)
        ui.stop = _button(
            tr, "stop", "rag-stop", variant="stop", scale=1, visible=False, min_width=70
        )
    with gr.Row(elem_id="rag-chat-tools"):
        ui.clear = _button(tr, "clear", "rag-clear", size="sm", variant="secondary")
        # offered while an LLM writes (slow) and after an answer the model was unsure of
        ui.quick = gr.Button(
            tr.text("quick_now"), size="sm", variant="secondary", visible=False, elem_id="rag-quick"
        )
        ui.answer_dl = tr(
            gr.DownloadButton(
                tr.text("export_answer"), size="sm", visible=False, elem_id="rag-export-answer"
            ),
            label="export_answer",
        )
        ui.chat_dl = tr(
            gr.DownloadButton(
                tr.text("export_chat"), size="sm", visible=False, elem_id="rag-export-chat"
            ),
            label="export_chat",
        )


def _filters(tr: Labels, ui: Parts, docs: list[Document], settings: Settings, model: str) -> None:
    lang = tr.lang
    with tr(gr.Accordion(tr.text("filters"), open=False, elem_id="rag-filters"), label="filters"):
        with gr.Row():
            ui.doc_filter = tr(
                gr.Dropdown(
                    choices=doc_choices(docs),
                    value=[],
                    multiselect=True,
                    label=tr.text("documents"),
                    info=tr.text("documents_info"),
                ),
                label="documents",
                info="documents_info",
            )
            ui.region = tr(
                gr.Dropdown(
                    choices=region_choices(docs, lang),
                    value=ANY,
                    label=tr.text("region"),
                    elem_id="rag-region",
                ),
                label="region",
            )
        with gr.Row():
            ui.year_from, ui.year_to = (
                tr(
                    gr.Dropdown(
                        choices=year_choices(docs, lang),
                        value=ANY,
                        label=tr.text(key),
                        elem_id=f"rag-{key.replace('_', '-')}",
                    ),
                    label=key,
                )
                for key in ("year_from", "year_to")
            )
        with gr.Row():
            llm = settings.llm_configured
            info_key = "llm_model" if llm else "no_llm"
            ui.mode = tr(
                gr.Radio(
                    choices=mode_choices(lang),
                    value=settings.answer_mode if llm else "extractive",
                    label=tr.text("mode"),
                    interactive=llm,
                    info=tr.text(info_key, model=model) if llm else tr.text(info_key),
                    elem_id="rag-mode",
                ),
                label="mode",
                choices="mode_extractive",  # the modes, named anew
                info=info_key,
            )
            ui.k = tr(
                gr.Slider(1, 10, value=min(max(settings.k, 1), 10), step=1, label=tr.text("k")),
                label="k",
            )


def _conversations(tr: Labels, ui: Parts) -> None:
    with tr(
        gr.Accordion(tr.text("conversations"), open=False, elem_id="rag-conversations"),
        label="conversations",
    ):
        ui.chats = tr(
            gr.Dropdown(choices=[], value=None, label=tr.text("past_chats"), elem_id="rag-chats"),
            label="past_chats",
        )
        with gr.Row():
            ui.new_chat = _button(tr, "new_chat", "rag-new-chat", size="sm")
            ui.open_chat = _button(tr, "open_chat", "rag-open-chat", size="sm")
            ui.delete_chat = _button(tr, "delete_chat", "rag-delete-chat", size="sm")
        with gr.Row():
            ui.new_name = tr(
                gr.Textbox(label=tr.text("new_name"), scale=3, elem_id="rag-chat-name"),
                label="new_name",
            )
            ui.rename_chat = _button(tr, "rename_chat", "rag-rename-chat", size="sm", scale=1)


def _side(tr: Labels, ui: Parts) -> None:
    ui.back = _button(tr, "back_to_chat", "rag-back", size="sm")
    ui.sources = tr(
        gr.HTML(
            placeholder_html(tr.text("sources_hint")),
            label=tr.text("sources"),
            show_label=True,
            elem_id="rag-sources",
            js_on_load=SOURCES_JS,
            max_height=620,
            container=True,
            padding=True,
        ),
        label="sources",
    )
    with gr.Row():
        ui.cite_pick = tr(
            gr.Dropdown(choices=[], value=None, label=tr.text("citation"), scale=3),
            label="citation",
        )
        ui.open = tr(
            gr.Button(tr.text("open"), scale=1, size="sm", min_width=80),
            value="open",
        )
    ui.doc_view = tr(
        gr.HTML(
            placeholder_html(tr.text("doc_hint")),
            label=tr.text("full_doc"),
            show_label=True,
            elem_id="rag-doc",
            js_on_load=DOC_JS,
            max_height=520,
            container=True,
            padding=True,
        ),
        label="full_doc",
    )
    ui.raw_dl = tr(
        gr.DownloadButton(tr.text("download_raw"), size="sm", visible=False, elem_id="rag-raw"),
        label="download_raw",
    )


def _documents_tab(
    tr: Labels, ui: Parts, h: Handlers, docs: list[Document], library_uploads: bool
) -> None:
    settings = h.settings
    table = h.table(None, tr.lang)
    ui.corpus = gr.Dataframe(value=table, interactive=False, wrap=True, elem_id="rag-corpus")
    # the same rows as cards: phones show these instead of a table wider than the screen
    ui.corpus_cards = gr.HTML(
        corpus_cards(table["data"], table["headers"]), elem_id="rag-corpus-cards"
    )
    with gr.Row():
        ui.manage_pick = tr(
            gr.Dropdown(
                choices=doc_choices(docs),
                value=None,
                label=tr.text("pick_doc"),
                scale=4,
                elem_id="rag-manage",
            ),
            label="pick_doc",
        )
        ui.delete_doc = _button(
            tr, "delete_doc", "rag-delete-doc", size="sm", scale=1, variant="stop"
        )
        ui.reindex_doc = _button(tr, "reindex_doc", "rag-reindex-doc", size="sm", scale=1)
    with tr(
        gr.Accordion(tr.text("edit_meta"), open=False, elem_id="rag-edit-meta"), label="edit_meta"
    ):
        with gr.Row():
            ui.meta = [
                tr(
                    gr.Textbox(label=tr.text(META_KEYS[name]), elem_id=f"rag-meta-{name}"),
                    label=META_KEYS[name],
                )
                for name in EDITABLE_FIELDS
            ]
        ui.save_meta = _button(tr, "save_meta", "rag-save-meta", size="sm")
    ui.manage_status = gr.Markdown(elem_id="rag-manage-status")
    ui.upload = tr(
        gr.File(
            file_count="multiple",
            file_types=list(SUPPORTED),
            label=tr.text(
                "add_docs",
                mb=settings.max_upload_mb,
                chars=settings.max_upload_chars,
                types=" ".join(SUPPORTED),
            ),
            elem_id="rag-upload",
        ),
        label="add_docs",
    )
    note = "library_note" if library_uploads else "private_note"
    hours = round(settings.upload_ttl_seconds / 3600, 1)
    tr(gr.Markdown(tr.text(note, hours=hours)), value=note)
    ui.add = _button(tr, "add_btn", "rag-add", variant="primary")
    ui.upload_status = gr.Markdown(elem_id="rag-upload-status")


def _wire_asking(ui: Parts, h: Handlers) -> None:
    ask_inputs = [
        ui.question,
        ui.chatbot,
        ui.doc_filter,
        ui.region,
        ui.year_from,
        ui.year_to,
        ui.mode,
        ui.k,
        ui.language,
        ui.session,
        ui.private,
        ui.store,
    ]
    # the order of Handlers._out
    ask_outputs = [
        ui.chatbot,
        ui.sources,
        ui.doc_view,
        ui.cite_pick,
        ui.send,
        ui.stop,
        ui.answer_dl,
        ui.chat_dl,
        ui.session,
        ui.store,
        ui.chats,
        ui.quick,
    ]
    asked = gr.on(
        [ui.question.submit, ui.send.click],
        h.ask,
        inputs=ask_inputs,
        outputs=ask_outputs,
        js=TAKE_QUESTION_JS,
        # a second Enter while an answer streams is ignored; its text stays in the box
        trigger_mode="once",
        api_name="ask",
        concurrency_limit=ASK_CONCURRENCY,
        concurrency_id="ask",
    )
    picked = ui.chatbot.example_select(h.pick_example, None, [ui.pending], api_visibility="private")
    asked_example = picked.then(
        h.ask,
        [ui.pending, *ask_inputs[1:]],
        ask_outputs,
        concurrency_id="ask",
        api_visibility="private",
    )
    ui.stop.click(
        h.stop,
        [ui.language, ui.session],
        [ui.send, ui.stop, ui.quick],
        cancels=[asked, asked_example],
        api_visibility="private",
    )
    ui.quick.click(
        h.quick_answer,
        [ui.chatbot, ui.language, ui.session, ui.private, ui.store],
        ask_outputs,
        cancels=[asked, asked_example],  # the LLM answer still being written, if any
        api_name="quick_answer",
        concurrency_id="ask",
    )


def _wire_sources(ui: Parts, h: Handlers) -> None:
    ui.chatbot.select(
        h.show_message_sources,
        inputs=[ui.session, ui.language, ui.private],
        outputs=[ui.sources, ui.doc_view, ui.session, ui.cite_pick, ui.answer_dl],
        api_visibility="private",
    )
    ui.open.click(
        h.open_document,
        [ui.cite_pick, ui.session, ui.language, ui.private],
        [ui.doc_view, ui.raw_dl],
        api_name="open_document",
    )
    ui.sources.click(
        h.open_from_card,
        [ui.session, ui.language, ui.private],
        [ui.doc_view, ui.raw_dl, ui.cite_pick],
        api_visibility="private",
    )
    ui.back.click(None, js=BACK_JS)


def _wire_conversations(ui: Parts, h: Handlers) -> None:
    cleared = [
        ui.chatbot,
        ui.sources,
        ui.doc_view,
        ui.cite_pick,
        ui.answer_dl,
        ui.chat_dl,
        ui.raw_dl,
        ui.session,
        ui.quick,
    ]
    ui.clear.click(h.clear, [ui.language], cleared, api_name="clear")
    # the chat's own trash icon empties the bubbles; the conversation must go with them
    ui.chatbot.clear(h.clear, [ui.language], cleared, api_visibility="private")
    ui.new_chat.click(
        h.new_chat,
        [ui.store, ui.language],
        [ui.store, ui.chats, *cleared],
        api_visibility="private",
    )
    opened = [ui.chatbot, ui.sources, ui.doc_view, ui.cite_pick, ui.session]
    ui.open_chat.click(
        h.open_chat,
        [ui.chats, ui.store, ui.language, ui.private],
        [ui.store, *opened],
        api_visibility="private",
    )
    ui.rename_chat.click(
        h.rename_chat,
        [ui.chats, ui.new_name, ui.store],
        [ui.store, ui.chats, ui.new_name],
        api_visibility="private",
    )
    ui.delete_chat.click(
        h.delete_chat,
        [ui.chats, ui.store, ui.language],
        [ui.store, ui.chats, *cleared],
        api_visibility="private",
    )


def _wire_documents(ui: Parts, h: Handlers) -> None:
    ui.add.click(
        h.add_documents,
        inputs=[ui.upload, ui.session, ui.private, ui.language],
        outputs=[ui.upload_status, ui.upload, *ui.corpus_outputs, ui.session, ui.private],
        api_name="add_documents",
        concurrency_limit=2,
        concurrency_id="upload",
    )
    managed = [ui.manage_pick, ui.private, ui.language]
    for button, handler in (
        (ui.delete_doc, h.delete_document),
        (ui.reindex_doc, h.reindex_document),
    ):
        button.click(
            handler,
            managed,
            [ui.manage_status, *ui.corpus_outputs],
            api_visibility="private",
            concurrency_limit=1,
            concurrency_id="index",
        )
    ui.manage_pick.change(
        h.metadata_fields, [ui.manage_pick, ui.private], ui.meta, api_visibility="private"
    )
    ui.save_meta.click(
        h.save_metadata,
        [ui.manage_pick, *ui.meta, ui.private, ui.language],
        [ui.manage_status, *ui.corpus_outputs],
        api_name="save_metadata",
        concurrency_limit=1,
        concurrency_id="index",
    )


def build_app(engine: Engine, *, library_uploads: bool = False) -> gr.Blocks:
    """The chat app over one Engine; all retrieval goes through the engine."""
    settings = engine.settings
    h = Handlers(engine, library_uploads=library_uploads)
    docs = h.documents()
    model = engine.model_label()
    tr = Labels(DEFAULT_LANG)
    ui = Parts()
    with gr.Blocks(title=tr.text("title"), analytics_enabled=False) as app:
        ui.session = gr.State(Session())
        ui.private = gr.State(
            None, time_to_live=settings.upload_ttl_seconds, delete_callback=close_private
        )
        ui.store = gr.BrowserState(None, storage_key="rag-conversations")
        ui.lang_store = gr.BrowserState(DEFAULT_LANG, storage_key="rag-language")
        ui.pending = gr.Textbox(visible=False, elem_id="rag-pending")
        _top(tr, ui)
        with gr.Tabs():
            with (
                tr(gr.Tab(tr.text("tab_ask"), id="ask"), label="tab_ask"),
                gr.Row(equal_height=False),
            ):
                with gr.Column(scale=5, elem_id="rag-main"):
                    _chat(tr, ui, docs)
                    _filters(tr, ui, docs, settings, model)
                    _conversations(tr, ui)
                with gr.Column(scale=4, elem_id="rag-side"):
                    _side(tr, ui)
            with tr(gr.Tab(tr.text("tab_docs"), id="docs"), label="tab_docs"):
                _documents_tab(tr, ui, h, docs, library_uploads)

        h.label_specs = [spec for _, spec in tr.specs]
        h.label_values = {
            "add_docs": {
                "mb": settings.max_upload_mb,
                "chars": settings.max_upload_chars,
                "types": " ".join(SUPPORTED),
            },
            "private_note": {"hours": round(settings.upload_ttl_seconds / 3600, 1)},
            "llm_model": {"model": model},
        }
        ui.corpus_outputs = [
            ui.corpus,
            ui.doc_filter,
            ui.region,
            ui.year_from,
            ui.year_to,
            ui.manage_pick,
            ui.chatbot,
            ui.corpus_cards,
        ]
        _wire_asking(ui, h)
        _wire_sources(ui, h)
        _wire_conversations(ui, h)
        _wire_documents(ui, h)
        ui.language.change(
            h.set_language,
            [ui.language, ui.session, ui.private],
            [
                ui.lang_store,
                *(c for c, _ in tr.specs),
                ui.sources,
                ui.chatbot,
                *ui.corpus_outputs,
                ui.quick,
            ],
            api_visibility="private",
            queue=False,
        )
        app.load(h.load_corpus, [ui.private, ui.language], ui.corpus_outputs, api_name="documents")
        app.load(
            h.restore,
            [ui.store, ui.lang_store, ui.private],
            [
                ui.language,
                ui.chats,
                ui.chatbot,
                ui.sources,
                ui.doc_view,
                ui.cite_pick,
                ui.session,
            ],
            api_visibility="private",
        )
    app.rag_handlers = h  # type: ignore[attr-defined]  # for tests: sessions and exports
    return app


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
        css=CSS,
        # system fonts: the default theme would fetch Google Fonts, which offline users lack
        theme=gr.themes.Default(
            font=["system-ui", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "sans-serif"],
            font_mono=["ui-monospace", "monospace"],
        ),
        quiet=prevent_thread_lock,
    )


def serve(
    settings: Settings, host: str = "127.0.0.1", port: int = 7860, library_uploads: bool = False
) -> None:
    """Open (or first build from the bundled corpus) the index, warm up and serve the app."""
    engine = Engine(settings)
    try:
        engine.warm_up()
    except IndexMissingError:
        corpus = settings.corpus_path
        where = index_location(settings)  # the FAISS folder, or the Milvus store's URI
        print(f"no index at {where}; building it from {corpus}", file=sys.stderr)
        report = build_index([corpus], settings, progress=progress_bar())
        print(
            f"indexed {len(report.documents)} documents, {report.chunks} chunks "
            f"in {report.seconds:.1f} s",
            file=sys.stderr,
        )
        for s in report.skipped:
            print(f"  skipped {s.path}: {s.reason}", file=sys.stderr)
        engine.reload()
        engine.warm_up()
    launch(build_app(engine, library_uploads=library_uploads), settings, host=host, port=port)
