"""Snapshot tests of the main screens (pytest-textual-snapshot), the same sessions as the README's
screenshots (`tui/screenshots.py`). After a deliberate change to a screen, look at the report,
then accept it with `pytest tests/test_snapshots.py --snapshot-update` and regenerate the
screenshots with `broadsheet screenshots`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from store import Library
from tui.screenshots import COMPARE_SESSIONS, HIGHLIGHT_SESSIONS, SESSIONS, Session, build_demo_library, screenshot_app, settle

from conftest import session_snapshot


def test_the_demo_library_is_the_same_on_every_build(tmp_path: Path) -> None:
    """Ids and dates on screen come from the content and the frozen clock, never from now."""
    first, second = build_demo_library(tmp_path / "a"), build_demo_library(tmp_path / "b")
    with Library.open(first) as a, Library.open(second) as b:
        assert [(x.id, x.imported_at, x.origin) for x in a.articles()] == \
               [(y.id, y.imported_at, y.origin) for y in b.articles()]
        assert {x.imported_at for x in a.articles()} == {"2026-01-01T09:00:00+00:00"}


@pytest.mark.parametrize("session", SESSIONS, ids=[session.name for session in SESSIONS])
def test_main_screens(session: Session, demo_library: Library, snap_compare: Callable[..., bool]) -> None:
    assert session_snapshot(session, demo_library, snap_compare)


def test_too_small_terminal(demo_library: Library, snap_compare: Callable[..., Any]) -> None:
    assert snap_compare(screenshot_app(demo_library), terminal_size=(40, 10), run_before=settle)


def test_screenshots_command_writes_every_screen(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tui.cli import cli

    result = CliRunner().invoke(cli, ["screenshots", "--out", str(tmp_path / "shots")])
    assert result.exit_code == 0, result.output
    written = sorted(path.name for path in (tmp_path / "shots").glob("*.svg"))
    assert written == sorted(f"{session.name}.svg" for session in (*SESSIONS, *HIGHLIGHT_SESSIONS, *COMPARE_SESSIONS))
    assert "5 of 5 articles" in (tmp_path / "shots" / "library.svg").read_text().replace("&#160;", " ")
