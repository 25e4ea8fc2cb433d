"""Regenerates screenshots/*.svg by driving the real app headless on a fresh demo library."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Callable

from store import Library
from store.demo import make_demo_library

from .app import BroadsheetApp

WIDE = (160, 45)
NARROW = (80, 24)


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


async def _shoot(library_path: Path, out: Path) -> list[Path]:
    written: list[Path] = []

    async def session(name: str, size: tuple[int, int], keys: list[str],
                      before: Callable[[BroadsheetApp], None] | None = None) -> None:
        with Library.open(library_path) as library:
            app = BroadsheetApp(library, remember_theme=False)
            async with app.run_test(size=size) as pilot:
                await pilot.pause()
                if before is not None:
                    before(app)
                    await pilot.pause()
                for key in keys:
                    await pilot.press(key)
                    await pilot.pause()
                app.save_screenshot(f"{name}.svg", str(out))
                written.append(out / f"{name}.svg")

    await session("library", WIDE, [])
    await session("reader", WIDE, ["down", "enter", "pagedown"])
    await session("help", WIDE, ["question_mark"])
    await session("narrow-library", NARROW, [])
    await session("narrow-reader", NARROW, ["enter"])

    article_id = ""

    def highlighted(app: BroadsheetApp) -> None:
        nonlocal article_id
        article_id = add_demo_highlights(app.library)
        app.open_article(article_id)
        app.reader_pane.view.cursor = app.reader_pane.view.text.index("That demand")

    await session("highlights", WIDE, ["v", "w", "w", "w", "w", "e"], highlighted)
    await session("annotations", WIDE, ["A", "down"], lambda app: app.open_article(article_id))
    return written


def make_screenshots(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    library_path = make_demo_library()
    try:
        return asyncio.run(_shoot(library_path, out))
    finally:
        shutil.rmtree(library_path.parent, ignore_errors=True)
