"""The stories index built in a background process: the builder's protocol, the command, and the
app's progress line and regrouping (a large library without stories.npz)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from store import Library
from store.demo import demo_files
from store.story_builder import main as builder_main
from tui.app import BroadsheetApp
from tui.story_progress import BuildEvent, StoryProgress, parse_line


@pytest.fixture()
def library(tmp_path: Path) -> Iterator[Library]:
    with Library.open(tmp_path / "lib") as lib:
        lib.import_paths(demo_files())
        yield lib


async def wait_until(pilot: object, condition: Callable[[], bool], seconds: float = 60.0) -> None:
    """Let the app run until `condition` holds (a process of its own does the work, so there is no
    worker to await); fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)  # type: ignore[attr-defined]


# ----------------------------------------------------------------- the protocol
@pytest.mark.parametrize("line, event", [
    ("progress 500 2000 reading articles\n", BuildEvent("progress", 500, 2000, "reading articles")),
    ("progress 3 0 matching\n", BuildEvent("progress", 3, None, "matching")),
    ("progress 7 9\n", BuildEvent("progress", 7, 9, "")),
    ("done 12\n", BuildEvent("done", text="12")),
    ("error no library at /x\n", BuildEvent("error", text="no library at /x")),
    ("progress x y z\n", None),
    ("DeprecationWarning: something\n", None),
    ("", None),
])
def test_builder_lines_parse(line: str, event: BuildEvent | None) -> None:
    assert parse_line(line) == event


def test_the_builder_saves_the_index_from_a_read_only_opening(library: Library, capsys: pytest.CaptureFixture[str]) -> None:
    assert not library.stories_cached()
    assert builder_main([str(library.path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"done {len(library.stories(evidence=False))}"
    assert all(parse_line(line) is not None for line in lines)
    assert library.stories_cached()
    # the writer's library still works and agrees with the saved index
    with Library.open(library.path, read_only=True) as other:
        assert {s.article_ids for s in other.stories(evidence=False)} == \
            {s.article_ids for s in library.stories(evidence=False)}


def test_the_builder_fails_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert builder_main([str(tmp_path / "nowhere")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("error ") and "nowhere" in out[0]
    assert builder_main([]) == 2


# ----------------------------------------------------------------- in the app
def large(library: Library) -> BroadsheetApp:
    """The app treating the demo library as one too large to cluster in the foreground."""
    app = BroadsheetApp(library, remember_theme=False)
    app.stories_in_foreground = 0
    return app


async def test_the_app_builds_missing_stories_in_the_background_and_regroups(library: Library) -> None:
    app = large(library)
    seen: list[BuildEvent] = []
    original = app._story_build_event

    def record(event: BuildEvent) -> None:
        seen.append(event)
        original(event)

    app._story_build_event = record  # type: ignore[method-assign]
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert app.library_pane.view.group == "source"  # nothing to group by yet
        await wait_until(pilot, lambda: app._story_build is not None)
        assert app.query_one(StoryProgress).display  # the progress line is up while it builds
        await wait_until(pilot, lambda: app._stories_loaded)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert seen and seen[-1].kind == "done"
        assert any(event.kind == "progress" for event in seen)
        assert not app.query_one(StoryProgress).display
        assert library.stories_cached()
        assert app.library_pane.view.group == "story"  # the seed articles form stories of 2 and 3
        assert app._story_build is not None and app._story_build.process.returncode == 0


async def test_the_progress_line_shows_what_the_builder_reports(library: Library) -> None:
    app = BroadsheetApp(library, remember_theme=False)
    async with app.run_test(size=(160, 45)) as pilot:
        progress = app.query_one(StoryProgress)
        assert not progress.display
        progress.start()
        app._story_build_event(BuildEvent("progress", 250, 1000, "reading articles \x1b[31m[/bold]"))
        await pilot.pause()
        label = str(progress.query_one("#story-progress-label").render())
        assert "reading articles" in label and "\x1b" not in label
        assert progress.query_one("#story-progress-bar").percentage == pytest.approx(0.25)
        app._story_build_event(BuildEvent("error", text="disk full"))
        await pilot.pause()
        assert not progress.display
        assert any("Could not group by story: disk full" in n.message for n in app._notifications)


async def test_quitting_stops_the_builder(library: Library) -> None:
    app = large(library)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_until(pilot, lambda: app._story_build is not None)
        build = app._story_build
        await pilot.press("q")
    assert build is not None and build.process.poll() is not None


async def test_no_background_build_when_turned_off(library: Library) -> None:
    app = BroadsheetApp(library, remember_theme=False, build_stories=False)
    app.stories_in_foreground = 0
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert app._story_build is None
        assert any("broadsheet stories" in n.message for n in app._notifications)


def test_evidence_after_saving_the_index_matches_a_fresh_opening(library: Library) -> None:
    """save_stories_index and stories() share one sync: evidence after a save must not use rows of
    the index as it was before (a removed article shifts every row after it)."""
    library.stories(evidence=True)
    oldest = min(library.articles(), key=lambda a: a.imported_at + a.id)
    library.remove([oldest.id])
    library.save_stories_index()
    mine = {s.article_ids: {(l.a, l.b): l.cosine for l in s.links} for s in library.stories(evidence=True)}
    with Library.open(library.path, read_only=True) as fresh:
        theirs = {s.article_ids: {(l.a, l.b): l.cosine for l in s.links} for s in fresh.stories(evidence=True)}
    assert mine == theirs and any(mine.values())
