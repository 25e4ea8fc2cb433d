"""The search pane (`/`): a query box, results as you type, a preview scrolled to the match.

The query box keeps the focus the whole time (typing never leaves it); the search pane's keys
(next/previous result, open, close) are bound on it and are keys it does not type. Each keystroke
starts a search in a worker thread; a newer keystroke cancels the older one's result, so typing is
never blocked and a stale result never overwrites a newer one.
"""

from __future__ import annotations

import gc
import threading
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from store import Library, LibraryError, QueryError

from .article_view import ArticleView
from .highlight_text import highlighted
from .key_hints import KeyHints
from .keymap import bindings_for, default_keymap
from .result_list import ResultList
from .safe_text import plain

if TYPE_CHECKING:
    from store import SearchHit, SearchResults

READ_AHEAD = 40  # candidates read after a keystroke's results are drawn, for the next keystrokes
READ_AHEAD_WAIT = 1.0  # seconds a worker waits for its results to be drawn before it gives up
RESULT_LIMIT = 20  # each result is read for its hits and snippet: 100 per keystroke cost 300 ms at 100k articles
RESULT_MAX = 400  # moving past the last result shows RESULT_LIMIT more, up to this many
HIT_STYLE = "bold black on yellow"
SNIPPET_MARK = "bold yellow"
TITLE_MARK = "bold underline yellow"
# yellow on a light theme's pale background can hardly be read (a new user's trial): a dark orange
LIGHT_SNIPPET_MARK = "bold dark_orange3"
LIGHT_TITLE_MARK = "bold underline dark_orange3"


def match_marks(dark: bool) -> tuple[str, str]:
    """The styles of matched words in a title and in a snippet, for a dark theme or a light one."""
    return (TITLE_MARK, SNIPPET_MARK) if dark else (LIGHT_TITLE_MARK, LIGHT_SNIPPET_MARK)
PLACEHOLDER = 'Search: words (typos ok), "exact phrase", -word, source: tag: is:unread is:starred has:note before: after:'


class SearchInput(Input):
    """The query box; the search pane's keys live here because it always has the focus."""

    KEY_SCOPE = "search"
    BINDINGS = bindings_for(KEY_SCOPE, default_keymap())
    # Input sets its virtual size (the width of its text) on every keystroke, and Widget's is a
    # layout reactive: each key laid the whole screen out again. The box's size is fixed by CSS;
    # the width only bounds its horizontal scroll, which reads it without a layout.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def action_cursor_down(self) -> None:
        self.screen.move(1)  # type: ignore[attr-defined]

    def action_cursor_up(self) -> None:
        self.screen.move(-1)  # type: ignore[attr-defined]

    def action_page_down(self) -> None:
        self.screen.move(10)  # type: ignore[attr-defined]

    def action_page_up(self) -> None:
        self.screen.move(-10)  # type: ignore[attr-defined]

    def action_open_result(self) -> None:
        self.screen.open_result()  # type: ignore[attr-defined]

    def action_close_search(self) -> None:
        self.screen.dismiss(None)  # type: ignore[attr-defined]


class PreviewView(ArticleView, can_focus=False):
    pass


def result_prompt(hit: SearchHit, dark: bool = True) -> Text:
    """Title (hits highlighted), source and date, and the snippet around the best match; marks in
    colours that read on a dark theme, or on a light one."""
    title_mark, snippet_mark = match_marks(dark)
    prompt = highlighted(hit.title, hit.title_spans, style="bold", mark=title_mark)
    prompt.append("\n")
    details = [hit.source or "no source", hit.date[:10]]
    if hit.field not in ("title", "body"):
        details.append(f"in {hit.field}")
    if not hit.exact:
        details.append("typo-corrected")
    prompt.append_text(plain(" · ".join(details), style="dim"))
    if hit.snippet:
        prompt.append("\n")
        prompt.append_text(highlighted(hit.snippet, hit.snippet_spans, style="", mark=snippet_mark))
    return prompt


