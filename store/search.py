"""Full-text search over the library: an inverted index of folded words, built once per open.

Why this shape: fzf-style subsequence matching over whole articles takes seconds at 10k articles
and matches nearly everything (FACTS.md); fuzzy-matching every article per keystroke is as slow.
Instead each query word is expanded to real words of the library's vocabulary (exact, then within
one or two edits with rapidfuzz, then completions of the word being typed), and those words'
postings (compact numpy arrays per field) are scored BM25-style. Only the best few dozen articles
are then read to score proximity, verify phrases and find every hit for highlighting.

The index follows the library: a change notification marks it stale and the next query applies
the difference (new, changed, deleted articles; tags, read and star state; notes), never a rebuild
per keystroke. New articles go into a small in-memory delta that is merged into the arrays when it
grows.
"""

from __future__ import annotations

import bisect
import heapq
import math
import os
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from itertools import accumulate
import zipfile
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np
import orjson
from rapidfuzz import process
from rapidfuzz.distance import OSA

from .atomic import TEMP_MARKER
from .query import WORD, Query, QueryError, fold, parse_query

if TYPE_CHECKING:
    from .library import Library

__all__ = ["SearchHit", "SearchResults", "SearchIndex", "QueryError", "fold", "parse_query"]

FIELDS = ("title", "source", "body")          # indexed in arrays
FIELD_WEIGHT = {"title": 3.0, "source": 2.0, "tags": 2.0, "note": 1.5, "body": 1.0}
EXACT, PREFIX, ONE_EDIT, TWO_EDITS = 1.0, 0.8, 0.7, 0.5
PREFIX_COMPLETIONS = 24     # completions of the word being typed, most frequent first
FUZZY_LIMIT = 24            # typo variants per word, closest first
RERANK = 30                 # articles read per query for proximity and phrases
PHRASE_CHECK_LIMIT = 400    # candidates verified for a phrase before the count becomes "at least"
BM25_K1, BM25_B = 1.2, 0.75
DOC_BITS = 24               # postings are sorted on (term << DOC_BITS) | doc
MERGE_AT = 2000             # delta articles before they are merged into the arrays
SNIPPET_BEFORE, SNIPPET_AFTER = 60, 110
INDEX_FILE = "search-index.npz"   # in the library folder: derived, rebuilt if missing or unreadable
INDEX_FORMAT = 1
_WHOLE_WORD = re.compile(r"\w+")
_SPLIT = re.compile(r"(\w+)")


@dataclass(frozen=True)
class SearchHit:
    """One article that matches, with what to show and highlight.

    `spans` are every hit in the body as code-point offsets (for the reader's "search" layer);
    `offset` is where the best match starts in the body (-1 if the match is not in the body, e.g.
    title or tag only); `snippet` is a one-line excerpt around it with `snippet_spans` relative to
    the snippet; `title_spans` are hits in the title."""

    article_id: str
    score: float
    field: str                                  # where the best match is: title|body|source|tags|note
    snippet: str
    snippet_spans: tuple[tuple[int, int], ...]
    spans: tuple[tuple[int, int], ...]
    offset: int
    title: str = ""
    title_spans: tuple[tuple[int, int], ...] = ()
    source: str = ""
    date: str = ""
    exact: bool = True                          # every word matched as typed (no typo correction)


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    total: int                  # articles that match (a lower bound when `approximate`)
    approximate: bool
    elapsed_ms: float
    query: Query
    expansions: dict[str, list[str]]   # query word -> the library's words it matched


