"""The reader pane: an article's title, source, date and origin above its cleaned text."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from store import Article

from .article_view import ArticleView
from .keymap import bindings_for, default_keymap
from .safe_text import plain

SEARCH_HIT_STYLE = "black on yellow"
CURRENT_HIT_STYLE = "bold black on dark_orange"


class ReaderView(ArticleView):
    """The article view as the reader uses it, with the reader's key map."""

    KEY_SCOPE = "reader"
    BINDINGS = bindings_for(KEY_SCOPE, default_keymap())

    search_hits: list[tuple[int, int]] = []

    def action_close_reader(self) -> None:
        self.app.action_close_reader()  # type: ignore[attr-defined]

    # search hits (set when an article is opened from the search pane), stepped through with n / N
    def show_search_hits(self, spans: list[tuple[int, int]], current: int) -> None:
        self.search_hits = list(spans)
        self.set_spans("search", [(start, end, SEARCH_HIT_STYLE) for start, end in self.search_hits])
        self._go_to_hit(current)

    def clear_search_hits(self) -> None:
        self.search_hits = []
        self.clear_spans("search")
        self.clear_spans("search-current")

    def _go_to_hit(self, offset: int) -> None:
        hit = next((span for span in self.search_hits if span[0] == offset), None)
        self.set_spans("search-current", [(hit[0], hit[1], CURRENT_HIT_STYLE)] if hit else [])
        self.cursor = max(0, offset)
        self.scroll_to_offset(max(0, offset), center=True)

    def _step_hit(self, forward: bool) -> None:
        if not self.search_hits:
            self.app.notify("No search hits in this article; / searches.", timeout=3)
            return
        starts = [start for start, _ in self.search_hits]
        if forward:
            index = bisect_right(starts, self.cursor)
            wrapped = index >= len(starts)
            index = 0 if wrapped else index
        else:
            index = bisect_left(starts, self.cursor) - 1
            wrapped = index < 0
            index = len(starts) - 1 if wrapped else index
        self._go_to_hit(starts[index])
        note = " (wrapped)" if wrapped else ""
        self.app.notify(f"Hit {index + 1} of {len(starts)}{note}", timeout=1.5)

    def action_next_hit(self) -> None:
        self._step_hit(True)

    def action_previous_hit(self) -> None:
        self._step_hit(False)


PLACEHOLDER = Text.assemble(("No article open.\n", "bold"),
                            ("Enter opens the one under the cursor (or click it twice).\n"
                             "? lists the keys; Ctrl+P, every action.", "dim"))


class ReaderPane(Vertical):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.article: Article | None = None

    def compose(self) -> ComposeResult:
        yield Static(PLACEHOLDER, id="reader-header")
        yield ReaderView(id="reader-view")
        yield Static(id="reader-mode", classes="hidden")

    @property
    def view(self) -> ReaderView:
        return self.query_one(ReaderView)

    def show(self, article: Article) -> None:
        self.article = article
        header = Text()
        header.append_text(plain(article.title, style="bold"))
        header.append("\n")
        details = [article.source or "no source",
                   article.published[:10] if article.published else f"imported {article.imported_at[:10]}",
                   f"{article.word_count} words"]
        if article.author:
            details.insert(1, article.author)
        header.append_text(plain(" · ".join(details), style="dim"))
        header.append("\n")
        header.append_text(plain(article.url or article.origin, style="dim italic"))
        self.query_one("#reader-header", Static).update(header)
        self.view.clear_search_hits()
        self.view.set_text(article.body, article.position, article_id=article.id)

    def clear(self) -> None:
        self.article = None
        self.query_one("#reader-header", Static).update(PLACEHOLDER)
        self.view.set_text("")

    @on(ArticleView.HighlightStatus)
    def _show_mode(self, message: ArticleView.HighlightStatus) -> None:
        """The mode indicator under the text: HIGHLIGHT, the selection and the mode's keys."""
        from .highlighter import highlighter

        line = self.query_one("#reader-mode", Static)
        line.set_class(not message.active, "hidden")
        if message.active:
            line.update(highlighter(self.app).status_line(message.view))
