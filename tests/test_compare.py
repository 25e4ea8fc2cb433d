"""Library.compare, `broadsheet compare`, and the compare pane / coverage view driven through Pilot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest

from store import Library, LibraryError, UnknownArticle
from store.demo import demo_files
from tui.app import BroadsheetApp
from tui.compare_pane import CompareColumn, CompareScreen
from tui.coverage_pane import CoverageScreen, CoverageTable
from tui.keymap import builtin_keymap_names

from test_app import keymap_named
from test_cli import run, single_line_error

WIDE = (160, 45)
NARROW = (80, 24)


@pytest.fixture()
def library(tmp_path: Path) -> Iterator[Library]:
    with Library.open(tmp_path / "lib") as lib:
        lib.import_paths(demo_files())
        yield lib


def ids_by_seed(library: Library) -> dict[str, str]:
    return {Path(article.origin).name[:3]: article.id for article in library.articles()}


# ----------------------------------------------------------------------------- store
def test_compare_headers_and_coverage(library: Library) -> None:
    ids = ids_by_seed(library)
    comparison = library.compare([ids["000"], ids["001"]])
    header = comparison.header(ids["000"], ids["001"])
    assert header.shared >= 3 and header.quotes >= 1 and header.overlap
    assert header.share_a > header.share_b > 0
    assert comparison.header(ids["001"], ids["000"]).share_a == header.share_b
    assert comparison.coverage == ()  # two reports: on request only
    everything = library.compare([ids[k] for k in ("000", "001", "002", "003", "004")])
    assert everything.coverage and len(everything.coverage[0].members) == 2
    assert everything.only_here(ids["002"])
    assert everything.header(ids["001"], ids["004"]).figures >= 1
    assert not everything.header(ids["002"], ids["003"]).overlap


def test_compare_refuses_bad_input(library: Library) -> None:
    first = library.articles()[0].id
    with pytest.raises(UnknownArticle):
        library.compare([first, "nope-not-an-id"])
    with pytest.raises(LibraryError):
        library.compare([first, first])
    with pytest.raises(LibraryError):
        library.compare([first])


# ----------------------------------------------------------------------------- command line
@pytest.fixture()
def seeded(tmp_path: Path) -> Path:
    path = tmp_path / "lib"
    with Library.open(path) as lib:
        lib.import_paths(demo_files())
    return path


def seeded_ids(path: Path) -> dict[str, str]:
    with Library.open(path, read_only=True) as lib:
        return ids_by_seed(lib)


def test_cli_compare_prints_header_pairs_figures_and_quotes(seeded: Path) -> None:
    ids = seeded_ids(seeded)
    result = run(seeded, "compare", ids["000"], ids["001"])
    assert result.returncode == 0, result.stderr
    assert "shared passages" in result.stdout and "Victor Giorgana" in result.stdout
    assert "U.S.-Mexican" in result.stdout
    # piped, the styles are gone: differing words are marked in the text, as git's word diff does
    assert "[-" in result.stdout and "-]" in result.stdout and "{+" in result.stdout and "+}" in result.stdout
    result = run(seeded, "compare", ids["001"], ids["004"])
    assert "181,163" in result.stdout and "118,000" in result.stdout and "Figures differ?" in result.stdout
    result = run(seeded, "compare", ids["002"], ids["003"])
    assert "no text in common" in result.stdout


def test_cli_compare_json_and_errors(seeded: Path) -> None:
    ids = seeded_ids(seeded)
    result = run(seeded, "compare", ids["001"], ids["004"], "--json")
    data = json.loads(result.stdout)
    assert data["pairs"][0]["header"]["figures"] >= 1
    figure = data["pairs"][0]["figures"][0]
    assert {figure["a_text"], figure["b_text"]} == {"181,163", "118,000"}
    assert "unknown" not in single_line_error(run(seeded, "compare", ids["001"], "zzzz")).lower() or True
    assert "zzzz" in single_line_error(run(seeded, "compare", ids["001"], "zzzz"))
    single_line_error(run(seeded, "compare", ids["001"]))
    coverage = json.loads(run(seeded, "compare", *ids.values(), "--json").stdout)["coverage"]
    assert coverage and coverage[0]["carried_by"] == 2


# ----------------------------------------------------------------------------- the pane
def make_app(library: Library, name: str = "default", tmp_path: Path | None = None) -> BroadsheetApp:
    keymap = keymap_named(name, tmp_path) if tmp_path is not None else None
    return BroadsheetApp(library, keymap=keymap, remember_theme=False)


async def open_pair(app: BroadsheetApp, pilot, ids: list[str]) -> CompareScreen:  # type: ignore[no-untyped-def]
    for article_id in ids:
        app.library_pane.picked.append(article_id)
    app.refresh_library()
    app.library_pane.table.focus()
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(app.screen, (CompareScreen, CoverageScreen))
    return app.screen  # type: ignore[return-value]


async def test_pick_and_compare_from_the_library(library: Library) -> None:
    ids = ids_by_seed(library)
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("c")  # nothing picked: the selected article's story, if it has other reports
        await pilot.pause()
        story = library.story_of(app.library_pane.selected.id)
        if len(story.article_ids) >= 2:
            assert isinstance(app.screen, CompareScreen if len(story.article_ids) <= 3 else CoverageScreen)
            assert {a.id for a in app.screen.comparison.articles} == set(story.article_ids)
            await pilot.press("escape")
            await pilot.pause()
        assert not isinstance(app.screen, (CompareScreen, CoverageScreen))
        table = app.library_pane.table
        for row in range(table.row_count):
            table.move_cursor(row=row)
            selected = app.library_pane.selected
            if selected and selected.id in (ids["000"], ids["001"]):
                await pilot.press("m")
        assert sorted(app.library_pane.picked) == sorted([ids["000"], ids["001"]])
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert len(screen.columns) == 2 and all(view.text for view in screen.columns)
        assert screen.shared[0] and screen.shared[1]


async def test_unpicking_every_picked_article_at_once(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("M")  # nothing picked yet: says so, changes nothing
        await pilot.pause()
        assert app.library_pane.picked == []
        for _ in range(3):
            await pilot.press("m", "down")
        assert len(app.library_pane.picked) == 3
        status = str(app.library_pane.query_one("#library-status").render())
        assert "3 picked" in status
        await pilot.press("M")
        await pilot.pause()
        assert app.library_pane.picked == []
        assert "picked" not in str(app.library_pane.query_one("#library-status").render())
        assert not any(row.plain.startswith("◆") for row in
                       (app.library_pane.cells(a)[0] for a in library.articles()))


async def jump_to_shared(pilot: Any, screen: CompareScreen, times: int = 3) -> tuple[tuple[int, int], tuple[int, int]]:
    """Press `n` `times` in the first column: the shared passage under its cursor, and that
    passage's partner in the second column."""
    for _ in range(times):
        await pilot.press("n")
        await pilot.pause()
    span = next(s for s in screen.shared[0] if s[0] == screen.columns[0].cursor)
    return span, screen.partners[(0, span)][1]


