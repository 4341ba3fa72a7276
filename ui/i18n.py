"""Every label and message of the app in Chinese and English (data only, no Gradio)."""

from __future__ import annotations

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
}


def t(lang: str, key: str, **values: object) -> str:
    """The text for key in lang ("zh" | "en"), with {names} filled in."""
    zh, en = TEXTS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text
