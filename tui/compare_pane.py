"""The compare pane: two or three reports side by side, one `ArticleView` column each.

Passages the reports share have the same background colour in every column; scrolling the focused
column scrolls the others so the matching passage sits at the same height. Words that differ inside
a partly shared passage are bold and underlined, passages only one report has are italic (with a
dim marker colour), moved passages are overlined, shared quotes are bold italic, and figures that
differ are drawn reversed and listed with both contexts under the header. Narrow terminals show
one column at a time (switch with the next/previous column keys)."""

from __future__ import annotations

from bisect import bisect_right

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from store import Article, Comparison

from .article_view import ArticleView
from .compare_render import header_line, header_text
from .key_hints import KeyHints
from .keymap import bindings_for, default_keymap
from .safe_text import plain

NARROW_WIDTH = 100

# Backgrounds that keep default text readable on dark and light themes: mid-saturation tones,
# distinct in hue, used with the theme's own foreground.
PALETTE = ("#3b6ea5", "#8a5a9e", "#3f8f6b", "#a5673b", "#2f8c9c", "#9e4f62", "#6d7f2e", "#5b5fb0")
UNIQUE_STYLE = "italic"
MOVED_STYLE = "overline"
DIFFER_STYLE = "bold underline"
QUOTE_STYLE = "bold italic"
FIGURE_STYLE = "bold reverse"


