"""The library pane: every article as a row (title, source, date, words, read, star, highlights),
grouped, sorted and filtered, with the actions that change an article's state."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, Any, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Input, Static

from store import Article
from store.article_list import ArticleList
from store.library import gc_paused

from .keymap import bindings_for, default_keymap
from .row_table import CELL_PADDING, Row, RowTable
from .safe_text import plain

if TYPE_CHECKING:
    from store import Story

SORTS = ("date", "source", "title", "words")
FILTERS = ("all", "unread", "starred")
GROUPS = ("story", "source", "date", "none")

COLUMNS = (("Title", "title"), ("Source", "source"), ("Date", "date"), ("Words", "words"), ("", "flags"),
           ("✎", "notes"))
FIXED_WIDTHS = {"date": 10, "words": 5, "flags": 2, "notes": 3}
SOURCE_MAX = 16
MIN_TITLE = 30  # below this a narrow pane drops other columns first


@dataclass(frozen=True)
class View:
    """How the list is shown: one of each, plus a free-text filter (tag:, source:, or words)."""

    sort: str = "date"
    filter: str = "all"
    group: str = "source"
    text: str = ""


def _matches(article: Article, text: str) -> bool:
    for word in text.lower().split():
        if word.startswith("tag:"):
            if word[4:] not in (t.lower() for t in article.tags):
                return False
        elif word.startswith("source:"):
            if word[7:] not in article.source.lower():
                return False
        elif word not in article.title.lower() and word not in article.source.lower():
            return False
    return True


@dataclass(frozen=True)
class StoryLabel:
    """What the pane shows of an article's story (the app fills these from `Library.stories`)."""

    id: str
    title: str
    size: int


def story_labels(stories: list[Story]) -> dict[str, StoryLabel]:
    return {article_id: StoryLabel(story.id, story.title, len(story.article_ids))
            for story in stories for article_id in story.article_ids}


def column(articles: Sequence[Article], name: str) -> list[Any]:
    """One field of every article: from the records when the store's lazy list has it (no Article
    is made), else from the Articles."""
    if isinstance(articles, ArticleList):
        return articles.column(name)
    return [getattr(article, name) for article in articles]


def arrange(articles: Sequence[Article], view: View, stories: dict[str, StoryLabel] | None = None, *,
            newest_first: bool = False) -> list[tuple[str, list[int]]]:
    """The groups to show, each with its articles' positions in `articles`, in display order.
    Grouped by story, the biggest stories come first and the articles on their own are gathered at
    the end. `newest_first`: the articles are in Library.articles() order already, which is the date
    sort's (at 100k, sorting them again is a third of the launch's list work). Sorting and grouping
    read record columns, so at launch no Article is made but those on screen; a filter on reading
    state or text reads the articles."""
    chosen: list[int]
    if view.filter == "all" and not view.text:
        chosen = list(range(len(articles)))
    else:
        chosen = [i for i, a in enumerate(articles)
                  if (view.filter != "unread" or not a.read) and (view.filter != "starred" or a.starred)
                  and (not view.text or _matches(a, view.text))]
    if not (newest_first and view.sort == "date"):
        dates = column(articles, "date")
        if view.sort == "date":
            titles = column(articles, "title")
            chosen.sort(key=lambda i: (dates[i], titles[i]), reverse=True)
        elif view.sort == "source":
            sources = column(articles, "source")
            chosen.sort(key=lambda i: (sources[i].lower(), dates[i]))
        elif view.sort == "title":
            titles = column(articles, "title")
            chosen.sort(key=lambda i: titles[i].lower())
        else:
            words = column(articles, "word_count")
            chosen.sort(key=words.__getitem__, reverse=True)
    if view.group == "none" or (view.group == "story" and not stories):
        return [("", chosen)]
    if view.group == "story":
        assert stories is not None
        ids = column(articles, "id")
        by_story: dict[str, list[int]] = {}
        alone: list[int] = []
        for position in chosen:
            label = stories.get(ids[position])
            if label is None or label.size < 2:
                alone.append(position)
            else:
                by_story.setdefault(label.id, []).append(position)
        ordered = sorted(by_story.values(), key=lambda group: (-stories[ids[group[0]]].size, stories[ids[group[0]]].title))
        arranged = [(stories[ids[group[0]]].title, group) for group in ordered]
        return arranged + ([("on its own", alone)] if alone else [])
    labels = ([source or "no source" for source in column(articles, "source")] if view.group == "source"
              else [date[:7] for date in column(articles, "date")])
    groups: dict[str, list[int]] = {}
    for position in chosen:
        groups.setdefault(labels[position], []).append(position)
    return sorted(groups.items(), key=lambda item: item[0], reverse=view.group == "date")


