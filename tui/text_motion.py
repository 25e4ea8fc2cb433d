"""Where the highlight-mode cursor goes: word, sentence and character boundaries in article text.

Pure functions on a string and a code-point offset, so the moves are the same in the reader and in
every compare column and can be tested without a screen. The cursor is a caret *between* code
points (0 to len(text)); a selection is the half-open range between the mark and the cursor.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from functools import lru_cache

__all__ = ["char_back", "char_forward", "sentence_starts", "trim_range", "word_back", "word_end",
           "word_forward", "word_spans"]

# A word: letters/digits, joined by an apostrophe, dot, hyphen or comma inside it ("U.S.-Mexican",
# "don't", "181,163"), so one move takes a reader over what they read as one word.
_WORD_RE = re.compile(r"\w+(?:['’.,\-]\w+)*")

# A sentence ends at . ! ? (and closing quotes/brackets after it), then white space, then something
# that can start a sentence. Initials ("U.S.") and common abbreviations do not end one.
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'’”)\]]*(?=\s+[\"'‘“(\[]?[A-Z0-9À-Ý])")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr gov sen rep gen lt col sgt capt prof inc co corp ltd vs etc no mt ft "
    "jan feb mar apr jun jul aug sep sept oct nov dec pres supt dept est approx".split())
_INITIALS_RE = re.compile(r"(?:\b\w\.)+$")


def _is_zero_width(character: str) -> bool:
    return unicodedata.combining(character) != 0 or character in "\u200d\ufe0f\ufe0e" or \
        unicodedata.category(character) in ("Mn", "Me", "Cf")


def char_forward(text: str, position: int) -> int:
    """One user-perceived character on: a base character with its combining marks, a ZWJ emoji."""
    length = len(text)
    if position >= length:
        return length
    position += 1
    while position < length and (_is_zero_width(text[position]) or text[position - 1] == "\u200d"):
        position += 1
    return position


def char_back(text: str, position: int) -> int:
    if position <= 0:
        return 0
    position -= 1
    while position > 0 and (_is_zero_width(text[position]) or text[position - 1] == "\u200d"):
        position -= 1
    return position


@lru_cache(maxsize=8)
def word_spans(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(starts, ends) of every word, in order."""
    starts: list[int] = []
    ends: list[int] = []
    for match in _WORD_RE.finditer(text):
        starts.append(match.start())
        ends.append(match.end())
    return tuple(starts), tuple(ends)


def word_forward(text: str, position: int) -> int:
    """The start of the next word (the end of the text after the last one)."""
    starts, _ = word_spans(text)
    index = bisect_right(starts, position)
    return starts[index] if index < len(starts) else len(text)


def word_end(text: str, position: int) -> int:
    """Just after the end of the word the cursor is in, or of the next one."""
    _, ends = word_spans(text)
    index = bisect_right(ends, position)
    return ends[index] if index < len(ends) else len(text)


def word_back(text: str, position: int) -> int:
    """The start of the word the cursor is in, or of the one before."""
    starts, _ = word_spans(text)
    index = bisect_left(starts, position) - 1
    return starts[index] if index >= 0 else 0


@lru_cache(maxsize=8)
def sentence_starts(text: str) -> tuple[int, ...]:
    """Offsets where sentences start: the start of every non-blank line (headlines and paragraphs
    have no full stop) and the first non-space after a sentence end."""
    starts: set[int] = set()
    for match in re.finditer(r"(?m)^[^\S\n]*(?=\S)", text):
        starts.add(match.end())
    for match in _SENTENCE_END_RE.finditer(text):
        before = text[max(0, match.start() - 12):match.start() + 1]
        word = re.search(r"(\w+)\.$", before)
        if match.group().startswith(".") and word is not None:
            if word.group(1).lower() in _ABBREVIATIONS or _INITIALS_RE.search(before):
                continue
        rest = match.end()
        while rest < len(text) and text[rest].isspace():
            rest += 1
        if rest < len(text):
            starts.add(rest)
    return tuple(sorted(starts))


def sentence_forward(text: str, position: int) -> int:
    """The start of the next sentence (the end of the text after the last one)."""
    starts = sentence_starts(text)
    index = bisect_right(starts, position)
    return starts[index] if index < len(starts) else len(text)


def sentence_back(text: str, position: int) -> int:
    """The start of the sentence the cursor is in, or of the one before if it is at its start."""
    starts = sentence_starts(text)
    index = bisect_left(starts, position) - 1
    return starts[index] if index >= 0 else 0


def next_in(starts: list[int] | tuple[int, ...], position: int, end: int) -> int:
    index = bisect_right(starts, position)
    return starts[index] if index < len(starts) else end


def previous_in(starts: list[int] | tuple[int, ...], position: int) -> int:
    index = bisect_left(starts, position) - 1
    return starts[index] if index >= 0 else 0


def trim_range(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) without the white space at either end (a selection made by word or sentence
    moves ends on the space before the next one). All white space: the range collapses to empty."""
    start, end = max(0, min(start, end)), min(len(text), max(start, end))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
