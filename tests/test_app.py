"""The app, driven headless through Pilot as a user drives it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from store import Library
from store.demo import demo_files
from tui.actions import ACTIONS
from tui.app import BroadsheetApp
from tui.dialogs import ConfirmDialog, HelpScreen, ImportDialog, TagDialog
from tui.keymap import Keymap, builtin_keymap_names, effective_keymap, load_config
from tui.library_pane import ArticleTable
from tui.reader_pane import ReaderView

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
        assert len(app.library_pane._row_article) == 5
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
        assert len(pane._row_article) == 4
        pane.cycle("group")
        pane.cycle("sort")
        assert pane.view.sort == "source"
        pane.start_filter()
        await pilot.pause()
        await pilot.press(*"deportations", "enter")
        await pilot.pause()
        assert pane.view.text == "deportations"


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


@pytest.mark.parametrize("name", builtin_keymap_names())
async def test_every_action_is_reached_by_its_keys(library: Library, tmp_path: Path, name: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """For each key map, each key (and key sequence) of each action runs that action."""
    keymap = keymap_named(name, tmp_path)
    calls: list[str] = []
    targets = {"app": BroadsheetApp, "library": ArticleTable, "reader": ReaderView}
    # the compare and coverage scopes live on their own screens: tests/test_compare.py presses theirs
    specs = [spec for spec in ACTIONS if spec.scope in targets]
    for spec in specs:
        def record(*_: Any, _id: str = spec.id) -> None:
            calls.append(_id)
        monkeypatch.setattr(targets[spec.scope], f"action_{spec.action}", record)
    app = make_app(library, keymap)
    async with app.run_test(size=WIDE) as pilot:
        app.open_article(library.articles()[0].id)
        await pilot.pause()
        for spec in specs:
            for key in keymap.keys[spec.id]:
                focus = app.reader_pane.view if spec.scope == "reader" else app.library_pane.table
                focus.focus()
                await pilot.pause()
                calls.clear()
                await pilot.press(*key.split())
                await pilot.pause()
                assert calls == [spec.id], f"{name}: {key!r} should run {spec.id}, ran {calls}"


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
            assert len(app.library_pane._row_article) == 1


async def test_empty_library_offers_the_demo(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as library:
        app = make_app(library)
        async with app.run_test(size=WIDE) as pilot:
            await pilot.click("#add-demo")
            await pilot.pause()
            assert len(library) == 5
            assert len(app.library_pane._row_article) == 5


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


HOSTILE_TITLE = "[@click=app.quit]x[/] [/bold] price [USD] 5 \x1b]52;c;ZXZpbA==\x07\x1b[31mred"
HOSTILE_BODY = "Click [@click=app.quit]here[/] and [link=https://evil]there[/link]. \x1b]8;;http://x\x1b\\link " \
               "\x9b31m [/bold] price [USD] 5."


async def test_hostile_text_renders_literally_and_clicking_does_nothing(tmp_path: Path) -> None:
    from store.records import Candidate

    with Library.open(tmp_path / "lib") as library:
        library.add_candidates([Candidate(title=HOSTILE_TITLE, body=HOSTILE_BODY, origin="hostile",
                                          source="[bold]Evil[/bold]")])
        app = make_app(library)
        async with app.run_test(size=WIDE) as pilot:
            table = app.library_pane.table
            row = table.get_row_at(1)  # row 0 is the source group header
            assert "[@click=app.quit]x[/] [/bold] price [USD] 5" in row[0].plain
            assert "\x1b" not in row[0].plain
            await pilot.click(ArticleTable, offset=(3, 2))
            await pilot.press("enter")
            await pilot.pause()
            view = app.reader_pane.view
            assert "[@click=app.quit]here[/]" in view.text and "\x1b" not in view.text and "\x9b" not in view.text
            await pilot.click(ReaderView, offset=(8, 0))
            await pilot.pause()
            assert app.is_running
            screen = app.export_screenshot()
            assert "\x1b" not in screen and "[USD]" in screen