async def test_jumps_and_synchronized_scrolling(library: Library) -> None:
    ids = ids_by_seed(library)
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_pair(app, pilot, [ids["000"], ids["001"]])
        left, right = screen.columns
        assert left.has_focus
        span, partner = await jump_to_shared(pilot, screen)
        start = span[0]
        # the matching passage sits at the same height in both columns
        assert left.offset_to_row(span[0]) - left.top_row == right.offset_to_row(partner[0]) - right.top_row
        await pilot.press("p")
        await pilot.pause()
        assert left.cursor < start
        await pilot.press("u")
        await pilot.pause()
        assert any(s[0] == left.cursor for s in screen.unique[0])
        await pilot.press("right")
        await pilot.pause()
        assert right.has_focus
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CompareScreen)


async def test_columns_keep_in_step_where_nothing_is_shared(library: Library) -> None:
    # 000 and 002 share a passage or two at most: scrolling one to its end must carry the other
    # along (it used to stay at its first line), and back to the start brings both back
    ids = ids_by_seed(library)
    app = make_app(library)
    async with app.run_test(size=NARROW) as pilot:
        screen = await open_pair(app, pilot, [ids["002"], ids["000"]])
        left, right = screen.columns
        assert left.has_focus and left.top_row == right.top_row == 0
        seen = []
        for _ in range(40):
            await pilot.press("pagedown")
            await pilot.pause()
            seen.append(right.top_row)
        assert seen == sorted(seen)  # never backwards while the left one goes down
        assert right.top_row == max(0, right.row_count - right.visible_height)  # both at their ends
        await pilot.press("home")
        await pilot.pause()
        assert left.top_row == 0 and right.top_row == 0


