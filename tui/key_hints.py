"""The bottom line of every screen: the keys that work here, clickable, drawn as one widget.

Textual's Footer recomposes a widget per key whenever the bindings change, which they do on every
focus change: about 100 ms at 160 columns on this machine, paid on opening an article, entering
the compare pane or highlighting. KeyHints draws the same line as one Text and is only refreshed
(no layout) when the keys it shows changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import RenderableType
from rich.style import Style
from rich.text import Text
from textual import events
from textual.keys import key_to_character
from textual.screen import Screen
from textual.widget import Widget


def _types_a_character(key: str) -> bool:
    if key == "slash":  # Textual's one key name that key_to_character does not know ("/")
        return True
    character = key_to_character(key)
    return character is not None and character.isprintable()


@dataclass(frozen=True)
class Hint:
    key: str  # what a click simulates
    display: str
    description: str
    enabled: bool


class KeyHints(Widget, can_focus=False):
    """One line of key hints, like Textual's Footer: key, description, the palette key on the right."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-hints--key", "key-hints--description", "key-hints--hover", "key-hints--disabled"}
    DEFAULT_CSS = """
    KeyHints {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .key-hints--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-hints--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-hints--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        .key-hints--disabled {
            text-style: dim;
        }
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.hints: tuple[Hint, ...] = ()
        self.palette: Hint | None = None
        self._spans: list[tuple[int, int, Hint]] = []  # cells x0..x1 of each hint, as last drawn
        self._hover: Hint | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        hints, palette = self._collect(screen)
        if (hints, palette) != (self.hints, self.palette):
            self.hints, self.palette = hints, palette
            self.refresh()

    def _collect(self, screen: Screen) -> tuple[tuple[Hint, ...], Hint | None]:
        app = self.app
        shown: dict[str, Hint] = {}  # one hint per action, as Footer does: the first key bound to it
        palette: Hint | None = None
        typing = getattr(screen, "TAKES_TYPING", False)  # its text box types q and ?: no hint for them
        for key, (_node, binding, enabled, _tooltip) in screen.active_bindings.items():
            if key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
                palette = Hint(binding.key, app.get_key_display(binding), binding.description, enabled)
                continue
            if typing and _types_a_character(binding.key):
                continue  # (a key such as ctrl+q for the same action is shown instead, if bound)
            if binding.show and binding.action not in shown:
                shown[binding.action] = Hint(binding.key, app.get_key_display(binding), binding.description, enabled)
        return tuple(shown.values()), palette

    def render(self) -> RenderableType:
        key_style = self.get_component_rich_style("key-hints--key")
        description_style = self.get_component_rich_style("key-hints--description")
        hover_style = self.get_component_rich_style("key-hints--hover")
        dim = self.get_component_rich_style("key-hints--disabled")
        width = self.size.width
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, Hint]] = []

        def add(hint: Hint, into: Text, offset: int) -> None:
            start = offset + into.cell_len
            extra: Style = (hover_style if hint == self._hover else Style()) + (dim if not hint.enabled else Style())
            into.append(f" {hint.display} ", key_style + extra)
            if hint.description:
                into.append(f"{hint.description} ", description_style + extra)
            spans.append((start, offset + into.cell_len, hint))

        for hint in self.hints:
            add(hint, line, 0)
        if self.palette is not None:
            right = Text(no_wrap=True, end="")
            right.append("▏", Style(dim=True))
            palette_width = 1 + cell_len(f" {self.palette.display} {self.palette.description} ")
            offset = max(0, width - palette_width)
            add(self.palette, right, offset)
            line.truncate(offset, pad=True)
            spans = [s for s in spans if s[0] < offset]
            line.append_text(right)
        self._spans = spans
        return line

    def _hint_at(self, x: int) -> Hint | None:
        return next((hint for start, end, hint in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        hint = self._hint_at(event.x)
        if hint != self._hover:
            self._hover = hint
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        hint = self._hint_at(event.x)
        if hint is None:
            return
        if hint.enabled:
            self.app.simulate_key(hint.key)
        else:
            self.app.bell()