class ArticleTable(RowTable):
    """The library's rows, virtual (10k articles paint as fast as 10); the key map binds its keys."""

    KEY_SCOPE = "library"
    BINDINGS: list[Binding] = bindings_for(KEY_SCOPE, default_keymap())

    class OpenRequested(Message):
        def __init__(self, article_id: str) -> None:
            super().__init__()
            self.article_id = article_id

    def action_open_article(self) -> None:
        pane = self.pane
        if pane.selected is not None:
            self.post_message(self.OpenRequested(pane.selected.id))

    @property
    def pane(self) -> "LibraryPane":
        return self.query_ancestor(LibraryPane)

    # state changes are the app's: it owns the library
    def action_toggle_read(self) -> None:
        self.app.library_toggle_read(self.pane.selected)  # type: ignore[attr-defined]

    def action_toggle_star(self) -> None:
        self.app.library_toggle_star(self.pane.selected)  # type: ignore[attr-defined]

    def action_tag(self) -> None:
        self.app.library_tag(self.pane.selected)  # type: ignore[attr-defined]

    def action_delete(self) -> None:
        self.app.library_delete(self.pane.selected)  # type: ignore[attr-defined]

    def action_undo_delete(self) -> None:
        self.app.library_undo_delete()  # type: ignore[attr-defined]

    def action_pick(self) -> None:
        if self.pane.selected is None and self.row_count:
            self.app.notify("This row heads a group: move to one of its articles to pick it.", timeout=3)
            return
        self.app.library_pick(self.pane.selected)  # type: ignore[attr-defined]

    def action_clear_picks(self) -> None:
        self.pane.clear_picks()

    def action_compare(self) -> None:
        self.app.library_compare(self.pane.selected)  # type: ignore[attr-defined]

    def action_cycle_filter(self) -> None:
        self.pane.cycle("filter")

    def action_cycle_sort(self) -> None:
        self.pane.cycle("sort")

    def action_cycle_group(self) -> None:
        self.pane.cycle("group")

    def action_filter_text(self) -> None:
        self.pane.start_filter()

    def action_clear_filter(self) -> None:
        self.pane.clear_filter()

    def row_cells(self, row: Row) -> tuple[Text, ...]:
        return self.pane.cells(self.pane.article_at(row.item)) if isinstance(row.item, int) else row.cells

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + self.page_rows)

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - self.page_rows)

    def action_top(self) -> None:
        self.move_cursor(row=0)

    def action_bottom(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1))


