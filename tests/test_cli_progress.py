"""Progress of long commands when stderr is not a terminal: plain lines, a tenth at a time."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from tests.test_cli import run
from tui.cli_progress import PLAIN_EVERY, CliProgress


def plain_console() -> tuple[Console, io.StringIO]:
    sink = io.StringIO()
    return Console(file=sink, force_terminal=False, width=200), sink


def test_items_give_a_line_per_tenth_not_per_item() -> None:
    console, sink = plain_console()
    with CliProgress(console, "importing", show_from=4, plain_from=200, items=True, clock=lambda: 0.0) as progress:
        for done in range(1, 1001):
            progress(done, 1000, f"file-{done}.txt")
    lines = sink.getvalue().splitlines()
    assert lines[0] == "importing: 1 of 1,000 (0 %)"
    assert lines[-1] == "importing: 1,000 of 1,000 (100 %)"
    assert len(lines) == 11
    assert not any("file-" in line for line in lines)


def test_a_slow_tenth_still_shows_the_work_is_alive() -> None:
    console, sink = plain_console()
    now = [0.0]
    progress = CliProgress(console, "importing", show_from=4, plain_from=200, items=True, clock=lambda: now[0])
    progress(1, 1000, "a")
    now[0] = PLAIN_EVERY / 2
    progress(2, 1000, "b")
    now[0] = PLAIN_EVERY * 1.5
    progress(3, 1000, "c")
    assert sink.getvalue().splitlines() == ["importing: 1 of 1,000 (0 %)", "importing: 3 of 1,000 (0 %)"]


def test_phases_each_get_a_line_and_an_uncounted_phase_no_counts() -> None:
    console, sink = plain_console()
    progress = CliProgress(console, "finding stories", show_from=2000, plain_from=2000, items=False, clock=lambda: 0.0)
    progress(500, 5000, "reading articles")
    progress(1000, 5000, "reading articles")
    progress(1100, 5000, "reading articles")  # same tenth: no line
    progress(0, 1, "grouping into stories")
    assert sink.getvalue().splitlines() == [
        "finding stories: reading articles, 500 of 5,000 (10 %)",
        "finding stories: reading articles, 1,000 of 5,000 (20 %)",
        "finding stories: grouping into stories",
    ]


def test_small_work_prints_nothing_off_a_terminal() -> None:
    console, sink = plain_console()
    progress = CliProgress(console, "importing", show_from=4, plain_from=200, items=True)
    for done in range(1, 100):
        progress(done, 99, "x")
    assert sink.getvalue() == ""


def test_an_item_name_is_printed_as_plain_text() -> None:
    console, sink = plain_console()
    progress = CliProgress(console, "finding stories", show_from=1, plain_from=1, items=False, clock=lambda: 0.0)
    progress(1, 2, "[bold red]x\x1b[2J")
    assert "[bold red]" in sink.getvalue() and "\x1b" not in sink.getvalue()


def test_a_long_import_into_a_pipe_reports_its_progress(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(250):
        (folder / f"{k:03d}.txt").write_text(f"Report {k}\n\nNumber {k} of a long import, word {k * 7}.\n")
    result = run(tmp_path / "lib", "import", str(folder))
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("importing: ")]
    assert lines[-1] == "importing: 250 of 250 (100 %)"
    assert 10 <= len(lines) <= 12
    assert "250 added" in result.stdout


def test_a_file_name_that_looks_like_markup_is_shown_as_it_is_on_a_terminal() -> None:
    # it used to reach Rich as markup: "[/bad]" raised MarkupError and ended the import
    sink = io.StringIO()
    console = Console(file=sink, force_terminal=True, width=120)
    with CliProgress(console, "importing", show_from=1, plain_from=1, items=True) as progress:
        progress(1, 10, "[/bad] [bold]x\x1b[2J.txt")
    drawn = sink.getvalue()
    assert "[/bad] [bold]x" in drawn
    assert "\x1b[2J" not in drawn
