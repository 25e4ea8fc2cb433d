"""Stories: the library grouped into reports of one event, with the evidence for each grouping.

Two relations between articles (DESIGN.md, "Overlap and comparison"):
- *same story*: independent reports of one event. TF-IDF cosine of stemmed words and word pairs,
  minus each article's background similarity (its 7th..16th best matches), clustered by average
  link (story_graph.py). B-cubed F1 on the dev sets: tests/bench/bench_stories.py.
- *shares text*: one report reuses another's sentences (wire copy, rewrites, quotes): the share of
  each one's words inside 8-word runs the other also has, with the direction when dates (or
  quotation marks around the reused words) tell who was first.

Sentences that recur in three or more articles that otherwise share nothing (photo credits,
newsletter nags, "Breaking news emails...") are boilerplate: they count for neither relation.

The index is kept up to date incrementally (`StoryIndex.update`): new articles are matched against
the existing ones and only the affected connected components are clustered again; removing an
article re-clusters only its own story's component. It is cached in `stories.npz` in the library
folder (written atomically) and fully rebuilt when the library has grown or shrunk by a quarter
since the last full build (document frequencies drift) or when the cache is from another version.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import threading
import zlib
from collections import Counter, OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from . import story_graph as graph
from . import story_text as text
from .atomic import atomic_write
from .records import lag_text
from .term_table import TermTable

CACHE_FILE = "stories.npz"
CACHE_VERSION = 1
BOILERPLATE_MIN_ARTICLES = 3   # a sentence in this many articles that share nothing else is boilerplate
BOILERPLATE_MIN_WORDS = 4      # shorter fragments ("The U.S.") are left alone: they are not boilerplate, just common
RELATED_SHARE = 0.25           # share of an article's sentences that recur among the others: related, not boilerplate
BOILERPLATE_SAMPLE = 8         # articles looked at to decide whether a recurring sentence's articles are related
SHARE_MIN_WORDS = 20           # words in shared 8-word runs before two reports "share text"
STORY_GAP_DAYS = 14           # dated reports this far apart, with none between, tell of two events
REBUILD_DRIFT = 0.25           # full rebuild when the library changed size by this fraction since the last one
FULL_REBUILD_BELOW = 200       # small libraries are always rebuilt: it takes well under a second

ProgressCallback = Callable[[int, int | None, str], None]


@dataclass(frozen=True, slots=True)  # a 100k library holds a million of them: 50 MB less without a __dict__ each
class StoryLink:
    """Evidence for one pair of articles of a story."""

    a: str
    b: str
    relation: str                # "same story" | "shares text"
    score: float                 # same story: cosine; shares text: max(share_a, share_b)
    share_a: float               # fraction of a's text found in b (0 if not computed)
    share_b: float               # fraction of b's text found in a
    first: str | None            # id of the earlier-published of the two, when dates (or quoting) allow
    lag_hours: float | None      # how much later the other was published (None without dates)
    cosine: float = 0.0          # TF-IDF cosine of the pair (both relations)
    basis: str = ""              # how `first` was decided: "dates" | "quotes" | ""

    def describe(self, titles: dict[str, str] | None = None) -> str:
        """"b reuses 62 % of a, published 3 h later" or "same story (cosine 0.31)"."""
        if self.relation != "shares text":
            return f"same story (cosine {self.cosine:.2f})"
        if self.first is None:
            return f"share text: {self.share_a:.0%} of {self.a} is in {self.b}, {self.share_b:.0%} the other way"
        original = self.first
        reuser = self.b if original == self.a else self.a
        share = self.share_a if original == self.a else self.share_b
        own = self.share_b if original == self.a else self.share_a
        when = ""
        if self.lag_hours is not None:
            when = f", published {lag_text(self.lag_hours)} later"
        elif self.basis == "quotes":
            when = ", quoting it"
        return f"{reuser} reuses {share:.0%} of {original} ({own:.0%} of its own text){when}"


@dataclass(frozen=True)
class Story:
    id: str                      # stable: derived from the story's oldest article, which rarely changes
    title: str                   # the most central member's title
    article_ids: tuple[str, ...]  # oldest first
    links: tuple[StoryLink, ...]
    sources: tuple[str, ...] = ()  # outlets, in member order, without repeats
    first_date: str | None = None
    last_date: str | None = None

    def __len__(self) -> int:
        return len(self.article_ids)


@dataclass
class ArticleInfo:
    """What the index needs to know of an article (the library hands these over)."""

    id: str
    title: str
    content_hash: str
    date: str | None             # published, if known
    sort_date: str               # published, else imported
    source: str
    load_body: Callable[[], str] = field(repr=False)


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


# ------------------------------------------------------------------------------------- boilerplate
def boilerplate(sentence_sets: Sequence[np.ndarray], long_enough: Sequence[np.ndarray]) -> set[int]:
    """Sentence keys that recur in BOILERPLATE_MIN_ARTICLES or more articles which otherwise share
    no sentence: a wire story's paragraphs recur too, but in articles that share many of them."""
    counts: Counter[int] = Counter()
    for keys, ok in zip(sentence_sets, long_enough):
        counts.update(set(keys[ok].tolist()))
    recurring = {key for key, count in counts.items() if count >= BOILERPLATE_MIN_ARTICLES}
    if not recurring:
        return set()
    holders: dict[int, list[int]] = {}
    for row, keys in enumerate(sentence_sets):
        for key in set(keys.tolist()) & recurring:
            found = holders.setdefault(key, [])
            if len(found) < BOILERPLATE_SAMPLE:
                found.append(row)
    result: set[int] = set()
    row_sets: dict[int, set[int]] = {}
    for key, rows in holders.items():
        own = []
        for row in rows:
            if row not in row_sets:
                row_sets[row] = set(sentence_sets[row].tolist())
            own.append(row_sets[row])
        seen: Counter[int] = Counter()
        for keys in own:
            seen.update(keys)
        multi = {k for k, count in seen.items() if count >= 2}
        multi.discard(key)
        # an article is related to the others if a good part of it recurs among them (wire copy,
        # rewrites); a nag plus a caption in otherwise different articles is not a good part
        related = sum(1 for keys in own if len(keys & multi) >= max(2, RELATED_SHARE * (len(keys) - 1)))
        if related * 2 < len(rows):
            result.add(key)
    return result


