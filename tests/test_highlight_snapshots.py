"""Snapshots: the reader with highlights and a selection in highlight mode, and the annotations pane.

The articles are added with fixed origins, sources and dates, so nothing in the pictures depends on
where the tests run or when."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from store import Library
from store.demo import demo_files
from store.records import Candidate
from tui.app import BroadsheetApp
from tui.screenshots import add_demo_highlights

SOURCES = ("Breitbart", "Global News", "ThinkProgress", "The New York Times", "Christian Science Monitor")


@pytest.fixture()
def highlighted(tmp_path: Path) -> Iterator[tuple[Library, str]]:
    with Library.open(tmp_path / "lib") as library:
        candidates = []
        for index, path in enumerate(sorted(demo_files())):
            title, _, body = path.read_text(encoding="utf-8").partition("\n")
            candidates.append(Candidate(title=title.strip(), body=body.strip(), origin=f"seed/{path.name}",
                                        source=SOURCES[index], published=f"2019-06-0{index + 1}"))
        library.add_candidates(candidates)
        article_id = add_demo_highlights(library)
        yield library, article_id


def test_reader_with_highlights_and_a_selection(snap_compare: Any, highlighted: tuple[Library, str]) -> None:
    library, article_id = highlighted
    app = BroadsheetApp(library, remember_theme=False)

    async def run_before(pilot: Any) -> None:
        app.open_article(article_id)
        await pilot.pause()
        view = app.reader_pane.view
        view.cursor = view.text.index("That demand")
        view.scroll_to_offset(view.text.index("In a series"))
        await pilot.pause()

    assert snap_compare(app, press=["v", "w", "w", "w", "w", "e"], terminal_size=(80, 24), run_before=run_before)


def test_annotations_pane(snap_compare: Any, highlighted: tuple[Library, str]) -> None:
    library, article_id = highlighted
    app = BroadsheetApp(library, remember_theme=False)

    async def run_before(pilot: Any) -> None:
        app.open_article(article_id)
        await pilot.pause()

    assert snap_compare(app, press=["A", "down", "down"], terminal_size=(140, 30), run_before=run_before)