class CompareColumn(ArticleView):
    """One report's column: the shared article view with the compare pane's keys."""

    KEY_SCOPE = "compare"
    BINDINGS = bindings_for(KEY_SCOPE, default_keymap())

    def __init__(self, index: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.index = index

    @property
    def pane(self) -> "CompareScreen":
        return self.screen  # type: ignore[return-value]

    def action_next_shared(self) -> None:
        self.pane.jump(self, "shared", +1)

    def action_previous_shared(self) -> None:
        self.pane.jump(self, "shared", -1)

    def action_next_unique(self) -> None:
        self.pane.jump(self, "unique", +1)

    def action_next_figure(self) -> None:
        self.pane.jump(self, "figure", +1)

    def action_next_column(self) -> None:
        self.pane.focus_column(self.index + 1)

    def action_previous_column(self) -> None:
        self.pane.focus_column(self.index - 1)

    def action_coverage(self) -> None:
        self.pane.open_coverage()

    def action_close_compare(self) -> None:
        self.app.pop_screen()


class CompareScreen(Screen[None]):
    """Side-by-side comparison of 2 or 3 articles (`comparison.articles`)."""

    DEFAULT_CSS = """
    CompareScreen #compare-top { height: auto; max-height: 40%; border-bottom: solid $primary; }
    CompareScreen.-narrow #compare-top { max-height: 30%; }
    CompareScreen #compare-header { height: auto; padding: 0 1; }
    CompareScreen #compare-columns { height: 1fr; }
    CompareScreen .compare-col { width: 1fr; border-left: solid $primary-darken-2; }
    CompareScreen .compare-title { height: 2; padding: 0 1; background: $boost; text-wrap: nowrap; text-overflow: ellipsis; }
    CompareScreen CompareColumn { height: 1fr; padding: 0 1; }
    CompareScreen CompareColumn:focus { background-tint: $foreground 4%; }
    CompareScreen .compare-col.-focused .compare-title { background: $accent 40%; }
    """

    def __init__(self, comparison: Comparison) -> None:
        super().__init__()
        self.comparison = comparison
        self.articles: tuple[Article, ...] = comparison.articles[:3]
        self.ids = [article.id for article in self.articles]
        self.shared: list[list[tuple[int, int]]] = [[] for _ in self.articles]  # sorted sentence spans
        self.unique: list[list[tuple[int, int]]] = [[] for _ in self.articles]
        self.figure_spans: list[list[tuple[int, int]]] = [[] for _ in self.articles]
        # (column, sentence span) -> {other column: partner span}
        self.partners: dict[tuple[int, tuple[int, int]], dict[int, tuple[int, int]]] = {}
        # a differing figure's counterparts, by column: `f` brings them level (they may sit in sentences that
        # are only related, not aligned, so the shared passages cannot lead there)
        self.figure_partners: dict[tuple[int, tuple[int, int]], dict[int, tuple[int, int]]] = {}
        self._syncing = False
        self._level_hold: tuple[int, int] | None = None  # (column, top row) of a figure just levelled
        self._focused_index = 0

    # ---------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        with VerticalScroll(id="compare-top"):
            yield Static(self._header(), id="compare-header")
        with Horizontal(id="compare-columns"):
            for index, article in enumerate(self.articles):
                with Vertical(classes="compare-col", id=f"compare-col-{index}"):
                    # two lines, each cut short: a wrapped title pushed its outlet off the second
                    title = Text(f"{'ABC'[index]} ", style="bold", no_wrap=True, overflow="ellipsis")
                    title.append_text(plain(article.title, style="bold"))
                    title.append("\n")
                    title.append_text(plain(f"{article.source or 'no source'} · {article.date[:10]} · {article.id[:6]}",
                                            style="dim"))
                    yield Static(title, classes="compare-title")
                    yield CompareColumn(index, id=f"compare-view-{index}")
        yield KeyHints()

    def on_mount(self) -> None:
        self._build_spans()
        for index, article in enumerate(self.articles):
            view = self.column(index)
            view.set_text(article.body, article_id=article.id)
            self._apply_spans(index)
        self.focus_column(0)

    def column(self, index: int) -> CompareColumn:
        return self.query_one(f"#compare-view-{index}", CompareColumn)

    @property
    def columns(self) -> list[CompareColumn]:
        return [self.column(index) for index in range(len(self.articles))]

    def on_resize(self, event: events.Resize) -> None:
        self._apply_narrow(event.size.width)

    def _apply_narrow(self, width: int | None = None) -> None:
        narrow = (width or self.app.size.width) < NARROW_WIDTH
        self.set_class(narrow, "-narrow")
        for index in range(len(self.articles)):
            self.query_one(f"#compare-col-{index}").display = not narrow or index == self._focused_index

    def focus_column(self, index: int) -> None:
        index %= len(self.articles)
        previous = self._focused_index if self._focused_index != index and self.is_mounted else None
        self._focused_index = index
        for i in range(len(self.articles)):
            self.query_one(f"#compare-col-{i}").set_class(i == index, "-focused")
        self._apply_narrow()
        self.column(index).focus()
        if previous is not None and self.has_class("-narrow"):
            # a hidden column was not scrolled along (it had no width to wrap to): level it with the
            # one just left once it is laid out, so `n` then `→` shows the partner passage
            left = self.column(previous)
            self.call_after_refresh(self.sync_from, left)

    # ---------------------------------------------------------------- header
    def _header(self) -> Text:
        text = Text()
        articles = {article.id: article for article in self.articles}
        for position, (id_a, id_b) in enumerate((a, b) for a, b in self.comparison.headers if a in articles and b in articles):
            a, b = articles[id_a], articles[id_b]
            if position:
                text.append("\n")
            letters = ("ABC"[self.ids.index(id_a)], "ABC"[self.ids.index(id_b)])
            if len(self.articles) > 2:  # a line a pair: three pairs of four lines left the columns little room
                text.append_text(header_line(self.comparison.headers[(id_a, id_b)], letters))
            else:
                text.append_text(header_text(a, b, self.comparison.headers[(id_a, id_b)], letters))
            shared_quotes = self.comparison.pairs[(id_a, id_b)].quotes
            if shared_quotes:
                speakers = [q.speaker for q in shared_quotes if q.speaker]
                unattributed = len(shared_quotes) - len(speakers)
                text.append("\nshared quotes", style=QUOTE_STYLE)
                text.append(" from ")
                who = ", ".join(dict.fromkeys(speakers))
                if unattributed:
                    who += (", " if who else "") + f"{unattributed} without a recognised speaker"
                text.append_text(plain(who))
            for diff in self.comparison.pairs[(id_a, id_b)].figures:
                text.append("\n  figures differ? ", style="bold")
                text.append_text(plain(diff.a_text, style=FIGURE_STYLE))
                text.append(" vs ")
                text.append_text(plain(diff.b_text, style=FIGURE_STYLE))
                text.append(f" ({diff.kind}{'' if diff.aligned else ', related sentences'})\n", style="dim")
                for side, sentence in (("A", diff.a_sentence), ("B", diff.b_sentence)):
                    letter = "ABC"[self.ids.index(id_a if side == "A" else id_b)]
                    text.append(f"    {letter}: ", style="dim")
                    text.append_text(plain(sentence if len(sentence) < 220 else sentence[:219] + "…"))
                    text.append("\n")
                text.rstrip()
        text.append("\n")
        text.append("colour = shared passage · ", style="dim")  # one line at 160 columns
        text.append("bold underline", style=DIFFER_STYLE)
        text.append(" = differs · ", style="dim")
        text.append("italic", style=UNIQUE_STYLE)
        text.append(" = only in this report · ", style="dim")
        text.append("overline", style=MOVED_STYLE)
        text.append(" = moved · ", style="dim")
        text.append("bold italic", style=QUOTE_STYLE)
        text.append(" = shared quote · ", style="dim")
        text.append("reversed", style=FIGURE_STYLE)
        text.append(" = figures differ?", style="dim")
        return text

    # ---------------------------------------------------------------- spans
    def _build_spans(self) -> None:
        self._layers: list[dict[str, list[tuple[int, int, str]]]] = [
            {"shared": [], "unique": [], "moved": [], "differ": [], "quote": [], "figure": []} for _ in self.articles]
        index_of = {article_id: i for i, article_id in enumerate(self.ids)}
        groups = self.comparison.coverage
        colour = 0
        for group in groups:
            members = {index_of[i]: span for i, span in group.members.items() if i in index_of}
            if len(members) >= 2:
                style = f"on {PALETTE[colour % len(PALETTE)]}"
                colour += 1
                for column, span in members.items():
                    self._layers[column]["shared"].append((*span, style))
                    self.shared[column].append(span)
                    self.partners[(column, span)] = {c: s for c, s in members.items() if c != column}
            elif len(members) == 1:
                (column, span), = members.items()
                self._layers[column]["unique"].append((*span, UNIQUE_STYLE))
                self.unique[column].append(span)
        for (id_a, id_b), alignment in self.comparison.pairs.items():
            if id_a not in index_of or id_b not in index_of:
                continue
            ca, cb = index_of[id_a], index_of[id_b]
            for pair in alignment.pairs:
                self._layers[ca]["differ"].extend((s, e, DIFFER_STYLE) for s, e in pair.differ_a)
                self._layers[cb]["differ"].extend((s, e, DIFFER_STYLE) for s, e in pair.differ_b)
                if pair.moved:
                    self._layers[ca]["moved"].append((*pair.a, MOVED_STYLE))
                    self._layers[cb]["moved"].append((*pair.b, MOVED_STYLE))
            for quote in alignment.quotes:
                self._layers[ca]["quote"].append((*quote.a, QUOTE_STYLE))
                self._layers[cb]["quote"].append((*quote.b, QUOTE_STYLE))
            for diff in alignment.figures:
                self._layers[ca]["figure"].append((*diff.a, FIGURE_STYLE))
                self._layers[cb]["figure"].append((*diff.b, FIGURE_STYLE))
                self.figure_spans[ca].append(diff.a)
                self.figure_spans[cb].append(diff.b)
                self.figure_partners.setdefault((ca, diff.a), {}).setdefault(cb, diff.b)
                self.figure_partners.setdefault((cb, diff.b), {}).setdefault(ca, diff.a)
        for spans in (*self.shared, *self.unique, *self.figure_spans):
            spans.sort()

    def _apply_spans(self, column: int) -> None:
        view = self.column(column)
        for layer, spans in self._layers[column].items():
            view.set_spans(layer, spans)

    # ---------------------------------------------------------------- navigation
    def jump(self, view: CompareColumn, kind: str, direction: int) -> None:
        spans = {"shared": self.shared, "unique": self.unique, "figure": self.figure_spans}[kind][view.index]
        if not spans:
            noun = {"shared": "shared passages", "unique": "passages only in this report",
                    "figure": "differing figures"}[kind]
            self.app.notify(f"No {noun} in this report.", timeout=2)
            return
        starts = [start for start, _ in spans]
        cursor = view.cursor
        if direction > 0:
            position = bisect_right(starts, cursor)
            target = starts[position] if position < len(starts) else starts[0]
        else:
            position = bisect_right(starts, cursor - 1) - 1
            target = starts[position] if position >= 0 else starts[-1]
        view.cursor = target
        view.scroll_to_offset(max(0, view.row_to_offset(max(0, view.offset_to_row(target) - 2))))
        if kind == "figure":
            self.level_figure(view, spans[starts.index(target)])
        else:
            self.sync_from(view)

    def level_figure(self, view: CompareColumn, span: tuple[int, int]) -> None:
        """Put the other reports' side of a differing figure level with it, cursor on it."""
        height = view.offset_to_row(span[0]) - view.top_row
        self._level_hold = (view.index, view.top_row)  # until `view` scrolls on, keeping in step must not undo this
        self._syncing = True
        try:
            for column, partner in self.figure_partners.get((view.index, span), {}).items():
                other = self.column(column)
                other.cursor = partner[0]
                other.scroll_to(y=max(0, other.offset_to_row(partner[0]) - height), animate=False, force=True,
                                immediate=True)
        finally:
            self._syncing = False

    def on_article_view_moved(self, message: ArticleView.Moved) -> None:
        view = message.article_view
        if isinstance(view, CompareColumn) and view.has_focus and not self._syncing:
            self.sync_from(view)

    def sync_from(self, view: CompareColumn) -> None:
        """Scroll the other columns so the passage they share with the top of `view` is level.
        Where no shared passage is on screen (a long stretch only one report has, or past the
        last shared one), a column goes on in step: its top row is interpolated between the
        shared passages around it, and its end, so that it never stays put while `view` moves."""
        shared = self.shared[view.index]
        top_row = view.top_row
        top = view.top_offset
        ends = [end for _, end in shared]
        first = bisect_right(ends, top)
        # the passage under the cursor, if it is on screen, is the one to level (after a jump)
        at_cursor = bisect_right(ends, view.cursor)
        if (at_cursor < len(shared) and shared[at_cursor][0] <= view.cursor
                and top_row <= view.offset_to_row(view.cursor) < top_row + view.visible_height):
            first = at_cursor
        bottom_row = top_row + view.visible_height
        self._syncing = True
        try:
            for other in self.columns:
                if other is view:
                    continue
                other_row = None
                for span in shared[first:first + 40]:
                    row = view.offset_to_row(span[0])
                    if row >= bottom_row:
                        break  # the next one it shares is below the screen: keep in step instead
                    partner = self.partners.get((view.index, span), {}).get(other.index)
                    if partner is None:
                        continue
                    other_row = other.offset_to_row(partner[0]) - (row - top_row)
                    break
                if other_row is None:
                    if self._level_hold == (view.index, top_row):
                        continue  # a differing figure was just levelled: it stays so
                    other_row = self._in_step(view, other, top_row)
                other.scroll_to(y=max(0, other_row), animate=False, force=True, immediate=True)
        finally:
            self._syncing = False

    def _in_step(self, view: CompareColumn, other: CompareColumn, top_row: int) -> int:
        """`other`'s top row for `view` at `top_row`, by linear steps between the passages the two
        share (in the order of both: a moved one is no landmark), from the start to the end."""
        landmarks = [(0, 0)]
        for span in self.shared[view.index]:
            partner = self.partners.get((view.index, span), {}).get(other.index)
            if partner is None:
                continue
            point = (view.offset_to_row(span[0]), other.offset_to_row(partner[0]))
            if point[0] > landmarks[-1][0] and point[1] >= landmarks[-1][1]:
                landmarks.append(point)
        last = (max(0, view.row_count - view.visible_height), max(0, other.row_count - other.visible_height))
        if last[0] > landmarks[-1][0] and last[1] >= landmarks[-1][1]:
            landmarks.append(last)
        at = max(0, bisect_right([row for row, _ in landmarks], top_row) - 1)
        if at + 1 >= len(landmarks):
            return landmarks[at][1] + (top_row - landmarks[at][0])
        (v0, o0), (v1, o1) = landmarks[at], landmarks[at + 1]
        return round(o0 + (top_row - v0) * (o1 - o0) / (v1 - v0))

    def open_coverage(self) -> None:
        from .coverage_pane import CoverageScreen

        comparison = self.comparison
        if not comparison.coverage:
            comparison = self.app.library.compare(self.ids, coverage=True)  # type: ignore[attr-defined]
        self.app.push_screen(CoverageScreen(comparison))
