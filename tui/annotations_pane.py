"""The annotations pane: every highlight in the library (or the open article), filtered by colour,
tag, article, story and text; Enter shows one in the reader. Plus the app's side of highlights
(`AnnotationsAppMixin`): opening this pane, export, jumping to a highlight, the library counts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from store.records import plural
from store import LibraryError, UnknownArticle

from .annotation_dialogs import (ColorLabelsDialog, ExportDialog, HighlightTagsDialog, NoteDialog,
                                 PickHighlightDialog, swatch)
from .highlighter import first_line, highlighter, short_quote
from .key_hints import KeyHints
from .keymap import bindings_for, default_keymap
from .safe_text import plain, visible

if TYPE_CHECKING:
    from store import Annotation, Article, Library

ANNOTATION_DIALOGS = (NoteDialog, HighlightTagsDialog, PickHighlightDialog, ColorLabelsDialog, ExportDialog)
STATE_STYLES = {"anchored": "green", "moved": "yellow", "orphaned": "bold red"}
COLUMNS = (("Colour", "color", 14), ("Quote", "quote", 40), ("Note", "note", 24), ("Tags", "tags", 16),
           ("Article", "article", 24), ("State", "state", 9))


@dataclass(frozen=True)
class AnnotationFilter:
    """What the pane shows. `text` holds words and the prefixes color:N tag:T article:A story:S
    state:orphaned (all must match)."""

    article_id: str | None = None  # None: the whole library
    color: int | None = None
    text: str = ""


def matches(annotation: "Annotation", article: "Article | None", words: list[str],
            story_articles: set[str] | None) -> bool:
    if story_articles is not None and annotation.article_id not in story_articles:
        return False
    title = (article.title if article else "").lower()
    for word in words:
        key, _, value = word.partition(":")
        if value and key in ("color", "colour", "c"):
            if not value.isdigit() or annotation.color != int(value):
                return False
        elif value and key in ("tag", "t"):
            if value not in (tag.lower() for tag in annotation.tags):
                return False
        elif value and key in ("article", "a"):
            if not annotation.article_id.startswith(value) and value not in title:
                return False
        elif value and key == "state":
            if not annotation.state.startswith(value):
                return False
        elif value and key == "story":
            continue  # handled by story_articles
        elif word not in annotation.exact.lower() and word not in annotation.note.lower() \
                and word not in title and not any(word in tag.lower() for tag in annotation.tags):
            return False
    return True


class AnnotationTable(DataTable[Text], inherit_bindings=False):
    KEY_SCOPE = "annotations"
    BINDINGS: list[Binding] = bindings_for(KEY_SCOPE, default_keymap())

    @property
    def pane(self) -> "AnnotationsScreen":
        return self.screen  # type: ignore[return-value]

    def action_jump(self) -> None:
        self.pane.jump()

    def action_page_down(self) -> None:
        self.move_cursor(row=min(self.row_count - 1, self.cursor_row + max(1, self.size.height - 2)))

    def action_page_up(self) -> None:
        self.move_cursor(row=max(0, self.cursor_row - max(1, self.size.height - 2)))

    def action_top(self) -> None:
        self.move_cursor(row=0)

    def action_bottom(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1))

    def action_toggle_scope(self) -> None:
        self.pane.toggle_scope()

    def action_filter_text(self) -> None:
        self.pane.start_filter()

    def action_cycle_color(self) -> None:
        self.pane.cycle_color()

    def action_recolor(self, color: int) -> None:
        self.pane.with_selected(lambda a: highlighter(self.app).recolor(a, int(color)))
        self.pane.reload()

    def action_note(self) -> None:
        self.pane.with_selected(lambda a: highlighter(self.app).edit_note(a, self.pane.reload))

    def action_tags(self) -> None:
        self.pane.with_selected(lambda a: highlighter(self.app).edit_tags(a, self.pane.reload))

    def action_delete(self) -> None:
        self.pane.with_selected(lambda a: highlighter(self.app).delete_annotation(a) and self.pane.reload())

    def action_undo(self) -> None:
        restored = highlighter(self.app).undo()
        if restored is not None:
            self.pane.reload(keep=restored.id)

    def action_reattach(self) -> None:
        self.pane.with_selected(self.pane.reattach)

    def action_labels(self) -> None:
        highlighter(self.app).edit_labels()

    def action_close(self) -> None:
        self.app.pop_screen()


class AnnotationsScreen(Screen[None]):
    """A full screen over the library and reader; Esc (annotations.close) goes back."""

    def __init__(self, current_article: str | None) -> None:
        super().__init__()
        self.current_article = current_article
        self.filter = AnnotationFilter()
        self.shown: list[Annotation] = []
        self.quote_width = 40
        self._articles: dict[str, Article] = {}

    @property
    def library(self) -> "Library":
        return self.app.library  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        with Vertical(id="annotations"):
            yield Static(id="annotations-status")
            yield Input(placeholder="filter: words, color:N, tag:T, article:A, story:S, state:orphaned "
                                    "(Enter applies, Esc clears)", id="annotations-filter", classes="hidden")
            yield AnnotationTable(id="annotations-table", cursor_type="row")
            yield Static(id="annotations-detail")
            yield Static(id="annotations-keys")
        yield KeyHints()

    def on_mount(self) -> None:
        table = self.query_one(AnnotationTable)
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        self._fit_columns()
        self.reload()
        table.focus()

    def on_resize(self) -> None:
        self._fit_columns()

    def _fit_columns(self) -> None:
        """The quote takes what the other columns leave."""
        table = self.query_one(AnnotationTable)
        quote = table.columns.get("quote")  # type: ignore[call-overload]
        if quote is not None:
            fixed = sum(width for _, key, width in COLUMNS if key != "quote") + 2 * len(COLUMNS) + 2
            quote.width = max(20, self.size.width - fixed)
            quote.auto_width = False
            self.quote_width = quote.width
            table.refresh()

    @property
    def table(self) -> AnnotationTable:
        return self.query_one(AnnotationTable)

    @property
    def selected(self) -> "Annotation | None":
        table = self.table
        if not self.shown or table.row_count == 0:
            return None
        return self.shown[min(table.cursor_row, len(self.shown) - 1)]

    def with_selected(self, then: Any) -> None:
        annotation = self.selected
        if annotation is None:
            self.app.notify("No highlight selected.", timeout=2)
            return
        then(annotation)

    # ---------------------------------------------------------------- data
    def _load(self) -> list["Annotation"]:
        try:
            annotations = self.library.annotations(self.filter.article_id)
            self._articles = self._articles_of(annotations)
        except LibraryError as error:
            self.app.notify(str(error), severity="error")
            return []
        words = self.filter.text.lower().split()
        story_articles: set[str] | None = None
        for word in words:
            if word.startswith("story:") and len(word) > 6:
                story_articles = self._story_articles(word[6:])
        chosen = [a for a in annotations
                  if (self.filter.color is None or a.color == self.filter.color)
                  and matches(a, self._articles.get(a.article_id), words, story_articles)]
        return chosen

    def _articles_of(self, annotations: list["Annotation"]) -> "dict[str, Article]":
        """The articles these annotations are on (an annotation of a deleted article has none):
        only those, not a 100k library's every article."""
        found: dict[str, Article] = {}
        for article_id in {annotation.article_id for annotation in annotations}:
            try:
                found[article_id] = self.library.get(article_id)
            except UnknownArticle:
                pass
        return found

    def _story_articles(self, story: str) -> set[str]:
        """The articles of a story, by story id (prefix) or by an article of it."""
        find = getattr(self.library, "story", None)
        story_of = getattr(self.library, "story_of", None)
        if find is None and story_of is None:
            self.app.notify("Stories are not available in this version.", severity="warning", timeout=3)
            return set()
        for lookup in (find, story_of):
            if lookup is None:
                continue
            try:
                return set(lookup(story).article_ids)
            except (KeyError, LibraryError, ValueError):
                continue
        return set()

    def reload(self, keep: str | None = None) -> None:
        keep = keep or (self.selected.id if self.selected else None)
        self.shown = self._load()
        labels = highlighter(self.app).labels()
        table = self.table
        table.clear()
        target = 0
        for index, annotation in enumerate(self.shown):
            if annotation.id == keep:
                target = index
            article = self._articles.get(annotation.article_id)
            state = Text(annotation.state, style=STATE_STYLES.get(annotation.state, ""))
            if annotation.state == "moved" and annotation.score < 1.0:
                state.append(f" {annotation.score:.2f}", style="dim")
            table.add_row(swatch(annotation.color, labels.get(annotation.color, "")),
                          plain(short_quote(annotation.exact, self.quote_width)),
                          plain(first_line(annotation.note, 24), style="dim"),
                          plain(" ".join(f"#{tag}" for tag in annotation.tags), style="cyan"),
                          plain(article.title if article else annotation.article_id, style="italic"),
                          state, key=annotation.id)
        if table.row_count:
            table.move_cursor(row=target)
        self._update_status()
        self._update_detail()
        self._update_keys()

    def _update_status(self) -> None:
        orphans = sum(1 for a in self.shown if a.state == "orphaned")
        where = "whole library"
        if self.filter.article_id:
            article = self._articles.get(self.filter.article_id)
            where = "this article: " + (visible(article.title)[:40] if article else self.filter.article_id)
        status = Text(f"Annotations · {plural(len(self.shown), 'highlight')} · {where}", style="bold")
        if orphans:
            status.append(f" · {orphans} orphaned (r re-attaches)", style="bold red")
        if self.filter.color is not None:
            status.append(" · colour ", style="dim")
            status.append_text(swatch(self.filter.color, highlighter(self.app).labels()[self.filter.color]))
        if self.filter.text:
            status.append("  filter: ", style="dim")
            status.append_text(plain(self.filter.text))
        self.query_one("#annotations-status", Static).update(status)

    def _update_keys(self) -> None:
        keys = getattr(self.app, "keys_for", lambda _: "")

        def first(action_id: str) -> str:
            from .keymap import display_key

            found = keys(action_id).split(", ")[0]
            return display_key(found) if found else "?"

        hint = (f"{first('annotations.open')} show in reader · {first('annotations.filter')} filter · "
                f"{first('annotations.scope')} this article/all · {first('annotations.color_filter')} colour · "
                f"1-5 recolour · {first('annotations.note')} note · {first('annotations.tags')} tags · "
                f"{first('annotations.delete')} delete · {first('annotations.undo')} undo · "
                f"{first('annotations.reattach')} re-attach · {first('annotations.labels')} labels · "
                f"{first('app.export_annotations')} export · {first('annotations.close')} back")
        self.query_one("#annotations-keys", Static).update(Text(hint, style="dim"))

    def _update_detail(self) -> None:
        annotation = self.selected
        detail = Text()
        if annotation is not None:
            article = self._articles.get(annotation.article_id)
            detail.append_text(plain(annotation.exact, style="italic", single_line=False))
            if annotation.note.strip():
                detail.append("\n")
                detail.append_text(plain(annotation.note, single_line=False))
            detail.append("\n")
            where = " · ".join(part for part in (article.title, article.source) if part) if article \
                else annotation.article_id
            detail.append_text(plain(where, style="dim"))
            detail.append(f" · {annotation.state}", style="dim")
            if annotation.tags:
                detail.append(" · ", style="dim")
                detail.append_text(plain(" ".join(f"#{tag}" for tag in annotation.tags), style="cyan"))
        self.query_one("#annotations-detail", Static).update(detail)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._update_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.jump()

    # ---------------------------------------------------------------- actions
    def toggle_scope(self) -> None:
        if self.filter.article_id is None and self.current_article is None:
            self.app.notify("No article is open in the reader.", timeout=2)
            return
        article_id = None if self.filter.article_id else self.current_article
        self.filter = AnnotationFilter(article_id, self.filter.color, self.filter.text)
        self.reload()

    def cycle_color(self) -> None:
        order: list[int | None] = [None, 1, 2, 3, 4, 5]
        following = order[(order.index(self.filter.color) + 1) % len(order)]
        self.filter = AnnotationFilter(self.filter.article_id, following, self.filter.text)
        self.reload()

    def start_filter(self) -> None:
        box = self.query_one("#annotations-filter", Input)
        self.app.expect_typing()  # type: ignore[attr-defined]  # the keys after F go into the box
        box.remove_class("hidden")
        box.value = self.filter.text
        box.focus()

    def set_filter_text(self, text: str) -> None:
        self.filter = AnnotationFilter(self.filter.article_id, self.filter.color, text.strip())
        self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "annotations-filter":
            self.set_filter_text(event.value)
            if not event.value.strip():
                event.input.add_class("hidden")
            self.table.focus()

    def on_key(self, event: Any) -> None:
        box = self.query_one("#annotations-filter", Input)
        if getattr(event, "key", "") == "escape" and box.has_focus:
            box.value = ""
            box.add_class("hidden")
            self.set_filter_text("")
            self.table.focus()
            event.stop()

    def jump(self) -> None:
        annotation = self.selected
        if annotation is None:
            return
        self.app.pop_screen()
        self.app.open_annotation(annotation)  # type: ignore[attr-defined]

    def reattach(self, annotation: "Annotation") -> None:
        highlighter(self.app).reattaching = annotation
        self.app.pop_screen()
        self.app.open_annotation(annotation, reattach=True)  # type: ignore[attr-defined]


