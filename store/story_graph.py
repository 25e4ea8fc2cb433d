"""The numeric side of story detection: TF-IDF vectors, near-linear neighbour search, and
average-link clustering of the similarity graph.

Why this shape (FACTS.md, "Same-story detection on real news"): reports of one event are mostly
rewrites, not copies, so shingle sketches miss them; TF-IDF cosine finds them, and average link
(not single link, which chains unrelated stories) cuts the graph into stories.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

# The few parameters, each with its reason. Tuned on multinews-dev + basil-dev together.
MAX_DF = 0.5            # a term in half the library names no event
CUT = 0.10              # average-link cut on the background-adjusted cosine (see `adjusted`)
EDGE_FLOOR = 0.05       # pairs below this cosine are not kept (treated as 0)
NEIGHBOURS = 20         # candidate neighbours kept per article
BACKGROUND_RANKS = (6, 16)  # an article's 7th..16th best matches: other events on the same topic
BACKGROUND_PRIOR = 0.10     # the background assumed where the library is too small to measure it
BACKGROUND_CAP = 0.20       # a higher "background" is a big story's own members, not topic noise
QUERY_TERMS = 40        # an article's heaviest terms used to look up candidates
POSTING_CAP = 2000      # a term in more articles than this is too common to look candidates up by

ProgressCallback = Callable[[int, int | None, str], None]


@dataclass
class Vectors:
    """Row-normalised TF-IDF matrix over `ids` (one row per article, in order)."""

    ids: list[str]
    matrix: sp.csr_matrix
    terms: dict[str, int]
    idf: np.ndarray


def count_matrix(counts: Sequence[Counter[str]], terms: dict[str, int]) -> sp.csr_matrix:
    """Raw term counts as CSR; new terms are added to `terms`."""
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    add = terms.setdefault
    for counter in counts:
        indices.extend([add(term, len(terms)) for term in counter])
        data.extend(counter.values())
        indptr.append(len(indices))
    return sp.csr_matrix((np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32),
                          np.asarray(indptr, dtype=np.int64)), shape=(len(counts), max(1, len(terms))))


def csr_from_rows(ids: Sequence[np.ndarray], counts: Sequence[np.ndarray], width: int) -> sp.csr_matrix:
    """Per-row (term id, count) arrays as one CSR matrix."""
    indptr = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum([len(row) for row in ids], out=indptr[1:])
    indices = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int32)
    data = np.concatenate(counts) if counts else np.zeros(0, dtype=np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(len(ids), max(1, width)))


class SentenceTerms:
    """The term counts of some sentences (boilerplate), to take out of the articles that carry
    them, every row at once: a loop over the rows cost 1.8 s at 10k articles."""

    def __init__(self, dropped: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
        """`dropped`: sentence key -> (term ids, counts)."""
        self.keys = np.array(sorted(dropped), dtype=np.int64)
        ordered = [dropped[key] for key in self.keys.tolist()]
        self.sizes = np.array([len(ids) for ids, _ in ordered], dtype=np.int64)
        self.starts = np.concatenate(([0], np.cumsum(self.sizes)[:-1])).astype(np.int64)
        self.terms = np.concatenate([ids for ids, _ in ordered]).astype(np.int64) if ordered else np.zeros(0, np.int64)
        self.counts = np.concatenate([n for _, n in ordered]).astype(np.float32) if ordered else np.zeros(0, np.float32)

    def taken_from(self, raw: sp.csr_matrix, sentence_keys: Sequence[np.ndarray]) -> sp.csr_matrix:
        """`raw` (a row per article, whose sentences are `sentence_keys`) less these sentences'
        counts, once for each time a row has one; counts left at 0 or below go."""
        if not len(self.keys) or not sentence_keys:
            return raw
        every = np.concatenate(sentence_keys).astype(np.int64)
        rows = np.repeat(np.arange(len(sentence_keys)), [len(keys) for keys in sentence_keys])
        at = np.minimum(np.searchsorted(self.keys, every), len(self.keys) - 1)
        hit = self.keys[at] == every
        which, rows = at[hit], rows[hit]
        if not len(which):
            return raw
        each = self.sizes[which]  # each sentence met stands for its terms
        first = np.repeat(self.starts[which] - (np.cumsum(each) - each), each) + np.arange(int(each.sum()))
        drop = sp.csr_matrix((self.counts[first], (np.repeat(rows, each), self.terms[first])),
                             shape=raw.shape, dtype=np.float32)
        left = (raw - drop).tocsr()
        left.data[left.data < 0] = 0
        left.eliminate_zeros()
        return left


def document_frequency(raw: sp.csr_matrix, width: int) -> np.ndarray:
    df = np.bincount(raw.indices, minlength=width).astype(np.float64)
    return df[:width]


def idf_weights(df: np.ndarray, n: int) -> np.ndarray:
    """Smoothed idf; terms in more than MAX_DF of the articles (and in more than two) weigh 0."""
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    idf[(df > MAX_DF * n) & (df > 2)] = 0.0
    idf[df <= 1] = 0.0  # a term only one article has cannot link it to anything; it only dilutes its cosines
    return idf


def weigh(raw: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf times idf, each row scaled to unit length; zero-weight terms dropped."""
    data = (1.0 + np.log(raw.data.astype(np.float32))) * idf[raw.indices].astype(np.float32)
    weighted = sp.csr_matrix((data, raw.indices.copy(), raw.indptr.copy()), shape=(raw.shape[0], max(raw.shape[1], len(idf))))
    weighted.eliminate_zeros()
    lengths = np.diff(weighted.indptr)
    norms = np.sqrt(np.add.reduceat(weighted.data ** 2, weighted.indptr[:-1][lengths > 0])) if weighted.nnz else np.zeros(0)
    scale = np.ones(weighted.shape[0], dtype=np.float32)
    scale[lengths > 0] = 1.0 / np.maximum(norms, 1e-12)
    weighted.data *= np.repeat(scale, lengths)
    return weighted


