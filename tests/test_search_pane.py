"""The search pane, driven headless as a user drives it, in every key map."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from store import Candidate, Library
from store.demo import demo_files
from tui.app import BroadsheetApp
from tui.keymap import Keymap, builtin_keymap_names, effective_keymap, load_config
from tui.result_list import ResultList
from tui.search_pane import SearchInput, SearchScreen

WIDE = (160, 45)


@pytest.fixture()
def library(tmp_path: Path) -> Iterator[Library]:
    with Library.open(tmp_path / "lib") as lib:
        lib.import_paths(demo_files())
        yield lib


def keymap_named(name: str, tmp_path: Path) -> Keymap:
    config_file = tmp_path / f"{name}.toml"
    config_file.write_text(f'keymap = "{name}"\n')
    config, problems = load_config(config_file)
    keymap, more = effective_keymap(config)
    assert not problems and not more
    return keymap


def first_key(keymap: Keymap, action_id: str) -> list[str]:
    return keymap.keys[action_id][0].split()


async def settle(app: BroadsheetApp, pilot: object) -> None:
    """Wait until the search pane shows the results (or the error) of what is in its query box:
    the last keystroke's worker may start only after the key has been handled."""
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]
        screen = app.screen
        if not isinstance(screen, SearchScreen):
            return
        if screen.shown_query == screen.query_one(SearchInput).value:
            return


async def search_for(app: BroadsheetApp, pilot: object, query: str) -> SearchScreen:
    """Open the search pane, type `query` without waiting between keys, and wait for its results."""
    app.action_search()
    await pilot.pause()  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, SearchScreen)
    await pilot.press(*query)  # type: ignore[attr-defined]
    await settle(app, pilot)
    return screen


