"""Conversations kept in the browser (gr.BrowserState): plain JSON, no Gradio objects.

The stored value is {"current": chat id, "chats": {id: {"title", "updated", "messages",
"answers"}}}; answers are kept without their retrieved passages, which the sources pane does
not need once the citations hold the quotes.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from typing import Any

from rag import Answer, Citation

MAX_CHATS = 30  # the browser's storage is small (about 5 MB per site)
TITLE_CHARS = 40


def new_id() -> str:
    """A fresh conversation id."""
    return uuid.uuid4().hex[:12]


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """An Answer as JSON-ready data, without its retrieved passages."""
    data = dataclasses.asdict(dataclasses.replace(answer, contexts=()))
    data.pop("contexts", None)
    # a {"path": ...} object reads as a file to Gradio's clients, which would try to fetch it
    data["citations"] = [
        {("file_path" if k == "path" else k): v for k, v in c.items()} for c in data["citations"]
    ]
    return data


def answer_from_json(data: dict[str, Any]) -> Answer:
    """The Answer stored by answer_to_json (unknown keys from other versions are ignored)."""
    names = {f.name for f in dataclasses.fields(Answer)}
    values = {k: v for k, v in data.items() if k in names}
    cit_names = {f.name for f in dataclasses.fields(Citation)}
    values["citations"] = tuple(
        Citation(
            **{
                name: v
                for k, v in c.items()
                if (name := "path" if k == "file_path" else k) in cit_names
            }
        )
        for c in data.get("citations", [])
    )
    values["contexts"] = ()
    values["reasons"] = tuple(values.get("reasons", ()))
    return Answer(**values)


def empty_store() -> dict[str, Any]:
    """The value of a browser that has no conversations yet."""
    return {"current": None, "chats": {}}


def valid_store(store: Any) -> dict[str, Any]:
    """The stored value, or an empty one when it is missing or from an unknown shape."""
    if isinstance(store, dict) and isinstance(store.get("chats"), dict):
        return store
    return empty_store()


def save_chat(
    store: Any,
    chat_id: str,
    messages: list[Any],
    answers: list[Answer],
    turns: dict[int, int],
    untitled: str,
) -> dict[str, Any]:
    """The store with one conversation written (title from its first question); oldest dropped."""
    store = valid_store(store)
    chats = dict(store["chats"])
    old = chats.get(chat_id, {})
    title = old.get("title") or (answers[0].question[:TITLE_CHARS] if answers else untitled)
    chats[chat_id] = {
        "title": title,
        "updated": time.time(),
        "messages": messages,
        "answers": [answer_to_json(a) for a in answers],
        "turns": {str(k): v for k, v in turns.items()},  # chat message index -> answer index
    }
    keep = sorted(chats, key=lambda c: chats[c].get("updated", 0), reverse=True)[:MAX_CHATS]
    return {"current": chat_id, "chats": {c: chats[c] for c in keep}}


def rename_chat(store: Any, chat_id: str, title: str) -> dict[str, Any]:
    """The store with one conversation renamed."""
    store = valid_store(store)
    if chat_id in store["chats"] and title.strip():
        chats = dict(store["chats"])
        chats[chat_id] = {**chats[chat_id], "title": title.strip()[: TITLE_CHARS * 2]}
        return {**store, "chats": chats}
    return store


def delete_chat(store: Any, chat_id: str) -> dict[str, Any]:
    """The store without one conversation."""
    store = valid_store(store)
    chats = {c: v for c, v in store["chats"].items() if c != chat_id}
    current = store.get("current") if store.get("current") != chat_id else None
    return {"current": current, "chats": chats}


def chat_choices(store: Any) -> list[tuple[str, str]]:
    """(title, id) of each stored conversation, the most recent first."""
    chats = valid_store(store)["chats"]
    ordered = sorted(chats, key=lambda c: chats[c].get("updated", 0), reverse=True)
    return [(str(chats[c].get("title") or c), c) for c in ordered]


def load_chat(
    store: Any, chat_id: str | None
) -> tuple[list[Any], list[Answer], dict[int, int]] | None:
    """Messages, answers and message->answer map of a stored conversation (None: not there)."""
    chat = valid_store(store)["chats"].get(chat_id or "")
    if not chat:
        return None
    try:
        answers = [answer_from_json(a) for a in chat.get("answers", [])]
        turns = {int(k): int(v) for k, v in chat.get("turns", {}).items()}
    except (TypeError, ValueError):
        answers, turns = [], {}
    turns = {k: v for k, v in turns.items() if 0 <= v < len(answers)}
    return list(chat.get("messages", [])), answers, turns