class SearchScreen(Screen["SearchHit | None"]):
    """Dismissed with the hit to open (Enter) or None (Esc)."""

    TAKES_TYPING = True  # keys typed while it opens go into its text box (BroadsheetApp.expect_typing)

    DEFAULT_CSS = """
    SearchScreen { layout: vertical; }
    #search-input { margin: 0 1; }
    #search-status { height: 1; padding: 0 2; color: $text-muted; }
    #search-status.-error { color: $error; text-style: bold; }
    #search-body { height: 1fr; }
    #search-results { width: 1fr; min-width: 40; }
    #search-preview { width: 1fr; border-left: vkey $surface-lighten-2; }
    #search-preview-header { height: 3; padding: 0 1; }
    /* its scrollbar always shown: one coming or going with each new article lays the screen out again */
    #search-preview-view { height: 1fr; padding: 0 1; overflow-y: scroll; }
    SearchScreen.-narrow #search-preview { display: none; }
    """

    def __init__(self, library: Library, query: str = "") -> None:
        super().__init__()
        self.library = library
        self.initial_query = query
        self.last_query = query  # kept after the screen closes, to reopen on it
        self.shown_query: str | None = None  # the query whose results (or error) are on screen
        self.results: SearchResults | None = None
        self.error: str | None = None
        self._generation = 0
        self._limit = RESULT_LIMIT  # results asked for: more once the user moves past the last one
        self._highlight_next = 0  # the result to highlight when the next results are shown
        self._previewed: tuple[object, ...] | None = None  # what the preview shows (to skip a redraw)

    def compose(self) -> ComposeResult:
        yield SearchInput(value=self.initial_query, placeholder=PLACEHOLDER, id="search-input")
        yield Static(Text("Type to search the library.", style="dim"), id="search-status")
        with Horizontal(id="search-body"):
            yield ResultList(id="search-results")
            with Vertical(id="search-preview"):
                yield Static(Text(""), id="search-preview-header")
                yield PreviewView(id="search-preview-view")
        yield KeyHints()

    def on_mount(self) -> None:
        self.query_one(SearchInput).focus()
        self.set_class(self.app.size.width < 100, "-narrow")
        index = self.library.search_index()
        if not index.built:
            self._status(Text(f"Indexing {len(self.library):,} articles…", style="dim"))
        index.notes_changed()  # notes may have changed while the pane was closed
        self._search(self.initial_query)

    def on_resize(self) -> None:
        self.set_class(self.app.size.width < 100, "-narrow")

    @property
    def query_text(self) -> str:
        return self.last_query

    @property
    def result_list(self) -> ResultList:
        return self.query_one(ResultList)

    @property
    def preview(self) -> PreviewView:
        return self.query_one(PreviewView)

    @property
    def selected(self) -> SearchHit | None:
        index = self.result_list.highlighted
        if self.results is None or index is None or not 0 <= index < len(self.results.hits):
            return None
        return self.results.hits[index]

    # ------------------------------------------------------------------ searching
    @on(Input.Changed, "#search-input")
    def _query_changed(self, event: Input.Changed) -> None:
        self.last_query = event.value
        self._limit, self._highlight_next = RESULT_LIMIT, 0
        self._search(event.value)

    def _search(self, query: str) -> None:
        self._generation += 1
        self.run_search(query, self._generation, self._limit)

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, query: str, generation: int, limit: int = RESULT_LIMIT) -> None:
        worker = get_current_worker()
        try:
            self.library.search_index().ensure_built()  # the first search of a session waits here
            if worker.is_cancelled:
                return  # typed on while the index was built: only the newest query runs
            results: SearchResults | str = self.library.search_results(query, limit=limit)
        except QueryError as error:
            results = str(error)
        except (LibraryError, OSError) as error:
            results = f"search failed: {error}"
        if worker.is_cancelled:
            return
        drawn = threading.Event()
        self.app.call_from_thread(self._show, generation, query, results, drawn)
        # then, once the results and the preview are on screen (not competing with them for the
        # interpreter), read the next candidates, until the next keystroke cancels this worker
        if not isinstance(results, str) and drawn.wait(READ_AHEAD_WAIT) and not worker.is_cancelled:
            try:
                self.library.search_read_ahead(query, READ_AHEAD, lambda: worker.is_cancelled)
            except (LibraryError, OSError):
                pass  # only a head start for the next keystroke

    def _status(self, text: Text, error: bool = False) -> None:
        status = self.query_one("#search-status", Static)
        status.set_class(error, "-error")
        status.update(text, layout=False)  # one line high (CSS): no layout pass per keystroke

    def _show(self, generation: int, query: str, results: SearchResults | str,
              drawn: threading.Event | None = None) -> None:
        if generation != self._generation or not self.is_mounted:
            if drawn is not None:
                drawn.set()  # nothing to wait for: the worker ends (it is cancelled anyway)
            return  # a newer keystroke is on its way
        if self.shown_query is None:  # the index is ready: its 100k documents join the frozen heap
            self.call_after_refresh(gc.freeze)  # (tui/app.py freeze_heap says why)
        self.shown_query = query
        if isinstance(results, str):
            self.error = results
            self._status(plain(results), error=True)  # the list keeps the last good results
            return
        self.error = None
        self.results = results
        if results.query.empty:
            self._status(Text("Type to search the library.", style="dim"))
        else:
            count = f"{'at least ' if results.approximate else ''}{results.total:,}"
            noun = "match" if results.total == 1 else "matches"
            shown = f", showing {len(results.hits)}" if results.total > len(results.hits) else ""
            self._status(Text(f"{count} {noun}{shown} · {results.elapsed_ms:.0f} ms", style="dim"))
        dark = self.app.current_theme.dark
        self.result_list.set_prompts([result_prompt(hit, dark) for hit in results.hits], highlighted=self._highlight_next)
        self._highlight_next = 0
        # the results first, the preview in the frame after: it redraws a whole article, and a
        # keystroke's results should not wait for it (nor does the preview of a query typed over)
        self.call_after_refresh(self._preview_for, generation, drawn)

    def _preview_for(self, generation: int, drawn: threading.Event | None = None) -> None:
        if generation == self._generation and self.is_mounted:
            self._preview(self.selected)
        if drawn is not None:
            self.call_after_refresh(drawn.set)

    # ------------------------------------------------------------------ moving and opening
    def move(self, delta: int) -> None:
        results = self.results
        if results is None or not results.hits:
            return
        current = self.result_list.highlighted or 0
        wanted = current + delta
        shown = len(results.hits)
        if wanted >= shown and self._limit == shown and shown < RESULT_MAX and (results.total > shown or results.approximate):
            # past the last result of more: search again for the next ones, this one still highlighted
            self._limit = min(RESULT_MAX, self._limit + max(RESULT_LIMIT, delta))
            self._highlight_next = min(wanted, self._limit - 1)
            self._status(Text("Showing more matches…", style="dim"))
            self._search(self.last_query)
            return
        self.result_list.highlighted = max(0, min(shown - 1, wanted))

    @on(ResultList.Highlighted, "#search-results")
    def _highlighted(self, event: ResultList.Highlighted) -> None:
        self._preview(self.selected)

    @on(ResultList.Selected, "#search-results")
    def _clicked(self, event: ResultList.Selected) -> None:
        self.open_result()

    def _preview(self, hit: SearchHit | None) -> None:
        # typing on often keeps the same best hit: redrawing its article costs more than the search
        shown = None if hit is None else (hit.article_id, hit.offset, hit.title_spans, tuple(hit.spans))
        if shown == self._previewed and shown is not None:
            return
        self._previewed = shown
        header = self.query_one("#search-preview-header", Static)
        view = self.preview
        if hit is None:
            header.update(Text(""), layout=False)
            view.set_text("")
            view.clear_spans("search")
            return
        try:
            article = self.library.get(hit.article_id)
            body = article.body
        except (LibraryError, OSError) as error:
            header.update(plain(f"cannot show it: {error}", style="red"), layout=False)
            self._previewed = None
            return
        title = highlighted(hit.title, hit.title_spans, style="bold", mark=match_marks(self.app.current_theme.dark)[0])
        title.append("\n")
        title.append_text(plain(f"{article.source or 'no source'} · {article.date[:10]} · "
                                f"{article.word_count} words · {len(hit.spans)} {'hit' if len(hit.spans) == 1 else 'hits'}",
                                style="dim"))
        header.update(title, layout=False)  # three lines high (CSS): no layout pass per keystroke
        if view.text != body:  # the same article with other hits: only the marks change
            view.set_text(body, max(0, hit.offset))
        view.set_spans("search", [(start, end, HIT_STYLE) for start, end in hit.spans])
        if hit.offset >= 0:
            view.scroll_to_offset(hit.offset, center=True)

    def open_result(self) -> None:
        hit = self.selected
        if hit is not None:
            self.dismiss(hit)
