"""App benchmarks: launch to first paint, and opening a 5,000-line article.

    .venv/bin/python tests/bench/bench_app.py                    # demo and 10k libraries
    .venv/bin/python tests/bench/bench_app.py --sizes 10000 --repeats 3

Figures (the machine has 2 cores; warm page cache):
  (a) Launch to first paint. The real `broadsheet --library PATH` command runs in a pseudo-terminal
      of 160x45 with Textual's real terminal driver; the clock starts just before the process is
      spawned and stops when the first frame's library status line ("N of N articles") arrives on
      the terminal side of the pty: Python start-up, imports, Library.open (with its backup),
      articles(), building the table and writing the frame all count. Then `q` quits it. With the
      demo library and with a library of 10k synthetic articles (bench_library.cached_library),
      once as built and once with its stories computed (stories.npz), which the app then loads to
      group the list by story.
      Budget (DESIGN.md): < 1.5 s at 10k.
  (b) Opening a 5,000-line article (5,000 lines of real corpus sentences, about 110k words) in the
      app run headless (App.run_test, 160x45): the time of what Enter in the library does
      (app.open_article: load the body, wrap the text, put the library's cursor on it; marking it
      read is written to disk just after that frame, so it is not counted) plus drawing the reader's visible rows (render_line for each, what the next frame
      asks for). Not included: the compositor writing the frame, the same for any article (the
      12-line article is measured the same way for comparison). Then page down and a jump to the
      end, each with its rows drawn. Budget: < 100 ms, our reading of "opens without a pause".
Exit status 1 if a figure is over budget.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent.parent
for entry in (str(ROOT), str(BENCH)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

import corpus  # noqa: E402
from bench_library import cached_library, fmt_size, reset_state  # noqa: E402
from report import Figure, finish, log  # noqa: E402
from store import Candidate, Library  # noqa: E402

SIZE = (160, 45)
FIRST_FRAME = re.compile(rb"\d+ of \d+ articles")
LAUNCH_BUDGET = 1.5
OPEN_BUDGET = 0.100
ARTICLE_LINES = 5000


# --------------------------------------------------------------------------- (a) first paint
def _broadsheet() -> str:
    found = Path(sys.executable).with_name("broadsheet")
    return str(found) if found.exists() else shutil.which("broadsheet") or "broadsheet"


def first_paint(library: Path, config_dir: Path, timeout: float = 60.0) -> float:
    """Seconds from spawning `broadsheet --library PATH` in a pty to its first frame on screen."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(SIZE[0]), "LINES": str(SIZE[1]),
           "BROADSHEET_CONFIG": str(config_dir / "config.toml")}
    started = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real command, in the pty
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
            os.execve(_broadsheet(), [_broadsheet(), "--library", str(library)], env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    seen = b""
    painted: float | None = None
    try:
        while time.monotonic() - started < timeout:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen = (seen + chunk)[-4096:]
            if FIRST_FRAME.search(seen):
                painted = time.monotonic() - started
                break
        if painted is None:
            raise SystemExit(f"no first frame within {timeout} s; last output: {seen[-300:]!r}")
        os.write(fd, b"q")
        _drain_until_exit(pid, fd)
    finally:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os.close(fd)
    return painted


def _drain_until_exit(pid: int, fd: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                os.read(fd, 65536)
            except OSError:
                pass
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def bench_launch(label: str, library: Path, repeats: int, budget: float | None) -> list[Figure]:
    log(f"(a) first paint, {label} x {repeats} ...")
    with tempfile.TemporaryDirectory() as config_dir:
        first_paint(library, Path(config_dir))  # warm the page cache (bytecode, library files)
        times = [first_paint(library, Path(config_dir)) for _ in range(repeats)]
    median = statistics.median(times)
    return [Figure(f"launch to first paint, {label}, median of {repeats}", f"< {budget} s" if budget else "-",
                   f"{median * 1000:.0f} ms (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})",
                   median < budget if budget else None)]


def stories_cached_copy(folder: Path) -> Path:
    """A copy of a bench library whose stories were computed once (as `broadsheet stories` does),
    so the app groups it by story at launch; cached beside it."""
    copy = folder.with_name(folder.name + "-stories")
    if not (copy / "stories.npz").exists():
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(folder, copy)
        log(f"computing stories for {copy.name} (cached for later runs) ...")
        with Library.open(copy) as library:
            library.stories(evidence=False)
    return copy


# --------------------------------------------------------------------------- (b) long article
def long_body(lines: int) -> str:
    pool = corpus.sentence_pool()
    out = []
    for index in range(lines):
        out.append(pool[index % len(pool)])
        if index % 6 == 5:
            out.append("")  # a blank line ends a paragraph every six lines
    return "\n".join(out)


def _paint(view: object) -> None:
    """Draw the reader's visible rows, as the compositor would on the next frame."""
    for y in range(view.size.height):  # type: ignore[attr-defined]
        view.render_line(y)  # type: ignore[attr-defined]


async def _open_article(folder: Path, title: str, repeats: int) -> dict[str, list[float]]:
    from tui.app import BroadsheetApp

    timings: dict[str, list[float]] = {"open": [], "page down": [], "end": []}
    with Library.open(folder) as library:
        article_id = next(a.id for a in library.articles() if a.title.startswith(title))
        app = BroadsheetApp(library, remember_theme=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            for _ in range(repeats):
                app.action_close_reader()
                app.reader_pane.clear()
                library.set_read([article_id], False)  # each open also marks it read, on disk
                await pilot.pause()
                view = app.reader_pane.view
                started = time.perf_counter()
                app.open_article(article_id)
                _paint(view)
                timings["open"].append(time.perf_counter() - started)
                await pilot.pause()
                for name, action in (("page down", view.action_page_down), ("end", view.action_bottom)):
                    started = time.perf_counter()
                    action()
                    _paint(view)
                    timings[name].append(time.perf_counter() - started)
                    await pilot.pause()
                library.set_position(article_id, 0)
    return timings


def bench_long_article(repeats: int) -> list[Figure]:
    log(f"(b) opening a {ARTICLE_LINES}-line article x {repeats} ...")
    figures = []
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "library"
        with Library.open(folder) as library:
            library.add_candidates([
                Candidate(title="Long article", body=long_body(ARTICLE_LINES), origin="bench/long.txt"),
                Candidate(title="Short article", body=long_body(12), origin="bench/short.txt")])
            words = {a.title.split()[0]: a.word_count for a in library.articles()}
        for title, label in (("Long", f"{ARTICLE_LINES:,}-line article ({words['Long']:,} words)"),
                             ("Short", f"12-line article ({words['Short']} words), for comparison")):
            timings = asyncio.run(_open_article(folder, title, repeats))
            for name, values in timings.items():
                median = statistics.median(values)
                budget = OPEN_BUDGET if name == "open" and title == "Long" else None
                figures.append(Figure(f"{label}: {name}, median of {repeats}",
                                      f"< {budget * 1000:.0f} ms" if budget else "-",
                                      f"{median * 1000:.1f} ms (max {max(values) * 1000:.1f})",
                                      median < budget if budget else None))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description="broadsheet app benchmarks (see the module docstring)")
    parser.add_argument("--sizes", default="10000", help="synthetic library sizes for (a), comma-separated")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    corpus.DATA.mkdir(parents=True, exist_ok=True)

    figures: list[Figure] = []
    from store.demo import make_demo_library

    demo = make_demo_library()
    try:
        figures += bench_launch("demo library (5 articles)", demo, args.repeats, LAUNCH_BUDGET)
    finally:
        shutil.rmtree(demo.parent, ignore_errors=True)
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        folder, _ = cached_library(size, args.seed)
        reset_state(folder)
        try:
            figures += bench_launch(f"{fmt_size(size)} articles", folder, args.repeats, LAUNCH_BUDGET)
        finally:
            reset_state(folder)
        with_stories = stories_cached_copy(folder)
        reset_state(with_stories)
        try:
            figures += bench_launch(f"{fmt_size(size)} articles, grouped by story (stories.npz cached)",
                                    with_stories, args.repeats, LAUNCH_BUDGET)
        finally:
            reset_state(with_stories)
    figures += bench_long_article(args.repeats)
    figures.append(Figure("machine load average over the last 5 minutes (2 cores)", "-",
                          f"{os.getloadavg()[1]:.1f}", None))

    return finish(figures, args.json)


if __name__ == "__main__":
    sys.exit(main())
