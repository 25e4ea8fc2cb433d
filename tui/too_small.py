"""The notice that covers every screen while the terminal is too small to draw one usably.

A screen of its own, pushed over whatever is showing (the library, a comparison, the coverage
view, a dialog) and popped when the terminal grows again: the screen below gets its focus back
as it was, and no key reaches it in between. Hiding the panes instead lost their focus to the
library's hidden filter box, which then took every key typed.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Static

MIN_SIZE = (50, 12)  # below this no pane is usable: the app says so instead of drawing a broken layout


def too_small(width: int, height: int) -> bool:
    return width < MIN_SIZE[0] or height < MIN_SIZE[1]


class TooSmallScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    TooSmallScreen { background: $background; align: center middle; }
    TooSmallScreen > Static { width: 1fr; height: auto; content-align: center middle; text-style: bold;
                              color: $foreground; }
    """

    def __init__(self, quit_keys: frozenset[str], quit_label: str, size: tuple[int, int]) -> None:
        super().__init__()
        self.quit_keys, self.quit_label = quit_keys, quit_label
        self.size_shown = size
        self._shown_before = False

    def compose(self) -> ComposeResult:
        yield Static(self._notice(*self.size_shown), id="too-small")

    def show_size(self, width: int, height: int) -> None:
        self.size_shown = (width, height)
        self.query_one("#too-small", Static).update(self._notice(width, height))

    def _notice(self, width: int, height: int) -> Text:
        quits = f"\n({self.quit_label} quits)" if self.quit_label else ""
        return Text(f"The terminal is {width}×{height}.\nbroadsheet needs {MIN_SIZE[0]}×{MIN_SIZE[1]}:\n"
                    f"make the window larger{quits}", justify="center")

    def on_screen_resume(self) -> None:
        # on top again after a dialog that opened above it: the terminal may have grown meanwhile
        # (the first resume is its push, from a resize the app's size does not show yet)
        if self._shown_before and not too_small(*self.app.size):
            self.app.pop_screen()
        self._shown_before = True

    async def on_key(self, event: events.Key) -> None:
        # a modal screen hides the app's bindings: the quit keys are handled here, and every other
        # key is dropped rather than reaching the screen below, which cannot be seen
        event.stop()
        event.prevent_default()
        if event.key in self.quit_keys:
            await self.app.run_action("quit")
