"""Snapshots of highlight mode (the reader with highlights and a selection) and of the annotations
pane: the same sessions as the README's screenshots (`tui/screenshots.py`), on the demo library with
fixed ids and dates, so nothing in the pictures depends on where or when the tests run."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from store import Library
from tui.screenshots import HIGHLIGHT_SESSIONS, Session, build_demo_library, screenshot_app, settle


@pytest.fixture()
def demo_library(tmp_path: Path) -> Iterator[Library]:
    with Library.open(build_demo_library(tmp_path / "library")) as library:
        yield library


@pytest.mark.parametrize("session", HIGHLIGHT_SESSIONS, ids=[session.name for session in HIGHLIGHT_SESSIONS])
def test_highlight_screens(session: Session, demo_library: Library, snap_compare: Callable[..., Any]) -> None:
    app = screenshot_app(demo_library)

    async def run_before(pilot: Any) -> None:
        assert session.prepare is not None
        session.prepare(app)
        await pilot.pause()
        await settle(pilot)

    assert snap_compare(app, press=session.keys, terminal_size=session.size, run_before=run_before)
