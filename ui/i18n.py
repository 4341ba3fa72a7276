"""Every label and message of the app in Chinese and English (no Gradio), and the errors and
skip reasons that come from `rag`, told in the page's language."""

from __future__ import annotations

import re
from pathlib import Path

from rag import (
    ConfigError,
    IndexBusyError,
    IndexMismatchError,
    IndexMissingError,
    IngestError,
    LLMError,
    LocalModelError,
    MetadataError,
    QuestionError,
    RagError,
    StoreUnreachableError,
)

LANGS = (("中文", "zh"), ("English", "en"))
DEFAULT_LANG = "zh"

# key -> (中文, English); {names} are filled by t(..., name=value)
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("地方政府人工智能政策问答", "AI policy Q&A"),
    "intro": (
        "## 地方政府人工智能政策问答\n回答只来自已索引的政策文件，每句都附有可核对的原文引用。",
        "## Local-government AI policy Q&A\n"
        "Answers come only from the indexed documents, each with a checkable citation.",
    ),
    "howto": (
        "**怎么用**\n\n1. 在下方输入问题，或点一个示例问题。\n"
        "2. 回答里的 [1] 可点击，右侧显示原文出处（文件、文号、日期、行号）。\n"
        "3. 可以追问（如“那……呢？”）；筛选可限定文档、地区和年份。\n"
        "4. 在“文档”页上传自己的文件（默认只在本会话中可见）。",
        "**How to use**\n\n1. Type a question below, or click an example question.\n"
        "2. Click a [1] marker to see its source (file, 文号, date, lines) on the right.\n"
        "3. Ask follow-ups (“and the first phase?”); filters restrict documents, region, years.\n"
        "4. Upload your own files on the Documents tab (private to this session by default).",
    ),
    "tab_ask": ("问答", "Ask"),
    "tab_docs": ("文档", "Documents"),
    "chat": ("对话", "Chat"),
    "question": ("问题", "Question"),
    "placeholder": ("输入问题，按回车提问", "Type a question and press Enter"),
    "ask": ("提问", "Ask"),
    "stop": ("停止", "Stop"),
    "filters": ("筛选与设置", "Filters & settings"),
    "documents": ("文档", "Documents"),
    "documents_info": ("空 = 全部", "empty = all"),
    "region": ("地区", "Region"),
    "year_from": ("起始年份", "From year"),
    "year_to": ("截止年份", "To year"),
    "all": ("全部", "All"),
    "any": ("不限", "Any"),
    "mode": ("回答方式", "Answer mode"),
    "mode_extractive": ("抽取式（离线）", "Extractive (offline)"),
    "no_llm": (
        "未配置 LLM（设置 RAG_LLM_BASE_URL 和 RAG_LLM_MODEL，或 RAG_LLM_BACKEND=llamacpp 和 "
        "RAG_LLM_GGUF）",
        "no LLM configured (set RAG_LLM_BASE_URL and RAG_LLM_MODEL, or RAG_LLM_BACKEND=llamacpp "
        "and RAG_LLM_GGUF)",
    ),
    "k": ("检索段落数 (k)", "Passages (k)"),
    "clear": ("清空对话", "Clear chat"),
    "language": ("语言", "Language"),
    "conversations": ("对话记录", "Conversations"),
    "past_chats": ("过去的对话", "Past chats"),
    "new_chat": ("新对话", "New chat"),
    "open_chat": ("打开", "Open"),
    "rename_chat": ("重命名", "Rename"),
    "delete_chat": ("删除", "Delete"),
    "new_name": ("新名称", "New name"),
    "untitled": ("新对话", "New chat"),
    "export_answer": ("导出回答 (Markdown)", "Export answer (Markdown)"),
    "export_chat": ("导出对话 (Markdown)", "Export conversation (Markdown)"),
    "sources": ("来源", "Sources"),
    "sources_hint": (
        "提问后，这里显示每条引用的原文。",
        "Ask a question; the cited passages appear here.",
    ),
    "searching": ("检索中……", "Searching…"),
    "sources_pending": (
        "回答写完后，这里显示每条引用的原文。",
        "The cited passages appear here when the answer is written.",
    ),
    "citation": ("引用", "Citation"),
    "open": ("打开", "Open"),
    "full_doc": ("全文", "Full document"),
    "doc_hint": (
        "点击来源卡片上的“查看全文”查看整篇文档。",
        "Click “Open full document” on a source card.",
    ),
    "download_raw": ("下载原文件", "Download the raw file"),
    "back_to_chat": ("← 返回对话", "← Back to chat"),
    "doc_gone": ("{source}：文档已不在索引中", "{source}: no longer in the index"),
    "question_label": ("问题", "Question"),
    "read_as": ("按上下文理解为", "Read as"),
    "not_found_head": ("文档中没有找到答案", "Not found in the documents"),
    "filters_active": (
        "当前筛选条件生效：{filters}。只在符合条件的文档中查找；放宽或清除筛选后再试。",
        "Filters are on: {filters}. Only matching documents were searched; "
        "widen or clear the filters and ask again.",
    ),
    "f_documents": ("文档 {n} 个", "{n} document(s)"),
    "f_region": ("地区 {v}", "region {v}"),
    "f_issuer": ("发文单位 {v}", "issuer {v}"),
    "f_years": ("年份 {lo}–{hi}", "years {lo}–{hi}"),
    "searched": ("检索到但不足以回答的段落（{n}）", "Passages searched ({n})"),
    "issuer": ("发文单位", "Issuer"),
    "date": ("日期", "Date"),
    "doc_number": ("文号", "No."),
    "file": ("文件", "File"),
    "location": ("位置", "Location"),
    "page": ("第 {page} 页", "page {page}"),
    "line": ("第 {a} 行", "line {a}"),
    "lines": ("第 {a}–{b} 行", "lines {a}–{b}"),
    "open_doc": ("查看全文", "Open full document"),
    "empty_question": ("问题是空的：请输入一个问题。", "The question is empty: type a question."),
    "too_long": (
        "问题有 {n} 个字符，上限是 {limit}（设置 max_question_chars）。",
        "The question has {n} characters; the limit is {limit} (setting max_question_chars).",
    ),
    "internal_error": (
        "回答时出现内部错误，详见服务器日志。",
        "Internal error while answering; see the server log.",
    ),
    "stopped": ("已停止。", "Stopped."),
    "details": ("详情", "Details"),
    "llm_model": ("LLM：{model}", "LLM: {model}"),
    "writing": ("LLM 正在回答（{model}）……", "The LLM is writing ({model})…"),
    "by_llm": ("由 LLM 生成：{model}", "Written by the LLM: {model}"),
    "llm_unsure": (
        "模型引用不确定，请核对来源，或对照抽取式回答。",
        "The model was unsure of its citations: check the sources or compare with the "
        "extractive answer.",
    ),
    "by_fallback": (
        "LLM 没有给出回答，以下为抽取式回答（原文句子）。",
        "The LLM gave no answer; this is the extractive answer (quoted sentences).",
    ),
    "by_extractive": ("抽取式回答（原文句子）", "Extractive answer (quoted sentences)"),
    "quick_now": ("先看抽取式回答", "Extractive answer now"),
    "quick_compare": ("对照抽取式回答", "Compare with the extractive answer"),
    "more_items": ("另有 {n} 项", "and {n} more"),
    # documents tab
    "indexed_docs": ("已索引文档", "Indexed documents"),
    "col_title": ("标题", "Title"),
    "col_issuer": ("发文单位", "Issuer"),
    "col_date": ("日期", "Date"),
    "col_number": ("文号", "No."),
    "col_region": ("地区", "Region"),
    "col_chunks": ("段落数", "Chunks"),
    "col_size": ("大小", "Size"),
    "col_file": ("文件", "File"),
    "col_scope": ("范围", "Scope"),
    "scope_library": ("共享库", "library"),
    "scope_private": ("仅本会话", "this session"),
    "add_docs": (
        "添加文档（每个 ≤ {mb} MB、≤ {chars} 字；{types}）",
        "Add documents (≤ {mb} MB and {chars} characters each; {types})",
    ),
    "add_btn": ("加入索引", "Add to index"),
    "private_note": (
        "上传的文件只在本浏览器会话中可检索，会话结束或 {hours} 小时后删除。",
        "Uploads are searchable in this browser session only and are removed when it ends "
        "or after {hours} h.",
    ),
    "library_note": (
        "上传的文件加入共享库，所有用户都能检索。",
        "Uploads join the shared library and are searchable by everyone.",
    ),
    "choose_files": ("请先选择文件。", "Choose files first."),
    "up_no_name": ("文件没有名称", "the file has no name"),
    "up_hidden": (
        "不接受以“.”开头的隐藏文件名",
        "hidden file names (starting with '.') are not accepted",
    ),
    "up_type": (
        "不支持的文件类型 {suffix}；支持：{types}",
        "unsupported file type {suffix}; supported: {types}",
    ),
    "up_size": (
        "文件大小 {mb} MB，上限是 {limit} MB（设置 max_upload_mb）",
        "the file is {mb} MB; the limit is {limit} MB (setting max_upload_mb)",
    ),
    "up_chars": (
        "文件有 {n} 个字符，上限是 {limit}（设置 max_upload_chars）",
        "the file has {n} characters of text; the limit is {limit} (setting max_upload_chars)",
    ),
    "up_outside": ("文件名超出了上传目录", "the file name does not stay inside the uploads folder"),
    "up_store": ("无法保存文件：{e}", "cannot store the file: {e}"),
    "no_files": ("没有文件被处理。", "No files processed."),
    "added": ("已加入索引", "added"),
    "already": ("已在索引中", "already indexed"),
    "index_unchanged": ("索引未改变：{e}", "index unchanged: {e}"),
    "indexing": ("正在建立索引：{stage} {done}/{total}", "Indexing: {stage} {done}/{total}"),
    "indexing_wait": (
        "正在建立索引，完成前仍可提问。",
        "Indexing in the background; you can keep asking.",
    ),
    "busy": ("已有索引任务在运行，请稍候。", "An indexing job is already running; please wait."),
    "stage_files": ("读取文件", "reading files"),
    "stage_chunks": ("切分", "chunking"),
    "stage_embedding": ("向量化", "embedding"),
    "manage": ("管理所选文档", "Manage the selected document"),
    "pick_doc": ("文档", "Document"),
    "delete_doc": ("删除", "Delete"),
    "reindex_doc": ("重新索引", "Re-index"),
    "deleted": ("已删除：{name}", "Deleted: {name}"),
    "reindexed": ("已重新索引：{name}", "Re-indexed: {name}"),
    "cannot_change": (
        "{name} 属于共享库，这里只能修改或删除本会话上传的文件；共享库由服务器管理员管理"
        "（rag serve --library-uploads，或 rag index）。",
        "{name} is in the shared library; here you can change or delete only this session's "
        "uploads (the server's owner manages the library: rag serve --library-uploads, or "
        "rag index).",
    ),
    "removed": (
        "已从索引中移除：{name}（文件仍在原处，重新运行 rag index 可再加入）",
        "Removed from the index: {name} (the file stays; rag index adds it back)",
    ),
    "edit_meta": ("修改元数据", "Edit metadata"),
    "meta_title": ("标题", "Title"),
    "meta_issuer": ("发文单位", "Issuer"),
    "meta_date": ("日期（yyyy-mm-dd）", "Date (yyyy-mm-dd)"),
    "meta_number": ("文号", "Document number (文号)"),
    "meta_region": ("地区", "Region"),
    "save_meta": ("保存元数据", "Save metadata"),
    "saved": (
        "已保存元数据：{name}（筛选立即生效）",
        "Metadata saved: {name} (filters use it now)",
    ),
    "no_doc": ("请先选择一个文档。", "Choose a document first."),
    # example questions built from document titles
    "ex_measures": ("《{title}》提出了哪些措施？", "What measures does “{title}” set out?"),
    "ex_number": ("《{title}》的文号是什么？", "What is the document number of “{title}”?"),
    "ex_issuer": ("《{title}》是哪个单位发布的？", "Who issued “{title}”?"),
    "ex_heading": ("{title}中“{heading}”的内容是什么？", "What does “{title}” say on “{heading}”?"),
    "examples": ("示例问题", "Example questions"),
    # errors raised by rag, by class; {location} is where the index lives, {detail} rag's message
    "err_index_missing": (
        "{location} 还没有索引：请先运行 rag index 建立索引。",
        "No index at {location}: run rag index first.",
    ),
    "err_index_busy": (
        "索引 {location} 正被另一个进程写入或占用：请等它完成后再试。",
        "The index at {location} is being written or held by another process: "
        "try again when it has finished.",
    ),
    "err_index_mismatch": (
        "索引 {location} 与当前版本或设置不符，需要重建（rag index --rebuild）：{detail}",
        "The index at {location} does not fit this version or the settings; rebuild it "
        "(rag index --rebuild): {detail}",
    ),
    "err_store_unreachable": (
        "无法连接 Milvus 存储 {location}：请启动它，或修正设置 store（RAG_STORE）和 "
        "milvus_token（RAG_MILVUS_TOKEN）。",
        "Cannot reach the Milvus store at {location}: start it, or fix the settings store "
        "(RAG_STORE) and milvus_token (RAG_MILVUS_TOKEN).",
    ),
    "err_config": ("设置有误：{detail}", "Settings error: {detail}"),
    "err_metadata": ("元数据有误：{detail}", "Metadata error: {detail}"),
    "err_local_model": ("本地模型无法加载：{detail}", "The local model cannot load: {detail}"),
    "err_llm": ("LLM 出错：{detail}", "LLM error: {detail}"),
    "err_question": ("问题无法提问：{detail}", "The question cannot be asked: {detail}"),
    "err_ingest": ("{name}：{reason}", "{name}: {reason}"),
    # why rag skipped a file (IndexReport.skipped, IngestError.reason)
    "rs_binary": (
        "二进制内容，不是文本（看起来是{kind}）",
        "binary content, not text (looks like {kind})",
    ),
    "rs_encoding": (
        "无法判断文字编码：请另存为 UTF-8",
        "cannot determine the encoding: save as UTF-8",
    ),
    "rs_empty": ("空文件", "empty file"),
    "rs_html_empty": ("网页没有可见文字", "HTML page has no visible text"),
    "rs_pdf_encrypted": ("PDF 已加密", "encrypted PDF"),
    "rs_pdf_scanned": (
        "PDF 没有文字层（扫描件？）：请先做 OCR 文字识别",
        "PDF has no text layer (scanned?); OCR it first",
    ),
    "rs_pdf_corrupt": ("PDF 损坏或不完整：{detail}", "corrupt or truncated PDF: {detail}"),
    "rs_doc_legacy": (
        "这是旧版 .doc 文件：请另存为 .docx",
        "this is a legacy .doc file; save it as .docx",
    ),
    "rs_docx_corrupt": ("DOCX 文件损坏：{detail}", "corrupt DOCX: {detail}"),
    "rs_docx_empty": ("DOCX 中没有文字", "DOCX has no text"),
    "rs_type": (
        "不支持的文件类型 {suffix}；支持：{types}",
        "unsupported file type {suffix}; supported: {types}",
    ),
    "rs_unreadable": ("无法读取：{detail}", "cannot read: {detail}"),
    "rs_chrome": (
        "去掉页眉、导航等页面框架后没有剩下文字",
        "no text left after removing page chrome",
    ),
    "rs_no_path": ("文件或文件夹不存在：请检查路径", "no such file or folder: check the path"),
    "rs_duplicate": (
        "内容与一个已索引的文件相同",
        "same content as a file already indexed",
    ),
    "rs_link_loop": ("符号链接循环", "symbolic link loop"),
    "rs_broken_link": (
        "符号链接已失效（目标不存在）",
        "broken symbolic link (its target does not exist)",
    ),
    "rs_not_file": ("不是普通文件", "not a regular file"),
    "md_date": (
        "日期 {value} 不是日期：请写成 yyyy-mm-dd、yyyy-mm 或 yyyy",
        "date {value} is not a date: write it as yyyy-mm-dd, yyyy-mm or yyyy",
    ),
    "md_no_doc": (
        "索引 {location} 中没有文档 {doc}：请选择列表中的文档",
        "no document {doc} in the index at {location}: pick a listed one",
    ),
    "rs_replaced": (
        "{reason}；它的旧版本已从索引中移除",
        "{reason}; its earlier version was removed from the index",
    ),
}

