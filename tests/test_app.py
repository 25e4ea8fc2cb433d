"""The app, driven headless through Pilot as a user drives it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from store import Library
from store.demo import demo_files
from tui.actions import ACTIONS
from tui.annotations_pane import AnnotationsScreen, AnnotationTable
from tui.app import BroadsheetApp
from tui.dialogs import ConfirmDialog, HelpScreen, ImportDialog, TagDialog
from tui.keymap import Keymap, builtin_keymap_names, effective_keymap, load_config
from tui.library_pane import ArticleTable
from tui.reader_pane import ReaderView
from tui.search_pane import SearchInput, SearchScreen

WIDE = (160, 45)
NARROW = (80, 24)


@pytest.fixture()
def library(tmp_path: Path) -> Iterator[Library]:
    with Library.open(tmp_path / "lib") as lib:
        lib.import_paths(demo_files())
        yield lib


def make_app(library: Library, keymap: Keymap | None = None) -> BroadsheetApp:
    return BroadsheetApp(library, keymap=keymap, remember_theme=False)


def keymap_named(name: str, tmp_path: Path) -> Keymap:
    config_file = tmp_path / f"{name}.toml"
    config_file.write_text(f'keymap = "{name}"\n')
    config, problems = load_config(config_file)
    keymap, more = effective_keymap(config)
    assert not problems and not more
    return keymap


async def test_library_lists_every_article_and_opens_one(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        table = app.library_pane.table
        assert app.library_pane.shown_count == 5
        assert table.has_focus
        await pilot.press("enter")
        await pilot.pause()
        opened = app.reader_pane.article
        assert opened is not None and opened.read
        assert library.get(opened.id).read  # opening marks it read, on disk
        assert isinstance(app.focused, ReaderView)
        assert app.reader_pane.view.text == opened.body


async def test_reading_position_is_remembered(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        article_id = app.reader_pane.article.id
        app.reader_pane.view.action_page_down()
        app.reader_pane.view.action_page_down()
        await pilot.pause()
        offset = app.reader_pane.view.top_offset
        assert offset > 0
        app.action_close_reader()
        assert library.get(article_id).position == offset
        app.open_article(article_id)
        await pilot.pause()
        assert app.reader_pane.view.top_offset == offset


async def test_star_read_tag_delete_and_undo(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        first = app.library_pane.selected
        app.library_toggle_star(first)
        assert library.get(first.id).starred
        app.library_toggle_read(library.get(first.id))
        assert library.get(first.id).read
        app.library_tag(library.get(first.id))
        await pilot.pause()
        assert isinstance(app.screen, TagDialog)
        await pilot.press(*"border, wire", "enter")
        await pilot.pause()
        assert library.get(first.id).tags == ("border", "wire")
        app.library_delete(library.get(first.id))
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert len(library) == 4
        app.library_undo_delete()
        await pilot.pause()
        restored = library.get(first.id)
        assert restored.tags == ("border", "wire") and restored.starred


async def test_delete_can_be_declined(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        app.library_delete(app.library_pane.selected)
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert len(library) == 5


async def test_filter_sort_and_group_cycles(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        pane = app.library_pane
        pane.cycle("filter")
        assert pane.view.filter == "unread"
        library.set_read([pane.selected.id])
        pane.cycle("filter")
        pane.cycle("filter")
        pane.cycle("filter")  # all -> unread again
        app.refresh_library()
        assert pane.shown_count == 4
        pane.cycle("group")
        pane.cycle("sort")
        assert pane.view.sort == "source"
        pane.start_filter()
        await pilot.pause()
        await pilot.press(*"deportations", "enter")
        await pilot.pause()
        assert pane.view.text == "deportations"


def test_filters_by_state_tag_and_source_and_sorts() -> None:
    from store import Article
    from tui.library_pane import View, arrange

    def article(i: int, **fields: Any) -> Article:
        base = dict(id=f"a{i}", title=f"Title {i}", source="Reuters" if i % 2 else "AP", url="", author="",
                    published=f"2020-01-0{i}", imported_at="2026-01-01T00:00:00+00:00", origin=f"o{i}",
                    content_hash=str(i), word_count=100 * i, language="en", tags=(), read=False, starred=False)
        base.update(fields)
        return Article(**{k: v for k, v in base.items() if k in Article.__dataclass_fields__})

    articles = [article(1, read=True), article(2, starred=True, tags=("Border",)), article(3, tags=("wire",)),
                article(4, read=True, starred=True)]
    ids = lambda view: [articles[i].id for _, members in arrange(articles, view) for i in members]  # noqa: E731
    assert ids(View(group="none")) == ["a4", "a3", "a2", "a1"]  # newest first
    assert ids(View(group="none", filter="unread")) == ["a3", "a2"]
    assert ids(View(group="none", filter="starred")) == ["a4", "a2"]
    assert ids(View(group="none", text="tag:border")) == ["a2"]
    assert ids(View(group="none", text="source:reut")) == ["a3", "a1"]
    assert ids(View(group="none", text="source:ap title")) == ["a4", "a2"]
    assert ids(View(group="none", sort="words")) == ["a4", "a3", "a2", "a1"]
    assert ids(View(group="none", sort="title")) == ["a1", "a2", "a3", "a4"]
    assert [label for label, _ in arrange(articles, View(group="source"))] == ["AP", "Reuters"]


async def test_narrow_terminal_shows_one_pane_at_a_time(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=NARROW) as pilot:
        assert app.library_pane.display and not app.reader_pane.display
        await pilot.press("enter")
        await pilot.pause()
        assert app.reader_pane.display and not app.library_pane.display
        app.action_close_reader()
        await pilot.pause()
        assert app.library_pane.display and not app.reader_pane.display
        await pilot.resize_terminal(*WIDE)
        await pilot.pause()
        assert app.library_pane.display and app.reader_pane.display


async def test_help_shows_live_keys_after_a_remap(library: Library, tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('keymap = "default"\n[keys]\n"library.toggle_star" = "x"\n')
    config, _ = load_config(config_file)
    keymap, problems = effective_keymap(config)
    assert not problems
    app = make_app(library, keymap)
    async with app.run_test(size=WIDE) as pilot:
        app.action_help()
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = {action_id: keys for keys, _, action_id in app.screen.rows}
        assert rows["library.toggle_star"] == "x"
        await pilot.press("escape")
        await pilot.pause()
        selected = app.library_pane.selected
        await pilot.press("x")
        await pilot.pause()
        assert library.get(selected.id).starred


@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["wide", "narrow"])
@pytest.mark.parametrize("name", builtin_keymap_names())
async def test_every_action_is_reached_by_its_keys(library: Library, tmp_path: Path, name: str,
                                                   size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """For each key map, on a wide and a narrow terminal, each key (and key sequence) of each
    action runs that action."""
    keymap = keymap_named(name, tmp_path)
    calls: list[str] = []
    targets = {"app": BroadsheetApp, "library": ArticleTable, "reader": ReaderView, "search": SearchInput,
               "highlight": ReaderView, "annotations": AnnotationTable}
    ids = {(spec.scope if spec.scope != "highlight" else "reader", spec.action): spec.id for spec in ACTIONS}
    # the compare and coverage scopes live on their own screens: tests/test_compare.py presses theirs
    specs = [spec for spec in ACTIONS if spec.scope in targets]
    for spec in specs:
        scope = spec.scope if spec.scope != "highlight" else "reader"
        base = spec.action.split("(")[0]

        def record(*args: Any, _scope: str = scope, _base: str = base) -> None:
            params = args[1:] if args and not isinstance(args[0], (int, str)) else args
            text = f"{_base}({', '.join(map(str, params))})" if params else _base
            calls.append(ids[(_scope, text)])
        monkeypatch.setattr(targets[spec.scope], f"action_{base}", record)
    app = make_app(library, keymap)
    async with app.run_test(size=size) as pilot:
        app.open_article(library.articles()[0].id)
        await pilot.pause()
        view = app.reader_pane.view
        for spec in specs:
            for key in keymap.keys[spec.id]:
                if spec.scope == "search":  # the search pane's keys work in its query box
                    await app.push_screen(SearchScreen(library))
                    await pilot.pause()
                    focus: Any = app.screen.query_one(SearchInput)
                elif spec.scope == "annotations":
                    if not isinstance(app.screen, AnnotationsScreen):
                        app.push_screen(AnnotationsScreen(None))
                        await pilot.pause()
                    focus = app.screen.query_one(AnnotationTable)
                else:
                    if isinstance(app.screen, AnnotationsScreen):
                        app.pop_screen()
                        await pilot.pause()
                    in_reader = spec.scope in ("reader", "highlight")
                    focus = view if in_reader else app.library_pane.table
                    if app.narrow:  # one pane at a time: show the one whose keys are pressed
                        app.showing = "reader" if in_reader else "library"
                        app._apply_showing()
                    if spec.scope == "highlight":
                        view.enter_highlight_mode()
                    else:
                        view.leave_highlight_mode()
                focus.focus()
                await pilot.pause()
                calls.clear()
                await pilot.press(*key.split())
                await pilot.pause()
                assert calls == [spec.id], f"{name}: {key!r} should run {spec.id}, ran {calls}"
                if spec.scope == "search":
                    await app.workers.wait_for_complete()
                    app.pop_screen()
                    await pilot.pause()


async def test_palette_runs_any_action(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        selected = app.library_pane.selected
        app.run_action_id("library.toggle_star")
        await pilot.pause()
        assert library.get(selected.id).starred
        app.run_action_id("app.help")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_import_dialog_imports_in_the_background_and_lists_refusals(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Border talks\n\nMexico and the United States met on Monday.\n")
    (folder / "b.txt").write_bytes(b"\x00\x01binary")
    with Library.open(tmp_path / "lib") as library:
        app = make_app(library)
        async with app.run_test(size=WIDE) as pilot:
            assert not app.library_pane.table.display  # empty library: the welcome is shown
            app.action_import_dialog()
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, ImportDialog)
            await pilot.press(*str(folder), "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert dialog.report is not None
            assert len(dialog.report.added) == 1 and len(dialog.report.refused) == 1
            await pilot.press("escape")
            await pilot.pause()
            assert app.library_pane.shown_count == 1


async def test_empty_library_offers_the_demo(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as library:
        app = make_app(library)
        async with app.run_test(size=WIDE) as pilot:
            await pilot.click("#add-demo")
            await pilot.pause()
            assert len(library) == 5
            assert app.library_pane.shown_count == 5


async def test_read_only_library_says_so_and_refuses_changes(tmp_path: Path) -> None:
    path = tmp_path / "lib"
    with Library.open(path) as writer:
        writer.import_paths(demo_files())
    with Library.open(path, read_only=True) as library:
        app = make_app(library)
        async with app.run_test(size=WIDE) as pilot:
            app.library_toggle_star(app.library_pane.selected)
            await pilot.pause()
            assert not any(a.starred for a in library.articles())
            assert app.is_running


# ------------------------------------------------------------------------------------- safety
# Each is shown literally or removed: markup that would click, crash or vanish; ESC/CSI/OSC
# (colours, OSC 52 clipboard, OSC 8 links, window titles), 8-bit CSI, NUL and DEL.
LITERALS = ("[@click=app.quit]x[/]", "[/bold]", "price [USD] 5", "[link=https://evil.example]there[/link]",
            "[@click=app.screenshot('pwned.svg')]shot[/]")
ESCAPES = ("\x1b[31m", "\x1b]52;c;ZXZpbA==\x07", "\x1b]8;;http://evil.example\x1b\\", "\x1b]0;title\x1b\\", "\x9b31m",
           "\x00", "\x7f", "\x1bc")
HOSTILE_TITLE = "".join(f"{literal} {escape}" for literal, escape in zip(LITERALS, ESCAPES)) + " end"
HOSTILE_BODY = "Click " + "\n\n".join(f"{literal} {escape} body" for literal, escape in zip(LITERALS * 2, ESCAPES))
CONTROL = set(map(chr, [*range(0, 9), *range(11, 32), 127, *range(0x80, 0xA0)]))


def hostile_library(tmp_path: Path) -> Library:
    from store import Candidate

    library = Library.open(tmp_path / "lib")
    library.add_candidates([Candidate(title=HOSTILE_TITLE, body=HOSTILE_BODY, origin="[@click=app.quit]origin[/]",
                                      source="[bold]Evil[/bold] \x1b[5m", tags=("[/bold]", "price [USD] 5"))])
    return library


def assert_no_click_actions(widget: Any) -> None:
    """No painted cell carries a Textual click action (which markup would have put there)."""
    for y in range(widget.size.height):
        for segment in widget.render_line(y):
            meta = segment.style.meta if segment.style else {}
            assert "@click" not in meta, (y, segment)
            assert not CONTROL & set(segment.text), (y, segment)


async def test_hostile_text_renders_literally_and_clicking_does_nothing(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a clicked [@click=app.screenshot(...)] would write here
    with hostile_library(tmp_path) as library:
        app = make_app(library)
        async with app.run_test(size=WIDE) as pilot:
            table = app.library_pane.table
            title, source = table.row_plain(0)[:2]
            for literal in LITERALS:
                assert literal in title
            assert "[bold]Evil[/bold]" in source
            assert not CONTROL & set(title + source)
            assert_no_click_actions(table)
            for x in (3, 8, 20, 40):  # on the title: the first click moves the cursor, the next opens
                await pilot.click(ArticleTable, offset=(x, 1))
                await pilot.pause()
            assert app.reader_pane.article is not None
            view = app.reader_pane.view
            for literal in LITERALS:
                assert literal in view.text
            assert not CONTROL & (set(view.text) - {"\n"})
            header = app.reader_pane.query_one("#reader-header").render()
            assert "[@click=app.quit]origin[/]" in str(header) and "price [USD] 5" in str(header)
            assert_no_click_actions(view)
            for y in range(0, 12):
                await pilot.click(ReaderView, offset=(8, y))
                await pilot.click("#reader-header", offset=(4, y % 3))
            await pilot.pause()
            app.library_tag(app.library_pane.selected)  # the tag dialog shows title and tags
            await pilot.pause()
            await pilot.press("escape")
            app.library_delete(app.library_pane.selected)  # the confirmation shows the title
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.click(".dialog Static", offset=(10, 0))
            await pilot.press("n")
            await pilot.pause()
            assert app.is_running and len(library) == 1
            assert not list(tmp_path.glob("*.svg"))
            screen = app.export_screenshot()
            assert "\x1b" not in screen and "[USD]" in screen and "[/bold]" in screen


async def test_hostile_file_names_in_the_import_dialog_are_literal(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "[@click=app.quit]x[-] [USD].bin").write_bytes(b"\x00\x01\x02 not text")
    with Library.open(tmp_path / "lib") as library:
        app = make_app(library)
        async with app.run_test(size=WIDE) as pilot:
            app.action_import_dialog()
            await pilot.pause()
            await pilot.press(*str(folder), "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            dialog = app.screen
            assert dialog.report is not None and dialog.report.skipped
            log = str(dialog.query_one("#import-log").content)
            assert "[@click=app.quit]x[-] [USD].bin" in log
            await pilot.click("#import-log", offset=(12, 0))
            await pilot.pause()
            assert app.is_running


# ------------------------------------------------------------------------------------- layout, mouse, focus
async def test_a_terminal_too_small_says_so_and_recovers(library: Library) -> None:
    from tui.too_small import TooSmallScreen

    app = make_app(library)
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        assert "40×10" in str(app.screen.query_one("#too-small").render())
        sort_before = app.library_pane.view.sort
        await pilot.press("down", "enter", "tab", "o", "F", "x")  # keys while too small do no harm
        await pilot.resize_terminal(*NARROW)
        await pilot.pause()
        assert not isinstance(app.screen, TooSmallScreen)
        assert isinstance(app.focused, ArticleTable)  # the table has its focus back, not a hidden text box
        assert app.library_pane.view.sort == sort_before and app.library_pane.view.text == ""
        await pilot.press("o")  # and its keys work again
        await pilot.pause()
        assert app.library_pane.view.sort != sort_before
        await pilot.resize_terminal(45, 10)  # shrinking again, and growing, and again
        await pilot.pause()
        await pilot.resize_terminal(*WIDE)
        await pilot.pause()
        assert isinstance(app.focused, ArticleTable) and len(app.screen_stack) == 1
        await pilot.resize_terminal(40, 10)
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running


async def test_the_size_guard_covers_the_compare_and_coverage_screens(library: Library) -> None:
    from tui.compare_pane import CompareScreen
    from tui.coverage_pane import CoverageScreen
    from tui.too_small import TooSmallScreen

    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        app.library_pane.picked.extend(a.id for a in library.articles()[:2])
        app.refresh_library()
        await pilot.press("c")
        await pilot.pause()
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        focused = app.focused
        await pilot.resize_terminal(45, 10)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen) and "45×10" in str(app.screen.query_one("#too-small").render())
        await pilot.press("escape")  # does not close the comparison underneath
        await pilot.resize_terminal(*NARROW)
        await pilot.pause()
        assert app.screen is compare and app.focused is focused
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CoverageScreen)
        await pilot.resize_terminal(30, 8)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen) and "30×8" in str(app.screen.query_one("#too-small").render())
        await pilot.resize_terminal(*NARROW)
        await pilot.pause()
        assert isinstance(app.screen, CoverageScreen)


async def test_tab_moves_focus_between_the_panes(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        assert isinstance(app.focused, ArticleTable)
        await pilot.press("tab")
        assert isinstance(app.focused, ReaderView)
        await pilot.press("tab")
        assert isinstance(app.focused, ArticleTable)
        await pilot.press("shift+tab")
        assert isinstance(app.focused, ReaderView)


async def test_mouse_click_selects_then_opens_and_the_wheel_scrolls(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        table = app.library_pane.table
        await pilot.click(ArticleTable, offset=(5, 3))  # y=0 is the header: row 2
        await pilot.pause()
        assert table.cursor_row == 2 and app.reader_pane.article is None
        await pilot.click(ArticleTable, offset=(5, 3))
        await pilot.pause()
        opened = app.reader_pane.article
        assert opened is not None and opened.id == app.library_pane.selected.id
        view = app.reader_pane.view
        await pilot.mouse_down(ReaderView, offset=(5, 5))
        await pilot.mouse_up(ReaderView, offset=(5, 5))
        before = view.scroll_y
        from textual.events import MouseScrollDown

        view.post_message(MouseScrollDown(view, 5, 5, 0, 0, 0, False, False, False))
        await pilot.pause()
        assert view.scroll_y > before


def many_articles(library: Library, count: int) -> None:
    from store import Candidate

    library.add_candidates([Candidate(title=f"Article {i:04d} about the border talks", body=f"Body {i}.\n\nMore {i}.",
                                      origin=f"gen/{i}.txt", source=f"outlet{i % 3}", published=f"2020-01-{1 + i % 28:02d}")
                            for i in range(count)])


async def test_a_long_library_pages_and_scrolls_with_the_cursor(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as library:
        many_articles(library, 300)
        app = make_app(library)
        async with app.run_test(size=NARROW) as pilot:
            table = app.library_pane.table
            assert table.row_count == 303  # three source groups
            assert table.cursor_row == 1  # the first article, under its group's header
            await pilot.press("pagedown")
            assert table.cursor_row == 1 + table.page_rows
            await pilot.press("end")
            await pilot.pause()
            assert table.cursor_row == 302
            assert table.scroll_y == table.max_scroll_y > 250
            await pilot.press("home")
            await pilot.pause()
            assert table.cursor_row == 0 and table.scroll_y == 0
            from textual.events import MouseScrollDown

            table.post_message(MouseScrollDown(table, 5, 5, 0, 0, 0, False, False, False))
            await pilot.pause()
            assert table.scroll_y > 0 and table.cursor_row == 0  # the wheel scrolls; the cursor stays


async def test_highlight_counts_show_once_the_library_has_annotations(library: Library) -> None:
    """The notes pane's store adds Library.annotations(); the column uses it when it is there."""
    from types import SimpleNamespace

    first, second = library.articles()[:2]
    notes = [SimpleNamespace(article_id=first.id)] * 3 + [SimpleNamespace(article_id=second.id)]
    library.annotations = lambda *args, **kwargs: notes  # type: ignore[attr-defined]
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        shown = {table_row[0]: table_row[-1].strip() for table_row in
                 (app.library_pane.table.row_plain(i) for i in range(app.library_pane.table.row_count))}
        assert shown[first.title] == "3" and shown[second.title] == "1"
        assert sum(1 for count in shown.values() if not count) == 3


