"""A virtual table: a sticky header, rows of `Text` cells in fixed-width columns, group rows, a
row cursor, mouse clicks and wheel, painting only the rows on screen.

DataTable measures every cell of every row when rows are added (10,000 articles took about 4 s
before the first frame); this widget keeps the rows as data and renders a row only when it is
visible, so showing or re-sorting 10k rows costs what building the list costs.

Each drawn row is kept as a `Strip` in a per-row cache, keyed by the row's key and whether it has
the cursor (focused or not). An entry is used only while it was drawn from the same `Row` object
(`update_row` and `set_rows` put new ones, so changed data is redrawn), at the same width, column
widths and styles (`notify_style_update`, a theme or focus change, drops the lot). A cell without
spans becomes one segment straight from its plain text, without a Rich render: scrolling a page
of new rows costs a few milliseconds, scrolling back to rows already drawn almost nothing.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .scrolling import set_virtual_size

CELL_PADDING = 1
ROW_CACHE_SIZE = 1024  # strips kept: about twenty screens of rows
PLAIN, CURSOR, CURSOR_FOCUSED = 0, 1, 2  # a row's drawing state, part of its cache key


class Row(NamedTuple):
    """One line of the table: `cells` for an item row, `label` (spanning all columns) for a group.
    A row may carry an `item` instead of cells: `RowTable.row_cells` makes its cells when (and only
    when) the row is drawn. (A named tuple: a 100k-row list is made in a third of a frozen
    dataclass's time.)"""

    key: str
    cells: tuple[Text, ...] = ()
    label: Text | None = None
    item: Any = None


class RowTable(ScrollView, can_focus=True, inherit_bindings=False):
    """Rows shown through the line API. No key bindings of its own: subclasses bind actions."""

    COMPONENT_CLASSES = {"row-table--header", "row-table--cursor", "row-table--group"}

    DEFAULT_CSS = """
    RowTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        & > .row-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .row-table--group { text-style: bold; color: $accent; }
        & > .row-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .row-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    cursor_row: reactive[int] = reactive(0, init=False, repaint=False)

    class Selected(Message):
        """A row was chosen with the mouse (a click on the cursor's row, or a double click)."""

        def __init__(self, table: "RowTable", key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> "RowTable":
            return self.table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.columns: list[tuple[str, str]] = []  # (label, key)
        self.widths: dict[str, int] = {}
        self.hidden: frozenset[str] = frozenset()  # column keys left out (a narrow pane drops some)
        self._rows: list[Row] = []
        self._index: dict[str, int] | None = None  # row key -> index, made when first asked for
        self._layout = 0  # bumped when column widths, hidden columns or styles change
        self._cache: LRUCache[tuple[str, int], tuple[Row, tuple[object, ...], Strip]] = LRUCache(ROW_CACHE_SIZE)
        self._header_cache: tuple[tuple[object, ...], Strip] | None = None
        self._styles: dict[str, Style] = {}  # component styles for the current layout
        self.rows_drawn = 0  # rows rendered (not served from the cache): for tests and benchmarks

    # ---------------------------------------------------------------- data
    def set_columns(self, columns: list[tuple[str, str]], widths: dict[str, int],
                    hidden: frozenset[str] = frozenset()) -> None:
        self.columns = list(columns)
        self.set_widths(widths, hidden)

    def set_widths(self, widths: dict[str, int], hidden: frozenset[str] = frozenset()) -> None:
        if widths != self.widths or hidden != self.hidden:
            self.widths, self.hidden = dict(widths), hidden
            self._relayout()

    def set_rows(self, rows: list[Row], cursor: int = 0) -> None:
        """Show these rows. Strips cached for the same Row objects stay valid; others age out."""
        self._rows = rows
        self._index = None
        set_virtual_size(self, Size(self.size.width, len(rows) + 1))  # +1: the header
        self.refresh()
        self.set_reactive(RowTable.cursor_row, self.validate_cursor_row(cursor))
        self._scroll_cursor_into_view()

    def update_row(self, index: int, row: Row) -> None:
        """Replace one row: only that row is drawn again (its cached strips were of the old Row)."""
        old = self._rows[index]
        self._rows[index] = row
        if self._index is not None and old.key != row.key:
            del self._index[old.key]
            self._index[row.key] = index
        for state in (PLAIN, CURSOR, CURSOR_FOCUSED):
            self._cache.discard((old.key, state))
        self._refresh_index(index)

    def refresh_row(self, key: str) -> None:
        """Draw a row again whose cells changed though its Row did not (state the cells read
        from elsewhere, such as a count or a mark)."""
        for state in (PLAIN, CURSOR, CURSOR_FOCUSED):
            self._cache.discard((key, state))
        index = self.index_of(key)
        if index is not None:
            self._refresh_index(index)

    def index_of(self, key: str) -> int | None:
        """The index of the row with this key, or None."""
        if self._index is None:
            self._index = {row.key: index for index, row in enumerate(self._rows)}
        return self._index.get(key)

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def row(self, index: int) -> Row:
        return self._rows[index]

    @property
    def row_keys(self) -> list[str]:
        return [row.key for row in self._rows]

    @property
    def cursor_key(self) -> str | None:
        return self._rows[self.cursor_row].key if self._rows else None

    def row_plain(self, index: int) -> list[str]:
        """A row's cells as plain text (what a test or a screen reader would read)."""
        row = self._rows[index]
        return [row.label.plain] if row.label is not None else [cell.plain for cell in self.row_cells(row)]

    def row_cells(self, row: Row) -> tuple[Text, ...]:
        """The cells of an item row; subclasses make them from `row.item`."""
        return row.cells

    def _relayout(self) -> None:
        """Column widths or styles changed: every cached strip is stale."""
        self._layout += 1
        self._cache.clear()
        self._header_cache = None
        self._styles.clear()
        self.refresh()

    def _refresh_index(self, index: int) -> None:
        """Repaint one row if it is on screen (line 0 is the header)."""
        y = index - round(self.scroll_y) + 1
        if 1 <= y < self.scrollable_content_region.height:
            self.refresh_lines(round(self.scroll_y) + y)

    # ---------------------------------------------------------------- cursor
    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self._rows) - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh_lines(old + 1)
        self.refresh_lines(new + 1)
        self._scroll_cursor_into_view()

    def move_cursor(self, row: int) -> None:
        self.cursor_row = row

    @property
    def page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def _scroll_cursor_into_view(self) -> None:
        visible = max(1, self.scrollable_content_region.height - 1)
        top = round(self.scroll_y)
        row = self.cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + visible:
            self.scroll_to(y=row - visible + 1, animate=False, immediate=True)

    # ---------------------------------------------------------------- mouse
    async def _on_click(self, event: events.Click) -> None:
        if event.y < 1 or not self._rows:  # the header
            return
        index = round(self.scroll_y) + event.y - 1
        if not 0 <= index < len(self._rows):
            return
        event.stop()
        if index == self.cursor_row or event.chain >= 2:
            self.cursor_row = index
            self.post_message(self.Selected(self, self._rows[index].key))
        else:
            self.cursor_row = index

    # ---------------------------------------------------------------- rendering
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._relayout()

    def on_resize(self) -> None:
        set_virtual_size(self, Size(self.size.width, len(self._rows) + 1))

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.visual_style.rich_style
        layout = (self._layout, width, base)
        if y == 0:
            if self._header_cache is None or self._header_cache[0] != layout:
                self._header_cache = (layout, self._header(width, base))
            return self._header_cache[1]
        index = round(self.scroll_y) + y - 1
        if index >= len(self._rows):
            return Strip.blank(width, base)
        row = self._rows[index]
        cursor = index == self.cursor_row
        state = (CURSOR_FOCUSED if self.has_focus else CURSOR) if cursor else PLAIN
        cached = self._cache.get((row.key, state))
        if cached is not None and cached[0] is row and cached[1] == layout:
            return cached[2]
        strip = self._render_row(row, width, base, cursor)
        self.rows_drawn += 1
        self._cache.set((row.key, state), (row, layout, strip))
        return strip

    def _style(self, component: str) -> Style:
        style = self._styles.get(component)
        if style is None:
            style = self._styles[component] = self.get_component_rich_style(component)
        return style

    def _header(self, width: int, base: Style) -> Strip:
        style = base + self._style("row-table--header")
        return self._line([Text(label) for label, _ in self.columns], width, style)

    def _render_row(self, row: Row, width: int, base: Style, cursor: bool) -> Strip:
        # the cursor's colours win over a cell's own (a dim source stays readable on the bar)
        post = self._style("row-table--cursor") if cursor else None
        if row.label is not None:
            label = row.label.copy()
            label.truncate(max(0, width - 2 * CELL_PADDING), overflow="ellipsis")
            style = base + self._style("row-table--group")
            return self._strip([Text(" " * CELL_PADDING), label], width, style, post)
        return self._line(list(self.row_cells(row)), width, base, post)

    def _line(self, cells: list[Text], width: int, style: Style, post: Style | None = None) -> Strip:
        """A row of cells: each cut to its column (an ellipsis marks a cut) and padded. A cell
        without spans is one segment made from its plain text; one with spans (a mark before a
        title) goes through Rich."""
        console = self.app.console
        pad = " " * CELL_PADDING
        gap = style + post if post else style
        segments: list[Segment] = []
        for (_, key), cell in zip(self.columns, cells):
            if key in self.hidden:
                continue
            cell_width = self.widths.get(key, 0)
            segments.append(Segment(pad, gap))
            if cell.spans:
                text = cell.copy()
                text.no_wrap = True
                text.truncate(cell_width, overflow="ellipsis", pad=True)
                parts = [segment for segment in text.render(console, end="") if segment.text]
                segments.extend(Segment.apply_style(parts, style, post))
            else:
                cell_style = console.get_style(cell.style) if cell.style else None
                combined = style + cell_style if cell_style else style
                segments.append(Segment(fit_cell(cell.plain, cell_width), combined + post if post else combined))
            segments.append(Segment(pad, gap))
        return Strip(segments).crop(0, width).adjust_cell_length(width, gap)

    def _strip(self, parts: list[Text], width: int, style: Style, post: Style | None = None) -> Strip:
        line = Text(no_wrap=True, end="")
        for part in parts:
            line.append_text(part)
        console = self.app.console
        segments = [segment for segment in line.render(console, end="") if segment.text]
        segments = list(Segment.apply_style(segments, style, post))
        fill = style + post if post else style
        return Strip(segments).crop(0, width).adjust_cell_length(width, fill)



def fit_cell(plain: str, width: int) -> str:
    """`plain` in exactly `width` cells: padded with spaces, or cut with an ellipsis (as Rich's
    `Text.truncate(width, overflow="ellipsis", pad=True)` does)."""
    if width <= 0:
        return ""
    if cell_len(plain) > width:
        return set_cell_size(plain, width - 1) + "…"
    return set_cell_size(plain, width)