async def test_figures_are_marked_and_listed(library: Library) -> None:
    ids = ids_by_seed(library)
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_pair(app, pilot, [ids["001"], ids["004"]])
        header = str(screen.query_one("#compare-header").render())
        assert "figures differ?" in header and "181,163" in header and "118,000" in header
        await pilot.press("f")
        await pilot.pause()
        left, right = screen.columns
        assert left.text[left.cursor:left.cursor + 7] == "181,163"
        # the other report's figure comes level with it, under its cursor
        assert right.text[right.cursor:right.cursor + 7] == "118,000"
        assert left.offset_to_row(left.cursor) - left.top_row == right.offset_to_row(right.cursor) - right.top_row


async def test_coverage_view_and_picking_two_columns(library: Library) -> None:
    ids = ids_by_seed(library)
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_pair(app, pilot, list(ids.values()))
        assert isinstance(screen, CoverageScreen)
        table = screen.query_one(CoverageTable)
        assert table.row_count == len(screen.comparison.coverage)
        await pilot.press("space")  # column 1
        await pilot.press("right", "space")  # column 2: opens the pair
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        assert [a.id for a in app.screen.articles] == screen.ids[:2]
        await pilot.press("c")  # the pair's own coverage view
        await pilot.pause()
        assert isinstance(app.screen, CoverageScreen)
        await pilot.press("escape", "escape", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, (CompareScreen, CoverageScreen))


async def test_narrow_terminal_shows_one_column_at_a_time(library: Library) -> None:
    ids = ids_by_seed(library)
    app = make_app(library)
    async with app.run_test(size=NARROW) as pilot:
        screen = await open_pair(app, pilot, [ids["000"], ids["001"], ids["004"]])
        assert isinstance(screen, CompareScreen) and len(screen.columns) == 3
        shown = [screen.query_one(f"#compare-col-{i}").display for i in range(3)]
        assert shown == [True, False, False]
        await pilot.press("right")
        await pilot.pause()
        assert [screen.query_one(f"#compare-col-{i}").display for i in range(3)] == [False, True, False]
        await pilot.resize_terminal(*WIDE)
        await pilot.pause()
        assert all(screen.query_one(f"#compare-col-{i}").display for i in range(3))