# ------------------------------------------------------------------------------------- themes and config
async def test_the_theme_picked_is_remembered(library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.keymap import load_theme

    monkeypatch.setenv("BROADSHEET_CONFIG", str(tmp_path / "config" / "config.toml"))
    app = BroadsheetApp(library)
    async with app.run_test(size=WIDE) as pilot:
        app.theme = "nord"  # what the palette's "Change theme" does
        await pilot.pause()
    assert load_theme() == "nord"
    again = BroadsheetApp(library)
    async with again.run_test(size=WIDE):
        assert again.theme == "nord"


async def test_bad_config_still_starts_with_its_problems_shown(library: Library, tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('keymap = "vim"\ntheme = "no-such-theme"\n[keys]\n"library.explode" = "x"\n'
                           '"library.toggle_star" = "ctrl+c"\n')
    config, problems = load_config(config_file)
    keymap, more = effective_keymap(config)
    notices = [str(problem) for problem in (*problems, *more)]
    assert any(f"{config_file}:4:" in notice and "library.explode" in notice for notice in notices)
    assert any(f"{config_file}:5:" in notice and "ctrl+c" in notice for notice in notices)
    app = BroadsheetApp(library, keymap=keymap, notices=notices, remember_theme=False, theme=config.theme)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        shown = [notification.message for notification in app._notifications]
        assert any("library.explode" in message for message in shown)
        assert any('unknown theme "no-such-theme"' in message for message in shown)
        assert keymap.name == "vim" and app.keys_for("library.toggle_star") == "s"
        start = app.library_pane.table.cursor_row
        await pilot.press("j")  # vim keys work
        assert app.library_pane.table.cursor_row == start + 1


async def test_the_palette_lists_every_action_with_its_live_keys(library: Library, tmp_path: Path) -> None:
    from tui.commands import ActionCommands

    config_file = tmp_path / "config.toml"
    config_file.write_text('keymap = "emacs"\n[keys]\n"library.toggle_star" = "x"\n')
    config, _ = load_config(config_file)
    keymap, _ = effective_keymap(config)
    app = make_app(library, keymap)
    async with app.run_test(size=WIDE):
        provider = ActionCommands(app.screen)
        hits = [hit async for hit in provider.discover()]
        assert [hit.help.split(" · ")[0] for hit in hits] == [spec.id for spec in ACTIONS]
        star = next(hit for hit in hits if hit.help.startswith("library.toggle_star"))
        assert star.help.endswith("keys: x")
        found = [hit async for hit in provider.search("undo delete")]
        assert found and "library.undo" in str(found[0].match_display)


async def test_a_large_librarys_stories_load_after_the_first_frame(library: Library,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Above STORIES_IN_FOREGROUND articles the list paints ungrouped, then regroups by story when
    the worker has loaded them; the cursor stays on its article."""
    import tui.app

    monkeypatch.setattr(tui.app, "STORIES_IN_FOREGROUND", 0)
    monkeypatch.setattr(Library, "stories_cached", lambda self: True)
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        table = app.library_pane.table
        await pilot.pause()  # the worker starts after the first frame
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app._stories_loaded
        assert any(key.startswith("group:") for key in table.row_keys)
        selected = app.library_pane.selected
        app.refresh_library()  # later refreshes group at once (stories are in memory now)
        assert any(key.startswith("group:") for key in table.row_keys)
        assert app.library_pane.selected == selected

    monkeypatch.setattr(BroadsheetApp, "_load_stories", lambda self: None)
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert not any(key.startswith("group:") for key in app.library_pane.table.row_keys)


async def test_a_large_library_without_a_stories_index_is_not_clustered_in_the_app_process(
        library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """Building the index would starve the interface for a minute: a process of its own builds it
    (tests/test_story_build.py runs the real one), and the app only shows its progress."""
    import tui.app
    from tui.story_progress import BuildEvent

    monkeypatch.setattr(tui.app, "STORIES_IN_FOREGROUND", 0)
    monkeypatch.setattr(Library, "stories_cached", lambda self: False)
    monkeypatch.setattr(Library, "stories", lambda self, **kwargs: pytest.fail("clustered in the app"))
    started: list[Path] = []

    class FakeBuild:
        def __init__(self, path: Path) -> None:
            started.append(path)

        def events(self, stop: Any) -> Any:
            yield BuildEvent("progress", 1, 2, "reading articles")
            yield BuildEvent("done", text="3")

        def cancel(self) -> None:
            pass

    monkeypatch.setattr(tui.app, "StoryBuild", FakeBuild)
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert started == [library.path]
        assert not any(key.startswith("group:") for key in app.library_pane.table.row_keys)


@pytest.mark.parametrize("opening, dialog", [("t", TagDialog), ("i", ImportDialog), ("question_mark", HelpScreen),
                                             ("d", ConfirmDialog), ("slash", SearchScreen)],
                         ids=["tags", "import", "help", "confirm", "search"])
async def test_ctrl_q_quits_from_every_dialog(library: Library, opening: str, dialog: type) -> None:
    """A dialog hides the app's bindings, and the app's `app.quit` replaces Textual's priority
    ctrl+q: the untypable quit keys must still quit from anywhere (a typed q stays a letter)."""
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press(opening)
        await pilot.pause()
        assert isinstance(app.screen, dialog)
        if opening in ("t", "i", "slash"):
            await pilot.press("q")  # typed into the dialog's text box: no quitting
            await pilot.pause()
            assert app.return_code is None and isinstance(app.screen, dialog)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0


async def test_notifications_are_plain_text(library: Library) -> None:
    """Messages carry titles, quotes, notes and tags: Textual would read them as markup ("[/bold]"
    crashed the app from a highlight's tag) and pass escape sequences to the terminal."""
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        app.notify("Tags saved: [/bold], [@click=app.quit]x[/] \x1b]0;PWN\x07 \x9b31m")
        await pilot.pause()
        (shown,) = [n for n in app._notifications if n.message.startswith("Tags saved")]
        assert not shown.markup and shown.message.rstrip() == "Tags saved: [/bold], [@click=app.quit]x[/]"
        # widgets' notify() asks for markup (Textual's default): still plain, title included
        hostile = "import of [/bold] [@click=app.quit]x[/] price [USD] 5\x1b]52;c;ZGF0YQ==\x07 failed"
        app.notify(hostile)
        app.library_pane.notify(hostile, title="[/bold]")
        await pilot.pause()
        await pilot.pause()
        notices = [n for n in app._notifications if n.message.startswith("import of")]
        assert [n.message for n in notices] == ["import of [/bold] [@click=app.quit]x[/] price [USD] 5 failed"] * 2
        assert notices[1].title == "[/bold]"
        assert all(not n.markup for n in app._notifications)
        assert app.return_code is None and app.is_running


async def test_quitting_stops_background_story_loading(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """Python waits for worker threads at exit: the load must stop at its next progress report."""
    import threading

    import tui.app

    monkeypatch.setattr(tui.app, "STORIES_IN_FOREGROUND", 0)
    monkeypatch.setattr(Library, "stories_cached", lambda self: True)
    reports: list[str] = []
    started, finished = threading.Event(), threading.Event()

    def slow_stories(self: Library, *, evidence: bool = True, progress: Any = None) -> list[Any]:
        started.set()
        try:
            for step in range(1000):  # a long build that reports progress
                progress(step, 1000, "matching articles")
                reports.append("step")
                threading.Event().wait(0.01)
            return []
        finally:
            finished.set()

    monkeypatch.setattr(Library, "stories", slow_stories)
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        assert started.wait(5)
        await pilot.press("q")
    assert finished.wait(5)
    assert len(reports) < 100


async def test_a_new_highlight_shows_in_its_row_without_a_full_refresh(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        pane = app.library_pane
        article = pane.selected
        row = pane.table.row_keys.index(f"article:{article.id}")
        assert pane.table.row_plain(row)[-1].strip() == ""
        library.annotate(article.id, 0, 10)
        library.annotate(article.id, 20, 30, color=2)
        app.article_changed(article.id)
        await pilot.pause()
        assert pane.table.row_plain(row)[-1].strip() == "2"


async def test_a_maximised_reader_stays_visible_when_the_terminal_narrows(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("enter", "ctrl+l")
        await pilot.pause()
        assert app.reader_pane.display and not app.library_pane.display
        await pilot.resize_terminal(*NARROW)
        await pilot.pause()
        assert app.reader_pane.display and not app.library_pane.display
        await pilot.press("escape")
        await pilot.pause()
        assert app.library_pane.display and not app.reader_pane.display
        await pilot.resize_terminal(*WIDE)
        await pilot.pause()
        assert app.library_pane.display and app.reader_pane.display


# ----------------------------------------------------------------- typing into a box as it opens
def burst(app: BroadsheetApp, keys: list[str]) -> None:
    """Keys as a terminal delivers a paste or fast typing: all queued before the app handles the first."""
    from textual import events

    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else {"enter": "\r", "space": " "}.get(key)))


@pytest.mark.parametrize("opening, box", [
    (["F"], "#library-filter"),
    (["t"], "#tag-input"),
    (["slash"], "#search-input"),
    (["i"], "#import-target"),
    (["A", "f"], "#annotations-filter"),
])
async def test_keys_typed_while_a_text_box_opens_go_into_it(library: Library, opening: list[str], box: str) -> None:
    """"F" then "wire" in one burst: "i" used to open Import and the other letters were lost."""
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        for key in opening[:-1]:
            await pilot.press(key)
        stack = len(app.screen_stack)
        burst(app, [opening[-1], *"wire"])
        await wait_until(pilot, lambda: app._held_keys is None and getattr(app.focused, "value", None) == "wire")
        assert app.focused is app.screen.query_one(box)
        assert not isinstance(app.screen, ImportDialog) or box == "#import-target"
        assert len(app.screen_stack) == stack + (0 if opening[-1] in ("F", "f") else 1)


async def test_a_burst_with_enter_applies_the_filter(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        burst(app, ["F", *"border", "enter"])
        await wait_until(pilot, lambda: app.library_pane.view.text == "border")
        assert app.focused is app.library_pane.table


async def test_held_keys_go_on_if_no_text_box_takes_focus(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        app.expect_typing()
        burst(app, ["question_mark"])
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))  # after HOLD_SECONDS, as typed
        assert app._held_keys is None


async def wait_until(pilot: Any, condition: Any, seconds: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.02)


async def test_regrouping_by_story_in_the_background_keeps_an_unmoved_cursor_at_the_top(
        library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """The list shows at once, grouped by source, then regroups by story: a reader who had not
    moved found the cursor mid-list, on the article that used to be first."""
    import tui.app

    from store import Candidate

    # the newest article (first by date) is a story of its own, listed last when grouped by story
    library.add_candidates([Candidate(title="Lone report", body="A harbour closed for the winter on Tuesday.",
                                      origin="memory:lone", published="2030-01-01")])
    monkeypatch.setattr(tui.app, "STORIES_IN_FOREGROUND", 0)
    monkeypatch.setattr(Library, "stories_cached", lambda self: True)
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        table = app.library_pane.table
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app._stories_loaded and table.row_keys[0].startswith("group:")
        assert table.cursor_row == 1  # the first article, under its story's header
        assert app.library_pane.selected is not None and app.library_pane.selected.title != "Lone report"


async def test_library_rows_are_drawn_once_and_again_when_their_data_width_or_styles_change(
        library: Library) -> None:
    """The table keeps each drawn row (tui/row_table.py); what is on screen must still follow every
    change of an article (read, star, pick, highlights), of the width and of the theme."""
    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        pane, table = app.library_pane, app.library_pane.table
        article = pane.selected
        assert article is not None and not article.read and not article.starred

        def on_screen(article_id: str) -> str:
            index = table.index_of(f"article:{article_id}")
            assert index is not None
            return table.render_line(index - round(table.scroll_y) + 1).text

        def flags(article_id: str) -> str:
            return on_screen(article_id).split(table.row_plain(table.index_of(f"article:{article_id}"))[3])[-1]

        assert "●" in flags(article.id)
        drawn = table.rows_drawn
        table.refresh()
        await pilot.pause()
        assert table.rows_drawn == drawn  # a repaint draws no row anew

        await pilot.press("r")  # marked read: its row is drawn again, the others are not
        await pilot.pause()
        assert "●" not in flags(article.id)
        assert 1 <= table.rows_drawn - drawn <= 2
        await pilot.press("s")
        await pilot.pause()
        assert "★" in flags(article.id)

        await pilot.press("m")  # picked to compare: the mark and number before its title
        await pilot.pause()
        assert "◆1 " in on_screen(article.id)
        await pilot.press("m")
        await pilot.pause()
        assert "◆" not in on_screen(article.id)

        library.annotate(article.id, 0, 10)
        app.article_changed(article.id)
        await pilot.pause()
        assert on_screen(article.id).rstrip().endswith("1")

        before = on_screen(article.id)
        await pilot.resize_terminal(140, 45)
        await pilot.pause()
        assert len(on_screen(article.id)) < len(before)  # drawn again at the new width

        line = table.render_line(table.index_of(f"article:{article.id}") - round(table.scroll_y) + 1)
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        again = table.render_line(table.index_of(f"article:{article.id}") - round(table.scroll_y) + 1)
        assert again.text == line.text and list(again) != list(line)  # same text, the new theme's colours


async def test_the_key_hints_follow_the_focus_and_a_click_presses_the_key(library: Library) -> None:
    from tui.key_hints import KeyHints

    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        hints = app.query_one(KeyHints)
        descriptions = [h.description for h in hints.hints]
        assert "Open the article" in descriptions
        assert hints.palette is not None  # the palette key, drawn at the right
        line = hints.render().plain
        assert len(line) == WIDE[0] and line.rstrip().endswith("palette")
        await pilot.press("enter")
        await pilot.pause()
        assert "Back to the library" in [h.description for h in hints.hints]  # the reader's keys now
        # a click on a hint presses its key: "Back to the library" moves the focus to the list
        start = next(x0 for x0, _x1, hint in hints._spans if hint.description == "Back to the library")
        await pilot.click(KeyHints, offset=(start + 1, 0))
        await pilot.pause()
        assert isinstance(app.focused, ArticleTable)
        assert "Open the article" in [h.description for h in hints.hints]


async def test_escape_in_the_list_clears_an_applied_filter(library: Library) -> None:
    app = make_app(library)
    async with app.run_test(size=NARROW) as pilot:
        await pilot.pause()
        await pilot.press("F", *"source:nobody mexico", "enter")
        await pilot.pause()
        pane = app.library_pane
        assert pane.view.text == "source:nobody mexico" and app.focused is pane.table
        status = str(pane.query_one("#library-status").render())
        assert "filter: source:nobody mexico" in status  # the whole filter, on the one line shown
        await pilot.press("escape")
        await pilot.pause()
        assert pane.view.text == "" and pane.query_one("#library-filter").has_class("hidden")
        assert "filter:" not in str(pane.query_one("#library-status").render())
        assert "5 of 5 articles" in str(pane.query_one("#library-status").render())


async def test_the_reader_shows_a_long_url_in_full(tmp_path: Path) -> None:
    from store.records import Candidate

    url = "https://www.example.com/politics/congressional-leaders-meet-at-white-house-as-shutdown-stances-harden"
    with Library.open(tmp_path / "lib") as lib:
        lib.add_candidates([Candidate(title="Shutdown talks", body="Leaders met again on Friday.\n", origin=url,
                                      url=url, source="Example News")])
        app = make_app(lib)
        async with app.run_test(size=NARROW) as pilot:
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            header = app.reader_pane.query_one("#reader-header")
            drawn = "".join(strip.text for strip in header.render_lines(header.region.reset_offset))
            assert url in drawn.replace(" ", "")
            assert header.region.height >= 4  # title, details, and the URL over two lines


async def test_pick_on_a_group_heading_says_why_nothing_was_picked(library: Library) -> None:
    app = make_app(library)
    shown: list[str] = []
    original = app.notify
    app.notify = lambda message, **kwargs: (shown.append(str(message)), original(message, **kwargs))  # type: ignore[method-assign]
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        pane = app.library_pane
        pane.table.move_cursor(0)  # the first story's heading (grouped by story)
        await pilot.pause()
        assert pane.selected is None
        await pilot.press("m")
        await pilot.pause()
        assert not pane.picked and any("heads a group" in message for message in shown)


async def test_the_coverage_view_lists_its_own_keys(library: Library) -> None:
    from tui.coverage_pane import CoverageScreen
    from tui.key_hints import KeyHints

    app = make_app(library)
    async with app.run_test(size=WIDE) as pilot:
        app.library_pane.picked.extend(a.id for a in library.articles())
        app.refresh_library()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CoverageScreen)
        descriptions = [hint.description for hint in app.screen.query_one(KeyHints).hints]
        assert any(d.startswith("Pick this report") for d in descriptions)
        assert "Close the coverage view" in descriptions
