"""Aligning two reports: which sentences they share (in order or moved), which words differ inside
partly shared sentences, which quotes both carry (and who is quoted), and which figures differ.

`align_texts(a, b)` is a pure function of the two bodies. Every span is a half-open pair of
code-point offsets into the body it belongs to, the offsets the article view and annotations use.

How (see FACTS.md "Aligning two reports"):
1. Sentences are the units (`store.segment`); boilerplate lines (photo credits, "READ MORE:",
   lines an outlet repeats everywhere) take no part.
2. Each sentence becomes a string of content-word symbols; `rapidfuzz.process.cdist` with the Indel
   distance scores all pairs at once, which gives the longest common subsequence of content words
   (LCS) of every pair. A pair is a candidate when it shares most of its words (Dice >= 0.45) or
   when one sentence is mostly inside the other (LCS / shorter >= 0.6 with at least 4 words).
3. An order-preserving maximum-weight chain of candidates (weight: shared words; a weighted
   longest increasing subsequence over a Fenwick tree) gives the in-order pairs; the candidates
   left whose two sentences are both still free are then paired greedily as *moved* passages.
4. Inside each pair, `Indel.opcodes` on the word lists gives the shared and the differing words.
5. Quotes of at least four words in one report are looked for in the other (fuzzy, so curly vs
   straight quotes and small edits still match); the speaker comes from "said X" / "X said".
6. Figures (`store.figures`) that differ between aligned sentences, or between two unaligned
   sentences that share a date or year and two content words ("181,163 in 2015" vs "in 2015 …
   118,000"), are reported with both contexts as "figures differ?": a question, not a verdict.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

import numpy
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from .boilerplate import is_boilerplate
from .figures import Figure, figures, same_value
from .segment import Sentence, quotes, sentences, words

__all__ = ["AlignedPair", "FigureDiff", "PairAlignment", "SharedQuote", "align_texts"]

Span = tuple[int, int]

STOPWORDS = frozenset("""
a an the and or but if of at by for with about against between into through during before after
above below to from up down in out on off over under again further then once here there when where
why how all any both each few more most other some such no nor not only own same so than too very
can will just should now is are was were be been being have has had having do does did doing i me
my we our you your he him his she her it its they them their what which who whom this that these
those am would could also said says say told one new mr mrs ms
""".split())

MIN_DICE = 0.45
MIN_COVER = 0.6
MIN_COVER_WORDS = 4
MIN_QUOTE_WORDS = 4
QUOTE_SCORE = 88.0


@dataclass(frozen=True)
class AlignedPair:
    """Two sentences, one per report, that carry the same passage.

    `a`/`b`: the sentences' spans. `score`: share of content words in common (Dice, 0..1; 1.0 is the
    same sentence). `moved`: the pair is out of the reports' common order (a reordered passage).
    `shared_a`/`shared_b`: runs of words both sentences have, in order; `differ_a`/`differ_b`: the
    words only this side has (empty when the sentences are identical word for word)."""

    a: Span
    b: Span
    score: float
    moved: bool
    shared_a: tuple[Span, ...]
    shared_b: tuple[Span, ...]
    differ_a: tuple[Span, ...]
    differ_b: tuple[Span, ...]

    @property
    def identical(self) -> bool:
        return not self.differ_a and not self.differ_b


@dataclass(frozen=True)
class SharedQuote:
    """A quotation (at least four words) found in both reports. `a`/`b`: the quoted words in each
    body (either side may carry them without quote marks: a rewrite quoting its source).
    `speaker`: who is quoted, when a "said X" / "X said" is near the quote in either report."""

    a: Span
    b: Span
    text: str
    speaker: str | None
    score: float


@dataclass(frozen=True)
class FigureDiff:
    """A figure in one report and a different figure of the same kind in a matching or closely
    related sentence of the other: "figures differ?", for a person to check.

    `a`/`b`: the figures' spans; `a_text`/`b_text` the figures as written; `a_context`/`b_context`
    the spans of the sentences around them (`a_sentence`/`b_sentence` their text). `kind`: "count",
    "money", "percent", "year" or "date". `aligned`: the sentences are an aligned pair (else they
    were related by a shared date/year and shared words)."""

    a: Span
    b: Span
    a_text: str
    b_text: str
    kind: str
    a_context: Span
    b_context: Span
    a_sentence: str
    b_sentence: str
    aligned: bool


@dataclass(frozen=True)
class PairAlignment:
    """Everything two reports have in common and where they differ.

    `pairs`: aligned sentence pairs, in a's order. `unique_a`/`unique_b`: sentences only that report
    has (boilerplate and fragments under three words are left out). `boilerplate_a`/`_b`: lines set
    aside as site furniture. `quotes`: shared quotations. `figures`: differing figures.
    `words_a`/`words_b`: words of each report counted (boilerplate excluded); `share_a`: the
    fraction of a's words found in b (in shared runs of aligned pairs), `share_b` likewise."""

    len_a: int
    len_b: int
    pairs: tuple[AlignedPair, ...] = ()
    unique_a: tuple[Span, ...] = ()
    unique_b: tuple[Span, ...] = ()
    boilerplate_a: tuple[Span, ...] = ()
    boilerplate_b: tuple[Span, ...] = ()
    quotes: tuple[SharedQuote, ...] = ()
    figures: tuple[FigureDiff, ...] = ()
    words_a: int = 0
    words_b: int = 0
    share_a: float = 0.0
    share_b: float = 0.0
    sentences_a: tuple[Span, ...] = field(default=(), repr=False)
    sentences_b: tuple[Span, ...] = field(default=(), repr=False)

    @property
    def moved(self) -> tuple[AlignedPair, ...]:
        return tuple(pair for pair in self.pairs if pair.moved)

    @property
    def has_overlap(self) -> bool:
        return bool(self.pairs or self.quotes)

    def swapped(self) -> "PairAlignment":
        """The same alignment seen from b's side."""
        return PairAlignment(
            self.len_b, self.len_a,
            tuple(sorted((AlignedPair(p.b, p.a, p.score, p.moved, p.shared_b, p.shared_a, p.differ_b, p.differ_a)
                          for p in self.pairs), key=lambda p: p.a)),
            self.unique_b, self.unique_a, self.boilerplate_b, self.boilerplate_a,
            tuple(SharedQuote(q.b, q.a, q.text, q.speaker, q.score) for q in self.quotes),
            tuple(FigureDiff(f.b, f.a, f.b_text, f.a_text, f.kind, f.b_context, f.a_context, f.b_sentence,
                             f.a_sentence, f.aligned) for f in self.figures),
            self.words_b, self.words_a, self.share_b, self.share_a, self.sentences_b, self.sentences_a)


