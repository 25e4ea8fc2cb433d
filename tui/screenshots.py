"""Regenerates screenshots/*.svg by driving the real app headless on a fresh demo library.

The same sessions (what is pressed, at which terminal size) feed the snapshot tests in
`tests/test_snapshots.py`, so the README's pictures and the tests show the same screens.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from textual.pilot import Pilot

from store import Candidate, Library
from store.demo import demo_files

from .app import BroadsheetApp

WIDE = (160, 45)
NARROW = (80, 24)
THEME = "textual-dark"
FIXED_IMPORT_TIME = 1_767_258_000  # 2026-01-01 09:00 UTC: the demo's "imported" date on every run


@dataclass(frozen=True)
class Session:
    name: str  # screenshots/<name>.svg
    size: tuple[int, int]
    keys: tuple[str, ...]
    prepare: Callable[[BroadsheetApp], None] | None = None  # runs once the app is up, before the keys


SESSIONS = (
    Session("library", WIDE, ()),
    Session("reader", WIDE, ("down", "enter")),
    Session("help", WIDE, ("question_mark",)),
    Session("narrow-library", NARROW, ()),
    Session("narrow-reader", NARROW, ("enter",)),
)


@contextmanager
def _frozen_clock() -> Iterator[None]:
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(FIXED_IMPORT_TIME)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def build_demo_library(folder: Path) -> Path:
    """The demo library as pictures show it: the articles and ids of `broadsheet --demo`, with a
    fixed import time and origins named as in the repository (not this machine's install path)."""
    candidates = []
    for path in demo_files():
        title, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        candidates.append(Candidate(title=title.strip(), body=body, origin=f"store/demo/{path.name}", tags=("demo",)))
    with _frozen_clock(), Library.open(folder) as library:
        library.add_candidates(candidates)
    return folder


def screenshot_app(library: Library) -> BroadsheetApp:
    """The app with nothing from this user's config: default keys, fixed theme."""
    app = BroadsheetApp(library, remember_theme=False, theme=THEME)
    return app


async def settle(pilot: Pilot[None]) -> None:
    """Before a picture: no blinking cursor, nothing pending."""
    for widget in pilot.app.query("*"):
        if hasattr(widget, "cursor_blink"):
            widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause()


# Highlights for the screenshots (and snapshot tests): phrase, colour, note, tags, in the demo
# article that has them all.
DEMO_LABELS = {1: "key claim", 2: "people", 3: "check this", 4: "quote", 5: "figure"}
DEMO_HIGHLIGHTS = (
    ("a complete stop to illegal immigration into the United States", 1,
     "The demand the tariff talks hinge on.\nCompare with the wire version.", ("demand",)),
    ("“in one day if they so desired.”", 4, "Trump, quoted in NYT only.", ("quote",)),
    ("Vice President Mike Pence and Mike Pompeo", 2, "", ("people",)),
    ("Mike Pence", 3, "Was he in the room the whole time?", ("check",)),
    ("there is nothing Mexico could do to completely stop all immigration", 1, "", ("demand", "experts")),
)


def add_demo_highlights(library: Library) -> str:
    """Highlight DEMO_HIGHLIGHTS in the demo library; returns the article's id."""
    article = next(a for a in library.articles() if DEMO_HIGHLIGHTS[0][0] in a.body)
    for color, label in DEMO_LABELS.items():
        library.set_color_label(color, label)
    for phrase, color, note, tags in DEMO_HIGHLIGHTS:
        start = article.body.index(phrase)
        library.annotate(article.id, start, start + len(phrase), color=color, note=note, tags=tags)
    other = next(a for a in library.articles() if "security, immigration and management" in a.body)
    start = other.body.index("security, immigration and management")
    library.annotate(other.id, start, start + len("security, immigration and management of the U.S.-Mexican border"),
                     color=1, note="Same phrase as Reuters: shared text.", tags=("wire",))
    return article.id


def _open_highlighted(app: BroadsheetApp) -> None:
    """The demo highlights, and their article open in the reader at the second paragraph."""
    article_id = add_demo_highlights(app.library)
    app.refresh_library()  # the counts column
    app.open_article(article_id)
    view = app.reader_pane.view
    view.cursor = view.text.index("That demand")


HIGHLIGHT_SESSIONS = (
    Session("highlights", WIDE, ("v", "w", "w", "w", "w", "e"), _open_highlighted),
    Session("annotations", WIDE, ("A", "down"), _open_highlighted),
)


def _pick(*numbers: str) -> Callable[[BroadsheetApp], None]:
    """Pick demo articles (by file number) for comparison, as `m` on their rows does."""
    def prepare(app: BroadsheetApp) -> None:
        by_number = {Path(a.origin).name[:3]: a.id for a in app.library.articles()}
        app.library_pane.picked.extend(by_number[number] for number in numbers)
        app.refresh_library()
    return prepare


COMPARE_SESSIONS = (
    Session("compare", WIDE, ("c", "n", "n"), _pick("000", "001")),
    Session("coverage", WIDE, ("c",), _pick("000", "001", "002", "003", "004")),
    Session("narrow-compare", NARROW, ("c", "n"), _pick("000", "001")),
)


async def _shoot(library_path: Path, out: Path) -> list[Path]:
    written: list[Path] = []
    for session in (*SESSIONS, *HIGHLIGHT_SESSIONS, *COMPARE_SESSIONS):
        fresh = library_path.parent / f"session-{session.name}"  # one session's reads don't show in the next
        shutil.copytree(library_path, fresh)
        with Library.open(fresh) as library:
            app = screenshot_app(library)
            async with app.run_test(size=session.size) as pilot:
                await pilot.pause()
                if session.prepare is not None:
                    session.prepare(app)
                    await pilot.pause()
                for key in session.keys:
                    await pilot.press(key)
                    await pilot.pause()
                await settle(pilot)
                app.save_screenshot(f"{session.name}.svg", str(out))
                written.append(out / f"{session.name}.svg")
    return written


def make_screenshots(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="broadsheet-shots-"))
    try:
        return asyncio.run(_shoot(build_demo_library(folder / "library"), out))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
