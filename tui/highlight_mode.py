"""Highlight mode: the part of `ArticleView` that selects text and draws highlights.

Every article view has it (the reader and each compare column), so a highlight can be made wherever
an article is shown. In the mode the view's key scope is "highlight": the cursor moves by character,
word, sentence, paragraph, line and page; the selection runs from the mark (set where the mode
starts, or again with the mark key) to the cursor; the colour, note, tag, list, jump, copy and delete
keys act on the selection or on the highlights under the cursor. Everything that touches the library
goes through `tui.highlighter.Highlighter` (one per app), so the store is only reached through its
public API and a highlight is on disk before the view shows it.

Outside the mode every highlight-scope action is disabled (`check_action`), and in the mode every
other action of the view is, so the same key may mean different things in and out of the mode and
Textual falls through to the next binding (or the app's) when one is disabled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from rich.style import Style
from textual import events
from textual.message import Message

from . import text_motion

if TYPE_CHECKING:
    from store import Annotation

    from .article_view import ArticleView

# Pastel backgrounds with a dark foreground: readable on dark and light themes alike.
COLOR_STYLES: dict[int, Style] = {
    1: Style(color="#1b1b1b", bgcolor="#f3d55b"),  # yellow
    2: Style(color="#1b1b1b", bgcolor="#97e09a"),  # green
    3: Style(color="#1b1b1b", bgcolor="#9cc6ff"),  # blue
    4: Style(color="#1b1b1b", bgcolor="#f4a3c8"),  # pink
    5: Style(color="#1b1b1b", bgcolor="#f7b066"),  # orange
}
COLOR_NAMES = {1: "yellow", 2: "green", 3: "blue", 4: "pink", 5: "orange"}
SELECTION_STYLE = Style(color="#ffffff", bgcolor="#2a5db0", bold=True, underline=True)
HIGHLIGHT_LAYER = "highlight"
SELECTION_LAYER = "selection"


class HighlightModeMixin:
    """Mixed into `ArticleView` (see the module docstring). Relies on the view's cursor, rows and
    span layers."""

    highlighting: bool = False
    """True while the view is in highlight mode."""
    mark: int | None = None
    """Where the selection starts (None: no selection, the cursor only)."""
    article_id: str | None = None
    """The article shown (None: highlight mode cannot save, and says so)."""

    class HighlightStatus(Message):
        """Posted when the mode starts or ends or the selection changes (for a status line)."""

        def __init__(self, view: "ArticleView", active: bool) -> None:
            super().__init__()
            self.view = view
            self.active = active

        @property
        def control(self) -> "ArticleView":
            return self.view

    def _init_highlight_mode(self: "ArticleView") -> None:
        self.highlighting = False
        self.mark = None
        self.article_id = None
        self.annotations: list[Annotation] = []
        self._drag_origin: int | None = None
        self._drag_moved = False
        # Drawing order: highlights first, the selection over them.
        self.set_spans(HIGHLIGHT_LAYER, [])
        self.set_spans(SELECTION_LAYER, [])

    # ---------------------------------------------------------------- state

    @property
    def selection(self: "ArticleView") -> tuple[int, int]:
        """The selected range [start, end) (empty at the cursor when nothing is selected)."""
        if self.mark is None:
            return self.cursor, self.cursor
        return min(self.mark, self.cursor), max(self.mark, self.cursor)

    @property
    def selected_text(self: "ArticleView") -> str:
        start, end = self.selection
        return self.text[start:end]

    def enter_highlight_mode(self: "ArticleView", mark: int | None = None) -> None:
        if not self.highlighting:
            self.highlighting = True
            self.add_class("-highlighting")
        self.mark = self.cursor if mark is None else mark
        self._selection_changed()
        self.refresh_bindings()

    def leave_highlight_mode(self: "ArticleView") -> None:
        if self.highlighting:
            self.highlighting = False
            self.remove_class("-highlighting")
            self.mark = None
            self._selection_changed()
            self.refresh_bindings()

    def select_word_at(self: "ArticleView", offset: int) -> None:
        """Select the word at `offset` (in highlight mode), as a double click does."""
        start = text_motion.word_back(self.text, min(len(self.text), offset + 1))
        end = text_motion.word_end(self.text, start)
        if end <= offset or start > offset:  # not on a word: select just the character
            start, end = offset, text_motion.char_forward(self.text, offset)
        self.cursor = end
        self.enter_highlight_mode(mark=start)

    def clear_selection(self: "ArticleView") -> None:
        self.mark = None
        self._selection_changed()

    def _selection_changed(self: "ArticleView") -> None:
        start, end = self.selection
        self.set_spans(SELECTION_LAYER, [(start, end, SELECTION_STYLE)] if end > start else [])
        self.post_message(self.HighlightStatus(self, self.highlighting))

    def check_action(self: "ArticleView", action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hl_enter":
            return not self.highlighting
        if action.startswith("hl_"):
            return self.highlighting
        return not self.highlighting

    # ---------------------------------------------------------------- highlights shown

    def set_annotations(self: "ArticleView", annotations: Iterable["Annotation"]) -> None:
        """Show these highlights (those that are placed: orphans have no place in the text)."""
        placed = sorted((a for a in annotations if a.state != "orphaned" and a.end > a.start),
                        key=lambda a: (a.start, a.created))
        self.annotations = placed
        self.set_spans(HIGHLIGHT_LAYER, [(a.start, a.end, COLOR_STYLES.get(a.color, COLOR_STYLES[1]))
                                         for a in placed])

    def reload_highlights(self: "ArticleView") -> None:
        """Ask the library for this article's highlights again."""
        from .highlighter import highlighter

        if self.article_id is None or not self.is_attached:
            self.set_annotations([])
            return
        highlighter(self.app).show_in(self)

    def annotations_at(self: "ArticleView", offset: int) -> list["Annotation"]:
        """Every highlight that covers `offset`, innermost first. If none does, those that end just
        before it (only white space between): after `v w w 1` the cursor is on the next word, and
        the note key should still find the highlight just made."""
        found = [a for a in self.annotations if a.start <= offset < a.end]
        if not found:
            found = [a for a in self.annotations
                     if a.start < offset and a.end <= offset and not self.text[a.end:offset].strip()]
        return sorted(found, key=lambda a: (a.end - a.start, a.created))

    # ---------------------------------------------------------------- moving

    def _move(self: "ArticleView", offset: int) -> None:
        self.cursor = offset
        self._show_cursor()
        if self.mark is not None:
            self._selection_changed()

    def _show_cursor(self: "ArticleView") -> None:
        if self._wrap_width < 0:
            return
        row = self.offset_to_row(self.cursor)
        top = self.top_row
        height = self.visible_height
        if row < top:
            self._scroll_to_row(row)
        elif row >= top + height:
            self._scroll_to_row(row - height + 1)

    def _line_move(self: "ArticleView", rows: int) -> None:
        row, column = self.offset_to_location(self.cursor)
        target = max(0, min(row + rows, self.row_count - 1))
        self._move(self.location_to_offset(target, column))

    def action_hl_enter(self: "ArticleView") -> None:
        if not self.text:
            self.app.notify("Open an article first.", timeout=2)
            return
        self.enter_highlight_mode()

    def action_hl_leave(self: "ArticleView") -> None:
        from .highlighter import highlighter

        pending = highlighter(self.app)
        if pending.reattaching is not None:
            pending.reattaching = None
            self.app.notify("Re-attach cancelled.", timeout=2)
        self.leave_highlight_mode()

    def action_hl_mark(self: "ArticleView") -> None:
        """Start a selection at the cursor; with one already started, drop it."""
        self.mark = None if self.mark is not None and self.mark != self.cursor else self.cursor
        self._selection_changed()

    def action_hl_char_forward(self: "ArticleView") -> None:
        self._move(text_motion.char_forward(self.text, self.cursor))

    def action_hl_char_back(self: "ArticleView") -> None:
        self._move(text_motion.char_back(self.text, self.cursor))

    def action_hl_word_forward(self: "ArticleView") -> None:
        self._move(text_motion.word_forward(self.text, self.cursor))

    def action_hl_word_end(self: "ArticleView") -> None:
        self._move(text_motion.word_end(self.text, self.cursor))

    def action_hl_word_back(self: "ArticleView") -> None:
        self._move(text_motion.word_back(self.text, self.cursor))

    def action_hl_sentence_forward(self: "ArticleView") -> None:
        self._move(text_motion.sentence_forward(self.text, self.cursor))

    def action_hl_sentence_back(self: "ArticleView") -> None:
        self._move(text_motion.sentence_back(self.text, self.cursor))

    def action_hl_paragraph_forward(self: "ArticleView") -> None:
        self._move(text_motion.next_in(self._paragraphs, self.cursor, len(self.text)))

    def action_hl_paragraph_back(self: "ArticleView") -> None:
        self._move(text_motion.previous_in(self._paragraphs, self.cursor))

    def action_hl_line_down(self: "ArticleView") -> None:
        self._line_move(1)

    def action_hl_line_up(self: "ArticleView") -> None:
        self._line_move(-1)

    def action_hl_page_down(self: "ArticleView") -> None:
        self._line_move(max(1, self.visible_height - 1))

    def action_hl_page_up(self: "ArticleView") -> None:
        self._line_move(-max(1, self.visible_height - 1))

    def action_hl_line_start(self: "ArticleView") -> None:
        self._move(self.row_to_offset(self.offset_to_row(self.cursor)))

    def action_hl_line_end(self: "ArticleView") -> None:
        row = self.offset_to_row(self.cursor)
        start, end = self._row_starts[row], self._row_ends[row]
        while end > start and self.text[end - 1] == " ":
            end -= 1  # the hanging spaces are off screen
        self._move(end)

    def action_hl_next(self: "ArticleView") -> None:
        following = [a for a in self.annotations if a.start > self.cursor]
        if not following:
            self.app.notify("No highlight after the cursor.", timeout=2)
            return
        self._jump_to_annotation(following[0])

    def action_hl_previous(self: "ArticleView") -> None:
        before = [a for a in self.annotations if a.start < self.cursor]
        if not before:
            self.app.notify("No highlight before the cursor.", timeout=2)
            return
        self._jump_to_annotation(max(before, key=lambda a: a.start))

    def _jump_to_annotation(self: "ArticleView", annotation: "Annotation") -> None:
        from .highlighter import highlighter

        self.mark = None
        self._move(annotation.start)
        self._selection_changed()
        self.app.notify(highlighter(self.app).describe(annotation), timeout=3)

    def show_annotation(self: "ArticleView", annotation: "Annotation") -> None:
        """Put the cursor on a highlight, scrolled to the middle of the view (annotations pane)."""
        self.cursor = annotation.start
        self.scroll_to_offset(annotation.start, center=True)

    # ---------------------------------------------------------------- library actions

    def action_hl_color(self: "ArticleView", color: int) -> None:
        from .highlighter import highlighter

        highlighter(self.app).color(self, int(color))

    def action_hl_note(self: "ArticleView") -> None:
        from .highlighter import highlighter

        highlighter(self.app).note(self)

    def action_hl_tags(self: "ArticleView") -> None:
        from .highlighter import highlighter

        highlighter(self.app).tags(self)

    def action_hl_list_here(self: "ArticleView") -> None:
        from .highlighter import highlighter

        highlighter(self.app).list_here(self)

    def action_hl_copy(self: "ArticleView") -> None:
        from .highlighter import highlighter

        highlighter(self.app).copy(self)

    def action_hl_delete(self: "ArticleView") -> None:
        from .highlighter import highlighter

        highlighter(self.app).delete(self)

    def action_hl_undo(self: "ArticleView") -> None:
        from .highlighter import highlighter

        highlighter(self.app).undo()

    def action_hl_labels(self: "ArticleView") -> None:
        from .highlighter import highlighter

        highlighter(self.app).edit_labels()

    # ---------------------------------------------------------------- mouse

    def _offset_at(self: "ArticleView", event: events.MouseEvent) -> int:
        position = event.get_content_offset_capture(self)
        row = self.top_row + max(0, position.y)
        if row >= self.row_count:
            return len(self.text)
        return self.location_to_offset(row, max(0, position.x))

    def on_mouse_down(self: "ArticleView", event: events.MouseDown) -> None:
        if event.button != 1 or self._wrap_width < 0:
            return
        self._drag_origin = self._offset_at(event)
        self._drag_moved = False
        self.capture_mouse()

    def on_mouse_move(self: "ArticleView", event: events.MouseMove) -> None:
        if self._drag_origin is None or not event.button:
            return
        offset = self._offset_at(event)
        if not self._drag_moved and offset == self._drag_origin:
            return
        if not self._drag_moved:
            self._drag_moved = True
            if not self.highlighting:
                self.focus()
            self.cursor = self._drag_origin
            self.enter_highlight_mode(mark=self._drag_origin)
        self._move(offset)

    def on_mouse_up(self: "ArticleView", event: events.MouseUp) -> None:
        if self._drag_origin is None:
            return
        if self._drag_moved:
            self._move(self._offset_at(event))
        self._drag_origin = None
        self.release_mouse()

    def _drag_click(self: "ArticleView") -> bool:
        """True if the click that follows a mouse up ended a drag (it must not move the cursor)."""
        moved = self._drag_moved
        self._drag_moved = False
        return moved
