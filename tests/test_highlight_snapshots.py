"""Snapshots of highlight mode (the reader with highlights and a selection) and of the annotations
pane: the same sessions as the README's screenshots (`tui/screenshots.py`), on the demo library with
fixed ids and dates, so nothing in the pictures depends on where or when the tests run."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from store import Library
from tui.screenshots import HIGHLIGHT_SESSIONS, Session

from conftest import session_snapshot


@pytest.mark.parametrize("session", HIGHLIGHT_SESSIONS, ids=[session.name for session in HIGHLIGHT_SESSIONS])
def test_highlight_screens(session: Session, demo_library: Library, snap_compare: Callable[..., Any]) -> None:
    assert session.prepare is not None
    assert session_snapshot(session, demo_library, snap_compare)
