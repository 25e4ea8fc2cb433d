"""The search pane's results: a few lines of `Text` per result, one highlighted, clickable, drawn
through the line API.

Textual's OptionList lays itself out again and measures every option whenever its options are
replaced, which the search pane does on every keystroke (about 30 ms of a 60 ms keystroke at 10k
articles). This list wraps each result once per width and keeps the lines as strips; a new result
set costs the wrapping of its twenty results, moving the highlight redraws two results.
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .scrolling import set_virtual_size

PADDING = 1  # cells each side of a result


class ResultList(ScrollView, can_focus=False):
    """Never focused (the query box keeps the keys); a click highlights a result and selects it."""

    COMPONENT_CLASSES = {"result-list--highlighted"}
    DEFAULT_CSS = """
    ResultList {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: scroll;  /* a scrollbar coming or going as results change lays the screen out again */
        & > .result-list--highlighted { color: $foreground; background: $block-cursor-blurred-background; }
    }
    """

    class Highlighted(Message):
        def __init__(self, results: "ResultList", index: int | None) -> None:
            super().__init__()
            self.results = results
            self.index = index

        @property
        def control(self) -> "ResultList":
            return self.results

    class Selected(Highlighted):
        pass

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._prompts: list[Text] = []
        self._highlighted: int | None = None
        self._width = -1  # the width the lines below were wrapped at
        self._lines: list[list[list[Segment]]] = []  # per wrapped result, its lines (unstyled)
        self._first_row: list[int] = []  # per wrapped result, its first row
        self._row_result: list[int] = []  # per row, its result
        self._strips: dict[tuple[int, bool], Strip] = {}  # (row, highlighted): the row drawn
        self._styles: tuple[Style, Style] | None = None  # base and highlighted (from the CSS)

    # ------------------------------------------------------------------ the results
    def set_prompts(self, prompts: list[Text], highlighted: int | None = 0) -> None:
        """Show these results, `highlighted` highlighted (no Highlighted message: the caller knows).

        Only the results that fill the view are wrapped now; the rest after the frame is drawn
        (or as soon as something needs them), so a keystroke's results are not kept waiting."""
        self._prompts = list(prompts)
        self._width = -1
        self._highlighted = None if not prompts or highlighted is None else max(0, min(highlighted, len(prompts) - 1))
        self._wrap(rows=self.size.height)
        self.scroll_to(y=0, animate=False, immediate=True)
        if self._highlighted:  # (more results of the same query: the one moved to stays in view)
            self._wrap(results=self._highlighted + 1)
            self._scroll_into_view(self._highlighted)
        self.refresh()

    @property
    def option_count(self) -> int:
        return len(self._prompts)

    def prompt_at(self, index: int) -> Text:
        return self._prompts[index]

    @property
    def highlighted(self) -> int | None:
        return self._highlighted

    @highlighted.setter
    def highlighted(self, index: int | None) -> None:
        if index is not None:
            if not self._prompts:
                return
            index = max(0, min(index, len(self._prompts) - 1))
        if index == self._highlighted:
            return
        old, self._highlighted = self._highlighted, index
        if index is not None:
            self._wrap(results=index + 1)
        for changed in (old, index):
            self._refresh_result(changed)
        self._scroll_into_view(index)
        self.post_message(self.Highlighted(self, index))

    # ------------------------------------------------------------------ layout
    def _wrap(self, rows: int | None = None, results: int | None = None) -> None:
        """Wrap results in order until `rows` rows or `results` results are wrapped (all of
        them if neither is given); everything again if the width changed."""
        width = self.scrollable_content_region.width or self.size.width
        if width <= 0:
            return
        reset = width != self._width
        if reset:
            self._width = width
            self._lines, self._first_row, self._row_result, self._strips = [], [], [], {}
        total = len(self._prompts)
        wanted = total if results is None else min(results, total)

        def enough() -> bool:
            if len(self._lines) >= total:
                return True
            return len(self._row_result) >= rows if rows is not None else len(self._lines) >= wanted

        if enough():
            if reset:  # (no results: the last list's height must go too)
                set_virtual_size(self, Size(width, len(self._row_result)))
            return
        console: Console = self.app.console
        options = console.options.update_width(max(1, width - 2 * PADDING)).update(highlight=False, markup=False)
        while not enough():
            index = len(self._lines)
            lines = console.render_lines(self._prompts[index], options, pad=False)
            self._first_row.append(len(self._row_result))
            self._row_result.extend([index] * len(lines))
            self._lines.append(lines)
        set_virtual_size(self, Size(width, len(self._row_result)))
        if reset and len(self._lines) < total:
            self.call_after_refresh(self._wrap)  # the rest once this frame is drawn

    def on_resize(self) -> None:
        self._wrap()
        self._scroll_into_view(self._highlighted)  # its rows moved with the new width
        self.refresh()

    def _refresh_result(self, index: int | None) -> None:
        if index is None or index >= len(self._first_row):
            return
        top = self._first_row[index] - int(self.scroll_y)
        self.refresh(Region(0, top, self.size.width, len(self._lines[index])))

    def _scroll_into_view(self, index: int | None) -> None:
        if index is None or index >= len(self._first_row):
            return
        top, height = self._first_row[index], len(self._lines[index])
        if top < self.scroll_y:
            self.scroll_to(y=top, animate=False, immediate=True)
        elif top + height > self.scroll_y + self.size.height:
            self.scroll_to(y=top + height - self.size.height, animate=False, immediate=True)

    # ------------------------------------------------------------------ drawing
    def notify_style_update(self) -> None:
        super().notify_style_update()
        # the theme's colours are in the drawn rows, not in the wrapped lines (the prompts' own
        # styles name no theme colour): draw again, without wrapping again
        self._strips.clear()
        self._styles = None
        self.refresh()

    def render_line(self, y: int) -> Strip:
        row = int(self.scroll_y) + y
        self._wrap(rows=row + 1)
        width = self.scrollable_content_region.width or self.size.width  # beside the scrollbar
        if self._styles is None:
            self._styles = (self.rich_style, self.get_component_rich_style("result-list--highlighted"))
        if row >= len(self._row_result):
            return Strip.blank(width, self._styles[0])
        index = self._row_result[row]
        lit = index == self._highlighted
        strip = self._strips.get((row, lit))
        if strip is None:  # (a new width empties the cache: _wrap above starts again)
            style = self._styles[lit]
            line = self._lines[index][row - self._first_row[index]]
            segments = [Segment(" " * PADDING, style), *Segment.apply_style(line, style)]
            used = sum(segment.cell_length for segment in segments)
            if used < width:
                segments.append(Segment(" " * (width - used), style))
            strip = Strip(segments, max(used, width))
            if used > width:
                strip = strip.crop(0, width)
            self._strips[(row, lit)] = strip
        return strip

    async def _on_click(self, event: events.Click) -> None:
        row = int(self.scroll_y) + event.y
        if 0 <= row < len(self._row_result):
            self.highlighted = self._row_result[row]
            self.post_message(self.Selected(self, self._highlighted))