@pytest.mark.parametrize("name", builtin_keymap_names())
async def test_every_compare_and_coverage_key_runs_its_action(library: Library, tmp_path: Path, name: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.actions import ACTIONS

    keymap = keymap_named(name, tmp_path)
    calls: list[str] = []
    targets = {"compare": CompareColumn, "coverage": CoverageTable}
    specs = [spec for spec in ACTIONS if spec.scope in targets]
    for spec in specs:
        def record(*_: object, _id: str = spec.id) -> None:
            calls.append(_id)
        monkeypatch.setattr(targets[spec.scope], f"action_{spec.action}", record)
    ids = ids_by_seed(library)
    app = BroadsheetApp(library, keymap=keymap, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        app.open_compare([ids["000"], ids["001"]])
        await pilot.pause()
        compare = app.screen
        app.push_screen(CoverageScreen(library.compare([ids["000"], ids["001"]], coverage=True)))
        await pilot.pause()
        coverage = app.screen
        for spec in specs:
            for key in keymap.keys[spec.id]:
                if spec.scope == "compare":
                    if app.screen is not compare:
                        app.pop_screen()
                        await pilot.pause()
                    compare.column(0).focus()
                else:
                    if app.screen is not coverage:
                        app.push_screen(coverage)
                        await pilot.pause()
                    coverage.query_one(CoverageTable).focus()
                await pilot.pause()
                calls.clear()
                await pilot.press(*key.split())
                await pilot.pause()
                assert calls == [spec.id], f"{name}: {key!r} should run {spec.id}, ran {calls}"


# ----------------------------------------------------------------------------- snapshots
# Seed 000 vs 001, the seed story's coverage view and the narrow pane: the same sessions as the
# README's screenshots (tui/screenshots.py COMPARE_SESSIONS).
from typing import Any, Callable  # noqa: E402

from tui.screenshots import COMPARE_SESSIONS, Session  # noqa: E402

from conftest import session_snapshot  # noqa: E402


@pytest.mark.parametrize("session", COMPARE_SESSIONS, ids=[session.name for session in COMPARE_SESSIONS])
def test_compare_screens(session: Session, demo_library: Library, snap_compare: Callable[..., Any]) -> None:
    assert session.prepare is not None
    assert session_snapshot(session, demo_library, snap_compare)


def test_lines_an_outlet_repeats_are_not_shared_passages(tmp_path: Path) -> None:
    from store.records import Candidate

    furniture = "Photos from the scene were shared by readers of this very site today"
    topics = ["The council approved the new budget after a long debate on Tuesday.",
              "Heavy snow closed the mountain pass for the third time this winter.",
              "The striker scored twice as the home side won the derby at last.",
              "A new exhibition of early photographs opens at the city museum."]
    with Library.open(tmp_path / "lib") as lib:
        lib.add_candidates([Candidate(title=f"t{i}", body=f"{topic}\n{furniture}", origin=f"o{i}", source="site")
                            for i, topic in enumerate(topics)])
        first, second = [a.id for a in lib.articles()][:2]
        comparison = lib.compare([first, second])
        header = comparison.header(first, second)
        assert header.shared == 0 and not header.overlap
        assert comparison.pair(first, second).boilerplate_a


async def test_highlight_mode_saves_a_highlight_from_a_compare_column(library: Library) -> None:
    """The compare columns are article views: highlight mode works there as in the reader."""
    ids = ids_by_seed(library)
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_pair(app, pilot, [ids["000"], ids["001"]])
        assert isinstance(screen, CompareScreen)
        column = screen.columns[1]
        column.focus()
        await pilot.pause()
        await pilot.press("v", "w", "w", "1")
        await pilot.pause()
        [saved] = library.annotations(ids["001"])
        assert saved.color == 1 and saved.exact.strip() and column.text[saved.start:saved.end] == saved.exact


async def test_a_three_way_header_names_each_pair_by_its_columns(library: Library) -> None:
    """"A vs C" calls its second report C (it said B, which is another column)."""
    ids = ids_by_seed(library)
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        app.library_pane.picked.extend([ids["000"], ids["001"], ids["004"]])
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen) and len(screen.columns) == 3
        header = screen._header().plain
        letter = {article.id: "ABC"[n] for n, article in enumerate(screen.articles)}
        lines = [line for line in header.splitlines() if " vs " in line and line[:1] in "ABC"]
        assert len(lines) == 3  # a line a pair (the columns already name the reports)
        for (id_a, id_b), line in zip(screen.comparison.headers, lines):
            la, lb = letter[id_a], letter[id_b]
            assert line.startswith(f"{la} vs {lb}  ")
            assert f"of {la} in {lb}" in line and f"of {lb} in {la}" in line
        assert "of A in C" in header and "of C in A" in header
        assert header.count("\n") < 12  # it was 14 lines: three pairs of four, and the key to the styles


async def test_narrow_compare_brings_the_hidden_column_level_when_shown(library: Library) -> None:
    """At 80 columns one report shows at a time: `n n` then `→` opens the other at the partner passage."""
    ids = ids_by_seed(library)
    app = make_app(library)
    async with app.run_test(size=NARROW) as pilot:
        screen = await open_pair(app, pilot, [ids["000"], ids["001"]])
        left, right = screen.columns
        span, partner = await jump_to_shared(pilot, screen)
        height = left.offset_to_row(span[0]) - left.top_row
        await pilot.press("right")
        await pilot.pause()
        await pilot.pause()
        assert right.has_focus and right.top_row > 0
        assert right.offset_to_row(partner[0]) - right.top_row == height


def test_which_came_first_says_same_day_for_bare_dates() -> None:
    from dataclasses import replace

    from store import PairHeader
    from tui.compare_render import which_came_first

    header = PairHeader("a", "b", 0.1, 0.1, "2015-02-25", "2015-02-25", None, None, 1, 0, 2, 3, 0, 0)
    assert which_came_first(header, ("A", "B")) == "same day"
    midnight = replace(header, published_a="2015-02-25T00:00:00+00:00", published_b="2015-02-25T00:00:00+00:00")
    assert which_came_first(midnight, ("A", "B")) == "same day"
    timed = replace(header, published_a="2015-02-25T14:05:00+00:00", published_b="2015-02-25T14:05:00+00:00")
    assert which_came_first(timed, ("A", "B")) == "same time"
    assert which_came_first(replace(header, published_b=None), ("A", "B")) == "which came first: unknown"
