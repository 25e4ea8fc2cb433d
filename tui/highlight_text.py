"""Untrusted text with some ranges emphasised (search hits), as Rich `Text`: never markup."""

from __future__ import annotations

from typing import Iterable

import re

from rich.style import Style
from rich.text import Text

# control characters and line separators become one visible character each, so offsets still fit
# (the same rule as article_view.sanitize, without importing Textual into the command line)
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _safe_char(match: re.Match[str]) -> str:
    return " " if match.group() in "\n\t\u2028\u2029" else "\ufffd"


def highlighted(text: str, spans: Iterable[tuple[int, int]], style: str | Style = "",
                mark: str | Style = "bold reverse") -> Text:
    """`text` (made safe code point for code point, so `spans` still fit) with `spans` styled."""
    result = Text(_UNSAFE.sub(_safe_char, text), style=style, end="")
    for start, end in spans:
        if 0 <= start < end <= len(text):
            result.stylize(mark, start, end)
    return result
