"""Text features for story detection: matching lines, boilerplate suppression, term counts, shingles.

No screen, no library: pure functions on strings, so stories.py can cache their results per
content hash and tests can check them on small constructed texts.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter

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


_COMBINING = re.compile("[\u0300-\u036f]+")


def fold(text: str) -> str:
    """Lower case without accents: "Peña" and "pena" are one term."""
    text = text.lower()
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).replace("’", "'")


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.split("\n") if p.strip()]


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’')]*\s+")
STEM = 6  # terms are cut to their first letters: "pipeline", "pipelines" and "piped" meet (numbers too: rarely longer)


def sentences(body: str) -> list[str]:
    """Sentences of the body (boilerplate hides inside paragraphs too, e.g. in one-paragraph scrapes)."""
    found: list[str] = []
    for line in paragraphs(body):
        found.extend(part for part in _SENTENCE_END.split(line) if part.strip())
    return found


def sentence_words(body: str) -> list[list[str]]:
    """The words of each sentence, folded: the one tokenisation behind sentence keys, terms and
    shingles (so a boilerplate key means the same sentence everywhere)."""
    folded = fold(body)
    found: list[list[str]] = []
    for line in folded.split("\n"):
        if line.strip():
            for part in _SENTENCE_END.split(line):
                tokens = _WORD.findall(part)
                if tokens:
                    found.append(tokens)
    return found


def key_of(sentence_words: list[str]) -> int:
    return zlib.crc32(" ".join(sentence_words).encode("utf-8"))


def sentence_keys(body: str) -> list[int]:
    return [key_of(sentence) for sentence in sentence_words(body)]


def term_counts(title: str, body: str | list[list[str]], skip: set[int] | frozenset[int] = frozenset(),
                keys: list[int] | None = None) -> Counter[str]:
    """Features of one report: stemmed content words and adjacent pairs of them (a pair such as
    "peter_strzok" names an event far better than either word), from the title and every
    sentence whose key is not in `skip` (boilerplate). `body` may be given as sentence_words()."""
    split = sentence_words(body) if isinstance(body, str) else body
    if keys is None and skip:
        keys = [key_of(sentence) for sentence in split]
    found: list[str] = []
    for number, sentence in enumerate(split):
        if skip and keys is not None and keys[number] in skip:
            continue
        add_terms(found, sentence)
    add_terms(found, _WORD.findall(fold(title)))
    return Counter(found)


def title_words(title: str) -> list[str]:
    return _WORD.findall(fold(title))


def add_terms(found: list[str], sentence: list[str]) -> None:
    # the hottest loop of a rebuild (every sentence of every article): one comprehension, the
    # apostrophe test on one joined string rather than per word
    if "'" in "".join(sentence):
        sentence = [word[:-2] if word.endswith("'s") else word for word in sentence]
    terms = [word[:STEM] for word in sentence
             if word not in STOP_WORDS and (len(word) > 1 or word.isdigit())]
    found.extend(terms)
    found.extend(map("_".join, zip(terms, terms[1:])))


def _content(sentence: list[str]) -> list[str]:
    if "'" in "".join(sentence):
        sentence = [word[:-2] if word.endswith("'s") else word for word in sentence]
    return [word for word in sentence if word not in STOP_WORDS and (len(word) > 1 or word.isdigit())]


def content_terms(text: str) -> list[str]:
    """Words that can tell one event from another: no stop words, possessives folded."""
    return _content(words(text))


def shingle_positions(body: str, skip: set[int] | frozenset[int] = frozenset()) -> tuple[np.ndarray, int]:
    """Hashes of every SHINGLE-word window of the body's non-boilerplate sentences (one per
    starting word) and the number of words counted."""
    tokens: list[str] = []
    for sentence in sentence_words(body):
        if skip and key_of(sentence) in skip:
            continue
        tokens.extend(sentence)
    if len(tokens) < SHINGLE:
        return np.zeros(0, dtype=np.int64), len(tokens)
    hashes = np.fromiter((zlib.crc32(" ".join(tokens[i:i + SHINGLE]).encode("utf-8"))
                          for i in range(len(tokens) - SHINGLE + 1)), dtype=np.int64,
                         count=len(tokens) - SHINGLE + 1)
    return hashes, len(tokens)


def covered_share(mine: np.ndarray, theirs: np.ndarray, total_words: int,
                  theirs_sorted: np.ndarray | None = None) -> float:
    """Fraction of my words inside a shingle the other text also has. `theirs_sorted` (np.unique
    of `theirs`) saves sorting it again when one text is compared with many."""
    if total_words == 0 or len(mine) == 0 or len(theirs) == 0:
        return 0.0
    starts = np.flatnonzero(contains(theirs_sorted if theirs_sorted is not None else np.unique(theirs), mine))
    if len(starts) == 0:
        return 0.0
    # each hit covers SHINGLE words from its start: +1 at the start, -1 after its end, summed
    size = max(total_words, len(mine)) + SHINGLE
    edges = np.bincount(starts, minlength=size) - np.bincount(starts + SHINGLE, minlength=size)
    return float(np.count_nonzero(np.cumsum(edges)[:total_words])) / total_words


def contains(sorted_values: np.ndarray, items: np.ndarray) -> np.ndarray:
    """For each of `items`, whether the sorted array holds it (np.isin without sorting again)."""
    if len(sorted_values) == 0:
        return np.zeros(len(items), dtype=bool)
    at = np.searchsorted(sorted_values, items)
    at[at == len(sorted_values)] = 0
    return sorted_values[at] == items


def quoted_shingles(body: str) -> set[int]:
    """Shingles inside quotation marks: a passage one report quotes and the other states plainly
    was taken from the other (it is the reuser who puts the words in quotes)."""
    found: set[int] = set()
    for match in _QUOTED.finditer(body):
        tokens = words(match.group(1))
        for i in range(len(tokens) - SHINGLE + 1):
            found.add(zlib.crc32(" ".join(tokens[i:i + SHINGLE]).encode("utf-8")))
    return found