# What a binary file looks like (rag.ingest names the kind in English).
KINDS_ZH = {
    "a PDF document": "PDF 文档",
    "a ZIP archive or Office document": "ZIP 压缩包或 Office 文档",
    "an empty ZIP archive": "空的 ZIP 压缩包",
    "a PNG image": "PNG 图片",
    "a JPEG image": "JPEG 图片",
    "a GIF image": "GIF 图片",
    "a TIFF image": "TIFF 图片",
    "a WebP image": "WebP 图片",
    "an ELF executable": "ELF 可执行文件",
    "a Windows executable": "Windows 可执行文件",
    "a legacy Office (.doc/.xls) file": "旧版 Office（.doc/.xls）文件",
    "a gzip archive": "gzip 压缩包",
    "a 7-Zip archive": "7-Zip 压缩包",
    "a RAR archive": "RAR 压缩包",
    "an SQLite database": "SQLite 数据库",
    "an RTF document": "RTF 文档",
    "binary data (contains NUL bytes)": "二进制数据（含 NUL 字节）",
    "binary data (many control characters)": "二进制数据（大量控制字符）",
}

# rag reports a skipped file's reason as English text only (no code), so the reason families
# are told apart by their fixed wording; the named parts are carried over unchanged.
REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.S), key)
    for pattern, key in (
        (r"binary content, not text \(looks like (?P<kind>.+)\)", "rs_binary"),
        (r"cannot determine the encoding\b.*", "rs_encoding"),
        (r"empty file", "rs_empty"),
        (r"HTML page has no visible text", "rs_html_empty"),
        (r"encrypted PDF", "rs_pdf_encrypted"),
        (r"PDF has no text layer\b.*", "rs_pdf_scanned"),
        (r"corrupt or truncated PDF: (?P<detail>.+)", "rs_pdf_corrupt"),
        (r"corrupt DOCX: this is a legacy \.doc file\b.*", "rs_doc_legacy"),
        (r"corrupt DOCX: (?P<detail>.+)", "rs_docx_corrupt"),
        (r"DOCX has no text", "rs_docx_empty"),
        (
            r"unsupported file type '?(?P<suffix>[^';]*)'?; supported: (?P<types>.+)",
            "rs_type",
        ),
        (r"cannot read: (?P<detail>.+)", "rs_unreadable"),
        (r"no text left after removing page chrome", "rs_chrome"),
        (r"no such file or (?:folder|directory)\b.*", "rs_no_path"),
        (r"same content as a file already indexed", "rs_duplicate"),
        (r"symbolic link loop", "rs_link_loop"),
        (r"broken symbolic link\b.*", "rs_broken_link"),
        (r"not a regular file", "rs_not_file"),
    )
)
_REPLACED = "; its earlier version was removed from the index"

