"""Dialogs for highlights: a note, tags, which highlight (several under the cursor), the colour
labels, and export. Every string from an article or a note is shown as plain `Text`."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, RadioButton, RadioSet, Static, TextArea
from textual.widgets.option_list import Option

from .highlight_mode import COLOR_STYLES
from .safe_text import plain, visible

if TYPE_CHECKING:
    from store import Annotation

EXPORT_FORMATS = {"md": "Markdown (Obsidian)", "jsonld": "JSON-LD (W3C annotations)", "csv": "CSV"}


def swatch(color: int, label: str) -> Text:
    text = Text()
    text.append(f" {color} ", style=COLOR_STYLES.get(color, COLOR_STYLES[1]))
    text.append(" ")
    text.append_text(plain(label))
    return text


def _quote_line(quote: str, width: int = 70) -> Text:
    shown = visible(quote)
    if len(shown) > width:
        shown = shown[: width - 1] + "…"
    return Text(f"“{shown}”", style="italic")


class NoteDialog(ModalScreen[str | None]):
    """A multi-line note. Ctrl+S (or the button) saves, Esc cancels."""

    TAKES_TYPING = True  # keys typed while it opens go into its text box (BroadsheetApp.expect_typing)

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="dialog.save_note"),
                Binding("escape", "cancel", "Cancel", id="dialog.cancel_note")]

    def __init__(self, quote: str, note: str) -> None:
        super().__init__()
        self.quote = quote
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="note-dialog"):
            yield Static(_quote_line(self.quote, 90))
            yield TextArea(self.note, id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Static(Text("Ctrl+S saves · Esc cancels · Enter is a new line", style="dim"))
            with Horizontal(classes="buttons"):
                yield Button("Save (Ctrl+S)", id="save", variant="primary")
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text.strip("\n"))

    def action_cancel(self) -> None:
        self.dismiss(None)


def parse_tags(value: str) -> tuple[str, ...]:
    """"a, b c,#d" -> ("a", "b c", "d"): comma separated, a leading # dropped, no repeats."""
    tags: list[str] = []
    for part in value.split(","):
        tag = " ".join(part.strip().lstrip("#").split())
        if tag and tag not in tags:
            tags.append(tag)
    return tuple(tags)


