"""Highlight mode and the annotations pane, driven through Pilot with every key map."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from textual.events import MouseMove

from store import Library
from store.demo import demo_files
from tui.annotation_dialogs import (ColorLabelsDialog, ExportDialog, HighlightTagsDialog, NoteDialog,
                                    PickHighlightDialog)
from tui.annotations_pane import AnnotationsScreen
import tui.app
from tui.app import BroadsheetApp
from tui.keymap import Config, Keymap, builtin_keymap_names, effective_keymap
from tui.text_motion import sentence_forward, trim_range, word_forward

WIDE = (160, 45)


class RecordingApp(BroadsheetApp):
    """The app, keeping every message it shows (the one-line confirmations and errors)."""

    CSS_PATH = str(Path(tui.app.__file__).with_name("app.tcss"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.messages: list[str] = []

    def notify(self, message: str, **kwargs: Any) -> None:  # type: ignore[override]
        self.messages.append(str(message))
        super().notify(message, **kwargs)


@pytest.fixture()
def library_path(tmp_path: Path) -> Path:
    with Library.open(tmp_path / "lib") as lib:
        lib.import_paths(demo_files())
    return tmp_path / "lib"


@pytest.fixture()
def library(library_path: Path) -> Iterator[Library]:
    with Library.open(library_path) as lib:
        yield lib


def keymap(name: str) -> Keymap:
    found, problems = effective_keymap(Config(keymap=name))
    assert not problems
    return found


def key(km: Keymap, action_id: str) -> str:
    return km.single_keys(action_id)[0]


def on_disk(path: Path) -> list[Any]:
    """The highlights as a fresh reader of the library files sees them."""
    with Library.open(path, read_only=True) as again:
        return again.annotations()


async def open_first(app: BroadsheetApp, pilot: Any) -> Any:
    article = app.library.articles()[0]
    app.open_article(article.id)
    await pilot.pause()
    return app.reader_pane.view


@pytest.mark.parametrize("name", builtin_keymap_names())
async def test_select_by_word_sentence_paragraph_and_colour(library: Library, library_path: Path,
                                                            name: str) -> None:
    km = keymap(name)
    app = RecordingApp(library, keymap=km, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        view = await open_first(app, pilot)
        body = view.text
        view.cursor = 0
        await pilot.press(key(km, "reader.highlight_mode"))
        assert view.highlighting and app.focused_scope()[0] == "highlight"
        assert not app.query_one("#reader-mode").has_class("hidden")
        await pilot.press(key(km, "highlight.word_forward"), key(km, "highlight.word_forward"))
        expected = trim_range(body, 0, word_forward(body, word_forward(body, 0)))
        assert view.selection[1] == word_forward(body, word_forward(body, 0))
        await pilot.press("1")
        saved = on_disk(library_path)  # on disk as soon as the key returns
        assert [(a.start, a.end, a.color) for a in saved] == [(*expected, 1)]
        assert any("Highlighted" in m for m in app.messages)
        assert view.mark is None and [a.id for a in view.annotations] == [saved[0].id]

        # a sentence, from a new mark
        await pilot.press(key(km, "highlight.mark"), key(km, "highlight.sentence_forward"))
        start = view.mark
        assert start is not None
        end = sentence_forward(body, start)
        await pilot.press("2")
        second = [a for a in on_disk(library_path) if a.color == 2]
        assert [(a.start, a.end) for a in second] == [trim_range(body, start, end)]

        # a paragraph
        await pilot.press(key(km, "highlight.mark"), key(km, "highlight.paragraph_forward"))
        await pilot.press("3")
        third = [a for a in on_disk(library_path) if a.color == 3]
        assert len(third) == 1 and "\n\n" not in third[0].exact and third[0].exact.strip() == third[0].exact

        # char and line moves, back moves
        before = view.cursor
        await pilot.press(key(km, "highlight.char_forward"))
        assert view.cursor == before + 1
        await pilot.press(key(km, "highlight.char_back"), key(km, "highlight.line_down"))
        assert view.offset_to_row(view.cursor) == view.offset_to_row(before) + 1
        await pilot.press(key(km, "highlight.line_up"), key(km, "highlight.word_back"),
                          key(km, "highlight.sentence_back"), key(km, "highlight.paragraph_back"))
        assert view.cursor < before

        # leave: the reader's keys are back
        await pilot.press(key(km, "highlight.leave"))
        assert not view.highlighting and app.focused_scope()[0] == "reader"
        assert app.query_one("#reader-mode").has_class("hidden")


@pytest.mark.parametrize("name", builtin_keymap_names())
async def test_note_tags_list_jump_copy_delete_undo(library: Library, library_path: Path, name: str) -> None:
    km = keymap(name)
    app = RecordingApp(library, keymap=km, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        view = await open_first(app, pilot)
        article_id = view.article_id
        body = view.text
        outer = library.annotate(article_id, 4, 40, color=1)
        inner = library.annotate(article_id, 10, 20, color=4)
        later = library.annotate(article_id, 200, 230, color=2)
        view.reload_highlights()
        view.cursor = 0
        view.focus()
        await pilot.press(key(km, "reader.highlight_mode"))

        # ] and [ jump between highlights
        await pilot.press(key(km, "highlight.next"))
        assert view.cursor == outer.start
        await pilot.press(key(km, "highlight.next"), key(km, "highlight.next"))
        assert view.cursor == later.start
        await pilot.press(key(km, "highlight.previous"))
        assert view.cursor == inner.start

        # copy: the highlight under the cursor (the innermost), then a selection
        await pilot.press(key(km, "highlight.copy"))
        assert app.clipboard == body[inner.start:inner.end]
        await pilot.press(key(km, "highlight.mark"), key(km, "highlight.word_forward"))
        selected = view.selected_text
        await pilot.press(key(km, "highlight.copy"))
        assert app.clipboard == selected and selected
        await pilot.press(key(km, "highlight.mark"))  # drop the selection
        view.cursor = inner.start + 1

        # the list of every highlight under the cursor: both overlapping ones
        await pilot.press(key(km, "highlight.list_here"))
        assert isinstance(app.screen, PickHighlightDialog)
        assert {a.id for a in app.screen.annotations} == {outer.id, inner.id}
        await pilot.press("escape")

        # a note (several lines) on the innermost highlight (several under the cursor: pick one)
        await pilot.press(key(km, "highlight.note"))
        assert isinstance(app.screen, PickHighlightDialog)
        await pilot.press("enter")
        assert isinstance(app.screen, NoteDialog)
        await pilot.press(*"first line", "enter", *"second [b]line[/b]", "ctrl+s")
        await pilot.pause()
        noted = library.annotation(inner.id)
        assert noted.note == "first line\nsecond [b]line[/b]"
        assert library.annotation(inner.id).note == [a for a in on_disk(library_path) if a.id == inner.id][0].note

        # tags
        await pilot.press(key(km, "highlight.tags"), "enter")
        assert isinstance(app.screen, HighlightTagsDialog)
        await pilot.press(*"evidence, #figures", "enter")
        await pilot.pause()
        assert library.annotation(inner.id).tags == ("evidence", "figures")

        # delete (pick the outer one) and undo
        await pilot.press(key(km, "highlight.delete"))
        assert isinstance(app.screen, PickHighlightDialog)
        await pilot.press("down" if app.screen.annotations[0].id == inner.id else "up", "enter")
        await pilot.pause()
        assert outer.id not in {a.id for a in on_disk(library_path)}
        assert outer.id not in {a.id for a in view.annotations}
        await pilot.press(key(km, "highlight.undo"))
        assert outer.id in {a.id for a in on_disk(library_path)}
        assert outer.id in {a.id for a in view.annotations}

        # recolour the highlight under the cursor with no selection
        view.cursor = later.start + 2
        await pilot.press("5")
        assert library.annotation(later.id).color == 5


async def test_mouse_drag_selects_and_colours(library: Library, library_path: Path) -> None:
    app = RecordingApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        view = await open_first(app, pilot)
        await pilot.mouse_down(view, offset=(2, 0))
        await pilot._post_mouse_events([MouseMove], view, offset=(12, 1), button=1)
        await pilot.mouse_up(view, offset=(12, 1))
        await pilot.pause()
        assert view.highlighting
        start, end = view.selection
        assert start == view.location_to_offset(view.top_row, 0) and end == view.location_to_offset(view.top_row + 1, 10)
        await pilot.press("4")
        saved = on_disk(library_path)
        assert len(saved) == 1 and saved[0].color == 4 and saved[0].start == start


async def test_bad_input_gets_a_message_and_changes_nothing(library: Library, library_path: Path) -> None:
    app = RecordingApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        view = await open_first(app, pilot)
        await pilot.press("v", "1")  # nothing selected, no highlight here
        assert any("Select some text first" in m for m in app.messages)
        await pilot.press("space", "right", "left", "n")  # an empty selection has no note either
        assert on_disk(library_path) == []
        await pilot.press("d")
        assert any("No highlight under the cursor" in m for m in app.messages)
        view.article_id = "0000000000"  # an article that is not (any more) in the library
        await pilot.press("space", "w", "1")
        assert on_disk(library_path) == []
        assert app.is_running


async def test_read_only_library_refuses_with_a_message(library_path: Path) -> None:
    with Library.open(library_path, read_only=True) as library:
        app = RecordingApp(library, remember_theme=False)
        async with app.run_test(size=WIDE) as pilot:
            await open_first(app, pilot)
            await pilot.press("v", "w", "w", "1")
            assert app.messages and "read" in app.messages[-1].lower()
            assert library.annotations() == []


async def test_colour_labels_can_be_renamed(library: Library) -> None:
    app = RecordingApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        await open_first(app, pilot)
        await pilot.press("v", "L")
        assert isinstance(app.screen, ColorLabelsDialog)
        box = app.screen.query_one("#label-1")
        box.value = ""
        await pilot.press(*"key claim", "ctrl+s")
        await pilot.pause()
        assert library.color_labels()[1] == "key claim"


# ------------------------------------------------------------------------------ annotations pane
def _seed(library: Library) -> dict[str, Any]:
    articles = library.articles()
    first, second = articles[0], articles[1]
    made = {
        "a": library.annotate(first.id, 0, 30, color=1, note="the lead", tags=("evidence",)),
        "b": library.annotate(first.id, 100, 150, color=2, tags=("figures",)),
        "c": library.annotate(second.id, 10, 60, color=1, note="compare with the wire"),
    }
    return {"first": first, "second": second, **made}


async def test_annotations_pane_filters_and_jumps(library: Library) -> None:
    seeded = _seed(library)
    app = RecordingApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        app.open_article(seeded["first"].id)
        await pilot.pause()
        await pilot.press("A")
        pane = app.screen
        assert isinstance(pane, AnnotationsScreen)
        assert len(pane.shown) == 3
        await pilot.press("a")  # the current article only
        assert {a.id for a in pane.shown} == {seeded["a"].id, seeded["b"].id}
        await pilot.press("a", "c")  # whole library, colour 1
        assert {a.id for a in pane.shown} == {seeded["a"].id, seeded["c"].id}
        await pilot.press("c", "c", "c", "c", "c")  # back to every colour
        assert pane.filter.color is None
        await pilot.press("f", *"tag:figures", "enter")
        assert [a.id for a in pane.shown] == [seeded["b"].id]
        await pilot.press("f", "ctrl+u", *"wire", "enter")
        assert [a.id for a in pane.shown] == [seeded["c"].id]
        await pilot.press("f", "escape")
        assert len(pane.shown) == 3
        # edit from the pane: colour, note, delete and undo
        pane.table.move_cursor(row=[a.id for a in pane.shown].index(seeded["b"].id))
        await pilot.press("3")
        assert library.annotation(seeded["b"].id).color == 3
        await pilot.press("n")
        assert isinstance(app.screen, NoteDialog)
        await pilot.press(*"checked", "ctrl+s")
        await pilot.pause()
        assert library.annotation(seeded["b"].id).note == "checked"
        await pilot.press("d")
        assert len(pane.shown) == 2
        await pilot.press("u")
        assert len(pane.shown) == 3
        # Enter: the reader, on the highlight
        pane.table.move_cursor(row=[a.id for a in pane.shown].index(seeded["c"].id))
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, AnnotationsScreen)
        assert app.reader_pane.article.id == seeded["second"].id
        assert app.reader_pane.view.cursor == seeded["c"].start
        assert app.library_pane.highlight_counts == {seeded["first"].id: 2, seeded["second"].id: 1}


async def test_export_dialog_writes_the_file(library: Library, tmp_path: Path) -> None:
    _seed(library)
    app = RecordingApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("E")
        assert isinstance(app.screen, ExportDialog)
        target = tmp_path / "out.md"
        box = app.screen.query_one("#export-path")
        box.value = ""
        await pilot.press(*str(target), "enter")
        await pilot.pause()
        assert target.read_text(encoding="utf-8") .count(">") >= 3
        assert any(f"Exported 3 highlights to {target}" in m for m in app.messages)
        # JSON-LD, and a file that exists is replaced only after a second Enter
        await pilot.press("E")
        dialog = app.screen
        await pilot.click("#format-jsonld")
        box = dialog.query_one("#export-path")
        box.value = str(target)
        box.focus()
        await pilot.press("enter")
        assert isinstance(app.screen, ExportDialog)  # "exists: press Enter again"
        await pilot.press("enter")
        await pilot.pause()
        assert "AnnotationCollection" in target.read_text(encoding="utf-8")


async def test_orphaned_highlight_is_listed_and_reattached_by_hand(tmp_path: Path) -> None:
    source = tmp_path / "story.txt"
    source.write_text("Border talks\n\nThe minister said the deal was close. Officials disagreed.\n", encoding="utf-8")
    with Library.open(tmp_path / "lib") as library:
        library.import_paths([source])
        article = library.articles()[0]
        start = article.body.index("the deal was close")
        made = library.annotate(article.id, start, start + len("the deal was close"), color=2, note="check")
        source.write_text("Border talks\n\nThe minister spoke on Monday. Officials disagreed about a deal.\n",
                          encoding="utf-8")
        library.import_paths([source])
        assert library.annotation(made.id).state == "orphaned"
        app = RecordingApp(library, remember_theme=False)
        async with app.run_test(size=WIDE) as pilot:
            await pilot.press("A")
            pane = app.screen
            assert isinstance(pane, AnnotationsScreen)
            assert [a.state for a in pane.shown] == ["orphaned"]
            await pilot.press("f", *"state:orphaned", "enter")
            assert len(pane.shown) == 1
            await pilot.press("r")
            await pilot.pause()
            view = app.reader_pane.view
            assert view.highlighting and app.reader_pane.article.id == article.id
            body = view.text
            view.cursor = body.index("about a deal")
            view.mark = None
            await pilot.press("space", "w", "w", "e", "3")
            placed = library.annotation(made.id)
            assert placed.state != "orphaned" and placed.exact == "about a deal" and placed.color == 3
            assert placed.note == "check"
            assert any("Re-attached" in m for m in app.messages)


async def test_highlight_mode_works_in_any_article_view_such_as_a_compare_column(library: Library) -> None:
    """A compare pane's columns are ArticleViews with their own scope and keys: the mode, its keys and
    the redraw of every view of the article come with the class."""
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.containers import Horizontal

    from tui.article_view import ArticleView

    class Column(ArticleView):
        KEY_SCOPE = "compare"
        BINDINGS = [Binding("w", "swap", "Swap columns", id="compare.swap")]
        swapped = 0

        def action_swap(self) -> None:
            Column.swapped += 1

    articles = library.articles()

    class CompareApp(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.library = library

        def compose(self) -> ComposeResult:
            with Horizontal():
                yield Column(id="left")
                right = Column(id="right")
                right.set_text(articles[0].body, article_id=articles[0].id)  # before it is mounted
                yield right

        def on_mount(self) -> None:
            self.query_one("#left", Column).set_text(articles[0].body, article_id=articles[0].id)

    library.annotate(articles[0].id, 100, 120, color=5)
    app = CompareApp()
    async with app.run_test(size=(120, 30)) as pilot:
        left, right = app.query_one("#left", Column), app.query_one("#right", Column)
        assert len(left.annotations) == len(right.annotations) == 1
        left.focus()
        await pilot.press("w")
        assert Column.swapped == 1  # outside the mode, the column's own key
        await pilot.press("v", "w", "w", "1")
        assert Column.swapped == 1  # in the mode, w moves by word
        saved = [a for a in library.annotations(articles[0].id) if a.start == 0]
        assert len(saved) == 1
        assert saved[0].id in [a.id for a in right.annotations]  # the other column redraws too
        await pilot.press("escape", "w")
        assert Column.swapped == 2 and not left.highlighting


async def test_palette_and_help_reach_highlight_mode(library: Library) -> None:
    from tui.dialogs import HelpScreen

    app = RecordingApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        view = await open_first(app, pilot)
        app.library_pane.table.focus()
        app.run_action_id("highlight.word_forward")  # from the palette: the reader, in the mode
        await pilot.pause()
        assert view.highlighting and view.has_focus and view.cursor > 0
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        ids = {action_id for _, _, action_id in app.screen.rows}
        assert "highlight.color_1" in ids and "reader.down" not in ids


async def test_pane_filters_by_story_and_article(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    seeded = _seed(library)
    first, second = seeded["first"], seeded["second"]
    stories = {"s1": SimpleNamespace(id="s1", article_ids=(second.id,))}

    def story(self: Library, story_id: str) -> Any:
        for key, found in stories.items():
            if key.startswith(story_id):
                return found
        raise KeyError(story_id)

    monkeypatch.setattr(Library, "story", story, raising=False)
    app = RecordingApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("A")
        pane = app.screen
        assert isinstance(pane, AnnotationsScreen)
        pane.set_filter_text("story:s1")
        assert [a.id for a in pane.shown] == [seeded["c"].id]
        pane.set_filter_text("story:nope")
        assert pane.shown == []
        pane.set_filter_text(f"article:{first.id[:6]}")
        assert {a.article_id for a in pane.shown} == {first.id}
        pane.set_filter_text("color:2 state:anchored")
        assert [a.id for a in pane.shown] == [seeded["b"].id]
        pane.set_filter_text("[bold]nothing[/bold]")  # markup in a query is just text
        assert pane.shown == [] and app.is_running


async def test_refused_tags_come_back_to_edit_and_hostile_notes_render_as_text(library: Library) -> None:
    article = library.articles()[0]
    hostile = "[@click=app.quit]x[/] \x1b]52;c;ZXZpbA==\x07 [/bold]"
    made = library.annotate(article.id, 0, 20, color=1, note=hostile, tags=("[b]t[/b]",))
    app = RecordingApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        view = await open_first(app, pilot)
        view.cursor = 5
        await pilot.press("v", "t")
        dialog = app.screen
        assert isinstance(dialog, HighlightTagsDialog)
        box = dialog.query_one("#highlight-tags")
        box.value = "ok, " + "x" * 200
        await pilot.press("enter")
        await pilot.pause()
        assert any("tag" in m.lower() for m in app.messages)  # the library's one-line reason
        again = app.screen
        assert isinstance(again, HighlightTagsDialog) and again is not dialog
        assert again.query_one("#highlight-tags").value.startswith("ok, xxx")  # what was typed is kept
        await pilot.press("escape")
        assert library.annotation(made.id).tags == ("[b]t[/b]",)
        await pilot.press("enter")  # the list under the cursor, with the hostile note
        assert isinstance(app.screen, PickHighlightDialog)
        await pilot.press("escape", "A")
        await pilot.pause()
        screen = app.export_screenshot()
        assert "[@click=app.quit]x[/]" in screen and "\x1b]52" not in screen and "#[b]t[/b]" in screen
        await pilot.click("#annotations-detail")
        assert app.is_running


async def test_double_click_selects_a_word_and_random_moves_keep_the_selection_consistent(library: Library) -> None:
    import random

    from tui.highlight_mode import SELECTION_LAYER

    app = RecordingApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        view = await open_first(app, pilot)
        await pilot.double_click(view, offset=(6, 0))
        await pilot.pause()
        row_start = view.location_to_offset(view.top_row, 0)
        word = view.text[view.selection[0]:view.selection[1]]
        assert view.highlighting and word and word.isalpha() and view.selection[0] >= row_start
        moves = ["hl_char_forward", "hl_char_back", "hl_word_forward", "hl_word_end", "hl_word_back",
                 "hl_sentence_forward", "hl_sentence_back", "hl_paragraph_forward", "hl_paragraph_back",
                 "hl_line_down", "hl_line_up", "hl_line_start", "hl_line_end", "hl_page_down", "hl_page_up",
                 "hl_mark", "hl_next", "hl_previous"]
        rng = random.Random(6)
        for _ in range(400):
            getattr(view, f"action_{rng.choice(moves)}")()
            start, end = view.selection
            assert 0 <= start <= end <= len(view.text) and 0 <= view.cursor <= len(view.text)
            spans = [(s.start, s.end) for s in view._layers[SELECTION_LAYER].spans]
            assert spans == ([(start, end)] if end > start else [])
            row = view.offset_to_row(view.cursor)
            assert view.top_row <= row < view.top_row + view.visible_height  # the cursor stays in view


async def test_the_selection_is_drawn_over_layers_set_after_it(library: Library) -> None:
    from tui.highlight_mode import SELECTION_STYLE

    app = RecordingApp(library, remember_theme=False)
    async with app.run_test(size=WIDE) as pilot:
        view = await open_first(app, pilot)
        await pilot.press("v", "w")
        view.set_spans("compare-shared", [(0, 40, "on dark_green")])  # a pane's own layer, set later
        strip = view.render_line(view.offset_to_row(0) - view.top_row)
        first = next(segment for segment in strip if segment.text.strip())
        assert first.style.bgcolor == SELECTION_STYLE.bgcolor
