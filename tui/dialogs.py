"""Modal dialogs: confirm, tags, import (with progress), help."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Static

from store import ImportReport

from .safe_text import plain


class ConfirmDialog(ModalScreen[bool]):
    BINDINGS = [Binding("y", "answer(True)", "Yes", id="dialog.yes"),
                Binding("n,escape", "answer(False)", "No", id="dialog.no")]

    def __init__(self, question: Text) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question)
            with Horizontal(classes="buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class TagDialog(ModalScreen[tuple[list[str], list[str]] | None]):
    """Tags to add and (with a leading -) to remove."""

    TAKES_TYPING = True  # keys typed while it opens go into its text box (BroadsheetApp.expect_typing)

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, tags: tuple[str, ...]) -> None:
        super().__init__()
        self.article_title = title
        self.tags = tags

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(self.article_title, style="bold"))
            yield Static(plain("tags: " + (", ".join(self.tags) or "(none)"), style="dim"))
            yield Input(placeholder="tag, other tag, -tag to remove", id="tag-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        words = [w.strip() for w in event.value.split(",") if w.strip()]
        self.dismiss(([w for w in words if not w.startswith("-")], [w[1:] for w in words if w.startswith("-")]))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ImportDialog(ModalScreen[ImportReport | None]):
    """A path or URL, imported in a worker thread with a progress bar; refusals listed at the end."""

    TAKES_TYPING = True  # keys typed while it opens go into its text box (BroadsheetApp.expect_typing)

    BINDINGS = [Binding("escape", "close", "Close", id="dialog.close")]

    def __init__(self) -> None:
        super().__init__()
        self.report: ImportReport | None = None
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Import a file, folder, URL or feed (Enter starts, Esc closes)")
            yield Input(placeholder="~/clippings/  or  https://example.com/rss", id="import-target")
            yield ProgressBar(id="import-progress", show_eta=False)
            yield Static(id="import-current")
            with VerticalScroll(id="import-results"):
                yield Static(id="import-log")

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        target = event.value.strip()
        if not target or self.running:
            return
        if not target.lower().startswith(("http://", "https://")):
            target = str(Path(target).expanduser())
        self.running = True
        event.input.disabled = True
        bar = self.query_one(ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.run_import(target)

    @work(thread=True, exclusive=True)
    def run_import(self, target: str) -> None:
        def progress(done: int, total: int | None, current: str) -> None:
            self.app.call_from_thread(self._progress, done, total, current)

        try:
            report = self.app.import_targets([target], progress)  # type: ignore[attr-defined]
        except Exception as error:  # shown in the dialog; the app keeps running
            self.app.call_from_thread(self._failed, f"{type(error).__name__}: {error}")
            return
        self.app.call_from_thread(self._finished, report)

    def _progress(self, done: int, total: int | None, current: str) -> None:
        self.query_one(ProgressBar).update(total=total, progress=done)
        self.query_one("#import-current", Static).update(plain(current, style="dim"))

    def _failed(self, message: str) -> None:
        self.running = False
        self.query_one("#import-log", Static).update(plain(message, style="red"))
        self.query_one(Input).disabled = False

    def _finished(self, report: ImportReport) -> None:
        self.running = False
        self.report = report
        self.query_one(ProgressBar).update(total=1, progress=1)
        self.query_one("#import-current", Static).update(Text(report.summary(), style="bold"))
        log = Text()
        # what did not simply go in is listed, refusals first: the user can fix those
        listed = report.refused + report.skipped + [o for o in report.outcomes if o.status == "duplicate"] + report.updated + \
            [o for o in report.added if o.message]
        colours = {"refused": "red", "skipped": "yellow", "duplicate": "dim"}
        for outcome in listed:
            log.append(f"{outcome.status:>9}  ", style=colours.get(outcome.status, "cyan"))
            log.append_text(plain(outcome.origin))
            if outcome.message:
                log.append_text(plain(f": {outcome.message}"))
            log.append("\n")
        self.query_one("#import-log", Static).update(log)
        box = self.query_one(Input)
        box.disabled = False
        box.value = ""
        box.focus()

    def action_close(self) -> None:
        if not self.running:
            self.dismiss(self.report)
        else:
            self.app.notify("The import is still running; it closes when it ends.", timeout=2)


class HelpScreen(ModalScreen[None]):
    """The keys of the focused pane and of the whole app, as they are bound now."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss_help", "Close", id="dialog.close_help")]

    def __init__(self, title: str, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.help_title = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=True)
        table.add_column("keys", style="bold cyan", no_wrap=True)
        table.add_column("action")
        table.add_column("id", style="dim")
        for keys, description, action_id in self.rows:
            table.add_row(Text(keys), Text(description), Text(action_id))
        with Vertical(classes="dialog wide", id="help"):
            yield Static(Text(self.help_title, style="bold"))
            with VerticalScroll():
                yield Static(table)
            yield Static(Text("Esc closes · ↑ ↓ scroll · Ctrl+P lists every action", style="dim"))

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
