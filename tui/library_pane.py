"""The library pane: every article as a row (title, source, date, words, read, star, highlights),
grouped, sorted and filtered, with the actions that change an article's state."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, DataTable, Input, Static

from store import Article

from .keymap import bindings_for, default_keymap
from .safe_text import plain

SORTS = ("date", "source", "title", "words")
FILTERS = ("all", "unread", "starred")
GROUPS = ("source", "date", "none")  # "story" joins once stories exist


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


def arrange(articles: list[Article], view: View) -> list[tuple[str, list[Article]]]:
    """The groups to show, each with its articles, in display order."""
    chosen = [a for a in articles
              if (view.filter != "unread" or not a.read) and (view.filter != "starred" or a.starred)
              and (not view.text or _matches(a, view.text))]
    keys = {
        "date": lambda a: (a.date, a.title),
        "source": lambda a: (a.source.lower(), a.date),
        "title": lambda a: (a.title.lower(),),
        "words": lambda a: (a.word_count,),
    }
    chosen.sort(key=keys[view.sort], reverse=view.sort in ("date", "words"))
    if view.group == "none":
        return [("", chosen)]
    groups: dict[str, list[Article]] = {}
    for article in chosen:
        label = (article.source or "no source") if view.group == "source" else article.date[:7]
        groups.setdefault(label, []).append(article)
    return sorted(groups.items(), key=lambda item: item[0], reverse=view.group == "date")


class ArticleTable(DataTable[Text], inherit_bindings=False):
    """DataTable without its built-in (id-less) bindings: the key map binds ours."""

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

    def action_cycle_filter(self) -> None:
        self.pane.cycle("filter")

    def action_cycle_sort(self) -> None:
        self.pane.cycle("sort")

    def action_cycle_group(self) -> None:
        self.pane.cycle("group")

    def action_filter_text(self) -> None:
        self.pane.start_filter()

    def action_page_down(self) -> None:
        self.move_cursor(row=min(self.row_count - 1, self.cursor_row + max(1, self.size.height - 2)))

    def action_page_up(self) -> None:
        self.move_cursor(row=max(0, self.cursor_row - max(1, self.size.height - 2)))

    def action_top(self) -> None:
        self.move_cursor(row=0)

    def action_bottom(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1))


class LibraryPane(Vertical):
    """The list of articles. Asks the app for articles; never touches the store's files."""

    view: reactive[View] = reactive(View, init=False)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._articles: list[Article] = []
        self._row_article: dict[str, Article] = {}
        self.highlight_counts: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="library-status")
        yield Input(placeholder="filter: words, tag:NAME, source:NAME (Enter applies, Esc clears)",
                    id="library-filter", classes="hidden")
        table = ArticleTable(id="library-table", cursor_type="row", zebra_stripes=False)
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
        table = self.table
        for label, key, width in (("Title", "title", None), ("Source", "source", 16), ("Date", "date", 10),
                                  ("Words", "words", 6), ("", "flags", 3), ("✎", "notes", 3)):
            table.add_column(label, key=key, width=width)

    def on_resize(self) -> None:
        self._fit_title_column()

    def _fit_title_column(self) -> None:
        table = self.table
        fixed = 16 + 10 + 6 + 3 + 3 + 6 * 2 + 2
        title = table.columns.get("title")  # type: ignore[call-overload]
        if title is not None:
            title.width = max(12, self.size.width - fixed)
            title.auto_width = False
            table.refresh()

    @property
    def selected(self) -> Article | None:
        table = self.table
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._row_article.get(key or "")

    def show(self, articles: list[Article], keep: str | None = None) -> None:
        """Show `articles` as the current view arranges them; keep the cursor on `keep` if present."""
        self._articles = articles
        keep = keep or (self.selected.id if self.selected else None)
        table = self.table
        table.clear()
        self._row_article.clear()
        target_row = None
        shown = 0
        for label, members in arrange(articles, self.view):
            if label:
                header = Text("▾ ", style="bold $accent")  # the label is a source or a date: untrusted
                header.append_text(plain(label, style="bold $accent"))
                header.append(f"  ({len(members)})", style="bold $accent")
                table.add_row(header, Text(""), Text(""),
                              Text(""), Text(""), Text(""), key=f"group:{label}")
            for article in members:
                row = f"article:{article.id}"
                self._row_article[row] = article
                if article.id == keep:
                    target_row = table.row_count
                style = "" if article.read else "bold"
                flags = ("★" if article.starred else " ") + (" " if article.read else "●")
                count = self.highlight_counts.get(article.id, 0)
                table.add_row(plain(article.title, style=style), plain(article.source or "—", style="dim"),
                              Text((article.date or "")[:10]), Text(str(article.word_count), justify="right"),
                              Text(flags, style="yellow"), Text(str(count) if count else ""), key=row)
                shown += 1
        if target_row is None:
            target_row = next((i for i, key in enumerate(table.rows) if key.value in self._row_article), 0)
        if table.row_count:
            table.move_cursor(row=target_row)
        self._update_status(shown)

    def _update_status(self, shown: int) -> None:
        view = self.view
        parts = [f"{shown} of {len(self._articles)} articles", f"sort: {view.sort}", f"show: {view.filter}",
                 f"group: {view.group}"]
        status = Text(" · ".join(parts), style="dim")
        if view.text:
            status.append("  filter: ", style="dim")
            status.append(view.text)
        self.query_one("#library-status", Static).update(status)
        self.query_one("#library-empty").set_class(bool(self._articles), "hidden")
        self.table.set_class(not self._articles, "hidden")

    def watch_view(self) -> None:
        self.show(self._articles)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        article = self._row_article.get(event.row_key.value or "")
        if article is not None:
            self.post_message(ArticleTable.OpenRequested(article.id))

    def cycle(self, field: str) -> None:
        options = {"sort": SORTS, "filter": FILTERS, "group": GROUPS}[field]
        current = getattr(self.view, field)
        following = options[(options.index(current) + 1) % len(options)]
        self.view = View(**{**self.view.__dict__, field: following})
        self.app.notify(f"{field}: {following}", timeout=1.5)

    def start_filter(self) -> None:
        box = self.query_one("#library-filter", Input)
        box.remove_class("hidden")
        box.value = self.view.text
        box.focus()

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
            box.value = ""
            box.add_class("hidden")
            self.view = View(**{**self.view.__dict__, "text": ""})
            self.table.focus()
            getattr(event, "stop")()