# The detail of a MetadataError, told apart the same way (rag.indexing writes it).
DETAILS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.S), key)
    for pattern, key in (
        (r"date (?P<value>.+) is not a date: .*", "md_date"),
        (r"no document (?P<doc>.+) in the index at .+: pick a listed one", "md_no_doc"),
    )
)

# Most specific class first: LocalModelError is an LLMError.
ERROR_KEYS: tuple[tuple[type[RagError], str], ...] = (
    (IndexMissingError, "err_index_missing"),
    (IndexBusyError, "err_index_busy"),
    (IndexMismatchError, "err_index_mismatch"),
    (StoreUnreachableError, "err_store_unreachable"),
    (ConfigError, "err_config"),
    (MetadataError, "err_metadata"),
    (LocalModelError, "err_local_model"),
    (LLMError, "err_llm"),
    (QuestionError, "err_question"),
)


def t(lang: str, key: str, **values: object) -> str:
    """The text for key in lang ("zh" | "en"), with {names} filled in."""
    zh, en = TEXTS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def told_reason(lang: str, reason: str) -> str:
    """Why rag skipped a file, in lang; a reason of an unknown family stays as rag wrote it."""
    if reason.endswith(_REPLACED):
        return t(lang, "rs_replaced", reason=told_reason(lang, reason[: -len(_REPLACED)]))
    for pattern, key in REASONS:
        match = pattern.fullmatch(reason)
        if match:
            values = {k: v for k, v in match.groupdict().items() if v is not None}
            if key == "rs_binary" and lang != "en":
                values["kind"] = KINDS_ZH.get(values["kind"], values["kind"])
            if key == "rs_type" and lang != "en" and values["suffix"] in ("", "(no extension)"):
                values["suffix"] = "（无扩展名）"
            return t(lang, key, **values)
    return reason


def told_error(lang: str, error: RagError, location: str) -> str:
    """A RagError from rag in lang, by its class; location is where the index lives
    (rag.index_location). An error of another class keeps its own message."""
    if isinstance(error, IngestError):
        return t(
            lang, "err_ingest", name=Path(error.path).name, reason=told_reason(lang, error.reason)
        )
    detail = str(error)
    if isinstance(error, MetadataError):
        for pattern, key in DETAILS:
            match = pattern.fullmatch(detail)
            if match:
                return t(
                    lang,
                    "err_metadata",
                    detail=t(lang, key, location=location, **match.groupdict()),
                )
    for cls, key in ERROR_KEYS:
        if isinstance(error, cls):
            return t(lang, key, location=location, detail=detail)
    return str(error)