# ------------------------------------------------------------------------------------------------

class _Side:
    """One report prepared for alignment."""

    def __init__(self, body: str, boilerplate: frozenset[str] | set[str], vocabulary: dict[str, str]) -> None:
        self.body = body
        self.sentences: list[Sentence] = sentences(body)
        self.words: list[list[tuple[int, int, str]]] = []
        self.symbols: list[str] = []  # content words as one symbol each
        self.boilerplate: list[bool] = []
        self.stems: list[frozenset[str]] = []
        # one pass over the body for words and figures, sliced per sentence (far cheaper than per sentence)
        all_words = self.all_words = words(body)
        word_starts = self.word_starts = [start for start, _, _ in all_words]
        all_figures = figures(body)
        figure_starts = [f.start for f in all_figures]
        self.figures: list[list[Figure]] = []
        line_is_furniture: dict[int, bool] = {}
        for sentence in self.sentences:
            lo, hi = bisect_left(word_starts, sentence.start), bisect_left(word_starts, sentence.end)
            sentence_words = all_words[lo:hi]
            self.words.append(sentence_words)
            lo, hi = bisect_left(figure_starts, sentence.start), bisect_left(figure_starts, sentence.end)
            self.figures.append(all_figures[lo:hi])
            line_start = body.rfind("\n", 0, sentence.start) + 1
            furniture_line = line_is_furniture.get(line_start)
            if furniture_line is None:
                furniture_line = line_is_furniture[line_start] = is_boilerplate(_line_of(body, sentence.start),
                                                                                 boilerplate)
            self.boilerplate.append(furniture_line or is_boilerplate(sentence.text, boilerplate))
            symbols = []
            stems = set()
            for _, _, word in sentence_words:
                if word in STOPWORDS or word.isdigit():
                    continue
                symbol = vocabulary.get(word)
                if symbol is None:
                    symbol = vocabulary[word] = chr(0x10000 + len(vocabulary))
                symbols.append(symbol)
                if len(word) >= 4 and word.isalpha():
                    stems.add(word[:5])
            self.symbols.append("".join(symbols))
            self.stems.append(frozenset(stems))
        self.word_sets = [frozenset(w for _, _, w in sentence_words) for sentence_words in self.words]
        self.eligible = [i for i, s in enumerate(self.symbols)
                         if not self.boilerplate[i] and len(s) >= 2 and len(self.words[i]) >= 3]
        self.counted = [i for i in range(len(self.sentences))
                        if not self.boilerplate[i] and len(self.words[i]) >= 3]

    def span(self, index: int) -> Span:
        sentence = self.sentences[index]
        return sentence.start, sentence.end