class HighlightTagsDialog(ModalScreen[tuple[str, ...] | None]):

    TAKES_TYPING = True  # keys typed while it opens go into its text box (BroadsheetApp.expect_typing)
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel_tags")]

    def __init__(self, quote: str, tags: tuple[str, ...]) -> None:
        super().__init__()
        self.quote = quote
        self.tags = tags

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(_quote_line(self.quote, 50))
            yield Label("Tags, separated by commas (Enter saves, Esc cancels)")
            yield Input(", ".join(visible(tag) for tag in self.tags), placeholder="evidence, figures",
                        id="highlight-tags")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(parse_tags(event.value))

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickHighlightDialog(ModalScreen[tuple["Annotation", str] | None]):
    """Every highlight under the cursor; Enter edits the note, t tags, d deletes, y copies, 1-5
    recolours. Returns (highlight, what to do)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel_pick"),
                Binding("t", "pick('tags')", "Tags", id="dialog.pick_tags"),
                Binding("d,delete", "pick('delete')", "Delete", id="dialog.pick_delete"),
                Binding("y,c", "pick('copy')", "Copy", id="dialog.pick_copy"),
                *(Binding(str(n), f"pick('color:{n}')", f"Colour {n}", show=False, id=f"dialog.pick_color_{n}")
                  for n in range(1, 6))]

    def __init__(self, annotations: list["Annotation"], labels: dict[int, str], title: str) -> None:
        super().__init__()
        self.annotations = annotations
        self.labels = labels
        self.title_text = title

    def compose(self) -> ComposeResult:
        options = []
        for annotation in self.annotations:
            prompt = swatch(annotation.color, self.labels.get(annotation.color, ""))
            prompt.append("  ")
            prompt.append_text(_quote_line(annotation.exact, 60))
            if annotation.note.strip():
                prompt.append("\n    ")
                prompt.append_text(plain(annotation.note.strip().split("\n")[0][:70], style="dim"))
            if annotation.tags:
                prompt.append("\n    ")
                prompt.append_text(plain(" ".join(f"#{tag}" for tag in annotation.tags), style="cyan"))
            options.append(Option(prompt, id=annotation.id))
        with Vertical(classes="dialog wide"):
            yield Static(Text(self.title_text, style="bold"))
            yield OptionList(*options, id="pick-list")
            yield Static(Text("Enter note · t tags · d delete · y copy · 1-5 colour · Esc cancel", style="dim"))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def _current(self) -> "Annotation | None":
        index = self.query_one(OptionList).highlighted
        return self.annotations[index] if index is not None and index < len(self.annotations) else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_pick("note")

    def action_pick(self, verb: str) -> None:
        current = self._current()
        if current is not None:
            self.dismiss((current, verb))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ColorLabelsDialog(ModalScreen[dict[int, str] | None]):
    """A name for each colour ("1 = key claim"). Enter in the last box or Save keeps them."""

    TAKES_TYPING = True  # keys typed while it opens go into its text box (BroadsheetApp.expect_typing)

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel_labels"),
                Binding("ctrl+s", "save", "Save", id="dialog.save_labels")]

    def __init__(self, labels: dict[int, str]) -> None:
        super().__init__()
        self.labels = labels

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="labels-dialog"):
            yield Static(Text("What each colour means (Enter moves on, Ctrl+S saves, Esc cancels)", style="bold"))
            for color in range(1, 6):
                with Horizontal(classes="label-row"):
                    yield Static(swatch(color, ""), classes="label-swatch")
                    yield Input(visible(self.labels.get(color, "")), id=f"label-{color}", classes="label-input")
            with Horizontal(classes="buttons"):
                yield Button("Save (Ctrl+S)", id="save", variant="primary")
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#label-1", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        color = int((event.input.id or "label-5")[6:])
        if color < 5:
            self.query_one(f"#label-{color + 1}", Input).focus()
        else:
            self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save() if event.button.id == "save" else self.action_cancel()

    def action_save(self) -> None:
        labels = {}
        for color in range(1, 6):
            value = " ".join(self.query_one(f"#label-{color}", Input).value.split())
            labels[color] = value or self.labels.get(color, "")
        self.dismiss(labels)

    def action_cancel(self) -> None:
        self.dismiss(None)


def default_export_path(fmt: str, folder: Path | None = None) -> Path:
    """~/Documents/broadsheet-highlights-YYYY-MM-DD.<ext> (the current folder if there is none)."""
    if folder is None:
        documents = Path.home() / "Documents"
        folder = documents if documents.is_dir() else Path.cwd()
    stamp = _dt.date.today().isoformat()
    return folder / f"broadsheet-highlights-{stamp}.{fmt}"


class ExportDialog(ModalScreen[tuple[str, Path, bool] | None]):
    """Format, file and scope of an export. Returns (format, path, current article only)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel_export")]

    def __init__(self, article_title: str | None, folder: Path | None = None) -> None:
        super().__init__()
        self.article_title = article_title
        self.folder = folder
        self.fmt = "md"
        self._confirm_overwrite: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="export-dialog"):
            yield Static(Text("Export highlights", style="bold"))
            with RadioSet(id="export-format"):
                for index, (fmt, name) in enumerate(EXPORT_FORMATS.items()):
                    yield RadioButton(name, value=index == 0, id=f"format-{fmt}")
            if self.article_title is not None:
                with RadioSet(id="export-scope"):
                    yield RadioButton("Every highlight in the library", value=True, id="scope-all")
                    title = Text("Only ")
                    title.append_text(plain(self.article_title[:60], style="italic"))
                    yield RadioButton(title, id="scope-article")
            yield Label("Write to (Enter exports, Esc cancels):")
            yield Input(str(default_export_path(self.fmt, self.folder)), id="export-path")
            yield Static(id="export-message")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        if event.radio_set.id != "export-format":
            return
        new = (event.pressed.id or "format-md")[7:]
        box = self.query_one("#export-path", Input)
        path = Path(box.value.strip() or str(default_export_path(new, self.folder)))
        if path.suffix.lstrip(".") in EXPORT_FORMATS:
            path = path.with_suffix(f".{new}")
        box.value = str(path)
        self.fmt = new

    def on_input_submitted(self, event: Input.Submitted) -> None:
        raw = event.value.strip()
        if not raw:
            self._say("Give a file name.")
            return
        path = Path(raw).expanduser()
        if path.is_dir():
            path = path / default_export_path(self.fmt).name
        if not path.parent.is_dir():
            self._say(f"No such folder: {path.parent}")
            return
        if path.exists() and self._confirm_overwrite != path:
            self._confirm_overwrite = path
            self._say(f"{path.name} exists: press Enter again to replace it.")
            return
        only_article = False
        if self.article_title is not None:
            only_article = self.query_one("#scope-article", RadioButton).value
        self.dismiss((self.fmt, path, only_article))

    def _say(self, message: str) -> None:
        self.query_one("#export-message", Static).update(plain(message, style="bold red"))

    def action_cancel(self) -> None:
        self.dismiss(None)
