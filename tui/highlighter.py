"""The app's side of highlights: every library call that highlight mode and the annotations pane
make, with the messages, dialogs and undo that go with them.

One `Highlighter` per app (`highlighter(app)`). Each change is written through `store.Library`'s
public API and only then shown: the write returns (the highlight is on disk), the views that show
the article re-read its highlights, and a one-line message confirms. A `LibraryError` (read-only
library, unknown article, bad range) becomes that one-line message and changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, TypeVar

from rich.text import Text
from textual.app import App

from store.records import plural
from store import LibraryError

from .annotation_dialogs import ColorLabelsDialog, NoteDialog, PickHighlightDialog, HighlightTagsDialog
from .highlight_mode import COLOR_NAMES
from .safe_text import visible
from .text_motion import trim_range

if TYPE_CHECKING:
    from store import Annotation, Library

    from .article_view import ArticleView

T = TypeVar("T")
DEFAULT_LABELS = {n: COLOR_NAMES[n] for n in range(1, 6)}
QUOTE_WIDTH = 60


def highlighter(app: App[Any]) -> "Highlighter":
    """The app's Highlighter (made on first use)."""
    found = getattr(app, "_broadsheet_highlighter", None)
    if found is None:
        found = Highlighter(app)
        setattr(app, "_broadsheet_highlighter", found)
    return found


def first_line(text: str, width: int = QUOTE_WIDTH) -> str:
    line = visible(text.strip().split("\n", 1)[0]) if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def short_quote(text: str, width: int = QUOTE_WIDTH) -> str:
    quote = visible(text)
    return quote if len(quote) <= width else quote[: width - 1] + "…"