def _line_of(body: str, offset: int) -> str:
    start = body.rfind("\n", 0, offset) + 1
    end = body.find("\n", offset)
    return body[start:] if end < 0 else body[start:end]


def _quote_bonus(side_a: _Side, side_b: _Side, found: list[SharedQuote]) -> dict[tuple[int, int], float]:
    """Extra weight for sentence pairs that carry the same quote: when one report splits a sentence
    ("“…,” said Victor Giorgana, a congressman…" becomes a paraphrase of the attribution and the
    quote), the quote is the passage they share, not the paraphrase with more words in common."""
    bonus: dict[tuple[int, int], float] = {}
    starts_a = [s.start for s in side_a.sentences]
    starts_b = [s.start for s in side_b.sentences]
    for quote in found:
        key = (max(0, bisect_right(starts_a, quote.a[0]) - 1), max(0, bisect_right(starts_b, quote.b[0]) - 1))
        bonus[key] = bonus.get(key, 0.0) + len(quote.text.split())
    return bonus


def _candidates(side_a: _Side, side_b: _Side,
                bonus: dict[tuple[int, int], float] | None = None) -> list[tuple[int, int, float, float]]:
    """(i, j, weight, dice) for sentence pairs that share enough content words; `bonus` adds to
    the weight of pairs that share a quote."""
    rows, cols = side_a.eligible, side_b.eligible
    if not rows or not cols:
        return []
    strings_a = [side_a.symbols[i] for i in rows]
    strings_b = [side_b.symbols[j] for j in cols]
    distance = process.cdist(strings_a, strings_b, scorer=Indel.distance, dtype=numpy.int32, workers=1)
    len_a = numpy.array([len(s) for s in strings_a], dtype=numpy.int32)[:, None]
    len_b = numpy.array([len(s) for s in strings_b], dtype=numpy.int32)[None, :]
    lcs = (len_a + len_b - distance) / 2.0
    dice = 2.0 * lcs / (len_a + len_b)
    cover = lcs / numpy.minimum(len_a, len_b)
    good = (dice >= MIN_DICE) | ((cover >= MIN_COVER) & (lcs >= MIN_COVER_WORDS))
    found = []
    bonus = bonus or {}
    for r, c in zip(*numpy.nonzero(good)):
        i, j = rows[int(r)], cols[int(c)]
        found.append((i, j, float(lcs[r, c]) + bonus.get((i, j), 0.0), float(dice[r, c])))
    # keep the three best per sentence on each side: repetitive text must not blow up the chain
    found.sort(key=lambda item: -item[2])
    per_a: dict[int, int] = {}
    per_b: dict[int, int] = {}
    kept = []
    for item in found:
        if per_a.get(item[0], 0) < 3 and per_b.get(item[1], 0) < 3:
            per_a[item[0]] = per_a.get(item[0], 0) + 1
            per_b[item[1]] = per_b.get(item[1], 0) + 1
            kept.append(item)
    return kept