class AnnotationsAppMixin:
    """The app's highlight actions (mixed into BroadsheetApp, to keep app.py's edits small)."""

    def annotations_changed(self: Any, article_ids: Iterable[str] = ()) -> None:
        """After a highlight change: those articles' rows in the library (the count column), redrawn
        in place by the app's `article_changed`, not the whole list."""
        for article_id in article_ids:
            self.article_changed(article_id)

    def _highlight_scope_widget(self: Any) -> Widget | None:
        """For the palette: the focused article view, else the reader's, put in highlight mode."""
        from .article_view import ArticleView

        focused = self.focused
        view = focused if isinstance(focused, ArticleView) else None
        if view is None and self.screen is self.screen_stack[0]:
            if self.reader_pane.article is None:
                return None
            self.action_focus_reader()
            view = self.reader_pane.view
        if view is None:
            return None
        view.focus()
        if not view.highlighting:
            view.enter_highlight_mode()
        return view

    def action_annotations(self: Any) -> None:
        if isinstance(self.screen, AnnotationsScreen):
            return
        current = self.reader_pane.article.id if self.reader_pane.article else None
        self.push_screen(AnnotationsScreen(current))

    def open_annotation(self: Any, annotation: "Annotation", *, reattach: bool = False) -> None:
        """Open the highlight's article in the reader with the cursor on the highlight."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.open_article(annotation.article_id)
        if self.reader_pane.article is None or self.reader_pane.article.id != annotation.article_id:
            return
        view = self.reader_pane.view
        if reattach:
            view.enter_highlight_mode()
            self.notify(f"Select where “{short_quote(annotation.exact, 40)}” belongs now, then press a colour "
                        "key. Esc cancels.", timeout=8)
            return
        if annotation.state == "orphaned":
            self.notify("This highlight is orphaned: its text is no longer in the article. "
                        "Re-attach it from the annotations pane (r).", severity="warning", timeout=6)
            return
        view.show_annotation(annotation)

    def action_export_annotations(self: Any) -> None:
        article = self.reader_pane.article

        def write(choice: tuple[str, Path, bool] | None) -> None:
            if choice is None:
                return
            fmt, path, only_article = choice
            ids = [article.id] if only_article and article is not None else None
            try:
                text = self.library.export_annotations(fmt, article_ids=ids)
                count = len(self.library.annotations(ids[0] if ids else None))
                path.write_text(text, encoding="utf-8")
            except (LibraryError, OSError) as error:
                self.notify(f"Export failed: {getattr(error, 'strerror', None) or error}", severity="error",
                            timeout=8)
                return
            self.notify(f"Exported {plural(count, 'highlight')} to {path}", timeout=6)

        self.push_screen(ExportDialog(article.title if article else None), write)
