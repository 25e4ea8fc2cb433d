"""Text features for story detection: matching lines, boilerplate suppression, term counts, shingles.

No screen, no library: pure functions on strings, so stories.py can cache their results per
content hash and tests can check them on small constructed texts.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from typing import Iterable

import numpy as np

# English function words (the usual IR stop list, trimmed): they say nothing about which event a
# report covers and make every pair of articles look a little alike.
STOP_WORDS = frozenset("""
a about above across after afterwards again against all almost alone along already also although always am
among amongst an and another any anyhow anyone anything anyway anywhere are around as at back be became
because become becomes becoming been before beforehand behind being below beside besides between beyond both
but by can cannot could did do does doing done down during each eg either else elsewhere enough etc even ever
every everyone everything everywhere except few for former formerly from further had has have having he hence
her here hereafter hereby herein hereupon hers herself him himself his how however i ie if in indeed into is
it its itself just last latter latterly least less like ll made make many may me meanwhile might mine more
moreover most mostly much must my myself namely neither never nevertheless next no nobody none noone nor not
nothing now nowhere of off often on once one only onto or other others otherwise our ours ourselves out over
own per perhaps please put rather re s said same say says see seem seemed seeming seems several she should
since so some somehow someone something sometime sometimes somewhere still such t than that the their theirs
them themselves then thence there thereafter thereby therefore therein thereupon these they this those though
through throughout thus to together too toward towards under until up upon us ve very via was we well were
what whatever when whence whenever where whereafter whereas whereby wherein whereupon wherever whether which
while whither who whoever whole whom whose why will with within without would yet you your yours yourself
yourselves d m don didn doesn isn wasn aren weren won wouldn couldn shouldn mr mrs ms dr told according also
""".split())

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_QUOTED = re.compile(r"[\"“”„«»]([^\"“”„«»]{8,}?)[\"“”„«»]")
SHINGLE = 8  # words per shingle for "shares text": long enough that two independent writers rarely match


def fold(text: str) -> str:
    """Lower case without accents: "Peña" and "pena" are one term."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return [w.replace("’", "'") for w in _WORD.findall(fold(text))]


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n") if p.strip()]


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’')]*\s+")
STEM = 6  # terms are cut to their first letters: "pipeline", "pipelines" and "piped" meet; names stay apart


def sentences(body: str) -> list[str]:
    """Sentences of the body (boilerplate hides inside paragraphs too, e.g. in one-paragraph scrapes)."""
    found: list[str] = []
    for line in paragraphs(body):
        found.extend(part for part in _SENTENCE_END.split(line) if part.strip())
    return found


def sentence_key(sentence: str) -> int:
    return zlib.crc32(" ".join(words(sentence)).encode("utf-8"))


def sentence_keys(body: str) -> list[int]:
    return [sentence_key(sentence) for sentence in sentences(body)]


def term_counts(title: str, body: str, skip: set[int] | frozenset[int] = frozenset()) -> Counter[str]:
    """Features of one report: stemmed content words and adjacent pairs of them (a pair such as
    "peter_strzok" names an event far better than either word), from the title and every
    sentence whose key is not in `skip` (boilerplate)."""
    counts: Counter[str] = Counter()
    for sentence in sentences(body):
        if skip and sentence_key(sentence) in skip:
            continue
        _add_terms(counts, sentence)
    _add_terms(counts, title)
    return counts


def _add_terms(counts: Counter[str], text: str) -> None:
    terms = [term if term.isdigit() else term[:STEM] for term in content_terms(text)]
    counts.update(terms)
    counts.update(f"{a}_{b}" for a, b in zip(terms, terms[1:]))


def content_terms(text: str) -> list[str]:
    """Words that can tell one event from another: no stop words, possessives folded."""
    found = []
    for word in words(text):
        if word.endswith("'s"):
            word = word[:-2]
        if (len(word) > 1 or word.isdigit()) and word not in STOP_WORDS:
            found.append(word)
    return found


def shingle_positions(body: str, skip: set[int] | frozenset[int] = frozenset()) -> tuple[np.ndarray, int]:
    """Hashes of every SHINGLE-word window of the body's non-boilerplate sentences (one per
    starting word) and the number of words counted."""
    tokens: list[str] = []
    for sentence in sentences(body):
        if skip and sentence_key(sentence) in skip:
            continue
        tokens.extend(words(sentence))
    if len(tokens) < SHINGLE:
        return np.zeros(0, dtype=np.int64), len(tokens)
    hashes = np.fromiter((zlib.crc32(" ".join(tokens[i:i + SHINGLE]).encode("utf-8"))
                          for i in range(len(tokens) - SHINGLE + 1)), dtype=np.int64,
                         count=len(tokens) - SHINGLE + 1)
    return hashes, len(tokens)


def covered_share(mine: np.ndarray, theirs: np.ndarray, total_words: int) -> float:
    """Fraction of my words inside a shingle the other text also has."""
    if total_words == 0 or len(mine) == 0 or len(theirs) == 0:
        return 0.0
    hit = np.isin(mine, theirs)
    if not hit.any():
        return 0.0
    covered = np.zeros(total_words, dtype=bool)
    for start in np.flatnonzero(hit):
        covered[start:start + SHINGLE] = True
    return float(covered.sum()) / total_words


def quoted_shingles(body: str) -> set[int]:
    """Shingles inside quotation marks: a passage one report quotes and the other states plainly
    was taken from the other (it is the reuser who puts the words in quotes)."""
    found: set[int] = set()
    for match in _QUOTED.finditer(body):
        tokens = words(match.group(1))
        for i in range(len(tokens) - SHINGLE + 1):
            found.add(zlib.crc32(" ".join(tokens[i:i + SHINGLE]).encode("utf-8")))
    return found