def _pruned_queries(matrix: sp.csr_matrix, df: np.ndarray) -> sp.csr_matrix:
    """Each row's QUERY_TERMS heaviest terms that are not too common: the lookup side of the
    candidate search. Scores are then recomputed exactly on the full vectors."""
    rows = []
    cols = []
    vals = []
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    usable = df[indices] <= POSTING_CAP
    for row in range(matrix.shape[0]):
        start, end = indptr[row], indptr[row + 1]
        if start == end:
            continue
        mask = usable[start:end]
        cand = indices[start:end][mask]
        weights = data[start:end][mask]
        if len(cand) > QUERY_TERMS:
            keep = np.argpartition(-weights, QUERY_TERMS)[:QUERY_TERMS]
            cand, weights = cand[keep], weights[keep]
        rows.append(np.full(len(cand), row, dtype=np.int64))
        cols.append(cand)
        vals.append(weights)
    if not rows:
        return sp.csr_matrix(matrix.shape, dtype=np.float32)
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=matrix.shape)


def without_columns(matrix: sp.csr_matrix, dropped: np.ndarray) -> sp.csr_matrix:
    """A new matrix of `matrix`'s entries outside the columns flagged in `dropped`; `matrix` is
    left as it is. (Building it on `matrix`'s own index arrays and pruning it in place, as this
    once did, compacted those shared arrays under `matrix`'s values: every cosine computed on
    the vectors afterwards, in the build and in the evidence, was garbage.)"""
    keep = ~dropped[matrix.indices]
    filled = np.diff(matrix.indptr) > 0
    kept = np.zeros(matrix.shape[0], dtype=np.int64)
    if filled.any():  # rows with entries start where the one before ends: one reduceat over them
        kept[filled] = np.add.reduceat(keep, matrix.indptr[:-1][filled], dtype=np.int64)
    indptr = np.concatenate(([0], np.cumsum(kept))).astype(matrix.indptr.dtype)
    return sp.csr_matrix((matrix.data[keep], matrix.indices[keep], indptr), shape=matrix.shape)