def _ordered_chain(candidates: list[tuple[int, int, float, float]], size_b: int) -> set[tuple[int, int]]:
    """The order-preserving set of candidates (i and j both increasing) with the greatest weight."""
    if not candidates:
        return set()
    tree = [(0.0, -1)] * (size_b + 1)  # Fenwick tree of (best weight, candidate index) over j prefixes

    def query(j: int) -> tuple[float, int]:  # best over positions < j
        best = (0.0, -1)
        while j > 0:
            if tree[j][0] > best[0]:
                best = tree[j]
            j -= j & -j
        return best

    def update(j: int, value: tuple[float, int]) -> None:
        j += 1
        while j <= size_b:
            if value[0] > tree[j][0]:
                tree[j] = value
            j += j & -j

    ordered = sorted(range(len(candidates)), key=lambda k: (candidates[k][0], candidates[k][1]))
    best_at: list[float] = [0.0] * len(candidates)
    previous: list[int] = [-1] * len(candidates)
    position = 0
    while position < len(ordered):
        i = candidates[ordered[position]][0]
        group = []
        while position < len(ordered) and candidates[ordered[position]][0] == i:
            group.append(ordered[position])
            position += 1
        results = []
        for k in group:  # query the whole group first: one sentence of a takes one of b
            score, before = query(candidates[k][1])
            results.append((k, score + candidates[k][2], before))
        for k, score, before in results:
            best_at[k], previous[k] = score, before
            update(candidates[k][1], (score, k))
    end = max(range(len(candidates)), key=lambda k: best_at[k])
    chain = set()
    while end >= 0:
        chain.add((candidates[end][0], candidates[end][1]))
        end = previous[end]
    return chain


def _runs(items: list[tuple[int, int, str]], indices: list[int]) -> tuple[Span, ...]:
    """Merge word indices into spans of consecutive words."""
    spans: list[Span] = []
    run_start = run_end = None
    for index in indices:
        if run_end is not None and index == run_end + 1:
            run_end = index
            continue
        if run_start is not None:
            spans.append((items[run_start][0], items[run_end][1]))
        run_start = run_end = index
    if run_start is not None:
        spans.append((items[run_start][0], items[run_end][1]))
    return tuple(spans)


def _word_diff(words_a: list[tuple[int, int, str]], words_b: list[tuple[int, int, str]]) -> tuple[
        tuple[Span, ...], tuple[Span, ...], tuple[Span, ...], tuple[Span, ...], int, int]:
    vocabulary: dict[str, str] = {}
    to_symbols = lambda items: "".join(vocabulary.setdefault(w, chr(0x10000 + len(vocabulary))) for _, _, w in items)
    string_a, string_b = to_symbols(words_a), to_symbols(words_b)
    same_a: list[int] = []
    same_b: list[int] = []
    for op in Indel.opcodes(string_a, string_b):
        if op.tag == "equal":
            same_a.extend(range(op.src_start, op.src_end))
            same_b.extend(range(op.dest_start, op.dest_end))
    set_a, set_b = set(same_a), set(same_b)
    other_a = [i for i in range(len(words_a)) if i not in set_a]
    other_b = [j for j in range(len(words_b)) if j not in set_b]
    return (_runs(words_a, same_a), _runs(words_b, same_b), _runs(words_a, other_a), _runs(words_b, other_b),
            len(same_a), len(same_b))


_NAME = r"((?:[A-Z][\w’'\-.]*\s?){1,4})"
_SPEAKER_AFTER = re.compile(r"^[\s,.”\"']*(?:said|says|told [\w ]{1,30}?|added|asked|wrote|according to)\s+" + _NAME)
_SPEAKER_NAMED_AFTER = re.compile(r"^[\s,.”\"']*" + _NAME + r"\s*(?:said|says|added|asked|wrote|told|explained)\b")
_SPEAKER_BEFORE = re.compile(_NAME + r"\s*(?:said|says|told|added|wrote|reports?|reported|explained)"
                             r"(?:(?: that)?[^“\".!?]{0,60}?)?[\s,:]*[“\"]?$")
_NOT_NAMES = frozenset("He She They It We I The This That These Those There His Her Their A An In On".split())


