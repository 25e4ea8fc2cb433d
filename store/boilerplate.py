"""Boilerplate: lines that belong to a site, not to a report (photo credits, "READ MORE:" links,
"Story continues below advertisement", subscription nags). Two outlets' articles that both carry
"Advertisement" share nothing; these lines must never count as shared passages.

Two sources: known patterns (below), and lines that recur in several articles of a library
(`recurring_lines`), which catches each site's own furniture."""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

__all__ = ["is_boilerplate", "normalize_line", "recurring_lines"]

_PATTERNS = re.compile(
    r"^(?:advertisement|story continues below advertisement|continue reading( the main story)?|"
    r"read more\b.*|related\b:.*|watch\b:.*|click to play video\b.*|subscribe\b.*|sign up\b.*|"
    r".*\bnewsletter\b.{0,40}|follow us\b.*|share this\b.*|image:.*|photo:.*|getty images|"
    r"(?:ap|afp|reuters|getty)(?: photo)?/.*|.*\b(?:photo|image) (?:by|credit|courtesy)\b.*|"
    r"copyright\b.*|all rights reserved.*|©.*|this article (?:was|has been) (?:updated|corrected)\b.*|"
    r"(?:we|you) (?:use|accept) cookies.*|advertisement\s*[-–—].*|"
    r".*\bplease enable javascript\b.*|"
    # a byline with its outlet ("Dave Bangert and Dwight Adams/ Journal & Courier"): two reports by
    # the same desk share it, but it is not a passage they share
    r"(?:by\s+)?[^\W\d_][\w.'’\-]*(?:\s+[\w.'’\-]+){1,3}(?:\s*(?:,|and|&)\s*[^\W\d_][\w.'’\-]*(?:\s+[\w.'’\-]+){1,3})?"
    r"\s*/\s*[\w.&;'’ \-]{2,60})$",
    re.IGNORECASE,
)
_NORMALIZE_RE = re.compile(r"[\W_]+")
_NORMALIZE_KEEPING_LINES_RE = re.compile(r"(?:[^\w\n]|_)+")  # normalize_line on a whole body at once


def normalize_line(line: str) -> str:
    """A line as boilerplate is compared: lower case, words only."""
    return _NORMALIZE_RE.sub(" ", line.lower()).strip()


def is_boilerplate(text: str, recurring: frozenset[str] | set[str] = frozenset()) -> bool:
    """Is this line (or sentence) site furniture rather than reporting?"""
    stripped = text.strip()
    if not stripped:
        return True
    if _PATTERNS.match(stripped):
        return True
    return bool(recurring) and normalize_line(stripped) in recurring


def recurring_lines(articles: Iterable[tuple[str, str]], min_articles: int = 3, max_words: int = 40) -> frozenset[str]:
    """Normalised lines (up to `max_words` words) that one outlet repeats in at least
    `min_articles` of its articles: that is the site's furniture. `articles` are (source, body).
    Lines repeated by *different* outlets are not counted: forty outlets running one wire story
    repeat its sentences, and those are exactly the shared passages we want to see."""
    counts: Counter[tuple[str, str]] = Counter()
    for source, body in articles:
        if not source:
            continue
        # one regex pass per body, not per line: a compare reads a few hundred bodies
        lines = _NORMALIZE_KEEPING_LINES_RE.sub(" ", body.lower()).split("\n")
        seen = {key for key in map(str.strip, lines) if key and key.count(" ") < max_words}
        counts.update((source.lower(), line) for line in seen)
    return frozenset(line for (_, line), count in counts.items() if count >= min_articles)