def neighbour_pairs(queries: sp.csr_matrix, index: sp.csr_matrix, df: np.ndarray, *,
                    query_offset: int = 0, same: bool = True, block: int = 2000,
                    progress: ProgressCallback | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, cosine) for each query row i (numbered from query_offset) and its up to NEIGHBOURS
    best candidates j in `index` with cosine >= EDGE_FLOOR. Candidates come from a product of the
    pruned query vectors with the index restricted to not-too-common terms; the cosine is then
    computed exactly. With same=True, queries are the index's own rows and i < j pairs are returned."""
    out_i: list[np.ndarray] = []
    out_j: list[np.ndarray] = []
    out_s: list[np.ndarray] = []
    pruned_q = _pruned_queries(queries, df)
    common = np.flatnonzero(df > POSTING_CAP)
    index_lookup = without_columns(index, df > POSTING_CAP) if len(common) else index
    lookup_t = index_lookup.T.tocsr()
    total = queries.shape[0]
    wide = 2 * NEIGHBOURS
    for start in range(0, total, block):
        stop = min(total, start + block)
        product = (pruned_q[start:stop] @ lookup_t).tocsr()
        rows, cand = _candidates(product, wide, start + query_offset)  # queries are rows of `index` too
        if len(rows):
            # exact cosine of each candidate pair on the full vectors, in one sparse product
            exact = np.asarray(queries[rows + start].multiply(index[cand]).sum(axis=1)).ravel()
            keep = exact >= EDGE_FLOOR
            rows, cand, exact = rows[keep], cand[keep], exact[keep]
            order = _top_per_row(rows, np.arange(len(rows)), exact, NEIGHBOURS)[1]
            out_i.append(rows[order] + start + query_offset)
            out_j.append(cand[order])
            out_s.append(exact[order].astype(np.float32))
        if progress is not None:
            progress(stop, total, "matching articles")
    if not out_i:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    i, j, s = np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_s)
    if same:
        low, high = np.minimum(i, j), np.maximum(i, j)
        key = low * (index.shape[0] + 1) + high
        _, first = np.unique(key, return_index=True)
        return low[first], high[first], s[first]
    return i, j, s


def _candidates(product: sp.csr_matrix, k: int, own_first: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a block's approximate product, the k best columns (not the row's own article)."""
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    indptr, indices, data = product.indptr, product.indices, product.data
    for local in range(product.shape[0]):
        lo, hi = indptr[local], indptr[local + 1]
        if lo == hi:
            continue
        cand = indices[lo:hi]
        if own_first is not None:
            score = np.where(cand == own_first + local, -1.0, data[lo:hi])
        else:
            score = data[lo:hi]
        if hi - lo > k:
            cand = cand[np.argpartition(-score, k)[:k]]
        if own_first is not None:
            cand = cand[cand != own_first + local]
        rows.append(np.full(len(cand), local, dtype=np.int64))
        cols.append(cand.astype(np.int64))
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(rows), np.concatenate(cols)


def _top_per_row(rows: np.ndarray, values: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best-scoring (row, value) entries of each row."""
    if not len(rows):
        return rows, values
    order = np.lexsort((-scores, rows))
    rows, values = rows[order], values[order]
    starts = np.searchsorted(rows, rows, side="left")
    rank = np.arange(len(rows)) - starts
    keep = rank < k
    return rows[keep], values[keep]


def average_link(nodes: list[int], edges: dict[tuple[int, int], float], cut: float = CUT) -> list[list[int]]:
    """Average-link agglomeration of `nodes` under `edges` (pairs absent are similarity 0):
    merge the two clusters with the highest mean pairwise similarity while it is >= cut."""
    return _average_link(nodes, ((a, b, score) for (a, b), score in edges.items()), cut)


def _average_link(nodes: list[int], edges: Iterable[tuple[int, int, float]], cut: float) -> list[list[int]]:
    """average_link of distinct pairs (a, b, similarity), read once: a dict of a giant component's
    edges beside the sums made from it was 300 MB more at 100k articles."""
    # each node's own int object as every key that names it: 4M keys at 100k articles were 4M
    # distinct ints (28 bytes each) when taken from the pairs as they came
    node_of = {node: node for node in nodes}
    members: dict[int, list[int]] = {node: [node] for node in nodes}
    sums: dict[int, dict[int, float]] = {node: {} for node in nodes}
    heap: list[tuple[float, int, int]] = []
    for a, b, score in edges:
        a, b = node_of[a], node_of[b]
        ours, theirs = sums[a], sums[b]
        if b in ours:  # (a pair given twice: its scores add up, as they always did)
            ours[b] += score
            theirs[a] += score
        else:  # one float object for both directions
            ours[b] = theirs[a] = score
        if score >= cut:
            heap.append((-score, min(a, b), max(a, b)))
    heapq.heapify(heap)
    while heap:
        negative, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue
        current = sums[a].get(b, 0.0) / (len(members[a]) * len(members[b]))
        if abs(current + negative) > 1e-9:
            continue  # stale entry: the pair's mean changed since it was queued
        # merge b into a (keep the smaller id as the cluster's name: deterministic)
        keep, gone = (a, b) if a < b else (b, a)
        members[keep].extend(members.pop(gone))
        merged = sums.pop(gone)
        merged.pop(keep, None)
        own = sums[keep]
        own.pop(gone, None)
        for other, value in merged.items():
            own[other] = own.get(other, 0.0) + value
            theirs = sums[other]
            theirs[keep] = theirs.get(keep, 0.0) + theirs.pop(gone, 0.0)
        for other in own:
            sums[other].pop(gone, None)
            mean = own[other] / (len(members[keep]) * len(members[other]))
            if mean >= cut:
                heapq.heappush(heap, (-mean, min(keep, other), max(keep, other)))
    return [sorted(group) for group in members.values()]