class Highlighter:
    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.deleted: list[Annotation] = []  # undo stack (last deleted last)
        self.last_color = 1
        self.reattaching: Annotation | None = None
        """An orphaned highlight the user is placing again by hand (from the annotations pane)."""

    @property
    def library(self) -> "Library":
        return self.app.library  # type: ignore[attr-defined,no-any-return]

    # ---------------------------------------------------------------- helpers
    def _try(self, change: Callable[[], T]) -> T | None:
        """Run one library call; a LibraryError is a one-line message and None."""
        try:
            return change()
        except LibraryError as error:
            self.app.notify(str(error) or type(error).__name__, severity="error", timeout=6)
            return None
        except KeyError as error:  # an annotation id that is gone (deleted elsewhere)
            self.app.notify(f"Unknown highlight: {error}", severity="error", timeout=6)
            return None

    def labels(self) -> dict[int, str]:
        try:
            labels = self.library.color_labels()
        except (AttributeError, LibraryError):
            return dict(DEFAULT_LABELS)
        return {n: labels.get(n) or DEFAULT_LABELS[n] for n in range(1, 6)}

    def label(self, color: int) -> str:
        return f"{color} = {self.labels().get(color, '?')}"

    def describe(self, annotation: "Annotation") -> str:
        text = f"{self.label(annotation.color)}: “{short_quote(annotation.exact, 50)}”"
        if annotation.note.strip():
            text += f" · {first_line(annotation.note, 50)}"
        if annotation.tags:
            text += " · #" + " #".join(visible(tag) for tag in annotation.tags)
        return text

    def show_in(self, view: "ArticleView") -> None:
        if view.article_id is None:
            view.set_annotations([])
            return
        try:
            annotations = self.library.annotations(view.article_id)
        except (LibraryError, AttributeError):
            annotations = []
        view.set_annotations(annotations)

    def changed(self, article_ids: Iterable[str]) -> None:
        """Redraw every view of these articles (reader, compare columns) and the library counts."""
        from .article_view import ArticleView

        wanted = set(article_ids)
        for screen in self.app.screen_stack:
            for view in screen.query(ArticleView):
                if view.article_id in wanted:
                    self.show_in(view)
        hook = getattr(self.app, "annotations_changed", None)
        if callable(hook):
            hook(wanted)

    # ---------------------------------------------------------------- making highlights
    def color(self, view: "ArticleView", color: int) -> None:
        """Colour the selection (a new highlight), or recolour the highlight under the cursor when
        nothing is selected. A pending re-attach places that orphan on the selection instead."""
        if view.article_id is None:
            self.app.notify("This view shows no stored article: its highlights cannot be saved.",
                            severity="warning", timeout=4)
            return
        start, end = trim_range(view.text, *view.selection)
        if end > start:
            pending = self.reattaching
            if pending is not None and pending.article_id == view.article_id:
                placed = self._try(lambda: self.library.update_annotation(pending.id, start=start, end=end,
                                                                          color=color))
                if placed is None:
                    return
                self.reattaching = None
                view.clear_selection()
                self.changed([view.article_id])
                self.app.notify(f"Re-attached: {self.describe(placed)}", timeout=4)
                return
            article_id = view.article_id
            made = self._try(lambda: self.library.annotate(article_id, start, end, color=color))
            if made is None:
                return
            self.last_color = color
            view.clear_selection()
            self.changed([article_id])
            self.app.notify(f"Highlighted ({self.label(color)}).", timeout=2)
            return
        under = view.annotations_at(view.cursor)
        if under:
            self.recolor(under[0], color)
            return
        self.app.notify("Select some text first: move the cursor away from the mark, or drag with the mouse.",
                        severity="warning", timeout=5)

    def _target(self, view: "ArticleView", then: Callable[["Annotation"], None], *, create: bool) -> None:
        """The highlight an action is about: a new one from the selection (`create`), else the one
        under the cursor, else (several) the one the user picks."""
        start, end = trim_range(view.text, *view.selection)
        if create and end > start and view.article_id is not None:
            article_id = view.article_id
            made = self._try(lambda: self.library.annotate(article_id, start, end, color=self.last_color))
            if made is None:
                return
            view.clear_selection()
            self.changed([article_id])
            then(made)
            return
        under = view.annotations_at(view.cursor)
        if not under:
            self.app.notify("No highlight under the cursor (select text and press 1-5 first).",
                            severity="warning", timeout=4)
            return
        if len(under) == 1:
            then(under[0])
            return
        self.app.push_screen(PickHighlightDialog(under, self.labels(), "Which highlight?"),
                             lambda picked: picked and then(picked[0]))

    def note(self, view: "ArticleView") -> None:
        self._target(view, self.edit_note, create=True)

    def tags(self, view: "ArticleView") -> None:
        self._target(view, self.edit_tags, create=True)

    def delete(self, view: "ArticleView") -> None:
        self._target(view, self.delete_annotation, create=False)

    def list_here(self, view: "ArticleView") -> None:
        under = view.annotations_at(view.cursor)
        if not under:
            self.app.notify("No highlight under the cursor.", timeout=2)
            return
        self.app.push_screen(PickHighlightDialog(under, self.labels(), f"{plural(len(under), 'highlight')} here"),
                             self._picked)

    def _picked(self, picked: tuple["Annotation", str] | None) -> None:
        if not picked:
            return
        annotation, verb = picked
        if verb == "note":
            self.edit_note(annotation)
        elif verb == "tags":
            self.edit_tags(annotation)
        elif verb == "delete":
            self.delete_annotation(annotation)
        elif verb == "copy":
            self.copy_text(annotation.exact)
        elif verb.startswith("color:"):
            self.recolor(annotation, int(verb[6:]))

    def copy(self, view: "ArticleView") -> None:
        start, end = view.selection
        if end > start:
            self.copy_text(view.text[start:end])
            return
        under = view.annotations_at(view.cursor)
        if under:
            self.copy_text(under[0].exact)
        else:
            self.app.notify("Nothing to copy: select text or move onto a highlight.", severity="warning", timeout=3)

    def copy_text(self, text: str) -> None:
        self.app.copy_to_clipboard(visible(text, single_line=False))
        self.app.notify(f"Copied {len(text)} characters to the clipboard.", timeout=2)

    # ---------------------------------------------------------------- changing highlights
    def recolor(self, annotation: "Annotation", color: int) -> None:
        changed = self._try(lambda: self.library.update_annotation(annotation.id, color=color))
        if changed is not None:
            self.changed([annotation.article_id])
            self.app.notify(f"Colour {self.label(color)}.", timeout=2)

    def edit_note(self, annotation: "Annotation", done: Callable[[], None] | None = None,
                  draft: str | None = None) -> None:
        """The note dialog. If the library refuses the note (too long, read-only), the message is
        shown and the dialog comes back with what was typed: nothing typed is lost."""
        def save(note: str | None) -> None:
            if note is None or note == annotation.note:
                return
            if self._try(lambda: self.library.update_annotation(annotation.id, note=note)) is None:
                self.edit_note(annotation, done, draft=note)
                return
            self.changed([annotation.article_id])
            self.app.notify("Note saved.", timeout=2)
            if done:
                done()

        self.app.push_screen(NoteDialog(annotation.exact, annotation.note if draft is None else draft), save)

    def edit_tags(self, annotation: "Annotation", done: Callable[[], None] | None = None,
                  draft: tuple[str, ...] | None = None) -> None:
        def save(tags: tuple[str, ...] | None) -> None:
            if tags is None or tags == tuple(annotation.tags):
                return
            if self._try(lambda: self.library.update_annotation(annotation.id, tags=tags)) is None:
                self.edit_tags(annotation, done, draft=tags)
                return
            self.changed([annotation.article_id])
            self.app.notify("Tags saved: " + (", ".join(tags) or "none"), timeout=2)
            if done:
                done()

        self.app.push_screen(HighlightTagsDialog(annotation.exact, annotation.tags if draft is None else draft),
                             save)

    def delete_annotation(self, annotation: "Annotation") -> bool:
        removed = self._try(lambda: self.library.delete_annotation(annotation.id))
        if removed is None:
            return False
        self.deleted.append(removed)
        self.changed([annotation.article_id])
        keys = getattr(self.app, "keys_for", lambda _: "u")("highlight.undo") or "u"
        self.app.notify(f"Deleted the highlight. Press {keys.split(',')[0]} to undo.", timeout=4)
        return True

    def undo(self) -> "Annotation | None":
        if not self.deleted:
            self.app.notify("Nothing to undo.", timeout=2)
            return None
        annotation = self.deleted[-1]
        if not self._try(lambda: (self.library.restore_annotation(annotation), True)[1]):
            return None
        self.deleted.pop()
        self.changed([annotation.article_id])
        self.app.notify("Restored the highlight.", timeout=2)
        return annotation

    def edit_labels(self) -> None:
        current = self.labels()

        def save(labels: dict[int, str] | None) -> None:
            if not labels:
                return
            for color, label in labels.items():
                if label != current.get(color):
                    if not self._try(lambda: (self.library.set_color_label(color, label), True)[1]):
                        return
            self.changed(view_id for view_id in self._shown_articles())
            self.app.notify("Colour labels saved.", timeout=2)

        self.app.push_screen(ColorLabelsDialog(current), save)

    def _shown_articles(self) -> set[str]:
        from .article_view import ArticleView

        return {view.article_id for screen in self.app.screen_stack for view in screen.query(ArticleView)
                if view.article_id}

    def status_line(self, view: "ArticleView") -> Text:
        """The mode indicator: HIGHLIGHT, the selection's size, and the keys of the mode."""
        keys: Callable[[str], str] = getattr(self.app, "keys_for", lambda _: "")

        def key(action_id: str) -> str:
            from .keymap import display_key

            first = keys(action_id).split(", ")[0]
            return display_key(first) if first else "?"

        line = Text()
        line.append(" HIGHLIGHT ", style="bold #1b1b1b on #f3d55b")
        start, end = view.selection
        if self.reattaching is not None:
            line.append(" re-attach: select the new place, then a colour key ", style="bold red")
        if end > start:
            line.append(f" {end - start} chars selected ", style="bold")
        elif view.mark is None:
            line.append(f" no selection ({key('highlight.mark')} starts one) ", style="dim")
        line.append(f" 1-5 colour · {key('highlight.note')} note · {key('highlight.tags')} tags · "
                    f"{key('highlight.list_here')} list · {key('highlight.next')}/{key('highlight.previous')} "
                    f"jump · {key('highlight.copy')} copy · {key('highlight.delete')} delete · "
                    f"{key('highlight.leave')} leave", style="dim")
        return line
