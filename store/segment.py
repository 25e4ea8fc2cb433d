"""Sentences, quoted spans and words of an article body, as code-point spans into the body.

News text is full of periods that do not end sentences ("U.S.", "Mr.", "Jan. 20", "J. Smith",
"3.5 %") and of sentences that end inside a closing quote (`…next month.”`). The rules here are
deliberately simple and conservative: a sentence ends at `.`, `!` or `?` (with any closing quotes
and brackets after it), followed by white space and something that can start a sentence; a period
after a known abbreviation or an initial is not an end unless a dotted acronym ("U.S.") is followed
by a word that usually starts a sentence. A line break always ends a sentence (paragraphs,
captions and headings are units of their own).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Quote", "Sentence", "quotes", "sentences", "words"]


@dataclass(frozen=True)
class Sentence:
    """One sentence: `text == body[start:end]` (trimmed of surrounding white space)."""

    start: int
    end: int
    text: str
    paragraph: int  # index of the line (paragraph) it belongs to


@dataclass(frozen=True)
class Quote:
    """A quoted span. `start`/`end` cover the words inside the quote marks (not the marks)."""

    start: int
    end: int
    text: str


ABBREVIATIONS = frozenset("""
mr mrs ms dr prof st sr jr gen lt col capt sgt cmdr adm maj gov sen rep rev hon pres supt messrs
jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
inc corp co ltd llc bros plc dept univ assn ave blvd rd mt ft no nos vol vols fig figs approx est
vs etc al ca cf eg ie op pp
""".split())

_NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "vol", "fig", "op", "pp"})

# Words that usually start a sentence: after "U.S." they mean the sentence ended there.
SENTENCE_STARTERS = frozenset("""
the a an it its he she they we i you this that these those there but and or so yet in on at for
if when while after before as his her their our my mr mrs ms dr however meanwhile still also
according some many most one two no not what who why how where
""".split())

_OPENERS = "\"'“‘(["
_CLOSERS = "\"'”’)]"
_END_RE = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)")
_WORD_BEFORE_RE = re.compile(r"([\w.\-’']+)$")
_WORD_RE = re.compile(r"\w+(?:[.,’'\-]\w+)*")


def _is_boundary(line: str, end_at: int, next_at: int) -> bool:
    """Does the sentence end just before `end_at` (the index after the terminator and closers)?"""
    if next_at >= len(line):
        return True
    following = line[next_at]
    if not (following.isupper() or following.isdigit() or following in _OPENERS or following in "—-–•"):
        return False
    terminator_at = end_at
    while terminator_at > 0 and line[terminator_at - 1] in _CLOSERS:
        terminator_at -= 1
    if line[terminator_at - 1] != "." or terminator_at != end_at:
        # "?" / "!" always end; a period followed by a closing quote ends the quoted sentence
        return True
    match = _WORD_BEFORE_RE.search(line, 0, terminator_at - 1)
    if match is None:
        return True
    word = match.group(1).rstrip(".")
    bare = word.lower().strip("'’-")
    if "." in word:  # a dotted acronym such as "U.S." or "a.m.": ends only before a usual starter
        next_word = re.match(r"[\"'“‘(\[]?(\w+)", line[next_at:])
        if following in _OPENERS:
            return True
        return bool(next_word and next_word.group(1).lower() in SENTENCE_STARTERS)
    if len(word) == 1 and word.isalpha() and word.isupper():
        return False  # an initial: "J. Smith"
    if bare in _NUMBER_ABBREVIATIONS:  # "No. 1" but "said no. Then"
        return not following.isdigit()
    return bare not in ABBREVIATIONS


def sentences(body: str) -> list[Sentence]:
    """Split `body` into sentences; every non-blank character belongs to exactly one sentence."""
    result: list[Sentence] = []
    offset = 0
    for paragraph, line in enumerate(body.split("\n")):
        start = 0
        for match in _END_RE.finditer(line):
            end_at = match.end()
            next_at = end_at
            while next_at < len(line) and line[next_at].isspace():
                next_at += 1
            if _is_boundary(line, end_at, next_at):
                _add(result, body, offset + start, offset + end_at, paragraph)
                start = next_at
        _add(result, body, offset + start, offset + len(line), paragraph)
        offset += len(line) + 1
    return result


def _add(result: list[Sentence], body: str, start: int, end: int, paragraph: int) -> None:
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    if end > start:
        result.append(Sentence(start, end, body[start:end], paragraph))


_QUOTE_RE = re.compile(r"“([^“”\n]+)(?:”|(?=\n|$))|\"([^\"\n]+)\"")


def quotes(body: str, min_words: int = 3) -> list[Quote]:
    """Quoted spans of at least `min_words` words: “curly” or "straight" double quotes. A curly
    quote left open at the end of a paragraph (news style for a quote that goes on) ends there."""
    result: list[Quote] = []
    for match in _QUOTE_RE.finditer(body):
        group = 1 if match.group(1) is not None else 2
        start, end = match.start(group), match.end(group)
        while start < end and body[start].isspace():
            start += 1
        while end > start and (body[end - 1].isspace() or body[end - 1] in ",;:"):
            end -= 1
        if len(_WORD_RE.findall(body, start, end)) >= min_words:
            result.append(Quote(start, end, body[start:end]))
    return result


def words(body: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
    """Words of body[start:end] as (start, end, lower-cased word); "181,163", "3.5", "U.S" and
    "can’t" are one word each."""
    end = len(body) if end is None else end
    return [(m.start(), m.end(), m.group().lower().replace("’", "'")) for m in _WORD_RE.finditer(body, start, end)]
