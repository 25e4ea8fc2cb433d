"""Untrusted strings (titles, sources, tags, file names, notes) made safe to put on screen.

Everything shown from an article goes through here: it becomes a Rich `Text` (never markup), with
control characters and escape sequences removed, so nothing in an article can style, click or
reach the terminal."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from store.cleaning import strip_controls


def visible(text: str, *, single_line: bool = True) -> str:
    cleaned = strip_controls(text)
    return " ".join(cleaned.split()) if single_line else cleaned


def plain(text: str, style: str | Style = "", *, single_line: bool = True) -> Text:
    return Text(visible(text, single_line=single_line), style=style, end="")
