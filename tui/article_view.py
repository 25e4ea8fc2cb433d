"""The article view: one line-API widget that renders an article everywhere in the app.

`ArticleView` is a `ScrollView` that draws the cleaned article text itself, one wrapped row per
`render_line` call (the approach of toolong's `LogLines`), so only the visible rows are ever built.

Offsets
    Every position is a code-point offset into `text`, the same offsets annotations and alignments
    use. The text is wrapped into rows; each row is a half-open range ``[start, end)`` of code
    points. Within one line (the text between two ``"\\n"``) the rows are contiguous and cover the
    line exactly; the ``"\\n"`` characters themselves belong to no row (an offset on a ``"\\n"`` is
    drawn just after the end of the row before it). A blank line (the gap between paragraphs) is
    one empty row. Offsets map to rows with `bisect` over the row starts, so both directions are
    O(log n).

Wrapping
    Greedy word wrap at runs of spaces (tabs count as spaces); a word wider than the width is
    broken hard, never inside a grapheme cluster (a base character keeps its combining marks, a ZWJ
    emoji sequence stays whole). The break spaces stay at the end of their row and "hang": they may
    lie beyond the right edge, where they are cropped (as in CSS ``white-space: pre-wrap``). So the
    visible part of every row (the row without its trailing spaces) is at most `width` cells wide,
    except a row holding one single grapheme wider than the whole width (a 2-cell emoji at width 1),
    which is cropped. Cell widths are rich's (`rich.cells`), the same measure Textual lays out with.

Safety
    The text is never parsed as markup: rows become `Segment`s of plain text. A display copy of the
    text replaces, one code point for one, every control character that might have slipped past the
    importer (C0 except ``"\\n"``, DEL, C1) with U+FFFD, ESC with "␛", tab with a space and the
    zero-width line/paragraph separators U+2028/U+2029 with a space, bidi controls with U+FFFD, so no escape sequence can
    reach the terminal and offsets stay identical between `text` and what is drawn.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from operator import attrgetter
from typing import Iterable, NamedTuple

from rich.cells import cell_len, get_character_cell_size, split_graphemes
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import BindingsMap
from textual.cache import LRUCache
from textual.dom import DOMNode
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .highlight_mode import SELECTION_LAYER, HighlightModeMixin
from .keymap import bindings_for, default_keymap
from .scrolling import set_virtual_size

__all__ = ["ArticleView", "paragraph_starts", "sanitize", "wrap_text"]

# --------------------------------------------------------------------------------------------
# Sanitising: a 1:1 code-point translation so display offsets equal text offsets.

PLACEHOLDER = "\ufffd"
ESC_PLACEHOLDER = "\u241b"  # ␛

_TRANSLATE: dict[int, str] = {}
for _cp in range(0x00, 0x20):
    if _cp != 0x0A:
        _TRANSLATE[_cp] = PLACEHOLDER
for _cp in range(0x7F, 0xA0):
    _TRANSLATE[_cp] = PLACEHOLDER
_TRANSLATE[0x09] = " "
_TRANSLATE[0x1B] = ESC_PLACEHOLDER
_TRANSLATE[0x9B] = ESC_PLACEHOLDER  # 8-bit CSI
_TRANSLATE[0x2028] = " "
_TRANSLATE[0x2029] = " "
# Bidi overrides, embeddings, isolates and marks reorder what the terminal draws ("Trojan Source"):
# shown as U+FFFD like a control character, never passed on.
for _cp in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C):
    _TRANSLATE[_cp] = PLACEHOLDER
del _cp

_UNSAFE_RE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def sanitize(text: str) -> str:
    """Return `text` with every unsafe character replaced by a visible one, code point for code point.

    `len(sanitize(t)) == len(t)` always holds, and ``"\\n"`` is kept (it separates lines).
    """
    if _UNSAFE_RE.search(text) is None:
        return text
    return text.translate(_TRANSLATE)


# --------------------------------------------------------------------------------------------
# Wrapping

# Characters known to be exactly one cell wide (checked against rich's own table at import, so a
# line made only of these can be wrapped by counting code points). Covers ASCII, Latin-1, Latin
# Extended, Greek, Cyrillic and the general punctuation news text is full of (curly quotes, dashes,
# ellipsis).
_CANDIDATE_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0x2FF),
    (0x370, 0x482),
    (0x48A, 0x52F),
    (0x2010, 0x2027),
    (0x2030, 0x205E),
    (0x20A0, 0x20C0),
    (0x2100, 0x214F),
    (0x2190, 0x21FF),
    (0x2200, 0x22FF),
)
_SINGLE_CELL = frozenset(
    ch
    for lo, hi in _CANDIDATE_RANGES
    for ch in map(chr, range(lo, hi + 1))
    if get_character_cell_size(ch) == 1 and cell_len(ch) == 1
)
_all_single_cell = _SINGLE_CELL.issuperset


def _wrap_simple(line: str, base: int, width: int, starts: list[int], ends: list[int]) -> None:
    """Wrap a line whose characters are all one cell wide (cells == code points)."""
    length = len(line)
    pos = 0
    emitted = False
    while length - pos > width:
        limit = pos + width  # first index that does not fit
        if line[limit] == " ":
            # Break at the spaces that start here: they hang at the end of this row.
            end = limit + 1
            while end < length and line[end] == " ":
                end += 1
        else:
            space = line.rfind(" ", pos, limit)
            if space < 0:
                end = limit  # no space: break the word hard
            else:
                end = space + 1  # `space` is the last of its run (line[space + 1] != " ")
        starts.append(base + pos)
        ends.append(base + end)
        emitted = True
        pos = end
    if pos < length or not emitted:
        starts.append(base + pos)
        ends.append(base + length)


_TOKEN_RE = re.compile(r" +|[^ ]+")


def _wrap_tokens(line: str, base: int, width: int, starts: list[int], ends: list[int]) -> None:
    """Wrap any line, word by word.

    Same rules as `_wrap_simple`, but words are measured with `cell_len` (cached per word) and
    only a word that must be broken hard is walked, grapheme cluster by cluster. (Rich's cell
    widths are additive across a space boundary, so measuring word by word equals measuring the
    row.)
    """
    char_width = get_character_cell_size
    pos = 0  # start of the current row (index into line)
    cells = 0  # cells used on the current row
    last_break = -1  # index just after the last run of spaces on this row (a break point)
    emitted = False
    for match in _TOKEN_RE.finditer(line):
        token = match.group()
        if token[0] == " ":
            if cells + len(token) > width:
                # The run does not fit: it hangs at the end of this row, which ends after it.
                end = match.end()
                starts.append(base + pos)
                ends.append(base + end)
                emitted = True
                pos, cells, last_break = end, 0, -1
            else:
                cells += len(token)
                last_break = match.end()
            continue
        word_cells = cell_len(token)
        if cells + word_cells <= width:
            cells += word_cells
            continue
        if last_break > pos:
            starts.append(base + pos)
            ends.append(base + last_break)
            emitted = True
            pos, cells = last_break, 0
        last_break = -1
        if word_cells <= width:
            cells = word_cells
            continue
        # Break the word hard, between grapheme clusters (never before a zero-width character).
        index = match.start()
        if "\u200d" in token or "\ufe0f" in token:
            # (measured with cell_len: rich gives a cluster that starts with a ZWJ width 0 even when
            # it holds a letter, and cell_len is what the row is checked and drawn with)
            clusters = [(end - start, cell_len(token[start:end])) for start, end, _ in split_graphemes(token)[0]]
        else:
            clusters = [(1, char_width(character)) for character in token]
        for size, w in clusters:
            if w and cells + w > width and index > pos:
                starts.append(base + pos)
                ends.append(base + index)
                emitted = True
                pos, cells = index, 0
            cells += w
            index += size
    if pos < len(line) or not emitted:
        starts.append(base + pos)
        ends.append(base + len(line))


def wrap_text(display: str, width: int) -> tuple[list[int], list[int]]:
    """Wrap sanitised text to `width` cells.

    Returns two parallel lists, the start and end code-point offsets of every row (see the module
    docstring for the exact rules). `width` below 1 is treated as 1.
    """
    width = max(1, width)
    starts: list[int] = []
    ends: list[int] = []
    base = 0
    simple = _all_single_cell
    for line in display.split("\n"):
        length = len(line)
        if simple(line):
            if length <= width:
                starts.append(base)
                ends.append(base + length)
            else:
                _wrap_simple(line, base, width, starts, ends)
        else:
            _wrap_tokens(line, base, width, starts, ends)
        base += length + 1
    return starts, ends


_BLANK_LINES_RE = re.compile(r"\n(?:[^\S\n]*\n)+")  # a line end followed by blank line(s)
_PARAGRAPH_RE = re.compile(r"(?:\A(?:[^\S\n]*\n)*|\n(?:[^\S\n]*\n)+)(?=[^\S\n]*[^\s])")
_LINE_RE = re.compile(r"(?m)^(?=[^\S\n]*[^\s])")


def paragraph_starts(text: str) -> list[int]:
    """Offsets where paragraphs start: the first non-blank line after blank line(s), and the
    text's first line if it is not blank. If the text has no blank line between two lines at all,
    every non-blank line counts as a paragraph."""
    if _BLANK_LINES_RE.search(text) is None:
        return [match.start() for match in _LINE_RE.finditer(text)]
    return [match.end() for match in _PARAGRAPH_RE.finditer(text)]


# --------------------------------------------------------------------------------------------
# The widget


class _Span(NamedTuple):
    start: int
    end: int
    style: Style


_span_start = attrgetter("start")


class _Layer:
    __slots__ = ("spans", "starts", "max_length")

    def __init__(self, spans: list[_Span]) -> None:
        spans.sort(key=_span_start)  # (not by style: Styles do not order)
        self.spans = spans
        self.starts = [span.start for span in spans]
        self.max_length = max((span.end - span.start for span in spans), default=0)

    def overlapping(self, start: int, end: int) -> Iterable[_Span]:
        """Spans that overlap [start, end) (or, for an empty range, contain nothing: skipped)."""
        spans = self.spans
        if not spans:
            return ()
        hi = bisect_right(self.starts, end - 1) if end > start else 0
        lo = bisect_right(self.starts, start - self.max_length)
        return [span for span in spans[lo:hi] if span.end > start and span.start < end]


_REVERSE = Style(reverse=True)


class ArticleView(HighlightModeMixin, ScrollView, can_focus=True, inherit_bindings=False):
    """A scrollable, word-wrapped, read-only view of an article's cleaned text.

    The widget has none of ScrollView's inherited, id-less up/down/page keys (they would shadow the
    app's remappable keymap): the app binds the `action_*` methods. Its own bindings are highlight
    mode's (`tui.highlight_mode`): the key that enters it and the "highlight" scope, active only in
    the mode. Mouse wheel and scrollbar come from ScrollView; a mouse drag selects.
    """

    BINDINGS = [binding for binding in bindings_for("reader", default_keymap())
                if binding.id == "reader.highlight_mode"] + bindings_for("highlight", default_keymap())

    @classmethod
    def _merge_bindings(cls) -> BindingsMap:
        """Keep every class's binding of a key (Textual keeps only the subclass's): a subclass's
        key (space pages the reader) and highlight mode's (space starts a selection) both stay,
        and `check_action` lets the one of the current mode run."""
        maps: list[BindingsMap] = []
        for base in reversed(cls.__mro__):
            if isinstance(base, type) and issubclass(base, DOMNode):
                if not base._inherit_bindings:
                    maps.clear()
                maps.append(BindingsMap(base.__dict__.get("BINDINGS", [])))
        return BindingsMap.merge(reversed(maps))

    DEFAULT_CSS = """
    ArticleView {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
    }
    """

    cursor: reactive[int] = reactive(0, init=False, repaint=False)
    """The cursor, a code-point offset into `text` (0 to len(text)); drawn when focused."""

    class Moved(Message):
        """Posted when the top visible offset or the cursor changes."""

        def __init__(self, article_view: "ArticleView", offset: int, cursor: int) -> None:
            super().__init__()
            self.article_view = article_view
            self.offset = offset
            """Code-point offset of the first visible character (the top row's start)."""
            self.cursor = cursor
            """The cursor's code-point offset."""

        @property
        def control(self) -> "ArticleView":
            return self.article_view

    def __init__(
        self,
        text: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._text = ""
        self._display = ""
        self._row_starts: list[int] = [0]
        self._row_ends: list[int] = [0]
        self._paragraphs: list[int] = []
        self._wrap_width = -1  # width the rows were wrapped to; -1 = not wrapped yet
        self._layout_size = Size(0, 0)  # outer size when last wrapped (cheap change check)
        self._anchor: int | None = 0  # offset to put at the top after the next wrap
        self._anchor_centered = False  # ... or in the middle (scroll_to_offset(center=True) before a wrap)
        self._layers: dict[str, _Layer] = {}
        self._style_cache: dict[str | Style, Style] = {}
        self._spans_version = 0
        self._text_version = 0
        self._line_cache: LRUCache[tuple, Strip] = LRUCache(1024)
        self._last_moved: tuple[int, int] | None = None
        self._init_highlight_mode()
        self._set_text(text, 0)

    # ---------------------------------------------------------------- text and layout

    @property
    def text(self) -> str:
        """The article text (as given; what is drawn is `sanitize(text)`)."""
        return self._text

    def set_text(self, text: str, position: int = 0, *, article_id: str | None = None) -> None:
        """Show `text` and scroll so `position` (a code-point offset) is on the top row.

        The cursor moves to `position` too. With `article_id`, the article's highlights are drawn
        and highlight mode can save new ones.
        """
        self.leave_highlight_mode()
        self.article_id = article_id
        self._set_text(text, position)
        self.reload_highlights()
        if self.is_mounted:
            self._relayout(force=True)
            self.refresh()

    def _set_text(self, text: str, position: int) -> None:
        self._text = text
        self._display = sanitize(text)
        self._paragraphs = paragraph_starts(self._display)
        self._text_version += 1
        self._line_cache.clear()
        self._wrap_width = -1
        self._row_starts, self._row_ends = [0], [0]
        position = max(0, min(position, len(text)))
        self._anchor = position
        self._anchor_centered = False
        self.set_reactive(ArticleView.cursor, position)

    @property
    def wrap_width(self) -> int:
        """The width, in cells, the text is wrapped to (the scrollable content width)."""
        return max(1, self.scrollable_content_region.width)

    @property
    def row_count(self) -> int:
        return len(self._row_starts)

    @property
    def rows(self) -> list[tuple[int, int]]:
        """(start, end) code-point offsets of every wrapped row (built on demand, for tests/tools)."""
        return list(zip(self._row_starts, self._row_ends))

    def _relayout(self, force: bool = False) -> None:
        """Re-wrap if the width changed (or `force`), keeping the top offset on the top row."""
        width = self.scrollable_content_region.width
        if width <= 0:
            # Hidden or not laid out yet: keep the rows (or the pending anchor) as they are,
            # rather than wrapping the whole article to one column.
            return
        if not force and width == self._wrap_width:
            self._layout_size = self.outer_size
            return
        if self._anchor is not None:
            anchor = self._anchor
        elif self._wrap_width > 0:
            anchor = self.top_offset
        else:
            anchor = 0
        self._row_starts, self._row_ends = wrap_text(self._display, width)
        self._wrap_width = width
        self._layout_size = self.outer_size
        self._line_cache.clear()
        set_virtual_size(self, Size(width, len(self._row_starts)))
        centered, self._anchor, self._anchor_centered = self._anchor_centered, None, False
        row = self.offset_to_row(anchor) - (self.visible_height // 2 if centered else 0)
        self._scroll_to_row(max(0, row))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()

    def on_mount(self) -> None:
        # (ScrollView.on_mount runs too: Textual calls each class's handler.)
        if self.size.width:
            self._relayout()
        if self.article_id is not None:
            self.reload_highlights()  # set_text ran before the view was mounted

    # ---------------------------------------------------------------- offsets <-> rows

    def offset_to_row(self, offset: int) -> int:
        """The wrapped row that shows `offset` (an offset on a "\\n" belongs to the row before)."""
        return max(0, bisect_right(self._row_starts, offset) - 1)

    def offset_to_location(self, offset: int) -> tuple[int, int]:
        """(row, cell column) of `offset`."""
        row = self.offset_to_row(offset)
        start = self._row_starts[row]
        end = self._row_ends[row]
        return row, cell_len(self._display[start : min(offset, end)])

    def row_to_offset(self, row: int) -> int:
        """The code-point offset of the first character of `row` (clamped to the rows)."""
        row = max(0, min(row, len(self._row_starts) - 1))
        return self._row_starts[row]

    def location_to_offset(self, row: int, column: int) -> int:
        """The code point drawn at cell `column` of `row` (past the end: the row's end)."""
        row = max(0, min(row, len(self._row_starts) - 1))
        start, end = self._row_starts[row], self._row_ends[row]
        display = self._display
        cells = 0
        for index in range(start, end):
            width = get_character_cell_size(display[index])
            if width and cells + width > column:
                return index
            cells += width
        return end

    @property
    def top_row(self) -> int:
        return max(0, min(round(self.scroll_y), len(self._row_starts) - 1))

    @property
    def top_offset(self) -> int:
        """Code-point offset of the first character on the top visible row."""
        if self._anchor is not None:
            return self._anchor
        return self._row_starts[self.top_row]

    @property
    def visible_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    # ---------------------------------------------------------------- scrolling

    def _scroll_to_row(self, row: int, animate: bool = False) -> None:
        row = max(0, min(row, len(self._row_starts) - 1))
        # force: right after a re-wrap Textual may not yet know a scrollbar is needed (that is
        # settled at the next layout) and would ignore the scroll; the value is still clamped.
        self.scroll_to(y=row, animate=animate, force=True, immediate=True)

    def scroll_to_offset(self, offset: int, *, center: bool = False, animate: bool = False) -> None:
        """Scroll so the row holding `offset` is at the top (or in the middle with `center`).

        The cursor does not move.
        """
        offset = max(0, min(offset, len(self._text)))
        if self._wrap_width < 0:
            self._anchor, self._anchor_centered = offset, center  # not laid out yet: on the first wrap
            return
        row = self.offset_to_row(offset)
        if center:
            row -= self.visible_height // 2
        self._scroll_to_row(max(0, row), animate=animate)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._post_moved()

    def _post_moved(self) -> None:
        if self._wrap_width < 0:
            return
        state = (self.top_offset, self.cursor)
        if state != self._last_moved:
            self._last_moved = state
            self.post_message(self.Moved(self, *state))

    # ---------------------------------------------------------------- cursor

    def validate_cursor(self, cursor: int) -> int:
        return max(0, min(cursor, len(self._text)))

    def watch_cursor(self, old: int, new: int) -> None:
        if self._wrap_width > 0:
            self.refresh_lines(self.offset_to_row(old))
            self.refresh_lines(self.offset_to_row(new))
        self._post_moved()

    def on_focus(self, event: events.Focus) -> None:
        self._refresh_cursor_row()

    def on_blur(self, event: events.Blur) -> None:
        self._refresh_cursor_row()

    def _refresh_cursor_row(self) -> None:
        if self._wrap_width > 0:
            self.refresh_lines(self.offset_to_row(self.cursor))

    def _keep_cursor_visible(self, top_row: int) -> None:
        """After a keyboard scroll to `top_row`, pull the cursor onto the visible rows."""
        bottom_row = top_row + self.visible_height - 1
        row = self.offset_to_row(self.cursor)
        if row < top_row:
            self.cursor = self.row_to_offset(top_row)
        elif row > bottom_row:
            self.cursor = self.row_to_offset(bottom_row)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._wrap_width < 0:
            return
        if self._drag_click():
            return  # the end of a drag: the selection is made
        row = self.top_row + offset.y
        if row >= len(self._row_starts):
            self.cursor = len(self._text)
        else:
            self.cursor = self.location_to_offset(row, offset.x)
        if event.chain == 2 and self._text:
            self.select_word_at(self.cursor)  # a double click selects the word (and starts the mode)
        elif self.highlighting and self.mark is not None:
            self.clear_selection()  # a plain click drops the selection, as in any editor

    # ---------------------------------------------------------------- actions

    def _target_scroll_row(self) -> int:
        """The row the view is at or is scrolling to (so repeated keys accumulate)."""
        target = self.scroll_target_y
        return max(0, min(round(target), self.max_scroll_y))

    def _scroll_by_rows(self, delta: int) -> None:
        row = max(0, min(self._target_scroll_row() + delta, self.max_scroll_y))
        self._scroll_to_row(row)
        self._keep_cursor_visible(row)

    def action_line_down(self) -> None:
        self._scroll_by_rows(1)

    def action_line_up(self) -> None:
        self._scroll_by_rows(-1)

    def action_page_down(self) -> None:
        self._scroll_by_rows(max(1, self.visible_height - 1))

    def action_page_up(self) -> None:
        self._scroll_by_rows(-max(1, self.visible_height - 1))

    def action_top(self) -> None:
        self._scroll_to_row(0)
        self.cursor = 0

    def action_bottom(self) -> None:
        row = self.max_scroll_y
        self._scroll_to_row(row)
        self.cursor = self.row_to_offset(len(self._row_starts) - 1)

    def _reference_offset(self) -> int:
        """Where paragraph moves count from: the cursor if it is on screen, else the top row."""
        top = self.top_row
        row = self.offset_to_row(self.cursor)
        if top <= row < top + self.visible_height:
            return self.cursor
        return self._row_starts[top]

    def action_next_paragraph(self) -> None:
        paragraphs = self._paragraphs
        index = bisect_right(paragraphs, self._reference_offset())
        if index < len(paragraphs):
            self._jump_to(paragraphs[index])

    def action_previous_paragraph(self) -> None:
        paragraphs = self._paragraphs
        index = bisect_right(paragraphs, self._reference_offset() - 1) - 1
        if index >= 0:
            self._jump_to(paragraphs[index])

    def _jump_to(self, offset: int) -> None:
        self.cursor = offset
        self._scroll_to_row(self.offset_to_row(offset))

    # ---------------------------------------------------------------- spans

    def _to_style(self, style: str | Style) -> Style:
        if isinstance(style, Style):
            return style
        cached = self._style_cache.get(style)
        if cached is None:
            cached = self._style_cache[style] = Style.parse(style)
        return cached

    def set_spans(self, layer: str, spans: list[tuple[int, int, str | Style]]) -> None:
        """Replace the spans of `layer`. Layers are drawn in the order they were first set, later
        layers over earlier ones. Offsets are code points into `text`; empty spans are ignored."""
        to_style = self._to_style
        items = [
            _Span(int(start), int(end), to_style(style))
            for start, end, style in spans
            if end > start
        ]
        self._layers[layer] = _Layer(items)
        if layer != SELECTION_LAYER and SELECTION_LAYER in self._layers:
            # the selection stays on top of every layer, even one first set after it
            self._layers[SELECTION_LAYER] = self._layers.pop(SELECTION_LAYER)
        self._spans_changed()

    def clear_spans(self, layer: str) -> None:
        """Remove every span of `layer` (the layer keeps its place in the drawing order)."""
        if layer in self._layers:
            self._layers[layer] = _Layer([])
            self._spans_changed()

    def _spans_changed(self) -> None:
        self._spans_version += 1
        self.refresh()

    # ---------------------------------------------------------------- rendering

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_cache.clear()

    def render_line(self, y: int) -> Strip:
        if self._wrap_width < 0 or self._layout_size != self.outer_size:
            # First paint, or a paint before the Resize handler ran: wrap now.
            self._relayout()
        width = self._wrap_width
        base_style = self.visual_style.rich_style
        if width < 0:  # nothing to draw into
            return Strip.blank(self.size.width, base_style)
        row = self.top_row + y
        if row >= len(self._row_starts):
            return Strip.blank(width, base_style)
        key = (row, width, self._spans_version, self._text_version, base_style)
        strip = self._line_cache.get(key)
        if strip is None:
            strip = self._render_row(row, width, base_style)
            self._line_cache.set(key, strip)
        if self.has_focus:
            cursor = self.cursor
            if self.offset_to_row(cursor) == row:
                strip = self._draw_cursor(strip, row, cursor, width)
        return strip

    def _render_row(self, row: int, width: int, base_style: Style) -> Strip:
        start = self._row_starts[row]
        end = self._row_ends[row]
        display = self._display
        segments: list[Segment]
        spans_by_layer = [layer.overlapping(start, end) for layer in self._layers.values()]
        if not any(spans_by_layer):
            segments = [Segment(display[start:end], base_style)] if end > start else []
        else:
            cuts = {start, end}
            for spans in spans_by_layer:
                for span in spans:
                    cuts.add(max(start, span.start))
                    cuts.add(min(end, span.end))
            ordered = sorted(cuts)
            segments = []
            for left, right in zip(ordered, ordered[1:]):
                style = base_style
                for spans in spans_by_layer:
                    for span in spans:
                        if span.start <= left and span.end >= right:
                            style = style + span.style
                segments.append(Segment(display[left:right], style))
        length = sum(cell_len(segment.text) for segment in segments)
        strip = Strip(segments, length)
        if length > width:
            strip = strip.crop(0, width)
        return strip.adjust_cell_length(width, base_style)

    def _draw_cursor(self, strip: Strip, row: int, cursor: int, width: int) -> Strip:
        start, end = self._row_starts[row], self._row_ends[row]
        display = self._display
        column = cell_len(display[start : min(cursor, end)])
        if cursor < end:
            stop = cursor + 1
            while stop < end and (
                get_character_cell_size(display[stop]) == 0 or display[stop - 1] == "\u200d"
            ):
                stop += 1
            cells = max(1, cell_len(display[cursor:stop]))
        else:
            cells = 1
        column = max(0, min(column, width - cells))
        left = strip.crop(0, column)
        middle = strip.crop(column, column + cells)
        right = strip.crop(column + cells)
        middle = Strip(
            list(Segment.apply_style(middle, post_style=_REVERSE)), middle.cell_length
        )
        return Strip.join([left, middle, right])
