"""Comparing reports: every pair aligned (`store.alignment`), a header per pair, and for more than
two reports a coverage table of passage groups by report ("shared by 4 of 6", "only here")."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING

from .alignment import PairAlignment, align_texts
from .boilerplate import recurring_lines
from .errors import LibraryError
from .records import Article

if TYPE_CHECKING:
    from .library import Library

__all__ = ["Comparison", "CoverageGroup", "PairHeader", "compare_articles"]

PER_SOURCE = 200  # newest articles per outlet scanned for the lines that outlet repeats


@dataclass(frozen=True)
class PairHeader:
    """The figures above one pair: `share_a` of a's words found in b (0..1) and `share_b` the
    reverse; `first` the id of the earlier-published report (None if the dates do not tell) and
    `lag_hours` how much later the other came; counts of shared (in order + moved), moved,
    unique-to-a, unique-to-b passages, shared quotes and differing figures."""

    a: str
    b: str
    share_a: float
    share_b: float
    published_a: str | None
    published_b: str | None
    first: str | None
    lag_hours: float | None
    shared: int
    moved: int
    unique_a: int
    unique_b: int
    quotes: int
    figures: int

    @property
    def overlap(self) -> bool:
        return self.shared > 0 or self.quotes > 0


@dataclass(frozen=True)
class CoverageGroup:
    """One passage and who carries it: `members` maps article id to the sentence span in that
    article (the first report's sentence is the label, `text`)."""

    text: str
    members: dict[str, tuple[int, int]]

    def carried_by(self, article_id: str) -> bool:
        return article_id in self.members


@dataclass(frozen=True)
class Comparison:
    """`articles`: the reports, in the order asked. `pairs[(a, b)]`: the alignment of a against b
    for every pair (a before b in `articles`); `headers` likewise. `coverage`: passage groups,
    most widely carried first (computed for three or more reports, or on request)."""

    articles: tuple[Article, ...]
    pairs: dict[tuple[str, str], PairAlignment]
    headers: dict[tuple[str, str], PairHeader]
    coverage: tuple[CoverageGroup, ...] = ()

    def pair(self, a: str, b: str) -> PairAlignment:
        """The alignment of a against b, whichever order they were compared in."""
        if (a, b) in self.pairs:
            return self.pairs[(a, b)]
        return self.pairs[(b, a)].swapped()

    def header(self, a: str, b: str) -> PairHeader:
        if (a, b) in self.headers:
            return self.headers[(a, b)]
        h = self.headers[(b, a)]
        return PairHeader(a, b, h.share_b, h.share_a, h.published_b, h.published_a, h.first, h.lag_hours,
                          h.shared, h.moved, h.unique_b, h.unique_a, h.quotes, h.figures)

    def only_here(self, article_id: str) -> list[CoverageGroup]:
        return [g for g in self.coverage if list(g.members) == [article_id]]


def _first(a: Article, b: Article) -> tuple[str | None, float | None]:
    from datetime import datetime, timezone

    def parse(value: str | None) -> datetime | None:
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

    when_a, when_b = parse(a.published), parse(b.published)
    if when_a is None or when_b is None or when_a == when_b:
        return None, None
    lag = abs((when_b - when_a).total_seconds()) / 3600
    return (a.id if when_a < when_b else b.id), round(lag, 1)


def header_for(a: Article, b: Article, alignment: PairAlignment) -> PairHeader:
    first, lag = _first(a, b)
    return PairHeader(a.id, b.id, alignment.share_a, alignment.share_b, a.published, b.published, first, lag,
                      len(alignment.pairs), len(alignment.moved), len(alignment.unique_a), len(alignment.unique_b),
                      len(alignment.quotes), len(alignment.figures))


def _coverage(articles: tuple[Article, ...], pairs: dict[tuple[str, str], PairAlignment]) -> tuple[CoverageGroup, ...]:
    """Union the aligned sentences of every pair into passage groups (one sentence per report)."""
    parent: dict[tuple[str, tuple[int, int]], tuple[str, tuple[int, int]]] = {}

    def find(node: tuple[str, tuple[int, int]]) -> tuple[str, tuple[int, int]]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    order = {article.id: index for index, article in enumerate(articles)}
    for (id_a, id_b), alignment in pairs.items():
        for pair in alignment.pairs:
            root_a, root_b = find((id_a, pair.a)), find((id_b, pair.b))
            if root_a != root_b:
                parent[max(root_a, root_b, key=lambda n: (order[n[0]], n[1]))] = min(
                    root_a, root_b, key=lambda n: (order[n[0]], n[1]))
        for article_id, uniques in ((id_a, alignment.unique_a), (id_b, alignment.unique_b)):
            for span in uniques:
                find((article_id, span))
    groups: dict[tuple[str, tuple[int, int]], dict[str, tuple[int, int]]] = {}
    for node in list(parent):
        members = groups.setdefault(find(node), {})
        article_id, span = node
        if article_id not in members or span < members[article_id]:
            members[article_id] = span
    bodies = {article.id: article.body for article in articles}
    result = []
    for root, members in groups.items():
        ordered = dict(sorted(members.items(), key=lambda item: order[item[0]]))
        label_id, span = next(iter(ordered.items()))
        result.append(CoverageGroup(" ".join(bodies[label_id][span[0]:span[1]].split()), ordered))
    result.sort(key=lambda g: (-len(g.members), order[next(iter(g.members))], next(iter(g.members.values()))))
    return tuple(result)


def compare_articles(library: "Library", article_ids: list[str], *, coverage: bool | None = None) -> Comparison:
    ids = [library.resolve(article_id) for article_id in article_ids]
    if len(set(ids)) != len(ids):
        raise LibraryError("the same article was given twice; compare different articles")
    if len(ids) < 2:
        raise LibraryError("compare needs at least two articles")
    articles = tuple(library.get(article_id) for article_id in ids)
    furniture = library_boilerplate(library, articles)
    pairs: dict[tuple[str, str], PairAlignment] = {}
    headers: dict[tuple[str, str], PairHeader] = {}
    for a, b in combinations(articles, 2):
        alignment = align_texts(a.body, b.body, boilerplate=furniture)
        pairs[(a.id, b.id)] = alignment
        headers[(a.id, b.id)] = header_for(a, b, alignment)
    want_coverage = len(articles) > 3 if coverage is None else coverage
    return Comparison(articles, pairs, headers, _coverage(articles, pairs) if want_coverage else ())


def library_boilerplate(library: "Library", articles: tuple[Article, ...] = ()) -> frozenset[str]:
    """Lines an outlet repeats across its articles. Furniture is per outlet, so only the outlets of
    `articles` are read (their newest `PER_SOURCE` articles each); each outlet's lines are cached
    until the library's records change, so comparing one outlet with several others reads it once."""
    sources = sorted({a.source.lower() for a in articles if a.source})
    lines: frozenset[str] = frozenset()
    for source in sources:
        lines |= _outlet_furniture(library, source)
    return lines


def _outlet_furniture(library: "Library", source: str) -> frozenset[str]:
    # keyed on the records' version, not on a listing of the library (2 s per compare at 100k)
    key = (source, library.records_version)
    cache: dict[object, frozenset[str]] = library.__dict__.setdefault("_boilerplate_cache", {})
    # one reader at a time: a compare waits for a read-ahead of the same outlet (prepare_compare,
    # in a worker thread) instead of doing it again beside it
    with library.__dict__.setdefault("_boilerplate_lock", threading.Lock()):
        if key in cache:
            return cache[key]
        lines = recurring_lines((a.source, a.body) for a in library.newest_by_source([source], PER_SOURCE))
        if len(cache) > 64:
            cache.clear()
        cache[key] = lines
        return lines