@pytest.mark.parametrize("name", builtin_keymap_names())
async def test_search_open_step_through_hits_and_return(library: Library, tmp_path: Path, name: str) -> None:
    keymap = keymap_named(name, tmp_path)
    app = BroadsheetApp(library, keymap=keymap, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press(*first_key(keymap, "app.search"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        assert isinstance(app.focused, SearchInput)
        await pilot.press(*"pena nieto")
        await settle(app, pilot)
        assert screen.results is not None and len(screen.results.hits) == 4
        status = str(screen.query_one("#search-status").render())
        assert "4 matches" in status and "ms" in status
        first = screen.selected
        assert first is not None and screen.result_list.highlighted == 0
        # the preview shows the selected article with its hits highlighted
        assert screen.preview.text == library.get(first.article_id).body
        assert screen.preview._layers["search"].spans
        await pilot.press(*first_key(keymap, "search.down"))
        await pilot.pause()
        assert screen.result_list.highlighted == 1
        await pilot.press(*first_key(keymap, "search.up"))
        await pilot.pause()
        assert screen.result_list.highlighted == 0
        await pilot.press(*first_key(keymap, "search.page_down"))
        await pilot.pause()
        assert screen.result_list.highlighted == 3  # clamped to the last result
        await pilot.press(*first_key(keymap, "search.page_up"))
        await pilot.pause()
        hit = screen.selected
        assert hit is not None
        await pilot.press(*first_key(keymap, "search.open"))
        await pilot.pause()
        assert app.screen is not screen
        view = app.reader_pane.view
        assert app.reader_pane.article is not None and app.reader_pane.article.id == hit.article_id
        assert app.focused is view
        assert view.search_hits == list(hit.spans) and len(view.search_hits) > 2
        assert view.cursor == hit.offset
        body = view.text
        assert all(body[s:e].lower().replace("ñ", "n") in ("pena", "nieto") for s, e in view.search_hits)
        await pilot.press(*first_key(keymap, "reader.next_hit"))
        await pilot.pause()
        assert view.cursor == view.search_hits[1][0]
        await pilot.press(*first_key(keymap, "reader.previous_hit"))
        await pilot.pause()
        assert view.cursor == view.search_hits[0][0]
        await pilot.press(*first_key(keymap, "reader.previous_hit"))  # wraps to the last hit
        await pilot.pause()
        assert view.cursor == view.search_hits[-1][0]
        # reopening keeps the query; closing returns without opening anything
        opened = app.reader_pane.article
        await pilot.press(*first_key(keymap, "app.search"))
        await pilot.pause()
        again = app.screen
        assert isinstance(again, SearchScreen) and again.query_one(SearchInput).value == "pena nieto"
        await settle(app, pilot)
        await pilot.press(*first_key(keymap, "search.close"))
        await pilot.pause()
        assert not isinstance(app.screen, SearchScreen)
        assert app.reader_pane.article == opened


async def test_unknown_filter_is_shown_inline_and_keeps_the_results(library: Library) -> None:
    app = BroadsheetApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        screen = await search_for(app, pilot, "mexico")
        shown = len(screen.results.hits) if screen.results else 0
        assert shown == 5
        box = screen.query_one(SearchInput)
        box.value = "mexico foo:bar"  # pasted: no query in between
        box.cursor_position = len(box.value)
        await settle(app, pilot)
        status = screen.query_one("#search-status")
        assert 'unknown filter "foo:"' in str(status.render()) and status.has_class("-error")
        assert screen.result_list.option_count == shown
        for _ in "foo:bar":
            await pilot.press("backspace")
        await settle(app, pilot)
        assert screen.result_list.option_count == shown
        assert not status.has_class("-error")


async def test_typing_is_never_blocked_and_only_the_last_query_shows(library: Library) -> None:
    app = BroadsheetApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        screen = await search_for(app, pilot, "deportaton")  # no waiting between keys
        assert screen.query_one(SearchInput).value == "deportaton"
        assert screen.results is not None and screen.results.query.text == "deportaton"
        assert len(screen.results.hits) >= 3


async def test_hostile_titles_are_shown_literally(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as library:
        library.add_candidates([Candidate(title="[@click=app.quit]Quit[/] [bold]x[/bold] zebra",
                                          body="A zebra [link=http://x]here[/link] \x1b[31m red.", origin="h")])
        app = BroadsheetApp(library, remember_theme=False)
        async with app.run_test(size=WIDE) as pilot:
            screen = await search_for(app, pilot, "zebra")
            prompt = screen.result_list.prompt_at(0)
            assert "[@click=app.quit]Quit[/]" in str(prompt)
            await pilot.click("#search-results", offset=(5, 0))
            await pilot.pause()
            assert app.is_running


async def test_clicking_a_result_opens_it_and_the_preview_follows_the_highlight(library: Library) -> None:
    app = BroadsheetApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        screen = await search_for(app, pilot, "deportaton")
        assert screen.results is not None
        hits = screen.results.hits
        assert len(hits) >= 3 and screen.result_list.highlighted == 0
        await pilot.pause()  # the preview is drawn in the frame after the results
        assert screen.preview.text == library.get(hits[0].article_id).body
        screen.move(2)
        await pilot.pause()
        assert screen.preview.text == library.get(hits[2].article_id).body
        second_row = screen.result_list._first_row[1]  # the second result's first line
        await pilot.click("#search-results", offset=(5, second_row))
        await pilot.pause()
        assert not isinstance(app.screen, SearchScreen)
        assert app.reader_pane.article is not None and app.reader_pane.article.id == hits[1].article_id


def test_search_screen_snapshot(snap_compare: object, demo_library: Library) -> None:
    library = demo_library  # fixed ids and import dates: the results show dates, which must not be today's
    app = BroadsheetApp(library, remember_theme=False)

    async def run_before(pilot: object) -> None:
        app.action_search()
        await pilot.pause()  # type: ignore[attr-defined]
        app.screen.query_one(SearchInput).cursor_blink = False
        await pilot.press(*"deportaton mexico")  # type: ignore[attr-defined]
        await settle(app, pilot)
        for node in app.screen.query("#search-status"):  # the time taken differs run to run
            node.update("3 matches · n ms")  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]

    assert snap_compare(app, terminal_size=WIDE, run_before=run_before)  # type: ignore[operator]


def result_list_app() -> tuple[Any, list[Any]]:
    """An app showing just a ResultList (ten rows by 40 columns) and twenty two-line results."""
    from rich.text import Text
    from textual.app import App, ComposeResult

    from tui.result_list import ResultList

    class ListApp(App[None]):
        CSS = "ResultList { height: 10; width: 40; }"

        def compose(self) -> ComposeResult:
            yield ResultList()

    return ListApp(), [Text(f"result {n} " + "word " * 12 + f"\nsource {n}") for n in range(20)]


async def test_result_list_wraps_what_is_in_view_first_and_the_rest_after_the_frame() -> None:
    app, prompts = result_list_app()
    async with app.run_test(size=(60, 20)) as pilot:
        results = app.query_one(ResultList)
        results.set_prompts(prompts)
        wrapped_at_once = len(results._lines)
        assert 1 <= wrapped_at_once < len(prompts)  # enough to fill ten rows, not all twenty
        assert len(results._row_result) >= 10
        await pilot.pause()
        assert len(results._lines) == len(prompts)  # the rest once the frame is drawn
        assert results.virtual_size.height == len(results._row_result)
        width = results.scrollable_content_region.width
        assert all(results.render_line(y).cell_length == width for y in range(10))  # beside the scrollbar
        results.set_prompts(prompts)
        results.highlighted = 19  # far below what was wrapped: wrapped on demand and scrolled to
        await pilot.pause()
        shown = [results.render_line(y).text for y in range(10)]
        assert any("result 19" in line for line in shown)
        assert all(line.startswith(" ") for line in shown)  # the padding, on every row


async def test_typing_in_the_search_box_lays_nothing_out(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    # each layout pass of the whole screen cost 2 to 18 ms of a keystroke: the query box's width,
    # a scrollbar coming or going and a new article in the preview must not ask for one
    from textual.screen import Screen

    app = BroadsheetApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        screen = await search_for(app, pilot, "dep")
        await pilot.pause()
        layouts: list[bool] = []
        original = Screen._refresh_layout

        def counting(self: Screen, *args: object, **kwargs: object) -> None:
            layouts.append(bool(kwargs.get("scroll")))
            original(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Screen, "_refresh_layout", counting)
        for key in "ortaton mexico":
            await pilot.press("space" if key == " " else key)
            await settle(app, pilot)
            await pilot.pause()
        assert screen.results is not None and screen.results.hits
        assert [scroll for scroll in layouts if not scroll] == []


async def test_result_list_keeps_its_rows_through_a_theme_change_and_empties() -> None:
    app, prompts = result_list_app()
    async with app.run_test(size=(60, 20)) as pilot:
        results = app.query_one(ResultList)
        results.set_prompts(prompts)
        await pilot.pause()
        height = results.virtual_size.height
        results.scroll_to(y=25, animate=False, immediate=True)
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        assert results.virtual_size.height == height and results.scroll_y == 25
        results.highlighted = 12
        await pilot.pause()
        results.styles.width = 24  # narrower: every result takes more rows
        await pilot.pause()
        first = results._first_row[12]
        assert results.scroll_y <= first < results.scroll_y + results.size.height  # still in view
        results.set_prompts([])
        await pilot.pause()
        assert results.virtual_size.height == 0 and results.max_scroll_y == 0


async def test_the_search_panes_key_line_shows_no_key_its_box_would_type(library: Library) -> None:
    from tui.key_hints import KeyHints

    app = BroadsheetApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        screen = await search_for(app, pilot, "dep")
        hints = screen.query_one(KeyHints).hints
        keys = {hint.key for hint in hints}
        assert not keys & {"q", "question_mark", "slash"}  # they type into the query
        quit_hint = next(hint for hint in hints if hint.description.startswith("Quit"))
        assert quit_hint.key == "ctrl+q"
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert screen.query_one(SearchInput).value == "dep?"


async def test_moving_past_the_last_result_shows_more(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as lib:
        lib.add_candidates([Candidate(title=f"Border report {n}", body=f"The border was crossed {n} times.",
                                      origin=f"r{n}.txt") for n in range(45)])
        app = BroadsheetApp(lib, remember_theme=False)
        async with app.run_test(size=WIDE) as pilot:
            screen = await search_for(app, pilot, "border")
            assert screen.results is not None and len(screen.results.hits) == 20 and screen.results.total == 45
            screen.move(19)
            await pilot.press("down")  # past the last of 20: the next 20, the 21st highlighted
            await settle(app, pilot)
            await pilot.pause()
            assert len(screen.results.hits) == 40 and screen.result_list.highlighted == 20
            assert "showing 40" in str(screen.query_one("#search-status").render())
            await pilot.press("pagedown", "pagedown")  # 30, then 40: past the 40 shown again
            await settle(app, pilot)
            await pilot.pause()
            assert len(screen.results.hits) == 45 and screen.result_list.highlighted == 40
            await pilot.press("pagedown")  # all 45 are shown: to the last
            await pilot.pause()
            assert screen.result_list.highlighted == 44
            await pilot.press("down")  # nothing more: it stays on the last
            await pilot.pause()
            assert screen.result_list.highlighted == 44
            await pilot.press("x")  # a new query starts from 20 again
            await settle(app, pilot)
            assert screen.results is not None and len(screen.results.hits) <= 20


async def test_matches_are_marked_in_colours_a_light_theme_can_show(library: Library) -> None:
    app = BroadsheetApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        app.theme = "textual-light"
        await pilot.pause()
        screen = await search_for(app, pilot, "deportaton")
        styles = {str(span.style) for span in screen.result_list.prompt_at(0).spans}
        assert any("dark_orange3" in style for style in styles) and not any("yellow" in style for style in styles)
