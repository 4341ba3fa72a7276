"""Gradio app layout: chat with streamed, cited answers; sources pane; filters; documents.

The event handlers live in ui/handlers.py, the styles in ui/assets/app.css and the browser-side
behaviour (citation links, copy as plain text, phone sheet) in ui/assets/sources.js.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import gradio as gr

from rag import Engine, IndexMissingError, Settings, build_index
from rag.ingest import SUPPORTED
from rag.progress import progress_bar
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
from ui.render import example_questions, placeholder_html

__all__ = ["build_app", "build_filters", "launch", "serve"]

ASSETS = Path(__file__).resolve().parent / "assets"
CSS = (ASSETS / "app.css").read_text(encoding="utf-8")
SOURCES_JS = (ASSETS / "sources.js").read_text(encoding="utf-8")
ASK_CONCURRENCY = 4

# Brings the selected quote of a newly opened document into view.
DOC_JS = """
watch('value', () => {
  const m = element.querySelector('mark.selected');
  if (m) m.scrollIntoView({behavior: 'smooth', block: 'center'});
});
"""
# Runs in the browser on submit, before the question goes to the server: empties the box at once,
# so what the user types while the answer streams is never overwritten by a server update.
TAKE_QUESTION_JS = """(...inputs) => {
  const box = document.querySelector('#rag-question textarea');
  if (box) { box.value = ''; box.dispatchEvent(new Event('input', {bubbles: true})); }
  return inputs;
}"""
BACK_JS = "() => { document.querySelector('#rag-side')?.classList.remove('sheet-open'); }"


def build_app(engine: Engine, *, library_uploads: bool = False) -> gr.Blocks:
    """The chat app over one Engine; all retrieval goes through the engine."""
    settings = engine.settings
    h = Handlers(engine, library_uploads=library_uploads)
    lang = DEFAULT_LANG
    docs = h.documents()
    labelled: list[tuple[Any, dict[str, str]]] = []

    def tr(component: Any, **spec: str) -> Any:
        labelled.append((component, spec))
        return component

    with gr.Blocks(title=t(lang, "title"), analytics_enabled=False) as app:
        session = gr.State(Session())
        private = gr.State(
            None, time_to_live=settings.upload_ttl_seconds, delete_callback=close_private
        )
        store = gr.BrowserState(None, storage_key="rag-conversations")
        lang_store = gr.BrowserState(DEFAULT_LANG, storage_key="rag-language")
        pending = gr.Textbox(visible=False, elem_id="rag-pending")
        with gr.Row(elem_id="rag-top"):
            tr(gr.Markdown(t(lang, "intro"), elem_id="rag-intro"), value="intro")
            language = gr.Radio(
                LANGS,
                value=lang,
                show_label=False,
                elem_id="rag-lang",
                scale=0,
                min_width=200,
                container=False,
            )
        with gr.Tabs():
            with (
                tr(gr.Tab(t(lang, "tab_ask"), id="ask"), label="tab_ask"),
                gr.Row(equal_height=False),
            ):
                with gr.Column(scale=5, elem_id="rag-main"):
                    chatbot = gr.Chatbot(
                        label=t(lang, "chat"),
                        height=520,
                        elem_id="rag-chat",
                        buttons=["copy"],
                        feedback_options=None,
                        sanitize_html=True,
                        placeholder=t(lang, "howto"),
                        examples=[{"text": q} for q in example_questions(docs, lang)] or None,
                    )
                    with gr.Row(elem_id="rag-ask-row"):
                        question = tr(
                            gr.Textbox(
                                label=t(lang, "question"),
                                placeholder=t(lang, "placeholder"),
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
                        send = tr(
                            gr.Button(
                                t(lang, "ask"),
                                variant="primary",
                                scale=1,
                                elem_id="rag-send",
                                min_width=70,
                            ),
                            value="ask",
                        )
                        stop = tr(
                            gr.Button(
                                t(lang, "stop"),
                                variant="stop",
                                scale=1,
                                visible=False,
                                elem_id="rag-stop",
                                min_width=70,
                            ),
                            value="stop",
                        )
                    with gr.Row(elem_id="rag-chat-tools"):
                        clear_btn = tr(
                            gr.Button(
                                t(lang, "clear"),
                                size="sm",
                                variant="secondary",
                                elem_id="rag-clear",
                            ),
                            value="clear",
                        )
                        answer_dl = tr(
                            gr.DownloadButton(
                                t(lang, "export_answer"),
                                size="sm",
                                visible=False,
                                elem_id="rag-export-answer",
                            ),
                            label="export_answer",
                        )
                        chat_dl = tr(
                            gr.DownloadButton(
                                t(lang, "export_chat"),
                                size="sm",
                                visible=False,
                                elem_id="rag-export-chat",
                            ),
                            label="export_chat",
                        )
                    with tr(
                        gr.Accordion(t(lang, "filters"), open=False, elem_id="rag-filters"),
                        label="filters",
                    ):
                        with gr.Row():
                            doc_filter = tr(
                                gr.Dropdown(
                                    choices=doc_choices(docs),
                                    value=[],
                                    multiselect=True,
                                    label=t(lang, "documents"),
                                    info=t(lang, "documents_info"),
                                ),
                                label="documents",
                                info="documents_info",
                            )
                            region = tr(
                                gr.Dropdown(
                                    choices=region_choices(docs, lang),
                                    value=ANY,
                                    label=t(lang, "region"),
                                    elem_id="rag-region",
                                ),
                                label="region",
                            )
                        with gr.Row():
                            year_from = tr(
                                gr.Dropdown(
                                    choices=year_choices(docs, lang),
                                    value=ANY,
                                    label=t(lang, "year_from"),
                                    elem_id="rag-year-from",
                                ),
                                label="year_from",
                            )
                            year_to = tr(
                                gr.Dropdown(
                                    choices=year_choices(docs, lang),
                                    value=ANY,
                                    label=t(lang, "year_to"),
                                    elem_id="rag-year-to",
                                ),
                                label="year_to",
                            )
                        with gr.Row():
                            llm = settings.llm_configured
                            mode = tr(
                                gr.Radio(
                                    choices=mode_choices(lang),
                                    value=settings.answer_mode if llm else "extractive",
                                    label=t(lang, "mode"),
                                    interactive=llm,
                                    info=None if llm else t(lang, "no_llm"),
                                ),
                                label="mode",
                                choices="mode_extractive",  # the modes, named anew
                                **({} if llm else {"info": "no_llm"}),
                            )
                            k = tr(
                                gr.Slider(
                                    1,
                                    10,
                                    value=min(max(settings.k, 1), 10),
                                    step=1,
                                    label=t(lang, "k"),
                                ),
                                label="k",
                            )
                    with tr(
                        gr.Accordion(
                            t(lang, "conversations"), open=False, elem_id="rag-conversations"
                        ),
                        label="conversations",
                    ):
                        chats = tr(
                            gr.Dropdown(
                                choices=[],
                                value=None,
                                label=t(lang, "past_chats"),
                                elem_id="rag-chats",
                            ),
                            label="past_chats",
                        )
                        with gr.Row():
                            new_btn = tr(
                                gr.Button(t(lang, "new_chat"), size="sm", elem_id="rag-new-chat"),
                                value="new_chat",
                            )
                            open_chat_btn = tr(
                                gr.Button(t(lang, "open_chat"), size="sm", elem_id="rag-open-chat"),
                                value="open_chat",
                            )
                            delete_chat_btn = tr(
                                gr.Button(
                                    t(lang, "delete_chat"), size="sm", elem_id="rag-delete-chat"
                                ),
                                value="delete_chat",
                            )
                        with gr.Row():
                            new_name = tr(
                                gr.Textbox(
                                    label=t(lang, "new_name"), scale=3, elem_id="rag-chat-name"
                                ),
                                label="new_name",
                            )
                            rename_btn = tr(
                                gr.Button(
                                    t(lang, "rename_chat"),
                                    size="sm",
                                    scale=1,
                                    elem_id="rag-rename-chat",
                                ),
                                value="rename_chat",
                            )
                with gr.Column(scale=4, elem_id="rag-side"):
                    back = tr(
                        gr.Button(t(lang, "back_to_chat"), size="sm", elem_id="rag-back"),
                        value="back_to_chat",
                    )
                    sources = tr(
                        gr.HTML(
                            placeholder_html(t(lang, "sources_hint")),
                            label=t(lang, "sources"),
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
                        cite_pick = tr(
                            gr.Dropdown(choices=[], value=None, label=t(lang, "citation"), scale=3),
                            label="citation",
                        )
                        open_btn = tr(
                            gr.Button(t(lang, "open"), scale=1, size="sm", min_width=80),
                            value="open",
                        )
                    doc_view = tr(
                        gr.HTML(
                            placeholder_html(t(lang, "doc_hint")),
                            label=t(lang, "full_doc"),
                            show_label=True,
                            elem_id="rag-doc",
                            js_on_load=DOC_JS,
                            max_height=520,
                            container=True,
                            padding=True,
                        ),
                        label="full_doc",
                    )
                    raw_dl = tr(
                        gr.DownloadButton(
                            t(lang, "download_raw"), size="sm", visible=False, elem_id="rag-raw"
                        ),
                        label="download_raw",
                    )
            with tr(gr.Tab(t(lang, "tab_docs"), id="docs"), label="tab_docs"):
                corpus = gr.Dataframe(
                    value=h.table(None, lang),
                    interactive=False,
                    wrap=True,
                    elem_id="rag-corpus",
                )
                with gr.Row():
                    manage_pick = tr(
                        gr.Dropdown(
                            choices=doc_choices(docs),
                            value=None,
                            label=t(lang, "pick_doc"),
                            scale=4,
                            elem_id="rag-manage",
                        ),
                        label="pick_doc",
                    )
                    delete_btn = tr(
                        gr.Button(
                            t(lang, "delete_doc"),
                            size="sm",
                            scale=1,
                            variant="stop",
                            elem_id="rag-delete-doc",
                        ),
                        value="delete_doc",
                    )
                    reindex_btn = tr(
                        gr.Button(
                            t(lang, "reindex_doc"), size="sm", scale=1, elem_id="rag-reindex-doc"
                        ),
                        value="reindex_doc",
                    )
                manage_status = gr.Markdown(elem_id="rag-manage-status")
                upload = tr(
                    gr.File(
                        file_count="multiple",
                        file_types=list(SUPPORTED),
                        label=t(
                            lang,
                            "add_docs",
                            mb=settings.max_upload_mb,
                            chars=settings.max_upload_chars,
                            types=" ".join(SUPPORTED),
                        ),
                        elem_id="rag-upload",
                    ),
                    label="add_docs",
                )
                tr(
                    gr.Markdown(
                        t(lang, "library_note")
                        if library_uploads
                        else t(
                            lang, "private_note", hours=round(settings.upload_ttl_seconds / 3600, 1)
                        )
                    ),
                    value="library_note" if library_uploads else "private_note",
                )
                add_btn = tr(
                    gr.Button(t(lang, "add_btn"), variant="primary", elem_id="rag-add"),
                    value="add_btn",
                )
                upload_status = gr.Markdown(elem_id="rag-upload-status")

        h.label_specs = [spec for _, spec in labelled]
        h.label_values = {
            "add_docs": {
                "mb": settings.max_upload_mb,
                "chars": settings.max_upload_chars,
                "types": " ".join(SUPPORTED),
            },
            "private_note": {"hours": round(settings.upload_ttl_seconds / 3600, 1)},
        }
        corpus_outputs = [corpus, doc_filter, region, year_from, year_to, manage_pick, chatbot]
        ask_inputs = [
            question,
            chatbot,
            doc_filter,
            region,
            year_from,
            year_to,
            mode,
            k,
            language,
            session,
            private,
            store,
        ]
        ask_outputs = [
            chatbot,
            sources,
            doc_view,
            cite_pick,
            send,
            stop,
            answer_dl,
            chat_dl,
            session,
            store,
            chats,
        ]

        asked = gr.on(
            [question.submit, send.click],
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
        picked = chatbot.example_select(h.pick_example, None, [pending], api_visibility="private")
        asked_example = picked.then(
            h.ask,
            [pending, *ask_inputs[1:]],
            ask_outputs,
            concurrency_id="ask",
            api_visibility="private",
        )
        stop.click(
            h.stop,
            [language],
            [send, stop],
            cancels=[asked, asked_example],
            api_visibility="private",
        )
        chatbot.select(
            h.show_message_sources,
            inputs=[session, language, private],
            outputs=[sources, doc_view, session, cite_pick, answer_dl],
            api_visibility="private",
        )
        open_btn.click(
            h.open_document,
            [cite_pick, session, language, private],
            [doc_view, raw_dl],
            api_name="open_document",
        )
        sources.click(
            h.open_from_card,
            [session, language, private],
            [doc_view, raw_dl, cite_pick],
            api_visibility="private",
        )
        back.click(None, js=BACK_JS)
        cleared = [chatbot, sources, doc_view, cite_pick, answer_dl, chat_dl, raw_dl, session]
        clear_btn.click(h.clear, [language], cleared, api_name="clear")
        # the chat's own trash icon empties the bubbles; the conversation must go with them
        chatbot.clear(h.clear, [language], cleared, api_visibility="private")
        new_btn.click(
            h.new_chat, [store, language], [store, chats, *cleared], api_visibility="private"
        )
        opened = [chatbot, sources, doc_view, cite_pick, session]
        open_chat_btn.click(
            h.open_chat,
            [chats, store, language, private],
            [store, *opened],
            api_visibility="private",
        )
        rename_btn.click(
            h.rename_chat,
            [chats, new_name, store],
            [store, chats, new_name],
            api_visibility="private",
        )
        delete_chat_btn.click(
            h.delete_chat,
            [chats, store, language],
            [store, chats, *cleared],
            api_visibility="private",
        )
        add_btn.click(
            h.add_documents,
            inputs=[upload, session, private, language],
            outputs=[upload_status, upload, *corpus_outputs, session, private],
            api_name="add_documents",
            concurrency_limit=2,
            concurrency_id="upload",
        )
        delete_btn.click(
            h.delete_document,
            [manage_pick, private, language],
            [manage_status, *corpus_outputs],
            api_visibility="private",
            concurrency_limit=1,
            concurrency_id="index",
        )
        reindex_btn.click(
            h.reindex_document,
            [manage_pick, private, language],
            [manage_status, *corpus_outputs],
            api_visibility="private",
            concurrency_limit=1,
            concurrency_id="index",
        )
        language.change(
            h.set_language,
            [language, session, private],
            [lang_store, *(c for c, _ in labelled), sources, chatbot, *corpus_outputs],
            api_visibility="private",
            queue=False,
        )
        app.load(h.load_corpus, [private, language], corpus_outputs, api_name="documents")
        app.load(
            h.restore,
            [store, lang_store, private],
            [language, chats, chatbot, sources, doc_view, cite_pick, session],
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
        print(f"no index at {settings.index_dir}; building it from {corpus}", file=sys.stderr)
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
