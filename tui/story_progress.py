"""The stories index built in a background process, with a progress line above the footer.

A large library without a saved stories index (stories.npz) is not grouped by story until the
index exists. Building it in the app's own process would hold the GIL for a minute or more and
make every key press wait, so the app runs `python -m store.story_builder` (niced) and shows what
it reports; when it is done the app loads the saved index and regroups the list.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

import store

from .safe_text import visible


@dataclass(frozen=True)
class BuildEvent:
    """One line of the builder's output."""

    kind: str            # "progress" | "done" | "error"
    done: int = 0
    total: int | None = None
    text: str = ""       # progress: what it is doing; done: the story count; error: the message


def parse_line(line: str) -> BuildEvent | None:
    """A builder line as an event; None for anything else (a warning a library printed)."""
    kind, _, rest = line.strip().partition(" ")
    if kind == "progress":
        parts = rest.split(" ", 2)
        try:
            done, total = int(parts[0]), int(parts[1])
        except (IndexError, ValueError):
            return None
        return BuildEvent("progress", done, total or None, parts[2] if len(parts) > 2 else "")
    if kind in ("done", "error"):
        return BuildEvent(kind, text=rest)
    return None


def builder_command(library_path: Path) -> list[str]:
    return [sys.executable, "-m", "store.story_builder", str(library_path)]


class StoryBuild:
    """The builder process; `events()` yields what it reports until it ends (run it in a thread)."""

    def __init__(self, library_path: Path) -> None:
        env = dict(os.environ)
        # the store package as this process imports it, also when it is not installed
        root = str(Path(store.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.process = subprocess.Popen(
            builder_command(library_path), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, encoding="utf-8", errors="replace", env=env,
            preexec_fn=_lower_priority if os.name == "posix" else None,
            start_new_session=os.name == "posix")  # its own process group: with its worker processes

    def events(self, stop: Callable[[], bool]) -> Iterator[BuildEvent]:
        assert self.process.stdout is not None
        ended = False
        for line in self.process.stdout:
            if stop():
                self.cancel()
                return
            event = parse_line(line)
            if event is not None:
                ended = ended or event.kind != "progress"
                yield event
        code = self.process.wait()
        if not ended and not stop():
            yield BuildEvent("error", text=f"the stories builder stopped (exit status {code})")

    def cancel(self) -> None:
        if self.process.poll() is None:
            try:  # the builder and the processes it tokenises with (store.stories._reader_pool)
                os.killpg(self.process.pid, signal.SIGKILL)
            except (OSError, AttributeError):
                self.process.kill()
        self.process.wait()


def _lower_priority() -> None:
    try:
        os.nice(10)  # the interface keeps the other core, and this one yields to it
    except OSError:
        pass


class StoryProgress(Horizontal):
    """"Finding stories… reading articles  ━━━━━━━━━━━━  45%", shown while the builder runs."""

    DEFAULT_CSS = """
    StoryProgress {
        height: 1;
        padding: 0 1;
        background: $boost;
        display: none;
    }
    StoryProgress Label {
        width: auto;
        margin-right: 2;
    }
    """

    def compose(self) -> ComposeResult:
        yield Label(id="story-progress-label")
        yield ProgressBar(id="story-progress-bar", show_eta=False)

    def start(self) -> None:
        self.display = True
        self.show(BuildEvent("progress", 0, None, "starting"))

    def show(self, event: BuildEvent) -> None:
        self.query_one(Label).update(Text(f"Finding stories… {visible(event.text)}"))
        self.query_one(ProgressBar).update(total=event.total, progress=event.done)

    def stop(self) -> None:
        self.display = False