def _speaker(body: str, start: int, end: int) -> str | None:
    candidates = []
    for pattern in (_SPEAKER_AFTER, _SPEAKER_NAMED_AFTER):  # '…," said Rice' and '…," Rice said'
        after = pattern.match(body[end:end + 80])
        if after:
            candidates.append(after.group(1))
    before = _SPEAKER_BEFORE.search(body[max(0, start - 80):start])
    if before:
        candidates.append(before.group(1))
    names = []
    for candidate in candidates:
        name = candidate.strip().rstrip(".,")
        parts = name.split()
        while parts and parts[0] in _NOT_NAMES:
            parts.pop(0)
        if parts:
            names.append(" ".join(parts))
    return max(names, key=len) if names else None


def _fold(text: str) -> str:
    """Lower case with curly quotes and apostrophes made straight, one code point for one."""
    folded = text.lower().translate(_FOLD)
    return folded if len(folded) == len(text) else text.translate(_FOLD)


_FOLD = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "\u00a0": " "})


def _shared_quotes(side_a: _Side, side_b: _Side) -> list[SharedQuote]:
    found: list[SharedQuote] = []
    folded_b = _fold(side_b.body)
    seen_b: list[Span] = []
    for origin, other, folded_other, flip in ((side_a, side_b, folded_b, False),
                                              (side_b, side_a, _fold(side_a.body), True)):
        for quote in quotes(origin.body, MIN_QUOTE_WORDS):
            lo, hi = bisect_left(origin.word_starts, quote.start), bisect_left(origin.word_starts, quote.end)
            quote_words = {w for _, _, w in origin.all_words[lo:hi] if w not in STOPWORDS}
            if len(quote_words) < 2:
                continue
            best: tuple[float, Span] | None = None
            for index in range(len(other.sentences)):
                if other.boilerplate[index]:
                    continue
                if len(quote_words & other.word_sets[index]) < 0.6 * len(quote_words):
                    continue
                start, end = other.span(index)
                # the quote may run over two sentences of the other report: look at this one and the next
                if index + 1 < len(other.sentences):
                    end = other.sentences[index + 1].end
                result = fuzz.partial_ratio_alignment(_fold(quote.text), folded_other[start:end])
                if result is not None and result.score >= QUOTE_SCORE and (best is None or result.score > best[0]):
                    best = (result.score, (start + result.dest_start, start + result.dest_end))
            if best is None:
                continue
            span_origin, span_other = (quote.start, quote.end), best[1]
            span_a, span_b = (span_other, span_origin) if flip else (span_origin, span_other)
            if any(s < span_b[1] and span_b[0] < e for s, e in seen_b):
                continue  # already found from a's side
            seen_b.append(span_b)
            speaker_a = _speaker(side_a.body, *span_a)
            speaker_b = _speaker(side_b.body, *span_b)
            speakers = [s for s in (speaker_a, speaker_b) if s]
            found.append(SharedQuote(span_a, span_b, quote.text, max(speakers, key=len) if speakers else None,
                                     best[0] / 100.0))
    found.sort(key=lambda q: q.a)
    return found


def _differing(figs_a: list[Figure], figs_b: list[Figure]) -> list[tuple[Figure, Figure]]:
    """Pair figures of one kind that have no equal on the other side, in order of appearance."""
    pairs: list[tuple[Figure, Figure]] = []
    for kind in ("count", "money", "percent", "date", "year"):
        only_a = [f for f in figs_a if f.kind == kind and not any(same_value(f, g) for g in figs_b)]
        only_b = [g for g in figs_b if g.kind == kind and not any(same_value(g, f) for f in figs_a)]
        for unit in dict.fromkeys(f.unit for f in only_a):  # a measurement against the same measure only
            pairs.extend(zip([f for f in only_a if f.unit == unit], [g for g in only_b if g.unit == unit]))
    return pairs