class LibraryPane(Vertical):
    """The list of articles. Asks the app for articles; never touches the store's files."""

    view: reactive[View] = reactive(View, init=False)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._articles: Sequence[Article] = []
        self._row_position: dict[str, int] = {}  # article row key -> its position in _articles
        self.highlight_counts: dict[str, int] = {}
        self.picked: list[str] = []  # articles picked for comparison, in the order picked
        self.stories: dict[str, StoryLabel] = {}
        self._group_chosen = False

    def compose(self) -> ComposeResult:
        yield Static(id="library-status")
        yield Input(placeholder="filter: words, tag:NAME, source:NAME (Enter applies, Esc clears)",
                    id="library-filter", classes="hidden")
        table = ArticleTable(id="library-table")
        yield table
        with Vertical(id="library-empty", classes="hidden"):
            yield Static(Text.assemble(("Your library is empty.\n\n", "bold"),
                                       "Press i to import files, folders, URLs or feeds,\n"
                                       "or add the five demo articles (one story, five outlets):"))
            yield Button("Add the demo articles", id="add-demo", variant="primary")

    @property
    def table(self) -> ArticleTable:
        return self.query_one(ArticleTable)

    def on_mount(self) -> None:
        self.table.set_columns(list(COLUMNS), *self._widths())

    def on_resize(self) -> None:
        self._fit_columns()

    def _widths(self) -> tuple[dict[str, int], frozenset[str]]:
        """The title takes what the other columns leave; the source column is as wide as the longest
        source shown (capped), so a library without sources does not waste a column on dashes. A
        narrow pane drops the word count, then the source, before the title gets too short."""
        table = self.table
        widths = dict(FIXED_WIDTHS)
        widths["source"] = min(SOURCE_MAX, max([6, *map(len, column(self._articles, "source")[:2000])]))
        hidden: frozenset[str] = frozenset()
        for drop in ((), ("words",), ("words", "source")):
            hidden = frozenset(drop)
            shown = [key for _, key in COLUMNS if key not in hidden]
            # the table keeps a gutter for its vertical scrollbar (CSS), so rows never scroll sideways
            spare = self.size.width - table.styles.scrollbar_size_vertical - 2 * CELL_PADDING * len(shown)
            widths["title"] = max(12, spare - sum(widths[key] for key in shown if key != "title"))
            if widths["title"] >= MIN_TITLE:
                break
        return widths, hidden

    def _fit_columns(self) -> None:
        self.table.set_widths(*self._widths())

    @property
    def selected(self) -> Article | None:
        position = self._row_position.get(self.table.cursor_key or "")
        return None if position is None else self._articles[position]

    def article_at(self, position: int) -> Article:
        """The article at this position of the list shown (what an article row's `item` holds)."""
        return self._articles[position]

    @property
    def shown_count(self) -> int:
        """Articles shown in the list (after the filter)."""
        return len(self._row_position)

    def show(self, articles: Sequence[Article], keep: str | None = None, stories: list[Story] | None = None) -> None:
        """Show `articles` as the current view arranges them; keep the cursor on `keep` if present.
        With `stories`, grouping by story becomes the default once some story has two reports."""
        self._articles = articles
        if stories is not None:
            self.stories = story_labels(stories)
            if not self._group_chosen:
                grouped = any(label.size > 1 for label in self.stories.values())
                wanted = "story" if grouped else "source"
                if self.view.group != wanted:
                    self.set_reactive(LibraryPane.view, View(**{**self.view.__dict__, "group": wanted}))
        with gc_paused():  # 100k rows: the collector would rescan the growing heap again and again
            self._show(articles, keep)

    def _show(self, articles: Sequence[Article], keep: str | None) -> None:
        keep = keep or (self.selected.id if self.selected else None)
        self._row_position.clear()
        ids = column(articles, "id")
        rows: list[Row] = []
        target_row = None
        groups = arrange(articles, self.view, self.stories, newest_first=True)
        if len(groups) == 1:  # one group says nothing a header would add
            groups = [("", groups[0][1])]
        for number, (label, members) in enumerate(groups):
            if label:
                # a story's label is a long title: the count goes first so a narrow column still shows it.
                # The label is a source, a date or a title: untrusted, so plain() (no markup, no escapes)
                story = self.view.group == "story"
                header = Text(f"▾ {len(members)} · " if story else "▾ ")
                header.append_text(plain(label))
                if not story:
                    header.append(f"  ({len(members)})")
                rows.append(Row(f"group:{number}:{label}", label=header))
            # in bulk (comprehension, map, zip): at 100k rows, a loop's statements took 0.15 s
            keys = ["article:" + ids[position] for position in members]
            if keep is not None and target_row is None:
                try:
                    target_row = len(rows) + keys.index(f"article:{keep}")
                except ValueError:
                    pass
            rows.extend(map(Row._make, zip(keys, repeat(()), repeat(None), members)))
            self._row_position.update(zip(keys, members))
        if target_row is None:
            target_row = next((i for i, row in enumerate(rows) if row.key in self._row_position), 0)
        self.table.set_rows(rows, cursor=target_row)
        self._update_status(self.shown_count)
        self._fit_columns()
        # a timer, not call_after_refresh: that runs before the frame is written (0.5 s at 100k)
        self.set_timer(0.2, self._prepare_lookups)

    def _prepare_lookups(self) -> None:
        """After the frame: the lookup a changed row needs (row key -> index), so the first read
        mark or highlight after a launch does not pay for it (100k entries)."""
        with gc_paused():
            self.table.index_of("")

    def update_article(self, article: Article) -> None:
        """One article changed (read, starred, tags): redraw its row in place. The list is not
        re-read or re-arranged (a filter on unread keeps a just-read row until the next refresh),
        so the cursor stays where the reader left it."""
        key = f"article:{article.id}"
        index = self.table.index_of(key)
        position = self._row_position.get(key)
        if position is None or index is None:
            return
        self._articles[position] = article  # type: ignore[index]  # a list or the store's ArticleList
        self.table.update_row(index, Row(key, item=position))

    def toggle_pick(self, article_id: str) -> None:
        """Pick an article for comparison, or drop it: the picked rows (their numbers) and the
        status line are redrawn, not the list."""
        changed = list(self.picked)
        if article_id in self.picked:
            self.picked.remove(article_id)
        else:
            self.picked.append(article_id)
            changed.append(article_id)
        for picked in changed:
            self.table.refresh_row(f"article:{picked}")
        self._update_status(self.shown_count)

    def clear_picks(self) -> None:
        """Unpick every picked article (after a comparison, before picking the next ones)."""
        if not self.picked:
            keys = self.app.keys_for("library.pick") or "m"  # type: ignore[attr-defined]
            self.app.notify(f"Nothing is picked: {keys} picks the article under the cursor.", timeout=3)
            return
        changed, self.picked = self.picked, []
        for picked in changed:
            self.table.refresh_row(f"article:{picked}")
        self._update_status(self.shown_count)
        self.app.notify(f"Unpicked {len(changed)} {'article' if len(changed) == 1 else 'articles'}.", timeout=3)

    def select(self, article_id: str) -> None:
        """Put the cursor on an article's row, if it is shown."""
        index = self.table.index_of(f"article:{article_id}")
        if index is not None:
            self.table.move_cursor(row=index)

    def cells(self, article: Article) -> tuple[Text, ...]:
        title = plain(article.title, style="" if article.read else "bold")
        if article.id in self.picked:
            title = Text.assemble((f"◆{self.picked.index(article.id) + 1} ", "bold reverse"), title)
        title.no_wrap, title.overflow = True, "ellipsis"
        source = plain(article.source or "—", style="dim")
        source.no_wrap, source.overflow = True, "ellipsis"
        flags = ("★" if article.starred else " ") + (" " if article.read else "●")
        count = self.highlight_counts.get(article.id, 0)
        return (title, source, Text((article.date or "")[:10]), Text(f"{article.word_count:>{FIXED_WIDTHS['words']}}"),
                Text(flags, style="yellow"), Text(f"{count:>3}" if count else "", style="magenta"))

    def _update_status(self, shown: int) -> None:
        view = self.view
        # what narrows the list first, the view's settings after: one line, cut at its end (CSS),
        # where a wrapped line lost a long filter's text to a second row nobody sees
        status = Text(f"{shown} of {len(self._articles)} articles", style="dim")
        if self.picked:
            status.append(f"  ◆ {len(self.picked)} picked", style="bold")  # (to compare)
        if view.text:
            status.append("  filter: ", style="dim")
            status.append_text(plain(view.text))
        status.append(" · " + " · ".join((f"sort: {view.sort}", f"show: {view.filter}", f"group: {view.group}")),
                      style="dim")
        self.query_one("#library-status", Static).update(status, layout=False)  # one line high (CSS)
        self.query_one("#library-empty").set_class(bool(self._articles), "hidden")
        self.table.set_class(not self._articles, "hidden")

    def watch_view(self) -> None:
        self.show(self._articles)

    def on_row_table_selected(self, event: RowTable.Selected) -> None:
        position = self._row_position.get(event.key)
        if position is not None:
            self.post_message(ArticleTable.OpenRequested(self._articles[position].id))

    def cycle(self, field: str) -> None:
        options = {"sort": SORTS, "filter": FILTERS, "group": GROUPS}[field]
        if field == "group":
            self._group_chosen = True
        current = getattr(self.view, field)
        following = options[(options.index(current) + 1) % len(options)]
        self.view = View(**{**self.view.__dict__, field: following})
        self.app.notify(f"{field}: {following}", timeout=1.5)

    def start_filter(self) -> None:
        box = self.query_one("#library-filter", Input)
        self.app.expect_typing()  # type: ignore[attr-defined]  # the keys after F go into the box
        box.remove_class("hidden")
        box.value = self.view.text
        box.focus()

    def clear_filter(self) -> None:
        """Esc, in the filter box or in the list: every article again, the box put away."""
        box = self.query_one("#library-filter", Input)
        box.value = ""
        box.add_class("hidden")
        if self.view.text:
            self.view = View(**{**self.view.__dict__, "text": ""})
        self.table.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "library-filter":
            self.view = View(**{**self.view.__dict__, "text": event.value.strip()})
            if not event.value.strip():
                event.input.add_class("hidden")
            self.table.focus()

    def on_key(self, event: object) -> None:
        key = getattr(event, "key", "")
        box = self.query_one("#library-filter", Input)
        if key == "escape" and box.has_focus:
            self.clear_filter()
            getattr(event, "stop")()