ROWS_AT_ONCE = 4096  # articles whose boilerplate is taken out in one go
PARALLEL_FROM = 2000  # articles from which a rebuild and the evidence run in a pool of processes


def _article_terms(body: str, title: str) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """An article's terms (body and title) as one newline-joined string, their hashes (str's own:
    forked workers keep the parent's hash seed) and counts, its sentence keys and which sentences
    are long enough to be boilerplate: arrays and one string, as a pool's results are pickled (a
    Counter is 700 strings to unpickle)."""
    split, keys, long_enough = _sentence_data(body)
    found: list[str] = []
    for sentence in split:
        text.add_terms(found, sentence)
    text.add_terms(found, text.title_words(title))
    counter = Counter(found)
    hashes = np.fromiter(map(hash, counter), dtype=np.int64, count=len(counter))
    counts = np.fromiter(counter.values(), dtype=np.float32, count=len(counter))
    return "\n".join(counter), hashes, counts, keys, long_enough


_INHERITED: Any = None  # what forked workers work on: set just before the fork, never sent


def _read_terms(row: int) -> tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A rebuild worker's task: the terms of one article, which it reads itself."""
    article = _INHERITED[row]
    return _article_terms(article.load_body(), article.title)


@contextmanager
def _fork_pool(size: int, inherited: Any) -> Iterator[Any]:
    """A pool of forked processes that inherit `inherited` (tasks send row numbers, not articles),
    or None where one would not pay or not be safe: a library under PARALLEL_FROM articles, one
    core, or a process with other threads (the app: forking it would copy their locks). Forked
    workers need no imports and never run the caller's main module (spawn and forkserver import
    it again: a script without a main guard would run twice, and `python -` not at all)."""
    global _INHERITED
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if (size < PARALLEL_FROM or cores < 2 or threading.active_count() > 1
            or "fork" not in multiprocessing.get_all_start_methods()):
        yield None
        return
    _INHERITED = inherited
    try:
        pool = multiprocessing.get_context("fork").Pool(min(cores, 4))
    except OSError:  # no more processes or memory for them: the same work in this process
        pool = None
    finally:
        _INHERITED = None  # the workers have their copy
    if pool is None:
        yield None
        return
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()


def _sentence_terms(keys: set[int], articles: Sequence[ArticleInfo], sentence_keys: Sequence[np.ndarray],
                    long_flags: Sequence[np.ndarray], pool: Any = None) -> dict[int, list[str]]:
    """The terms of each of these sentences (by key), read from the first article that has it
    long enough (those articles are read in `pool`, a _fork_pool of `articles`, if given)."""
    wanted = set(keys)
    rows: dict[int, set[int]] = {}
    for row, (row_keys, long_enough) in enumerate(zip(sentence_keys, long_flags)):
        if not wanted:
            break
        hit = wanted.intersection(row_keys[long_enough].tolist())
        if hit:
            rows[row] = hit
            wanted -= hit
    found: dict[int, list[str]] = {}
    if pool is not None:
        for part in pool.imap(_read_sentence_terms, rows.items(), chunksize=16):
            found.update(part)
    else:
        for row, row_wanted in rows.items():
            found.update(_terms_of_sentences(articles[row].load_body(), row_wanted))
    return found


