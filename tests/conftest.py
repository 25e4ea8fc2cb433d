"""Shared fixtures. Keep additions small: several test files rely on these."""

from __future__ import annotations

import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from store import Library


# ----------------------------------------------------------------- seed articles
def seed_folder() -> Path:
    """The five seed articles: the package's demo copy if present, else the shared corpus."""
    demo = Path(__file__).parents[1] / "store" / "demo"
    if sorted(demo.glob("*.txt")):
        return demo
    return Path(__file__).parents[2] / "shared" / "corpus" / "seed"


@pytest.fixture()
def seed_files() -> list[Path]:
    files = sorted(seed_folder().glob("*.txt"))
    assert len(files) == 5, f"expected the five seed articles in {seed_folder()}"
    return files


@pytest.fixture()
def fresh_library(tmp_path: Path) -> Iterator[Library]:
    """A fresh, empty, writable library (closed after the test)."""
    with Library.open(tmp_path / "library") as lib:
        yield lib


# ----------------------------------------------------------------- a local HTTP server
@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering at all
    trickle: float = 0.0  # if set: send the headers, then one body byte every `trickle` seconds (for 5 s)
    handler: Callable[[BaseHTTPRequestHandler], None] | None = None


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):  # a client hanging up is normal
            super().handle_error(request, client_address)


class LocalServer:
    """An HTTP server on 127.0.0.1 (a free port) serving canned routes, for tests with no network.

    server.add("/page.html", b"<html>...", content_type="text/html")  -> server.url("/page.html")
    server.requests lists the paths asked for, in order.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                server.requests.append(self.path)
                route = server.routes.get(self.path)
                try:
                    if route is None:
                        self._send(404, {"Content-Type": "text/plain"}, b"not found")
                    elif route.handler is not None:
                        route.handler(self)
                    else:
                        if route.delay and server.stopping.wait(route.delay):
                            return
                        if route.trickle:
                            self._trickle(route)
                        else:
                            self._send(route.status, route.headers, route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _trickle(self, route: Route) -> None:
                self.send_response(200)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(10 * 1024 * 1024))
                self.end_headers()
                self.wfile.write(route.body)
                self.wfile.flush()
                give_up = time.monotonic() + 5.0  # then hang up, so a client without a deadline fails, not hangs
                while not server.stopping.wait(route.trickle) and time.monotonic() < give_up:
                    self.wfile.write(b"a")
                    self.wfile.flush()

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: bytes | str = b"", *, status: int = 200,
            content_type: str | None = "text/html; charset=utf-8", headers: dict[str, str] | None = None,
            delay: float = 0.0, trickle: float = 0.0) -> str:
        """Serve `body` at `path`; returns the full URL."""
        all_headers = {"Content-Type": content_type} if content_type else {}
        all_headers.update(headers or {})
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, status, all_headers, delay, trickle)
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        self.routes[path] = Route(b"", status, {"Location": to})
        return self.url(path)

    def start(self) -> "LocalServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def http_server() -> Iterator[LocalServer]:
    server = LocalServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/article.html"


# ----------------------------------------------------------------- snapshots of the screenshot sessions
@pytest.fixture()
def demo_library(tmp_path: Path) -> Iterator[Library]:
    """The demo library with fixed ids and dates (what `broadsheet screenshots` draws)."""
    from tui.screenshots import build_demo_library

    with Library.open(build_demo_library(tmp_path / "library")) as library:
        yield library


def session_snapshot(session: Any, library: Library, snap_compare: Callable[..., bool]) -> bool:
    """A screenshot session (tui/screenshots.py) compared with its snapshot: the session's own
    preparation (open a pair, make highlights), then its keys."""
    from tui.screenshots import screenshot_app, settle

    app = screenshot_app(library)

    async def run_before(pilot: Any) -> None:
        if session.prepare is not None:
            session.prepare(app)
            await pilot.pause()
        await settle(pilot)

    return snap_compare(app, press=session.keys, terminal_size=session.size, run_before=run_before)
