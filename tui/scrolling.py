"""Scrolling helpers shared by the line-API widgets (article view, row table, result list)."""

from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget


def set_virtual_size(widget: Widget, size: Size) -> None:
    """Set a widget's scrollable size without a layout pass of the whole screen.

    `Widget.virtual_size` is a layout reactive: assigning it lays out every widget on the screen
    again (15 to 30 ms at 160x45), which a widget whose own height is set by CSS (1fr, not auto)
    never needs. The scrollbars are updated here instead, as TextArea does; one appearing or going
    still asks for the layout it needs."""
    if size == widget.virtual_size:
        return
    widget.set_reactive(Widget.virtual_size, size)
    widget._scroll_update(size)
    widget.refresh()
