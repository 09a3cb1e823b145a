"""The date tools, http_get and ask_user."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentkit.config import Settings
from agentkit.plugins import load_file, tools_in
from agentkit.registry import Toolset
from agentkit.resources import tools_dir
from agentkit.tool import Observation, ToolContext

TOOLS = Toolset(
    tool
    for name in ("datetime_tools.py", "http_get.py", "ask_user.py")
    for tool in tools_in(load_file(tools_dir() / name))
)


def call(name: str, interactive: bool = False, **args: Any) -> Observation:
    settings = Settings(
        workspace=Path.cwd(), http_allowlist=["127.0.0.1", "*.invalid"], tool_timeout=5
    )
    return TOOLS.call(name, args, ToolContext.create(settings, interactive=interactive))


@pytest.mark.parametrize(
    ("tool", "args", "answer"),
    [
        ("weekday", {"date": "2024-03-05"}, "Tuesday"),
        ("add_days", {"date": "2024-02-28", "days": 2}, "2024-03-01"),
        ("add_days", {"date": "2024-03-01T10:00", "days": -1}, "2024-02-29"),
        ("days_between", {"start": "2024-01-01", "end": "2024-12-25"}, "359"),
        ("days_between", {"start": "2024-03-01", "end": "2024-01-01"}, "-60"),
    ],
)
def test_date_tools(tool: str, args: dict[str, Any], answer: str) -> None:
    assert call(tool, **args).text == answer


def test_today_and_the_word_today() -> None:
    now = call("today").text
    assert now.startswith(dt.date.today().isoformat()) and now.endswith(f"({dt.date.today():%A})")
    assert call("weekday", date="today").text == f"{dt.date.today():%A}"
    assert call("days_between", start="today", end="Today").text == "0"


@pytest.mark.parametrize(
    ("tool", "args", "fragment"),
    [
        ("weekday", {"date": "next tuesday"}, "not a date"),
        ("add_days", {"date": "9999-12-31", "days": 5}, "out of range"),
        ("weekday", {"date": ""}, "invalid arguments"),
        ("add_days", {"date": "2024-01-01", "days": 10**9}, "invalid arguments"),
        ("add_days", {"date": "2024-01-01"}, "invalid arguments"),
        ("days_between", {"start": "2024-01-01", "end": "soon"}, "end 'soon' is not a date"),
    ],
)
def test_date_tools_bad_input(tool: str, args: dict[str, Any], fragment: str) -> None:
    obs = call(tool, **args)
    assert not obs.ok and fragment in obs.text


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://evil.example/steal")
            self.end_headers()
            return
        if self.path == "/missing":
            self.send_error(404)
            return
        body = (
            b"<html><head><title>t</title><script>x()</script></head>"
            b"<body><p>Hello &amp; welcome</p></body></html>"
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_http_get_allowlisted_host_returns_text(server: str) -> None:
    obs = call("http_get", url=f"{server}/page")
    assert obs.ok and obs.text == "Hello & welcome"


def test_http_get_refuses_redirect_off_the_allowlist(server: str) -> None:
    obs = call("http_get", url=f"{server}/redirect")
    assert not obs.ok and "evil.example" in obs.text and "allowlist" in obs.text


def test_http_get_http_error(server: str) -> None:
    assert "HTTP 404" in call("http_get", url=f"{server}/missing").text


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/",
        "http://example.com@evil.example/",  # userinfo trick: the host is evil.example
        "http://127.0.0.1.evil.example/",
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "not a url",
    ],
)
def test_http_get_refuses_hosts_and_schemes_not_allowed(url: str) -> None:
    obs = call("http_get", url=url)
    assert not obs.ok and obs.error == "exception"
    assert "allowlist" in obs.text or "not an http(s) URL" in obs.text


def test_http_get_without_network_is_a_clear_error() -> None:
    obs = call("http_get", url="http://agentkit-test.invalid/")  # .invalid never resolves
    assert not obs.ok and "cannot reach agentkit-test.invalid" in obs.text


def test_ask_user_non_interactive_is_an_error_observation() -> None:
    obs = call("ask_user", question="Which file?")
    assert not obs.ok and obs.error == "exception" and "non-interactive" in obs.text


def test_ask_user_interactive_reads_the_answer(
    monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("notes.txt\n"))
    obs = call("ask_user", interactive=True, question="Which file?")
    assert obs.ok and obs.text == "notes.txt"
    assert "Which file?" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert "closed" in call("ask_user", interactive=True, question="Again?").text