def _pairs(a: np.ndarray, b: np.ndarray, score: np.ndarray, chunk: int = 1 << 16) -> Iterator[tuple[int, int, float]]:
    """(a, b, score) as Python objects, a chunk at a time: the whole of a giant component's edges
    as three lists was 200 MB more at 100k articles."""
    for start in range(0, len(a), chunk):
        end = start + chunk
        yield from zip(a[start:end].tolist(), b[start:end].tolist(), score[start:end].tolist())


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected-component label of each of n nodes under the edges (i, j)."""
    graph = sp.coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    _, labels = sp.csgraph.connected_components(graph, directed=False)
    return labels


def cluster(n: int, i: np.ndarray, j: np.ndarray, s: np.ndarray, cut: float = CUT) -> list[list[int]]:
    """Stories as lists of node numbers: average link run inside each connected component of the
    edges at or above the cut (a merge needs at least one such edge, so components are independent).
    One component's edges are made Python objects at a time: all of them at once (2M edges at
    100k articles) took half a gigabyte."""
    strong = s >= cut
    labels = components(n, i[strong], j[strong])
    inside = labels[i] == labels[j]
    i, j, s = i[inside], j[inside], s[inside]
    edge_labels = labels[i]
    order = np.argsort(edge_labels, kind="stable")  # each component's edges together, in their order
    i, j, s, edge_labels = i[order], j[order], s[order], edge_labels[order]
    nodes_by_label = np.argsort(labels, kind="stable")  # each component's nodes together, ascending
    bounds = np.flatnonzero(np.diff(labels[nodes_by_label])) + 1
    groups: list[list[int]] = []
    for nodes in np.split(nodes_by_label, bounds) if n else []:
        if len(nodes) == 1:
            groups.append([int(nodes[0])])
            continue
        label = labels[nodes[0]]
        lo, hi = np.searchsorted(edge_labels, label, "left"), np.searchsorted(edge_labels, label, "right")
        a, b, score = i[lo:hi], j[lo:hi], s[lo:hi]
        _, last = np.unique((a * (n + 1) + b)[::-1], return_index=True)  # a pair given twice: its last score
        keep = np.sort(len(a) - 1 - last)
        groups.extend(_average_link(nodes.tolist(), _pairs(a[keep], b[keep], score[keep]), cut))
    return groups


def backgrounds(n: int, i: np.ndarray, j: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Each article's background similarity: the mean cosine of its 7th to 16th best matches.
    Long reports on a busy beat (US politics) match everything on that beat at 0.15; short ones
    match little. Subtracting the background lets one cut serve both (local scaling)."""
    lo, hi = BACKGROUND_RANKS
    nodes = np.concatenate([i, j])
    sims = np.concatenate([s, s])
    order = np.lexsort((-sims, nodes))
    nodes, sims = nodes[order], sims[order]
    starts = np.searchsorted(nodes, np.arange(n))
    ends = np.searchsorted(nodes, np.arange(n), side="right")
    missing = BACKGROUND_PRIOR if n <= hi else EDGE_FLOOR / 2
    result = np.full(n, missing, dtype=np.float64)
    for node in range(n):
        ranked = sims[starts[node]:ends[node]][lo:hi]
        result[node] = (ranked.sum() + missing * (hi - lo - len(ranked))) / (hi - lo)
    return np.minimum(result, BACKGROUND_CAP)


def adjusted(i: np.ndarray, j: np.ndarray, s: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Cosine minus the pair's mean background."""
    return s - 0.5 * (background[i] + background[j])