class _Field:
    """Postings of one field: CSR arrays (term -> docs, term frequencies) plus a delta dict."""

    def __init__(self) -> None:
        self.offsets = np.zeros(1, dtype=np.int64)
        self.docs = np.zeros(0, dtype=np.int32)
        self.tfs = np.zeros(0, dtype=np.uint16)
        self.delta: dict[int, list[tuple[int, int]]] = {}

    def set_arrays(self, keys: np.ndarray, tfs: np.ndarray, vocabulary: int) -> None:
        order = np.argsort(keys, kind="stable")
        keys, tfs = keys[order], tfs[order]
        terms = keys >> DOC_BITS
        self.docs = (keys & ((1 << DOC_BITS) - 1)).astype(np.int32)
        self.tfs = np.minimum(tfs, 65535).astype(np.uint16)
        counts = np.bincount(terms, minlength=vocabulary) if len(terms) else np.zeros(vocabulary, np.int64)
        self.offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)

    def set_chunks(self, chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]], vocabulary: int) -> None:
        """The same arrays as set_arrays, from postings read in chunks of increasing documents, each
        (terms, docs, tfs) sorted by term then document. Each chunk is copied straight into its
        place, so the build holds the chunks and the result, not two sorted copies of everything
        (at 100k articles, 40 million postings: about 2 GB less at the peak)."""
        per_term = np.zeros(vocabulary, dtype=np.int64)
        for terms, _, _ in chunks:
            per_term += np.bincount(terms, minlength=vocabulary)
        offsets = np.concatenate(([0], np.cumsum(per_term))).astype(np.int64)
        docs = np.empty(int(offsets[-1]), dtype=np.int32)
        tfs = np.empty(int(offsets[-1]), dtype=np.uint16)
        cursor = offsets[:-1].copy()  # where each term's next posting goes
        for terms, chunk_docs, chunk_tfs in chunks:
            rank = np.arange(len(terms)) - np.searchsorted(terms, terms, side="left")  # within its term
            places = cursor[terms] + rank
            docs[places] = chunk_docs
            tfs[places] = chunk_tfs
            cursor += np.bincount(terms, minlength=vocabulary)
        self.offsets, self.docs, self.tfs = offsets, docs, tfs

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        if term + 1 < len(self.offsets):
            start, end = self.offsets[term], self.offsets[term + 1]
            docs, tfs = self.docs[start:end], self.tfs[start:end]
        else:
            docs, tfs = self.docs[:0], self.tfs[:0]
        extra = self.delta.get(term)
        if extra:
            docs = np.concatenate((docs, np.fromiter((d for d, _ in extra), np.int32, len(extra))))
            tfs = np.concatenate((tfs, np.fromiter((t for _, t in extra), np.uint16, len(extra))))
        return docs, tfs

    def df(self, term: int) -> int:
        count = int(self.offsets[term + 1] - self.offsets[term]) if term + 1 < len(self.offsets) else 0
        return count + len(self.delta.get(term, ()))

    def merged_keys(self, alive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every live posting as (key, tf), arrays and delta together (for a merge)."""
        terms = np.repeat(np.arange(len(self.offsets) - 1, dtype=np.int64), np.diff(self.offsets))
        keys = (terms << DOC_BITS) | self.docs.astype(np.int64)
        tfs = self.tfs.astype(np.int64)
        extra = [((term << DOC_BITS) | doc, tf) for term, items in self.delta.items() for doc, tf in items]
        if extra:
            keys = np.concatenate((keys, np.array([k for k, _ in extra], np.int64)))
            tfs = np.concatenate((tfs, np.array([t for _, t in extra], np.int64)))
        live = alive[keys & ((1 << DOC_BITS) - 1)]
        return keys[live], tfs[live]


class _Doc:
    __slots__ = ("id", "key", "title", "source", "date", "length")

    def __init__(self, article_id: str, key: tuple[Any, ...], title: str, source: str, date: str, length: int):
        self.id, self.key, self.title, self.source, self.date, self.length = (
            article_id, key, title, source, date, length)


def _record_key(record: dict[str, Any]) -> tuple[Any, ...]:
    return (record["content_hash"], record["title"], record["source"], record.get("published"))


def _date_of(record: dict[str, Any]) -> str:
    return str(record.get("published") or record.get("imported_at") or "")[:10]


class _Text:
    """A body and its folded twin (the same length, so a match in one is a span of the other).

    Its first reading scans it with one regex of the query's words (0.1 ms); a body read again is
    likely to be read on every keystroke that follows, so it is then cut into words once (0.5 ms)
    and later readings only compare word hashes (0.05 ms against the regex's 0.2 ms)."""

    __slots__ = ("body", "folded", "_read", "_offsets", "_words", "_hashes")

    def __init__(self, body: str) -> None:
        self.body = body
        self.folded = fold(body)
        self._read = False
        self._words: list[str] | None = None

    def hits(self, plan: "_Plan") -> list[tuple[int, int, int, float]]:
        """(start, end, group, quality) of every whole word of the body that the plan looks for."""
        wanted = plan.by_word
        if self._words is None:
            if plan.words is None:
                return []
            if not self._read:
                self._read = True
                found = []
                for match in plan.words.finditer(self.folded):
                    group, quality = wanted[match.group()]
                    found.append((match.start(), match.end(), group, quality))
                return found
            parts = _SPLIT.split(self.folded)
            self._offsets = list(accumulate(map(len, parts), initial=0))  # word i: offsets[2i+1]..[2i+2]
            self._words = parts[1::2]
            self._hashes = np.fromiter(map(hash, self._words), np.int64, len(self._words))
        found = []
        words, offsets = self._words, self._offsets
        for i in np.nonzero(np.isin(self._hashes, plan.hashes))[0].tolist():  # hashes first: C speed
            match = wanted.get(words[i])
            if match is not None:
                found.append((offsets[2 * i + 1], offsets[2 * i + 2], match[0], match[1]))
        return found


@dataclass
class _Plan:
    """What reading a candidate looks for: query words by term id, phrase and exclusion patterns."""

    by_word: dict[str, tuple[int, float]]
    words: re.Pattern[str] | None  # any word of by_word, whole: one C scan of a body, not a split
    hashes: np.ndarray  # of by_word's words, for a body already cut into words
    groups: int
    phrases: list[re.Pattern[str]]
    excluded: list[re.Pattern[str]]


def _words_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """Matches any of `words` as a whole word (a maximal run of \\w, as the index cuts them)."""
    whole = sorted((word for word in words if _WHOLE_WORD.fullmatch(word)), key=len, reverse=True)
    return re.compile(r"\b(?:%s)\b" % "|".join(map(re.escape, whole))) if whole else None


def _phrase_pattern(words: tuple[str, ...], prefix: bool = False) -> re.Pattern[str]:
    body = r"\W+".join(re.escape(w) for w in words)
    return re.compile(r"\b" + body + (r"\w*" if prefix else r"\b"))


class SearchIndex:
    """The search index of one open library. Thread-safe: the app queries it from a worker."""

    def __init__(self, library: "Library") -> None:
        self.library = library
        self._lock = threading.RLock()
        self._built = False
        self._dirty = True
        self._notes_dirty = True
        self.build_seconds = 0.0
        self.loaded_from_disk = False
        self._docs: list[_Doc] = []
        self._doc_of: dict[str, int] = {}
        self._synced_records: int | None = None  # the library's records_version at the last _sync
        self._alive = np.zeros(0, dtype=bool)
        self._lengths = np.zeros(0, dtype=np.float32)
        self._dates = np.zeros(0, dtype="U10")
        self._fields = {name: _Field() for name in FIELDS}
        self._term_id: dict[str, int] = {}
        self._terms: list[str] = []
        self._by_length: dict[int, list[str]] = {}
        self._sorted_terms: list[str] = []
        self._sorted_df = np.zeros(0, dtype=np.int64)
        self._unsorted_new: list[str] = []
        self._delta_docs = 0
        self._avg_length = 1.0
        self._source_groups: dict[str, np.ndarray] | None = None
        # hot state, refreshed on change notifications
        self._read = np.zeros(0, dtype=bool)
        self._starred = np.zeros(0, dtype=bool)
        self._tag_postings: dict[str, set[int]] = {}      # folded tag word -> docs
        self._doc_tags: dict[int, tuple[str, ...]] = {}   # doc -> folded whole tags
        self._tag_text: dict[int, str] = {}
        self._note_postings: dict[str, set[int]] = {}
        self._note_text: dict[int, str] = {}
        self._has_note = np.zeros(0, dtype=bool)
        self._has_highlight = np.zeros(0, dtype=bool)
        self._expansions: OrderedDict[tuple[str, bool], list[tuple[str, float]]] = OrderedDict()
        self._prefix_cache: OrderedDict[str, list[str]] = OrderedDict()
        self._bodies: OrderedDict[int, _Text] = OrderedDict()
        self.body_reads = 0  # bodies read from disk and folded (cache misses)
        library.changed_listeners.append(self.mark_stale)

    # ------------------------------------------------------------------ keeping up with the library
    def mark_stale(self) -> None:
        """The library changed (import, delete, tags, read/star state): apply it at the next query."""
        self._dirty = True
        self._notes_dirty = True

    def notes_changed(self) -> None:
        self._notes_dirty = True

    @property
    def built(self) -> bool:
        return self._built

    def ensure_built(self) -> None:
        with self._lock:
            if not self._built:
                started = time.perf_counter()
                self._build()
                self.build_seconds = time.perf_counter() - started
            if self._dirty:
                self._sync()
            if self._notes_dirty:
                self._sync_notes()

    def _term(self, word: str) -> int:
        term = self._term_id.get(word)
        if term is None:
            term = self._term_id[word] = len(self._terms)
            self._terms.append(word)
            self._by_length.setdefault(len(word), []).append(word)
            self._unsorted_new.append(word)
        return term

    def _tokens(self, text: str) -> list[int]:
        term_id, term = self._term_id, self._term
        return [term_id[w] if w in term_id else term(w) for w in WORD.findall(fold(text))]

    def _build(self) -> None:
        if self._load_saved():
            self.loaded_from_disk = True
            return
        self._build_from_texts()
        self._save()

    # ------------------------------------------------------------------ the index on disk
    def _save(self) -> None:
        """Keep the arrays next to the library (derived data, written atomically) so the next open,
        or a `broadsheet search`, loads them in a fraction of a second instead of reading every
        body again. Anything changed since is caught up by `_sync` as usual."""
        folder = self.library.path
        if not os.access(folder, os.W_OK):
            return
        if self._delta_docs:
            self._merge()
        docs = orjson.dumps([[d.id, list(d.key), d.title, d.source, d.date, d.length] for d in self._docs])
        arrays: dict[str, np.ndarray] = {
            "format": np.array([INDEX_FORMAT]),
            "terms": np.frombuffer("\n".join(self._terms).encode("utf-8"), dtype=np.uint8),
            "docs": np.frombuffer(docs, dtype=np.uint8),
            "alive": self._alive, "lengths": self._lengths,
        }
        for name, field in self._fields.items():
            arrays[f"{name}_offsets"], arrays[f"{name}_docs"], arrays[f"{name}_tfs"] = (
                field.offsets, field.docs, field.tfs)
        path = folder / INDEX_FILE
        temp = path.with_name(f"{path.name}{TEMP_MARKER}{os.getpid()}-{secrets.token_hex(4)}")
        try:
            with open(temp, "wb") as handle:
                np.savez(handle, **arrays)
            os.replace(temp, path)
        except OSError:
            temp.unlink(missing_ok=True)  # a cache that cannot be written is only slower next time

    def _load_saved(self) -> bool:
        path = self.library.path / INDEX_FILE
        if not path.exists():
            return False
        try:
            with np.load(path, allow_pickle=False) as data:
                if int(data["format"][0]) != INDEX_FORMAT:
                    return False
                text = bytes(data["terms"]).decode("utf-8")
                terms = text.split("\n") if text else []
                docs = orjson.loads(bytes(data["docs"]))
                alive = data["alive"].astype(bool)
                lengths = data["lengths"].astype(np.float32)
                fields = {name: (data[f"{name}_offsets"], data[f"{name}_docs"], data[f"{name}_tfs"]) for name in FIELDS}
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, orjson.JSONDecodeError, UnicodeDecodeError):
            return False
        if len(docs) != len(alive) or len(lengths) != len(alive):
            return False
        self._terms = terms
        self._term_id = {term: number for number, term in enumerate(terms)}
        self._by_length = {}
        for term in terms:
            self._by_length.setdefault(len(term), []).append(term)
        self._docs = [_Doc(d[0], tuple(d[1]), d[2], d[3], d[4], d[5]) for d in docs]
        self._doc_of = {d.id: n for n, d in enumerate(self._docs) if alive[n]}
        for name, (offsets, postings, tfs) in fields.items():
            field = self._fields[name]
            field.offsets, field.docs, field.tfs = offsets.astype(np.int64), postings.astype(np.int32), tfs.astype(np.uint16)
        self._alive = alive
        self._lengths = lengths
        self._dates = np.array([d.date for d in self._docs], dtype="U10")
        live = lengths[alive]
        self._avg_length = float(live.mean()) if len(live) else 1.0
        self._sort_vocabulary()
        self._built = True
        self._dirty = True
        self._notes_dirty = True
        return True

    def _build_from_texts(self) -> None:
        records = list(self.library._records.items())   # one C-level copy: safe against a writer thread
        chunks: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {name: [] for name in FIELDS}
        lengths: list[int] = []
        pending: dict[str, tuple[list[int], list[int]]] = {name: ([], []) for name in FIELDS}

        def flush() -> None:
            for name, (terms, docs) in pending.items():
                if terms:
                    keys = (np.array(terms, np.int64) << DOC_BITS) | np.array(docs, np.int64)
                    unique, counts = np.unique(keys, return_counts=True)
                    chunks[name].append(((unique >> DOC_BITS).astype(np.int32),
                                         (unique & ((1 << DOC_BITS) - 1)).astype(np.int32),
                                         np.minimum(counts, 65535).astype(np.uint16)))
                    del keys, unique, counts
                    terms.clear()
                    docs.clear()

        for article_id, record in records:
            doc, fields = self._new_doc(article_id, record)
            for name, tokens in fields:
                terms, docs = pending[name]
                terms.extend(tokens)
                docs.extend([doc] * len(tokens))
            lengths.append(self._docs[doc].length)
            if len(pending["body"][0]) > 2_000_000:
                flush()
        flush()
        vocabulary = len(self._terms)
        for name in FIELDS:
            self._fields[name].set_chunks(chunks.pop(name), vocabulary)
        count = len(self._docs)
        self._alive = np.ones(count, dtype=bool)
        self._lengths = np.array(lengths, dtype=np.float32)
        self._dates = np.array([d.date for d in self._docs], dtype="U10")
        self._avg_length = float(self._lengths.mean()) if count else 1.0
        self._sort_vocabulary()
        self._built = True
        self._dirty = True   # read state, tags
        self._notes_dirty = True

    def _new_doc(self, article_id: str, record: dict[str, Any]) -> tuple[int, list[tuple[str, list[int]]]]:
        """Number one article as a document (the bulk build and an incremental add both start here)
        and return the tokens of each of its fields."""
        try:
            body = self.library._bodies.read(record["content_hash"])
        except OSError:
            body = ""  # a body file gone missing: the article is still found by title and source
        fields = [(name, self._tokens(text))
                  for name, text in (("title", record["title"]), ("source", record["source"]), ("body", body))]
        doc = len(self._docs)
        self._docs.append(_Doc(article_id, _record_key(record), record["title"], record["source"],
                               _date_of(record), len(fields[2][1])))
        self._doc_of[article_id] = doc
        return doc, fields

    def _add_doc(self, article_id: str, record: dict[str, Any]) -> None:
        doc, fields = self._new_doc(article_id, record)
        for name, tokens in fields:
            counts: dict[int, int] = {}
            for token in tokens:
                counts[token] = counts.get(token, 0) + 1
            delta = self._fields[name].delta
            for term, tf in counts.items():
                delta.setdefault(term, []).append((doc, tf))
        length = self._docs[doc].length
        self._source_groups = None
        self._alive = np.append(self._alive, True)
        self._lengths = np.append(self._lengths, np.float32(length))
        self._dates = np.append(self._dates, np.array([_date_of(record)], dtype="U10"))
        self._delta_docs += 1

    def _sync(self) -> None:
        """Apply what changed in the library since the last query."""
        self._dirty = False
        version = getattr(self.library, "records_version", None)
        # no article added, removed or changed since the last sync: only state (read, tags) to catch
        # up, without comparing 100k records (a read mark made the next keystroke 100 ms slower)
        same_records = version is not None and version == self._synced_records
        self._synced_records = version
        records = {} if same_records else dict(self.library._records)        # C-level copies
        state = dict(self.library._state)
        changed = False
        for article_id, doc in () if same_records else list(self._doc_of.items()):
            record = records.get(article_id)
            if record is None or _record_key(record) != self._docs[doc].key:
                self._alive[doc] = False
                del self._doc_of[article_id]
                changed = True
        for article_id, record in records.items():
            if article_id not in self._doc_of:
                self._add_doc(article_id, record)
                changed = True
        if changed:
            live = self._lengths[self._alive]
            self._avg_length = float(live.mean()) if len(live) else 1.0
            self._expansions.clear()
            self._prefix_cache.clear()
            self._bodies.clear()
        if self._delta_docs >= MERGE_AT:
            self._merge()
            self._save()
        count = len(self._docs)
        self._read = np.zeros(count, dtype=bool)
        self._starred = np.zeros(count, dtype=bool)
        self._tag_postings, self._doc_tags, self._tag_text = {}, {}, {}
        for article_id, entry in state.items():
            doc = self._doc_of.get(article_id)
            if doc is None:
                continue
            self._read[doc] = bool(entry.get("read"))
            self._starred[doc] = bool(entry.get("starred"))
            tags = entry.get("tags") or ()
            if tags:
                self._doc_tags[doc] = tuple(" ".join(WORD.findall(fold(t))) for t in tags)
                self._tag_text[doc] = " · ".join(tags)
                for tag in tags:
                    for word in WORD.findall(fold(tag)):
                        self._term(word)
                        self._tag_postings.setdefault(word, set()).add(doc)

    def _sync_notes(self) -> None:
        self._notes_dirty = False
        count = len(self._docs)
        self._note_postings, self._note_text = {}, {}
        self._has_note = np.zeros(count, dtype=bool)
        self._has_highlight = np.zeros(count, dtype=bool)
        annotations = getattr(self.library, "annotations", None)
        if not callable(annotations):
            return
        try:
            found = annotations()
        except Exception:  # noqa: BLE001 - notes are an extra; search must work without them
            return
        texts: dict[int, list[str]] = {}
        for annotation in found:
            doc = self._doc_of.get(getattr(annotation, "article_id", ""))
            if doc is None:
                continue
            self._has_highlight[doc] = True
            note = str(getattr(annotation, "note", "") or "")
            tags = " ".join(str(t) for t in (getattr(annotation, "tags", ()) or ()))
            text = " ".join(t for t in (note, tags) if t)
            if note:
                self._has_note[doc] = True
            if text:
                texts.setdefault(doc, []).append(text)
        for doc, parts in texts.items():
            self._note_text[doc] = " · ".join(parts)
            for word in WORD.findall(fold(self._note_text[doc])):
                self._term(word)
                self._note_postings.setdefault(word, set()).add(doc)

    def _merge(self) -> None:
        """Fold the delta into the arrays and drop deleted articles' postings (pure numpy)."""
        vocabulary = len(self._terms)
        for name in FIELDS:
            field = self._fields[name]
            keys, tfs = field.merged_keys(self._alive)
            field.delta = {}
            field.set_arrays(keys, tfs, vocabulary)
        self._sort_vocabulary()
        self._delta_docs = 0

    # ------------------------------------------------------------------ expanding query words
    def _sort_vocabulary(self) -> None:
        """The vocabulary in order (for completions by bisection) with each word's document
        frequency alongside, so the most common completions are picked with numpy."""
        terms = self._terms
        order = sorted(range(len(terms)), key=terms.__getitem__)
        self._sorted_terms = [terms[i] for i in order]
        df = np.zeros(len(terms), dtype=np.int64)
        for name in ("body", "title"):
            offsets = self._fields[name].offsets
            known = min(len(offsets) - 1, len(terms))
            df[:known] += np.diff(offsets)[:known]
        self._sorted_df = df[np.array(order, dtype=np.int64)] if terms else df
        self._unsorted_new = []

    def _df(self, term: int) -> int:
        return self._fields["body"].df(term) + self._fields["title"].df(term)

    def _completions(self, word: str) -> list[str]:
        cached = self._prefix_cache.get(word)
        if cached is not None:
            return cached
        start = bisect.bisect_left(self._sorted_terms, word)
        end = bisect.bisect_left(self._sorted_terms, word + "\U0010ffff")
        wanted = PREFIX_COMPLETIONS if len(word) > 2 else PREFIX_COMPLETIONS // 3  # "t" is not a question yet
        if end - start > wanted:
            top = np.argpartition(-self._sorted_df[start:end], wanted - 1)[:wanted]
            candidates = [self._sorted_terms[start + int(i)] for i in top]
        else:
            candidates = self._sorted_terms[start:end]
        extra = [t for t in self._unsorted_new if t.startswith(word)]
        if extra:
            candidates = heapq.nlargest(wanted, candidates + extra, key=lambda t: self._df(self._term_id[t]))
        self._prefix_cache[word] = candidates
        if len(self._prefix_cache) > 2048:
            self._prefix_cache.popitem(last=False)
        return candidates

    def expand(self, word: str, prefix: bool = False) -> list[tuple[str, float]]:
        """The library's words a query word stands for, with a match quality (1 exact)."""
        key = (word, prefix)
        cached = self._expansions.get(key)
        if cached is not None:
            self._expansions.move_to_end(key)
            return cached
        found: dict[str, float] = {}
        if word in self._term_id:
            found[word] = EXACT
        if prefix:
            for term in self._completions(word):
                found.setdefault(term, PREFIX)
        # one typo from five letters, two from nine: shorter words have too many neighbours (wall: all, will)
        edits = 0 if len(word) < 5 or word.isdigit() else (1 if len(word) < 9 else 2)
        if edits:
            pool: list[str] = []
            for length in range(len(word) - edits, len(word) + edits + 1):
                pool.extend(self._by_length.get(length, ()))
            for term, distance, _ in process.extract(word, pool, scorer=OSA.distance, score_cutoff=edits,
                                                     limit=FUZZY_LIMIT):
                if term != word and not term.isdigit():
                    found.setdefault(term, ONE_EDIT if distance <= 1 else TWO_EDITS)
        result = sorted(found.items(), key=lambda item: -item[1])
        self._expansions[key] = result
        if len(self._expansions) > 4096:
            self._expansions.popitem(last=False)
        return result

    # ------------------------------------------------------------------ scoring
    def _field_postings(self, name: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        if name in FIELDS:
            term_id = self._term_id.get(term)
            if term_id is None:
                return np.zeros(0, np.int32), np.zeros(0, np.uint16)
            return self._fields[name].postings(term_id)
        table = self._tag_postings if name == "tags" else self._note_postings
        docs = table.get(term)
        if not docs:
            return np.zeros(0, np.int32), np.zeros(0, np.uint16)
        return np.fromiter(docs, np.int32, len(docs)), np.ones(len(docs), np.uint16)

    def _word_scores(self, expansions: list[tuple[str, float]], count: int) -> tuple[np.ndarray, np.ndarray]:
        """Per article: the word's best match in each field, weighted, summed over the fields but
        the title, which is returned apart (it counts by how much of the query the title holds)."""
        total = np.zeros(count, dtype=np.float32)
        title = total
        for name in ("title", "source", "tags", "note", "body"):
            best = np.zeros(count, dtype=np.float32)
            for term, quality in expansions:
                docs, tfs = self._field_postings(name, term)
                if not len(docs):
                    continue
                if name == "body":
                    tf = tfs.astype(np.float32)
                    norm = 1 - BM25_B + BM25_B * self._lengths[docs] / self._avg_length
                    value = quality * tf * (BM25_K1 + 1) / (tf + BM25_K1 * norm)
                else:
                    value = np.float32(quality * FIELD_WEIGHT[name])
                best[docs] = np.maximum(best[docs], value)
            if name == "title":
                title = best
            else:
                total += best
        return total, title

    def _idf(self, expansions: list[tuple[str, float]], alive: int) -> float:
        # the word's weight comes from its most common reading, so a rare typo variant in the
        # library cannot outweigh the exact word: exact still outranks fuzzy
        dfs = [self._df(self._term_id[t]) for t, _ in expansions if t in self._term_id]
        df = max(dfs) if dfs else 0
        return math.log(1 + max(alive, 1) / (df + 0.5))

    def _filter_mask(self, query: Query, count: int) -> np.ndarray:
        mask = self._alive.copy()
        if query.sources or query.excluded_sources:
            if self._source_groups is None:   # few outlets, many articles: group once per change
                grouped: dict[str, list[int]] = {}
                for doc, item in enumerate(self._docs):
                    grouped.setdefault(" ".join(WORD.findall(fold(item.source))), []).append(doc)
                self._source_groups = {k: np.array(v, dtype=np.int64) for k, v in grouped.items()}
            groups = self._source_groups

            def matching(values: tuple[str, ...]) -> np.ndarray:
                hit = np.zeros(count, dtype=bool)
                for folded, docs in groups.items():
                    if any(v in folded for v in values):
                        hit[docs] = True
                return hit
            if query.sources:
                mask &= matching(query.sources)
            if query.excluded_sources:
                mask &= ~matching(query.excluded_sources)
        if query.tags or query.excluded_tags:
            def tagged(values: tuple[str, ...]) -> np.ndarray:
                hit = np.zeros(count, dtype=bool)
                for doc, tags in self._doc_tags.items():
                    if any(t == v or t.startswith(v + " ") for t in tags for v in values):
                        hit[doc] = True
                return hit
            if query.tags:
                mask &= tagged(query.tags)
            if query.excluded_tags:
                mask &= ~tagged(query.excluded_tags)
        flags = {"unread": ~self._read, "read": self._read, "starred": self._starred,
                 "unstarred": ~self._starred, "note": self._has_note, "highlight": self._has_highlight}
        for flag in query.flags:
            mask &= flags[flag]
        for flag in query.excluded_flags:
            mask &= ~flags[flag]
        if query.before:
            mask &= self._dates < query.before
        if query.after:
            mask &= self._dates >= query.after
        for words in query.excluded:
            if len(words) == 1:
                for name in ("title", "source", "tags", "note", "body"):
                    docs, _ = self._field_postings(name, words[0])
                    mask[docs] = False
            else:  # an excluded phrase: articles with all its words are checked when read
                pass
        return mask

    # ------------------------------------------------------------------ reading candidates
    def _body(self, doc: int) -> _Text:
        """A body as the few articles read per query need it (cached: typing repeats them)."""
        cached = self._bodies.get(doc)
        if cached is not None:
            self._bodies.move_to_end(doc)
            return cached
        record = self.library._records.get(self._docs[doc].id)
        try:
            body = self.library._bodies.read(record["content_hash"]) if record else ""
        except OSError:
            body = ""
        entry = _Text(body)
        self.body_reads += 1
        self._bodies[doc] = entry
        if len(self._bodies) > 1024:
            self._bodies.popitem(last=False)
        return entry

    def _other_text(self, doc: int) -> list[tuple[str, str]]:
        item = self._docs[doc]
        return [("title", item.title), ("source", item.source), ("tags", self._tag_text.get(doc, "")),
                ("note", self._note_text.get(doc, ""))]

    def _inspect(self, doc: int, plan: "_Plan") -> dict[str, Any] | None:
        """Read one article: its hits, proximity, phrases. None if a phrase or exclusion fails."""
        text = self._body(doc)
        hits = text.hits(plan)  # start, end, group, quality
        phrase_spans: list[tuple[int, int]] = []
        for pattern in plan.phrases:
            spans = [m.span() for m in pattern.finditer(text.folded)]
            if not spans and not any(pattern.search(fold(t)) for _, t in self._other_text(doc) if t):
                return None
            phrase_spans.extend(spans)
        for pattern in plan.excluded:
            if pattern.search(text.folded) or any(pattern.search(fold(t)) for _, t in self._other_text(doc) if t):
                return None
        window = _best_window(hits, plan.groups) if plan.groups else None
        return {"hits": hits, "phrases": phrase_spans, "window": window}

    # ------------------------------------------------------------------ the query
    def search(self, text: str, limit: int = 20) -> SearchResults:
        """Ranked results for a query. Raises QueryError for a query it cannot understand."""
        started = time.perf_counter()
        query = parse_query(text)
        if query.empty:
            return SearchResults([], 0, False, (time.perf_counter() - started) * 1000, query, {})
        with self._lock:
            self.ensure_built()
            return self._search(query, max(1, int(limit)), started)

    def read_ahead(self, text: str, count: int, stop: Callable[[], bool]) -> int:
        """Read (into the cache of folded bodies) the best `count` candidates of a query, as the
        next keystrokes will ask for most of them; stops as soon as `stop()` says so (checked
        before each article, so a search waiting for the index's lock waits one article at most).
        Returns how many articles were read from disk."""
        try:
            query = parse_query(text)
        except QueryError:
            return 0
        if query.empty or not query.has_terms:
            return 0
        with self._lock:
            if not self._built:
                return 0
            before = self.body_reads
            self._search(query, max(1, count), time.perf_counter(), stop=stop)
            return self.body_reads - before

    def _search(self, query: Query, limit: int, started: float,
                stop: Callable[[], bool] | None = None) -> SearchResults:
        """The ranked hits; with `stop` (read_ahead) only the candidates' bodies are read, until
        stop() is true, and no hits are returned."""
        count = len(self._docs)
        mask = self._filter_mask(query, count)
        alive = int(self._alive.sum())
        score = np.zeros(count, dtype=np.float32)
        title_score = np.zeros(count, dtype=np.float32)
        title_words = np.zeros(count, dtype=np.float32)
        groups: list[dict[str, float]] = []
        expansions: dict[str, list[str]] = {}
        words = query.words
        if query.prefix and len(words) > 1 and len(words[-1]) == 1:
            words = words[:-1]   # "trump t": one letter adds every common word; wait for the next
        for position, word in enumerate(words):
            prefix = query.prefix and position == len(query.words) - 1
            expanded = self.expand(word, prefix)
            expansions[word] = [t for t, _ in expanded]
            if not expanded:
                mask[:] = False
                groups.append({})
                continue
            scores, in_title = self._word_scores(expanded, count)
            mask &= (scores > 0) | (in_title > 0)
            weight = self._idf(expanded, alive)
            score += weight * scores
            title_score += weight * in_title
            title_words += in_title > 0
            groups.append(dict(expanded))
        phrase_patterns = []
        for number, phrase in enumerate(query.phrases):
            typing = query.phrase_prefix and number == len(query.phrases) - 1
            group: dict[str, float] = {}
            for position, word in enumerate(phrase):
                if typing and position == len(phrase) - 1:   # "white h|: the last word is being typed
                    expanded = [(t, q) for t, q in self.expand(word, True) if q >= PREFIX]
                else:
                    expanded = [(word, EXACT)] if word in self._term_id else []
                if not expanded:
                    mask[:] = False
                    continue
                scores, in_title = self._word_scores(expanded, count)
                mask &= (scores > 0) | (in_title > 0)
                weight = 1.5 * self._idf(expanded, alive)   # an exact phrase weighs more
                score += weight * scores
                title_score += weight * in_title
                title_words += (in_title > 0) / len(phrase)
                group.update(expanded)
            groups.append(group)
            if len(phrase) > 1:  # a quoted single word is an exact word: the postings already say so
                phrase_patterns.append(_phrase_pattern(phrase, typing))
        # a title with one word of three must not outweigh a body with all three together: the
        # title counts in proportion to the share of the query it holds
        terms_in_query = len(words) + len(query.phrases)
        if terms_in_query:
            score += title_score * (title_words / terms_in_query)
        by_word: dict[str, tuple[int, float]] = {}
        for number, group in enumerate(groups):
            for term, quality in group.items():
                by_word.setdefault(term, (number, quality))
        plan = _Plan(by_word, _words_pattern(by_word), np.fromiter(map(hash, by_word), np.int64, len(by_word)),
                     len(groups), phrase_patterns,
                     [_phrase_pattern(p) for p in query.excluded if len(p) > 1])
        candidates = np.nonzero(mask)[0]
        if not query.has_terms:   # filters only: newest first
            order = candidates[np.argsort(self._dates[candidates], kind="stable")[::-1]]
            hits = [self._hit(int(doc), 0.0, None, [], query) for doc in order[:limit]]
            return SearchResults(hits, len(candidates), False, (time.perf_counter() - started) * 1000, query,
                                 expansions)
        needs_check = bool(plan.phrases or plan.excluded)
        # one word: the scores are final, only the shown hits are read; several: the best few
        # dozen are read to rank nearness
        rerank = limit if len(groups) <= 1 and not needs_check else max(RERANK, limit * 2)
        budget = PHRASE_CHECK_LIMIT if needs_check else rerank
        cand_scores = score[candidates]
        if len(candidates) > budget:
            top = np.argpartition(-cand_scores, budget - 1)[:budget]
            candidates_ranked = candidates[top[np.argsort(-cand_scores[top], kind="stable")]]
        else:
            candidates_ranked = candidates[np.argsort(-cand_scores, kind="stable")]
        inspected: list[tuple[float, int, dict[str, Any]]] = []
        rejected = 0
        checked = 0
        for doc in candidates_ranked.tolist():
            if needs_check and len(inspected) >= rerank:
                break
            if stop is not None and stop():
                break
            checked += 1
            info = self._inspect(doc, plan)
            if info is None:
                rejected += 1
                continue
            final = float(score[doc])
            window = info["window"]
            if window is not None and len(groups) > 1:
                span = max(window[1] - window[0], 1)
                final *= 1 + 0.8 * min(1.0, 8 * len(groups) / span)   # words near each other
            info["exact"] = all(any(q == EXACT for _, _, g, q in info["hits"] if g == i) or self._exact_elsewhere(
                doc, word) for i, word in enumerate(words))
            if info["exact"]:
                final *= 1.05
            inspected.append((final, doc, info))
        if stop is not None:  # a read-ahead: the bodies are in the cache, no hits are wanted
            return SearchResults([], len(inspected), True, (time.perf_counter() - started) * 1000, query, expansions)
        inspected.sort(key=lambda item: -item[0])
        hits = [self._hit(doc, final, info, groups, query) for final, doc, info in inspected[:limit]]
        total = len(candidates) - rejected
        approximate = needs_check and checked < len(candidates)
        if approximate:  # unread candidates may fail the phrase: count only what was confirmed
            total = len(inspected)
        return SearchResults(hits, total, approximate, (time.perf_counter() - started) * 1000, query, expansions)

    def _exact_elsewhere(self, doc: int, word: str) -> bool:
        return any(word in WORD.findall(fold(text)) for _, text in self._other_text(doc) if text)

    def _hit(self, doc: int, score: float, info: dict[str, Any] | None, groups: list[dict[str, float]],
             query: Query) -> SearchHit:
        item = self._docs[doc]
        body = self._body(doc).body
        wanted: dict[str, float] = {}
        for group in groups:
            wanted.update(group)
        title_spans = tuple((m.start(), m.end()) for m in WORD.finditer(fold(item.title)) if m.group() in wanted)
        spans: list[tuple[int, int]] = []
        offset = -1
        if info is not None:
            spans = sorted({(s, e) for s, e, _, _ in info["hits"]} | set(info["phrases"]))
            spans = _merge_spans(spans)
            if info["phrases"]:
                offset = min(info["phrases"])[0]
            elif info["window"] is not None:
                offset = info["window"][0]
        title_words = set(WORD.findall(fold(item.title)))
        if groups and all(any(w in title_words for w in group) for group in groups):
            field = "title"
        elif offset >= 0:
            field = "body"
        else:
            field = "body"
            for name, text in self._other_text(doc)[1:]:
                if text and any(w in wanted for w in WORD.findall(fold(text))):
                    field = name
                    break
        snippet, snippet_spans = _snippet(body, spans, offset)
        return SearchHit(article_id=item.id, score=round(score, 4), field=field, snippet=snippet,
                         snippet_spans=snippet_spans, spans=tuple(spans), offset=offset, title=item.title,
                         title_spans=title_spans, source=item.source, date=item.date,
                         exact=bool(info.get("exact", True)) if info else True)


def _best_window(hits: list[tuple[int, int, int, float]], groups: int) -> tuple[int, int] | None:
    """The shortest stretch of text holding a hit of every group (hits are in text order); with
    one group, the first of its best-quality hits."""
    if not hits:
        return None
    if groups <= 1:
        best = max(q for _, _, _, q in hits)
        first = next(h for h in hits if h[3] == best)
        return first[0], first[1]
    counts = [0] * groups
    covered = 0
    left = 0
    best_window: tuple[int, int] | None = None
    for right, (_, end, group, _) in enumerate(hits):
        if counts[group] == 0:
            covered += 1
        counts[group] += 1
        while covered == groups:
            start = hits[left][0]
            if best_window is None or end - start < best_window[1] - best_window[0]:
                best_window = (start, end)
            counts[hits[left][2]] -= 1
            if counts[hits[left][2]] == 0:
                covered -= 1
            left += 1
    if best_window is None:  # not every word is in the body (some are in the title): the best hit
        best = max(q for _, _, _, q in hits)
        first = next(h for h in hits if h[3] == best)
        return first[0], first[1]
    return best_window


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _snippet(body: str, spans: list[tuple[int, int]], offset: int) -> tuple[str, tuple[tuple[int, int], ...]]:
    """One line of text around `offset` (the start of the body when there is none), cut at word
    boundaries, with the spans that fall inside it."""
    if offset < 0:
        start, end = 0, min(len(body), SNIPPET_BEFORE + SNIPPET_AFTER)
    else:
        start, end = max(0, offset - SNIPPET_BEFORE), min(len(body), offset + SNIPPET_AFTER)
    if start > 0:
        space = body.find(" ", start, offset if offset > 0 else end)
        start = space + 1 if space >= 0 else start
    if end < len(body):
        space = body.rfind(" ", max(start, offset if offset >= 0 else start), end)
        end = space if space > start else end
    text = body[start:end].replace("\n", " ").replace("\t", " ")
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(body) else ""
    shift = len(prefix) - start
    inside = tuple((max(s, start) + shift, min(e, end) + shift) for s, e in spans if e > start and s < end)
    return prefix + text + suffix, inside


def warm(index: SearchIndex, words: Iterable[str] = ()) -> None:
    """Build the index (for a background thread at launch) and prime the expansion cache."""
    index.ensure_built()
    for word in words:
        index.expand(word)