def _figure_diffs(side_a: _Side, side_b: _Side, pairs: list[tuple[int, int]]) -> list[FigureDiff]:
    figs_a, figs_b = side_a.figures, side_b.figures
    result: list[FigureDiff] = []
    used_a: set[int] = set()
    used_b: set[int] = set()

    def add(i: int, j: int, fa: Figure, fb: Figure, aligned: bool) -> None:
        if fa.start in used_a or fb.start in used_b:
            return
        used_a.add(fa.start)
        used_b.add(fb.start)
        sa, sb = side_a.sentences[i], side_b.sentences[j]
        result.append(FigureDiff((fa.start, fa.end), (fb.start, fb.end), fa.text, fb.text, fa.kind,
                                 (sa.start, sa.end), (sb.start, sb.end), sa.text, sb.text, aligned))

    for i, j in pairs:
        for fa, fb in _differing(figs_a[i], figs_b[j]):
            add(i, j, fa, fb, True)
    # closely related but unaligned sentences: same date or year, two shared content words
    paired = set(pairs)
    for i, found_a in enumerate(figs_a):
        if side_a.boilerplate[i]:
            continue
        anchors_a = {(f.kind, f.value) for f in found_a if f.kind in ("year", "date")}
        if not anchors_a or not any(f.kind in ("count", "money", "percent") for f in found_a):
            continue
        best: tuple[int, int] | None = None
        for j, found_b in enumerate(figs_b):
            if (i, j) in paired or side_b.boilerplate[j]:
                continue
            if not anchors_a & {(f.kind, f.value) for f in found_b if f.kind in ("year", "date")}:
                continue
            shared = len(side_a.stems[i] & side_b.stems[j])
            if shared >= 2 and (best is None or shared > best[0]):
                best = (shared, j)
        if best is None:
            continue
        j = best[1]
        counts_a = [f for f in found_a if f.kind in ("count", "money", "percent")]
        counts_b = [f for f in figs_b[j] if f.kind in ("count", "money", "percent")]
        for fa, fb in _differing(counts_a, counts_b):
            add(i, j, fa, fb, False)
    result.sort(key=lambda d: d.a)
    return result


def align_texts(text_a: str, text_b: str, *, boilerplate: frozenset[str] | set[str] = frozenset()) -> PairAlignment:
    """Align two article bodies. `boilerplate`: normalised lines to ignore besides the built-in
    patterns (see `store.boilerplate.recurring_lines`)."""
    vocabulary: dict[str, str] = {}
    side_a = _Side(text_a, boilerplate, vocabulary)
    side_b = _Side(text_b, boilerplate, vocabulary)
    shared_quotes = _shared_quotes(side_a, side_b)
    candidates = _candidates(side_a, side_b, _quote_bonus(side_a, side_b, shared_quotes))
    chain = _ordered_chain(candidates, len(side_b.sentences))
    taken_a = {i for i, _ in chain}
    taken_b = {j for _, j in chain}
    moved: set[tuple[int, int]] = set()
    for i, j, _weight, dice in sorted(candidates, key=lambda c: -c[2]):
        if i not in taken_a and j not in taken_b and dice >= 0.5:
            moved.add((i, j))
            taken_a.add(i)
            taken_b.add(j)
    aligned: list[AlignedPair] = []
    shared_words_a = shared_words_b = 0
    dice_of = {(i, j): dice for i, j, _, dice in candidates}
    for i, j in sorted(chain | moved):
        shared_a, shared_b, differ_a, differ_b, count_a, count_b = _word_diff(side_a.words[i], side_b.words[j])
        shared_words_a += count_a
        shared_words_b += count_b
        aligned.append(AlignedPair(side_a.span(i), side_b.span(j), round(dice_of[(i, j)], 3), (i, j) in moved,
                                   shared_a, shared_b, differ_a, differ_b))
    words_a = sum(len(side_a.words[i]) for i in side_a.counted)
    words_b = sum(len(side_b.words[j]) for j in side_b.counted)
    return PairAlignment(
        len(text_a), len(text_b), tuple(aligned),
        tuple(side_a.span(i) for i in side_a.counted if i not in taken_a),
        tuple(side_b.span(j) for j in side_b.counted if j not in taken_b),
        tuple(side_a.span(i) for i, flag in enumerate(side_a.boilerplate) if flag),
        tuple(side_b.span(j) for j, flag in enumerate(side_b.boilerplate) if flag),
        tuple(shared_quotes),
        tuple(_figure_diffs(side_a, side_b, sorted(chain | moved))),
        words_a, words_b,
        round(shared_words_a / words_a, 3) if words_a else 0.0,
        round(shared_words_b / words_b, 3) if words_b else 0.0,
        tuple(side_a.span(i) for i in range(len(side_a.sentences))),
        tuple(side_b.span(j) for j in range(len(side_b.sentences))),
    )
