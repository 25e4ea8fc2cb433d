"""The coverage view: for N reports, one row per passage group and one column per report, each
cell showing whether that report carries the passage ("shared by 4 of 6", "only here"). Picking
two report columns opens that pair in the compare pane."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from store import Comparison

from .compare_render import label
from .key_hints import KeyHints
from .keymap import bindings_for, default_keymap
from .safe_text import plain, visible

PASSAGE_WIDTH = 60


class CoverageTable(DataTable[Text], inherit_bindings=False):
    """The coverage grid with the coverage scope's keys."""

    KEY_SCOPE = "coverage"
    BINDINGS: list[Binding] = bindings_for(KEY_SCOPE, default_keymap())

    def action_pick_column(self) -> None:
        self.screen.pick(self.cursor_column)  # type: ignore[attr-defined]

    def action_close_coverage(self) -> None:
        self.app.pop_screen()


class CoverageScreen(Screen[None]):
    DEFAULT_CSS = """
    CoverageScreen #coverage-header { height: auto; padding: 0 1; border-bottom: solid $primary; }
    CoverageScreen CoverageTable { height: 1fr; }
    """

    def __init__(self, comparison: Comparison) -> None:
        super().__init__()
        self.comparison = comparison
        self.ids = [article.id for article in comparison.articles]
        self.picked: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(self._header(), id="coverage-header")
        yield CoverageTable(id="coverage-table", cursor_type="cell", zebra_stripes=True)
        yield KeyHints()

    def _header(self) -> Text:
        text = Text(f"Coverage of {len(self.ids)} reports: ", style="bold")
        shared = sum(1 for g in self.comparison.coverage if len(g.members) > 1)
        text.append(f"{shared} passages shared by two or more, "
                    f"{len(self.comparison.coverage) - shared} only in one report\n")
        for index, article in enumerate(self.comparison.articles):
            text.append(f"{index + 1} ", style="bold")
            text.append_text(plain(label(article, 40)))
            text.append(f" — {len(self.comparison.only_here(article.id))} passages only here", style="dim")
            if article.id in self.picked:
                text.append("  ✓ picked", style="bold reverse")
            text.append("\n")
        text.append("Move to a report's column and pick it; pick a second to open the pair side by side.",
                    style="dim")
        return text

    def on_mount(self) -> None:
        table = self.query_one(CoverageTable)
        # the passage column takes what the report columns (3 cells + padding each) leave
        width = max(PASSAGE_WIDTH // 2, self.app.size.width - 5 * len(self.ids) - 16 - 2 * 2 - 4)
        self._passage_width = width
        table.add_column(Text("Passage"), key="passage", width=width)
        for index, article_id in enumerate(self.ids):
            table.add_column(Text(str(index + 1), justify="center"), key=article_id, width=3)
        table.add_column(Text("Carried by"), key="count", width=16)
        total = len(self.ids)
        for group in self.comparison.coverage:
            passage = visible(group.text)
            if len(passage) > width:
                passage = passage[: width - 1] + "…"
            cells = [Text("●", style="bold $success", justify="center") if group.carried_by(i)
                     else Text("·", style="dim", justify="center") for i in self.ids]
            count = len(group.members)
            who = Text("only here", style="italic dim") if count == 1 else Text(f"shared by {count} of {total}")
            table.add_row(Text(passage), *cells, who)
        table.move_cursor(column=1)
        table.focus()

    def pick(self, column: int) -> None:
        if not 1 <= column <= len(self.ids):
            self.app.notify("Pick a report's column (the numbered ones).", timeout=2)
            return
        article_id = self.ids[column - 1]
        if article_id in self.picked:
            self.picked.remove(article_id)
        else:
            self.picked.append(article_id)
        self.query_one("#coverage-header", Static).update(self._header())
        if len(self.picked) == 2:
            from .compare_pane import CompareScreen

            pair = self.picked
            self.picked = []
            self.query_one("#coverage-header", Static).update(self._header())
            comparison = self.app.library.compare(pair, coverage=True)  # type: ignore[attr-defined]
            self.app.push_screen(CompareScreen(comparison))
