"""Anchors for highlights, in the style of the W3C Web Annotation model, and re-anchoring.

An anchor is a quote selector (the exact text with up to CONTEXT characters before and after it)
plus a position selector (code-point offsets into the stored body). Bodies are cleaned on import
(NFC, Unix newlines: store/cleaning.py), so offsets and quotes are taken on that form.

When an article's text changes, `place` finds the highlight again, in this order:
  1. the exact quote: every occurrence is ranked by how well the text around it matches the
     stored prefix and suffix, then by nearness to the old position (so the old position wins
     when the quote is still there and its context still fits). A short quote whose context no
     longer matches anywhere is not trusted (a word such as "the" occurs everywhere);
  2. a fuzzy match: the quote with its context is aligned to the text (rapidfuzz
     `partial_ratio_alignment` finds the region, a Levenshtein alignment maps the quote's ends
     into it); accepted when the text found is at least FUZZY_THRESHOLD similar to the quote and
     carries the same figures: a highlight of "118,000" is evidence of that number, and moving it
     onto "118,500" would have the user cite a figure they never marked;
  3. otherwise the highlight is orphaned: kept, with its quote, for the user to re-attach.
A placement never claims offsets it has not checked: "anchored" means body[start:end] == exact,
"moved" means the text there scores `score` >= FUZZY_THRESHOLD against the old quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

CONTEXT = 32  # characters of prefix and suffix kept with a quote (W3C TextQuoteSelector)
FUZZY_THRESHOLD = 0.75  # lowest similarity (0..1) of the re-found text to the old quote
REGION_THRESHOLD = 0.6  # lowest similarity of quote-with-context to the region it is found in
SHORT_QUOTE = 16  # an exact match of a quote shorter than this needs its context to agree
CONTEXT_AGREES = 0.5  # context similarity (0..1) that counts as agreeing
MAX_OCCURRENCES = 5000  # occurrences of a quote ranked by context (a bound on pathological text)
LONG_NEEDLE = 400  # quote with context longer than this is found by its ends (see _find_region)
LONG_PIECE = 160  # characters of each end searched for

ANCHORED, MOVED, ORPHANED = "anchored", "moved", "orphaned"
STATES = (ANCHORED, MOVED, ORPHANED)


@dataclass(frozen=True)
class Quote:
    exact: str
    prefix: str
    suffix: str


@dataclass(frozen=True)
class Placement:
    """Where a highlight now sits. For an orphan, start/end are the last known offsets."""

    start: int
    end: int
    state: str  # "anchored" | "moved" | "orphaned"
    score: float  # 1.0 for the exact quote, the fuzzy similarity for "moved", 0.0 for an orphan


_FIGURE = re.compile(r"\d(?:[\d,.]*\d)?")


def numbers(text: str) -> list[str]:
    """The numbers of a text as written, thousands separators dropped ("118,000" -> "118000")."""
    return [number.replace(",", "") for number in _FIGURE.findall(text)]


def quote_at(body: str, start: int, end: int) -> Quote:
    return Quote(body[start:end], body[max(0, start - CONTEXT):start], body[end:end + CONTEXT])


def context_score(body: str, start: int, end: int, prefix: str, suffix: str) -> float:
    """How well the text around body[start:end] matches the stored prefix and suffix (0..1)."""
    scores = []
    if prefix:
        scores.append(fuzz.ratio(prefix, body[max(0, start - len(prefix)):start]) / 100)
    if suffix:
        scores.append(fuzz.ratio(suffix, body[end:end + len(suffix)]) / 100)
    return sum(scores) / len(scores) if scores else 1.0


def _occurrences(body: str, exact: str) -> list[int]:
    found: list[int] = []
    at = body.find(exact)
    while at != -1 and len(found) < MAX_OCCURRENCES:
        found.append(at)
        at = body.find(exact, at + 1)
    return found


def _exact_match(body: str, quote: Quote, start: int) -> int | None:
    occurrences = _occurrences(body, quote.exact)
    if not occurrences:
        return None
    length = len(quote.exact)
    if len(occurrences) == 1 and occurrences[0] == start:
        return start  # still where it was, and nowhere else: nothing to weigh
    ranked = [(round(context_score(body, at, at + length, quote.prefix, quote.suffix), 3), -abs(at - start), at)
              for at in occurrences]
    agreement, _, best = max(ranked)
    if length < SHORT_QUOTE and agreement < CONTEXT_AGREES and (quote.prefix or quote.suffix):
        return None
    return best


def _map_offset(opcodes: Levenshtein.opcodes, position: int, *, end: bool) -> int:
    """The offset in the destination aligned with `position` in the source. Text inserted right at
    the boundary is counted inside the quote (it was typed into the highlighted passage or next to it)."""
    chosen = None
    for op in opcodes:
        if end:
            if op.src_start < position <= op.src_end or (op.src_start == op.src_end == position):
                if op.tag in ("equal", "replace"):
                    chosen = min(op.dest_start + (position - op.src_start), op.dest_end)
                else:
                    chosen = op.dest_end
        else:
            if op.src_start <= position < op.src_end or (op.src_start == op.src_end == position):
                if op.tag in ("equal", "replace"):
                    return min(op.dest_start + (position - op.src_start), op.dest_end)
                return op.dest_start
    if chosen is None:
        return opcodes[-1].dest_end if len(opcodes) else 0
    return chosen


def _find_region(body: str, needle: str, quote: Quote) -> tuple[int, int] | None:
    """Where in `body` the quote with its context most likely is now (a slice to align in)."""
    cutoff = REGION_THRESHOLD * 100
    margin = len(quote.exact) // 2 + CONTEXT
    if len(needle) <= LONG_NEEDLE:
        found = fuzz.partial_ratio_alignment(needle, body, score_cutoff=cutoff)
        if found is None:
            return None
        # partial_ratio aligns windows of the needle's length: widen the region so a quote that
        # grew or shrank still fits
        return max(0, found.dest_start - margin), min(len(body), found.dest_end + margin)
    # A long quote: partial_ratio over the whole needle costs seconds when it is gone (8,000
    # characters in 60 KB: 15 s). Find its two ends, with their context, instead.
    head = fuzz.partial_ratio_alignment(needle[:LONG_PIECE], body, score_cutoff=cutoff)
    tail = fuzz.partial_ratio_alignment(needle[-LONG_PIECE:], body, score_cutoff=cutoff)
    if head is not None and tail is not None and head.dest_start < tail.dest_end <= head.dest_start + 2 * len(needle):
        low, high = head.dest_start, tail.dest_end
    elif head is not None:
        low, high = head.dest_start, head.dest_start + len(needle)
    elif tail is not None:
        low, high = tail.dest_end - len(needle), tail.dest_end
    else:
        return None
    slack = CONTEXT + len(needle) // 4
    return max(0, low - slack), min(len(body), high + slack)


def _aligned_offset(piece: str, offset: int, region: str, *, end: bool) -> int | None:
    """The offset in `region` of position `offset` of `piece`, where the piece matches best.
    partial_ratio finds the best window (free of the region's other text: a semi-global match),
    and an edit-by-edit alignment inside that window places the offset."""
    found = fuzz.partial_ratio_alignment(piece, region, score_cutoff=REGION_THRESHOLD * 100)
    if found is None:
        return None
    part = piece[found.src_start:found.src_end]
    window = region[found.dest_start:found.dest_end]
    inside = min(max(offset - found.src_start, 0), len(part))
    return found.dest_start + _map_offset(Levenshtein.opcodes(part, window), inside, end=end)


def _fuzzy_match(body: str, quote: Quote) -> tuple[int, int, float] | None:
    needle = quote.prefix + quote.exact + quote.suffix
    if not body or not needle:
        return None
    region_span = _find_region(body, needle, quote)
    if region_span is None:
        return None
    low, high = region_span
    region = body[low:high]
    # Each end of the quote is placed by the text around it: the prefix with the quote's first
    # characters, the quote's last characters with the suffix.
    piece = min(len(quote.exact), CONTEXT * 2)
    head = quote.prefix + quote.exact[:piece]
    tail = quote.exact[-piece:] + quote.suffix
    start = _aligned_offset(head, len(quote.prefix), region, end=False)
    if start is None:
        return None
    end = _aligned_offset(tail, piece, region[start:], end=True)
    if end is None:
        return None
    start, end = low + start, low + start + end
    # Trim whitespace the alignment pulled in at the edges: a highlight starts and ends on text.
    while start < end and body[start].isspace() and not quote.exact[:1].isspace():
        start += 1
    while end > start and body[end - 1].isspace() and not quote.exact[-1:].isspace():
        end -= 1
    if end <= start:
        return None
    score = fuzz.ratio(quote.exact, body[start:end]) / 100
    if score < FUZZY_THRESHOLD or numbers(body[start:end]) != numbers(quote.exact):
        return None
    return start, end, score


def place(body: str, quote: Quote, start: int, end: int) -> Placement:
    """Where the highlight with this quote, last at start..end, belongs in `body`."""
    if quote.exact:
        if 0 <= start <= end <= len(body) and body[start:end] == quote.exact and \
                context_score(body, start, end, quote.prefix, quote.suffix) == 1.0:
            return Placement(start, end, ANCHORED, 1.0)  # the common case: nothing around it changed
        at = _exact_match(body, quote, start)
        if at is not None:
            return Placement(at, at + len(quote.exact), ANCHORED, 1.0)
        fuzzy = _fuzzy_match(body, quote)
        if fuzzy is not None:
            new_start, new_end, score = fuzzy
            if body[new_start:new_end] == quote.exact:
                return Placement(new_start, new_end, ANCHORED, 1.0)
            return Placement(new_start, new_end, MOVED, round(score, 4))
    return Placement(start, end, ORPHANED, 0.0)