def _terms_of_sentences(body: str, wanted: set[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for sentence in text.sentence_words(body):
        key = text.key_of(sentence)
        if key in wanted and key not in found:
            found[key] = []
            text.add_terms(found[key], sentence)
    return found


def _read_sentence_terms(task: tuple[int, set[int]]) -> dict[int, list[str]]:
    """A rebuild worker's task: the terms of some sentences of one article, which it reads itself."""
    row, wanted = task
    return _terms_of_sentences(_INHERITED[row].load_body(), wanted)


def _sentence_data(body: str) -> tuple[list[list[str]], np.ndarray, np.ndarray]:
    split = text.sentence_words(body)
    keys = np.fromiter((text.key_of(s) for s in split), dtype=np.int64, count=len(split))
    long_enough = np.fromiter((len(s) >= BOILERPLATE_MIN_WORDS for s in split), dtype=bool, count=len(split))
    return split, keys, long_enough


# ------------------------------------------------------------------------------------- the index
class StoryIndex:
    """Term counts, candidate edges and clusters of a set of articles; updated incrementally."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.hashes: list[str] = []
        self.terms: dict[str, int] = {}
        self.raw = sp.csr_matrix((0, 1), dtype=np.float32)
        self.sentence_keys: list[np.ndarray] = []
        self.sentence_long: list[np.ndarray] = []
        self.boilerplate: set[int] = set()
        self.edge_i = np.zeros(0, dtype=np.int64)
        self.edge_j = np.zeros(0, dtype=np.int64)
        self.edge_s = np.zeros(0, dtype=np.float32)
        self.built_size = 0
        self.groups: list[list[int]] = []
        self._vector_cache: sp.csr_matrix | None = None

    # ---------------------------------------------------------------- building
    def rebuild(self, articles: Sequence[ArticleInfo], progress: ProgressCallback | None = None) -> None:
        # One pass over the bodies, keeping only compact per-article arrays (term ids and counts,
        # sentence keys): 100k tokenised bodies or Counters would not fit the memory budget. The
        # bodies are tokenised by a pool of processes (one per core) for large libraries; term ids
        # are given here, in article order, so the index is the same either way. Boilerplate is
        # known only at the end: its sentences' terms are read again from one article each and
        # subtracted from the articles that carry them.
        total = len(articles)
        self.terms = {}
        table = TermTable()
        bodies_keys: list[np.ndarray] = []
        long_flags: list[np.ndarray] = []
        term_ids: list[np.ndarray] = []
        term_counts: list[np.ndarray] = []
        batch: list[tuple[str, np.ndarray]] = []

        def number() -> None:
            # ids by hash for a batch of articles at once; only a new term's string is looked at
            lengths = [len(hashes) for _, hashes in batch]
            ids, first_seen = table.number(np.concatenate([hashes for _, hashes in batch]))
            starts = np.concatenate(([0], np.cumsum(lengths)))
            rows = np.searchsorted(starts, first_seen, side="right") - 1
            split: dict[int, list[str]] = {}
            for row, offset in zip(rows.tolist(), (first_seen - starts[rows]).tolist()):
                if row not in split:
                    split[row] = batch[row][0].split("\n")
                self.terms[split[row][offset]] = len(self.terms)
            term_ids.extend(np.split(ids, starts[1:-1]))
            batch.clear()

        with _fork_pool(total, articles) as pool:
            if pool is not None:
                read = pool.imap(_read_terms, range(total), chunksize=64)
            else:
                read = (_article_terms(article.load_body(), article.title) for article in articles)
            for done, (joined, hashes, counts, keys, long_enough) in enumerate(read, 1):
                batch.append((joined, hashes))
                if len(batch) == 64:
                    number()
                term_counts.append(counts)
                bodies_keys.append(keys)
                long_flags.append(long_enough)
                if progress is not None and done % 500 == 0:
                    progress(done, total, "reading articles")
            if batch:
                number()
            del table  # 100 MB at 100k articles, not wanted past the read
            if progress is not None:
                progress(0, 1, "finding recurring lines")  # a few seconds at 10k with nothing else to report
            self.boilerplate = boilerplate(bodies_keys, long_flags)
            boilerplate_terms = _sentence_terms(self.boilerplate, articles, bodies_keys, long_flags, pool)
        by_key: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for key, terms in boilerplate_terms.items():
            found_terms = Counter(terms)
            known = [(self.terms[t], n) for t, n in found_terms.items() if t in self.terms]  # (unless hashes collided)
            by_key[key] = (np.array([i for i, _ in known], dtype=np.int32), np.array([n for _, n in known], dtype=np.float32))
        self.ids = [a.id for a in articles]
        self.hashes = [a.content_hash for a in articles]
        self.sentence_keys, self.sentence_long = bodies_keys, long_flags
        # a chunk of rows at a time, into arrays sized for every count read (np.empty: pages are
        # taken only as they are written), each chunk's own arrays freed as it goes: the matrix is
        # built once, not once per chunk and again whole (1 GB at 100k articles)
        dropped = graph.SentenceTerms(by_key)
        room = sum(len(ids) for ids in term_ids)
        indices = np.empty(room, dtype=np.int32)
        data = np.empty(room, dtype=np.float32)
        indptr = np.zeros(len(term_ids) + 1, dtype=np.int64)
        filled = 0
        for start in range(0, len(term_ids), ROWS_AT_ONCE):
            end = start + ROWS_AT_ONCE
            part = graph.csr_from_rows(term_ids[start:end], term_counts[start:end], len(self.terms))
            term_ids[start:end] = term_counts[start:end] = [np.zeros(0)] * len(term_ids[start:end])
            part = dropped.taken_from(part, bodies_keys[start:end])
            indices[filled:filled + part.nnz] = part.indices
            data[filled:filled + part.nnz] = part.data
            indptr[start + 1:start + 1 + part.shape[0]] = filled + part.indptr[1:]
            filled += part.nnz
        del term_ids, term_counts
        data.resize(filled, refcheck=False)  # in place: the unwritten tail was never taken
        indices.resize(filled, refcheck=False)
        self.raw = sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, max(1, len(self.terms))))
        del data, indices
        vectors, df = self._vectors()
        self.edge_i, self.edge_j, self.edge_s = graph.neighbour_pairs(vectors, vectors, df, progress=progress)
        self.built_size = len(self.ids)
        if progress is not None:
            progress(0, 1, "grouping into stories")
        self.groups = self._cluster_all()

    def _vectors(self) -> tuple[sp.csr_matrix, np.ndarray]:
        df = graph.document_frequency(self.raw, len(self.terms))
        idf = graph.idf_weights(df, max(1, len(self.ids)))
        self._vector_cache = graph.weigh(self.raw, idf)
        return self._vector_cache, df

    def vectors(self) -> sp.csr_matrix:
        return self._vector_cache if self._vector_cache is not None else self._vectors()[0]

    def sync(self, articles: Sequence[ArticleInfo], progress: ProgressCallback | None = None) -> bool:
        """Bring the index in line with the library's articles; True if anything changed."""
        wanted = {a.id: a for a in articles}
        known = dict(zip(self.ids, self.hashes))
        stale = [i for i, h in known.items() if i not in wanted or wanted[i].content_hash != h]
        fresh = [a for a in articles if known.get(a.id) != a.content_hash]
        if not stale and not fresh:
            return False
        if self.needs_rebuild(len(articles)):
            self.rebuild(list(articles), progress)
            return True
        self.remove(stale)
        self.add(fresh, progress)
        return True

    def needs_rebuild(self, size: int) -> bool:
        if size < FULL_REBUILD_BELOW or self.built_size == 0:
            return True
        return abs(size - self.built_size) > REBUILD_DRIFT * self.built_size

    def add(self, articles: Sequence[ArticleInfo], progress: ProgressCallback | None = None) -> None:
        """Match new articles against the index; re-cluster only the components they touch."""
        if not articles:
            return
        start = len(self.ids)
        counts = []
        for article in articles:
            split, keys, long_enough = _sentence_data(article.load_body())
            self.sentence_keys.append(keys)
            self.sentence_long.append(long_enough)
            counts.append(text.term_counts(article.title, split, self.boilerplate, keys.tolist()))
            self.ids.append(article.id)
            self.hashes.append(article.content_hash)
        added = graph.count_matrix(counts, self.terms)
        width = max(1, len(self.terms))
        old = self.raw.copy()
        old.resize((old.shape[0], width))
        added.resize((added.shape[0], width))
        self.raw = sp.vstack([old, added]).tocsr()
        vectors, df = self._vectors()
        queries = vectors[start:]
        i, j, s = graph.neighbour_pairs(queries, vectors, df, query_offset=start, same=False, progress=progress)
        keep = i != j
        i, j, s = i[keep], j[keep], s[keep]
        low, high = np.minimum(i, j), np.maximum(i, j)
        key = low * (len(self.ids) + 1) + high
        _, first = np.unique(key, return_index=True)
        self.edge_i = np.concatenate([self.edge_i, low[first]])
        self.edge_j = np.concatenate([self.edge_j, high[first]])
        self.edge_s = np.concatenate([self.edge_s, s[first]])
        touched = set(range(start, len(self.ids))) | set(j.tolist())
        self._recluster(touched)

    def remove(self, article_ids: Iterable[str]) -> None:
        """Drop articles; only the components they were in are clustered again."""
        position = {article_id: row for row, article_id in enumerate(self.ids)}
        gone = {position[a] for a in article_ids if a in position}
        if not gone:
            return
        neighbours = self._neighbours(gone)
        for group in self.groups:  # the rest of their stories, even members with no stored pair to them
            if gone.intersection(group):
                neighbours.update(group)
        keep_rows = np.array([r for r in range(len(self.ids)) if r not in gone], dtype=np.int64)
        remap = np.full(len(self.ids), -1, dtype=np.int64)
        remap[keep_rows] = np.arange(len(keep_rows))
        self.raw = self.raw[keep_rows]
        self._vector_cache = None
        self.ids = [self.ids[r] for r in keep_rows]
        self.hashes = [self.hashes[r] for r in keep_rows]
        self.sentence_keys = [self.sentence_keys[r] for r in keep_rows]
        self.sentence_long = [self.sentence_long[r] for r in keep_rows]
        alive = (remap[self.edge_i] >= 0) & (remap[self.edge_j] >= 0)
        self.edge_i, self.edge_j, self.edge_s = remap[self.edge_i[alive]], remap[self.edge_j[alive]], self.edge_s[alive]
        self.groups = [[int(remap[m]) for m in group if remap[m] >= 0] for group in self.groups]
        self.groups = [g for g in self.groups if g]
        self._recluster({int(remap[n]) for n in neighbours if remap[n] >= 0})

    def _neighbours(self, rows: set[int]) -> set[int]:
        """Articles with a stored pair to any of `rows` (one pass over the edges)."""
        if not rows:
            return set()
        wanted = np.fromiter(rows, dtype=np.int64, count=len(rows))
        return set(self.edge_j[np.isin(self.edge_i, wanted)].tolist()) | \
            set(self.edge_i[np.isin(self.edge_j, wanted)].tolist())

    # ---------------------------------------------------------------- clustering
    def _adjusted(self) -> np.ndarray:
        background = graph.backgrounds(len(self.ids), self.edge_i, self.edge_j, self.edge_s)
        return graph.adjusted(self.edge_i, self.edge_j, self.edge_s, background).astype(np.float32)

    def _cluster_all(self) -> list[list[int]]:
        return graph.cluster(len(self.ids), self.edge_i, self.edge_j, self._adjusted())

    def _recluster(self, touched: set[int]) -> None:
        """Cluster again the connected components (of edges at or above the cut) that hold a touched
        article, plus the stories those articles were in; every other story is kept as it was.
        Average link never merges across components, so this equals clustering everything."""
        n = len(self.ids)
        adjusted = self._adjusted()
        strong = adjusted >= graph.CUT
        labels = graph.components(n, self.edge_i[strong], self.edge_j[strong])
        # a touched article's background changed, which can change its neighbours' pairs: take them too
        touched = set(touched) | self._neighbours(touched)
        group_of = {m: g for g, group in enumerate(self.groups) for m in group}
        dirty_labels = {int(labels[row]) for row in touched}
        for row in list(touched):
            if row in group_of:
                dirty_labels |= {int(labels[m]) for m in self.groups[group_of[row]]}
        dirty_nodes = np.flatnonzero(np.isin(labels, list(dirty_labels)))
        dirty = set(dirty_nodes.tolist())
        kept = [g for g in self.groups if not (set(g) & dirty)]
        in_dirty = np.isin(self.edge_i, dirty_nodes) & np.isin(self.edge_j, dirty_nodes)
        sub_i, sub_j, sub_s = self.edge_i[in_dirty], self.edge_j[in_dirty], adjusted[in_dirty]
        by_label: dict[int, list[int]] = {}
        for node in dirty_nodes.tolist():
            by_label.setdefault(int(labels[node]), []).append(node)
        edges: dict[int, dict[tuple[int, int], float]] = {}
        for a, b, score in zip(sub_i.tolist(), sub_j.tolist(), sub_s.tolist()):
            if labels[a] == labels[b]:
                edges.setdefault(int(labels[a]), {})[(a, b)] = score
        fresh: list[list[int]] = []
        for label, nodes in by_label.items():
            fresh.extend(graph.average_link(nodes, edges.get(label, {})) if len(nodes) > 1 else [nodes])
        self.groups = kept + fresh

    def partition(self) -> list[frozenset[str]]:
        return [frozenset(self.ids[m] for m in group) for group in self.groups]

    # ---------------------------------------------------------------- persistence
    def save(self, folder: Path) -> None:
        """Write the cache atomically (a kill leaves the old cache or the new one)."""
        lengths = np.array([len(k) for k in self.sentence_keys], dtype=np.int64)
        keys = np.concatenate(self.sentence_keys) if self.sentence_keys else np.zeros(0, dtype=np.int64)
        flags = np.concatenate(self.sentence_long) if self.sentence_long else np.zeros(0, dtype=bool)
        group_sizes = np.array([len(g) for g in self.groups], dtype=np.int64)
        group_members = np.array([m for g in self.groups for m in g], dtype=np.int64)
        terms = sorted(self.terms, key=self.terms.__getitem__)
        buffer = io.BytesIO()
        np.savez(buffer, version=np.array([CACHE_VERSION, self.built_size]), ids=np.array(self.ids, dtype=str),
                 hashes=np.array(self.hashes, dtype=str), terms=np.array(terms, dtype=str),
                 indptr=self.raw.indptr, indices=self.raw.indices, data=self.raw.data, shape=np.array(self.raw.shape),
                 sentence_lengths=lengths, sentence_keys=keys, sentence_long=flags,
                 boilerplate=np.array(sorted(self.boilerplate), dtype=np.int64),
                 edge_i=self.edge_i, edge_j=self.edge_j, edge_s=self.edge_s,
                 group_sizes=group_sizes, group_members=group_members)
        atomic_write(folder / CACHE_FILE, buffer.getvalue())

    @classmethod
    def load(cls, folder: Path) -> "StoryIndex | None":
        """The cached index, or None if there is none or it cannot be read (it is then rebuilt)."""
        path = folder / CACHE_FILE
        try:
            with np.load(path, allow_pickle=False) as data:
                version, built = (int(x) for x in data["version"])
                if version != CACHE_VERSION:
                    return None
                index = cls()
                index.ids = data["ids"].tolist()
                index.hashes = data["hashes"].tolist()
                index.terms = {term: n for n, term in enumerate(data["terms"].tolist())}
                index.raw = sp.csr_matrix((data["data"], data["indices"], data["indptr"]), shape=tuple(data["shape"]))
                bounds = np.cumsum(data["sentence_lengths"])[:-1]
                index.sentence_keys = list(np.split(data["sentence_keys"], bounds)) if len(index.ids) else []
                index.sentence_long = list(np.split(data["sentence_long"], bounds)) if len(index.ids) else []
                index.boilerplate = set(data["boilerplate"].tolist())
                index.edge_i, index.edge_j, index.edge_s = data["edge_i"], data["edge_j"], data["edge_s"]
                sizes = data["group_sizes"].tolist()
                members = data["group_members"].tolist()
                index.groups, at = [], 0
                for size in sizes:
                    index.groups.append(members[at:at + size])
                    at += size
                index.built_size = built
                return index
        except (OSError, ValueError, KeyError, zlib.error):
            return None
        except Exception:  # a damaged cache is only a cache: rebuild it
            return None


# ------------------------------------------------------------------------------------- stories from groups
def story_id(oldest_article_id: str) -> str:
    return "s" + hashlib.sha1(oldest_article_id.encode()).hexdigest()[:11]


def split_by_date(members: Sequence[str], info: dict[str, ArticleInfo]) -> list[list[str]]:
    """A group's members as one story per run of published dates without a gap of more than
    STORY_GAP_DAYS: text alone puts the 2012 and the 2015 reports on Netanyahu in Congress
    together. Members without a published date go with the largest run."""
    dated = sorted((when, m) for m in members if (when := parse_date(info[m].date)) is not None)
    if len(dated) < 2:
        return [list(members)]
    runs: list[list[str]] = [[dated[0][1]]]
    for (previous, _), (when, member) in zip(dated, dated[1:]):
        if (when - previous).total_seconds() > STORY_GAP_DAYS * 86400:
            runs.append([])
        runs[-1].append(member)
    if len(runs) == 1:
        return [list(members)]
    dated_members = {m for _, m in dated}
    max(runs, key=len).extend(m for m in members if m not in dated_members)
    return runs


def make_stories(index: StoryIndex, info: dict[str, ArticleInfo]) -> list[Story]:
    """Stories without their links (evidence is computed per story, on demand)."""
    stories: list[Story] = []
    position = {article_id: row for row, article_id in enumerate(index.ids)}
    vectors = None
    for group in (run for found in index.partition() for run in split_by_date(sorted(found), info)):
        members = sorted(group, key=lambda a: (info[a].sort_date, a))
        title = info[members[0]].title
        if len(members) > 1:
            if vectors is None:
                vectors = index.vectors()
            block = vectors[[position[m] for m in members]]
            centrality = np.asarray((block @ block.T).sum(axis=1)).ravel()
            title = info[members[int(np.argmax(centrality))]].title
        dates = sorted(d for d in (info[m].date for m in members) if d)
        stories.append(Story(
            id=story_id(members[0]), title=title, article_ids=tuple(members), links=(),
            sources=tuple(dict.fromkeys(info[m].source for m in members if info[m].source)),
            first_date=dates[0] if dates else None, last_date=dates[-1] if dates else None))
    stories.sort(key=lambda s: (-len(s.article_ids), s.first_date or "", s.id))
    return stories


SHINGLES_KEPT = 2000  # articles whose shingles stay in memory (about 10 KB each)


@dataclass
class _Shingled:
    """An article's shingles as a share is computed from them."""

    hashes: np.ndarray  # one per starting word, in text order
    words: int
    distinct: np.ndarray  # np.unique(hashes): the side another article is looked up in
    body: str | None  # kept until its quoted shingles are needed (most pairs share nothing)
    quoted: set[int] | None = None


class ShareCache:
    """Shingles of the articles met last (a bounded LRU: the shingles of every article of a 100k
    library are gigabytes) and shares per pair (small), kept while the library is open. Stories
    are worked through one at a time, so their members' shingles are at hand when needed."""

    def __init__(self, boilerplate: set[int] | None = None, kept: int = SHINGLES_KEPT) -> None:
        self.boilerplate = boilerplate or set()
        self.kept = kept
        self._shingles: OrderedDict[str, _Shingled] = OrderedDict()
        self._pairs: dict[tuple[str, str], tuple[float, float]] = {}

    def shingles(self, article: ArticleInfo) -> _Shingled:
        found = self._shingles.get(article.content_hash)
        if found is None:
            body = article.load_body()
            hashes, count = text.shingle_positions(body, self.boilerplate)
            found = _Shingled(hashes, count, np.unique(hashes), body)
            self._shingles[article.content_hash] = found
            if len(self._shingles) > self.kept:
                self._shingles.popitem(last=False)
        else:
            self._shingles.move_to_end(article.content_hash)
        return found

    @staticmethod
    def _quoted(shingled: _Shingled) -> set[int]:
        if shingled.quoted is None:
            shingled.quoted = text.quoted_shingles(shingled.body or "")
            shingled.body = None
        return shingled.quoted

    def shares(self, a: ArticleInfo, b: ArticleInfo) -> tuple[float, float]:
        """(share of a's words in b, share of b's words in a)."""
        sa, sb = self.shingles(a), self.shingles(b)
        pair = (a.content_hash, b.content_hash)
        if pair not in self._pairs:
            share_a = text.covered_share(sa.hashes, sb.hashes, sa.words, sb.distinct)
            # no shingle of a in b is no shingle of b in a
            share_b = text.covered_share(sb.hashes, sa.hashes, sb.words, sa.distinct) if share_a else 0.0
            self._pairs[pair] = (share_a, share_b)
        return self._pairs[pair]

    def quoter(self, a: ArticleInfo, b: ArticleInfo) -> str | None:
        """Which of two articles that share text has the shared words in quotation marks (the one
        that took them), if one clearly does. Asked only when the dates cannot tell."""
        sa, sb = self.shingles(a), self.shingles(b)
        common = set(sa.distinct[text.contains(sb.distinct, sa.distinct)].tolist())
        in_a, in_b = len(common & self._quoted(sa)), len(common & self._quoted(sb))
        if in_a > 2 * in_b and in_a * 4 >= len(common):
            return a.id
        if in_b > 2 * in_a and in_b * 4 >= len(common):
            return b.id
        return None


def link_for(a: ArticleInfo, b: ArticleInfo, cosine: float, shares: ShareCache) -> StoryLink:
    share_a, share_b = shares.shares(a, b)
    na, nb = shares.shingles(a).words, shares.shingles(b).words
    shared_words = max(share_a * na, share_b * nb)
    relation = "shares text" if shared_words >= SHARE_MIN_WORDS else "same story"
    first: str | None = None
    lag: float | None = None
    basis = ""
    date_a, date_b = parse_date(a.date), parse_date(b.date)
    if relation == "shares text":
        if date_a and date_b and date_a != date_b:
            first = a.id if date_a < date_b else b.id
            lag = abs((date_b - date_a).total_seconds()) / 3600
            basis = "dates"
        elif (quoter := shares.quoter(a, b)) is not None:
            first = b.id if quoter == a.id else a.id
            basis = "quotes"
    elif date_a and date_b:
        first = a.id if date_a <= date_b else b.id
        lag = abs((date_b - date_a).total_seconds()) / 3600
        basis = "dates"
    score = max(share_a, share_b) if relation == "shares text" else cosine
    return StoryLink(a=a.id, b=b.id, relation=relation, score=round(score, 4), share_a=round(share_a, 4),
                     share_b=round(share_b, 4), first=first, lag_hours=None if lag is None else round(lag, 2),
                     cosine=round(cosine, 4), basis=basis)


def _links(members: list[str], info: dict[str, ArticleInfo], cosines: np.ndarray,
           shares: ShareCache) -> Iterable[StoryLink]:
    """Every pair of a story with a cosine above the floor, and every pair that shares text."""
    for x, a in enumerate(members):
        for y in range(x + 1, len(members)):
            b = members[y]
            link = link_for(info[a], info[b], float(cosines[x, y]), shares)
            if link.relation == "shares text" or cosines[x, y] >= graph.EDGE_FLOOR:
                yield link


class StoryBook:
    """The library's stories: the index (loaded from the cache, synced with the library on
    demand) and the stories made from it, kept until the library changes."""

    def __init__(self, folder: Path, writable: bool) -> None:
        self.folder = folder
        self.writable = writable
        self.index: StoryIndex | None = None
        self.shares = ShareCache()
        self._stories: list[Story] | None = None
        self._signature: int | None = None
        self._info: dict[str, ArticleInfo] = {}
        self._with_links: dict[tuple[str, ...], Story] = {}
        self._by_article: dict[str, Story] = {}
        self._by_id: dict[str, Story] = {}
        self._row_of: dict[str, int] | None = None  # article id -> row of the index, for evidence
        self._lock = threading.Lock()  # the app may compute stories in a thread while it draws

    def stories(self, articles: Sequence[ArticleInfo], *, evidence: bool = True,
                progress: ProgressCallback | None = None) -> list[Story]:
        with self._lock:
            return self._stories_locked(articles, evidence, progress)

    def _sync_index(self, articles: Sequence[ArticleInfo], progress: ProgressCallback | None) -> bool:
        """The index (loaded from the cache on first use) in line with `articles`; True if it changed."""
        if self.index is None:
            self.index = StoryIndex.load(self.folder) or StoryIndex()
        changed = self.index.sync(articles, progress)
        if changed:
            self._row_of = None
        return changed

    def _stories_locked(self, articles: Sequence[ArticleInfo], evidence: bool,
                        progress: ProgressCallback | None) -> list[Story]:
        changed = self._sync_index(articles, progress)
        if changed and self.writable:
            try:
                self.index.save(self.folder)
            except OSError:
                pass  # only a cache: the next open rebuilds what it lacks
        signature = hash(tuple((a.id, a.content_hash, a.title, a.sort_date, a.source) for a in articles))
        if changed or self._stories is None or signature != self._signature:
            if self.shares.boilerplate != self.index.boilerplate:
                self.shares = ShareCache(set(self.index.boilerplate))
            self._info = {a.id: a for a in articles}
            self._with_links.clear()
            self._stories = make_stories(self.index, self._info)
            self._signature = signature
            self._by_article = {a: story for story in self._stories for a in story.article_ids}
            self._by_id = {story.id: story for story in self._stories}
        if evidence:
            return self._all_evidence(self._stories, progress)
        return self._stories

    def save_index(self, articles: Sequence[ArticleInfo], progress: ProgressCallback | None = None) -> int:
        """Bring the index in line with `articles` and write stories.npz, also for a read-only
        opening: the file is a derived cache written atomically, so a builder process beside the
        writer (tui's background build) cannot damage anything. Returns the number of stories."""
        with self._lock:
            self._sync_index(articles, progress)
            assert self.index is not None
            self.index.save(self.folder)
            return len(self.index.groups)

    def _rows(self) -> dict[str, int]:
        """Article id -> row of the index: made once per change of the index, not once per story."""
        assert self.index is not None
        if self._row_of is None:
            self._row_of = {article_id: row for row, article_id in enumerate(self.index.ids)}
        return self._row_of

    def _all_evidence(self, stories: list[Story], progress: ProgressCallback | None = None) -> list[Story]:
        """Every story with its links. Those not worked out yet are done in forked workers where a
        pool is made (every member's shingles are read: 6 s at 10k articles on one core)."""
        todo = [s for s in stories if len(s.article_ids) > 1 and s.article_ids not in self._with_links]
        if self.index is not None and len(todo) > 1:
            self._rows()
            self.index.vectors()  # made here once, and inherited by the workers
            with _fork_pool(len(self._info), (self, todo)) as pool:
                found = pool.imap(_story_evidence, range(len(todo)), chunksize=16) if pool else map(self._evidence, todo)
                for done, (story, linked) in enumerate(zip(todo, found), 1):
                    self._with_links[story.article_ids] = linked
                    if progress is not None and (done % 200 == 0 or done == len(todo)):
                        progress(done, len(todo), "comparing the reports of each story")
        return [self._evidence(story) for story in stories]

    def _evidence(self, story: Story) -> Story:
        """The story with its links: exact cosines of its members and their shared text."""
        if len(story.article_ids) < 2 or self.index is None:
            return story
        found = self._with_links.get(story.article_ids)
        if found is None or found.title != story.title:
            position = self._rows()
            block = self.index.vectors()[[position[a] for a in story.article_ids]]
            cosines = (block @ block.T).toarray()
            links = tuple(_links(list(story.article_ids), self._info, cosines, self.shares))
            found = Story(story.id, story.title, story.article_ids, links, story.sources, story.first_date,
                          story.last_date)
            self._with_links[story.article_ids] = found
        return found

    def pending(self, article_ids: Iterable[str]) -> int:
        """How many articles the index would have to add or drop (a large number if not loaded)."""
        if self.index is None or self._lock.locked():
            return 1 << 30
        known = set(self.index.ids)
        wanted = set(article_ids)
        return len(known ^ wanted)

    def story_of(self, article_id: str, evidence: bool = True) -> Story:
        story = self._by_article[article_id]
        return self._evidence(story) if evidence else story

    def story(self, story_id: str, evidence: bool = True) -> Story:
        if story_id in self._by_id:
            return self._evidence(self._by_id[story_id]) if evidence else self._by_id[story_id]
        if len(story_id) >= 4:
            matches = [s for known, s in self._by_id.items() if known.startswith(story_id)]
            if len(matches) == 1:
                return self._evidence(matches[0]) if evidence else matches[0]
            if len(matches) > 1:
                raise KeyError(f"{story_id!r} matches {len(matches)} stories; give more of the id")
        raise KeyError(f"no story with id {story_id!r}")


def _story_evidence(number: int) -> Story:
    """An evidence worker's task: the links of one story (StoryBook._all_evidence)."""
    book, todo = _INHERITED
    return book._evidence(todo[number])
