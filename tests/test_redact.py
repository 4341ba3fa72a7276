"""rag.redact: credentials, secret parameters, key shapes and named secrets never reach users."""

from __future__ import annotations

import logging

import httpx
import pytest

from rag.config import Settings
from rag.redact import install_log_redaction, redact, redact_url, settings_secrets, url_secrets


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "cannot reach http://alice:s3cr3t@llm.example.org:8080/v1 (refused)",
            "cannot reach http://***@llm.example.org:8080/v1 (refused)",
        ),
        ("https://ghp_tokenonly@git.example.org/x", "https://***@git.example.org/x"),
        (
            "GET https://h.example/v1/chat?api-key=AbC123&model=qwen&sig=x%2Fy#f",
            "GET https://h.example/v1/chat?api-key=***&model=qwen&sig=***#f",
        ),
        (
            "url /v1?access_token=t0k&Password=hunter2&token=zz&API_KEY=k9",
            "url /v1?access_token=***&Password=***&token=***&API_KEY=***",
        ),
        ("Authorization: Bearer abcdefgh12345678", "Authorization: Bearer ***"),
        ('{"authorization": "Basic YWxpY2U6czNjcjN0"}', '{"authorization": "***"}'),
        ("api-key: 0123456789abcdef sent", "api-key: *** sent"),
        ('{"api_key": "0123456789", "model": "qwen"}', '{"api_key": "***", "model": "qwen"}'),
        ("the key sk-proj-Ab12Cd34Ef56 was wrong", "the key sk-*** was wrong"),
        # ordinary text is left alone
        ("monkey=banana; the key point is 300亿", "monkey=banana; the key point is 300亿"),
        ("sk-1 is a model name", "sk-1 is a model name"),
    ],
)
def test_redact_shapes(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redact_named_secrets_in_plain_and_url_encoded_form() -> None:
    key = "my key/with+signs"
    text = f"sent {key} and {key.replace(' ', '%20').replace('/', '%2F').replace('+', '%2B')}"
    assert redact(text, [key]) == "sent *** and ***"
    assert redact("x abc y", ["abc"]) == "x abc y"  # too short to be told from ordinary words


def test_url_secrets_and_redact_url() -> None:
    url = "http://alice:pa%2455@h.example:8000/v1?api-key=Q%2FK&model=m"
    assert url_secrets(url) == ("alice", "pa$55", "Q/K")
    assert redact_url(url) == "http://***@h.example:8000/v1?api-key=***&model=m"
    assert redact_url("http://127.0.0.1:8080/v1") == "http://127.0.0.1:8080/v1"


def test_settings_secrets_and_repr() -> None:
    settings = Settings(llm_base_url="http://bob:pw1234@h/v1", llm_api_key="key-0123456789")
    assert settings_secrets(settings) == ("key-0123456789", "bob", "pw1234")
    assert "pw1234" not in repr(settings) and "key-0123456789" not in repr(settings)


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    previous = logging.getLogRecordFactory()
    try:
        install_log_redaction(["key-0123456789"])
        install_log_redaction(["key-0123456789"])  # installing twice does not stack factories
        url = httpx.URL("http://bob:pw1234@h/v1/chat")  # an object whose text holds the secret
        with caplog.at_level(logging.INFO):
            log = logging.getLogger("httpx")
            log.info('HTTP Request: POST %s "%s %d"', url, "key-0123456789", 200)
            log.info("%(client)s %(status)d", {"client": "sk-abcdefgh12345", "status": 401})
        assert caplog.messages == [
            'HTTP Request: POST http://***@h/v1/chat "*** 200"',
            "sk-*** 401",
        ]
        assert caplog.records[0].args == ("http://***@h/v1/chat", "***", 200)  # types kept
        try:
            raise RuntimeError("401 for http://bob:pw1234@h/v1 with key-0123456789")
        except RuntimeError:
            logging.getLogger("rag").exception("LLM call failed")
        assert "pw1234" not in caplog.text and "key-0123456789" not in caplog.text
        assert "RuntimeError: 401 for http://***@h/v1 with ***" in caplog.text
    finally:
        logging.setLogRecordFactory(previous)
