"""Stories: quality (B-cubed F1 on the dev sets), speed at 10k and 100k articles, candidate recall
against an exact all-pairs run, and the cost of an incremental update.

    .venv/bin/python tests/bench/bench_stories.py [--quick] [--skip-100k] [--json PATH]

(a) multinews-dev and basil-dev are imported together into ONE temporary library (as a user
    would: `broadsheet import`), clustered, and scored per dataset against labels.tsv.
(b) synthetic libraries from tests/bench/corpus.py: each article is a random mix of real sentences
    (about half follow on from a few anchor passages). So there are no real events: most articles
    are stories of one, and pairs that drew the same anchor passages share text and form small
    stories. Sentences recur across many unrelated articles, so boilerplate suppression has real
    work to do. It measures cost, not quality.
(c) recall of candidate pairs (cosine at or above the pair threshold used by clustering) against
    the exact all-pairs cosine matrix on a 5k sample.
(d) adding 100 articles to the stories of a 10k library (incremental: no rebuild).
"""

from __future__ import annotations

import argparse
import csv
import gc
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import numpy as np  # noqa: E402

from corpus import CORPUS, candidates  # noqa: E402
from report import Figure, log, print_table, write_json, exit_code  # noqa: E402
from store import Library  # noqa: E402
from store.stories import StoryIndex  # noqa: E402

DATASETS = {"multinews-dev": 0.93, "basil-dev": 0.98}


def bcubed(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    """Per-article precision |pred ∩ true| / |pred| and recall |pred ∩ true| / |true|, averaged."""
    by_pred: dict[str, set[str]] = defaultdict(set)
    by_true: dict[str, set[str]] = defaultdict(set)
    for item in truth:
        by_pred[predicted[item]].add(item)
        by_true[truth[item]].add(item)
    precision = recall = 0.0
    for item in truth:
        shared = len(by_pred[predicted[item]] & by_true[truth[item]])
        precision += shared / len(by_pred[predicted[item]])
        recall += shared / len(by_true[truth[item]])
    precision /= len(truth)
    recall /= len(truth)
    return precision, recall, 2 * precision * recall / (precision + recall)


def quality(figures: list[Figure]) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-stories-"))
    try:
        with Library.open(work / "lib") as lib:
            folders = [CORPUS / name / "articles" for name in DATASETS]
            report = lib.import_paths(folders)
            start = time.perf_counter()
            stories = lib.stories(evidence=False)
            took = time.perf_counter() - start
            story_of_article = {a: s.id for s in stories for a in s.article_ids}
            # a file whose text is already in the library (7 in the dev sets) is that article;
            # a refused file (1: no text after cleaning) is a story of its own
            story_of_origin = {o.origin: story_of_article.get(o.article_id or "", f"refused:{o.origin}")
                               for o in report.outcomes}
        figures.append(Figure(f"stories for the {len(story_of_origin)} dev articles", "-", f"{took:.1f} s", None))
        for name, target in DATASETS.items():
            truth = {}
            with open(CORPUS / name / "labels.tsv", encoding="utf-8") as handle:
                for row in csv.DictReader(handle, delimiter="\t"):
                    truth[str(CORPUS / name / "articles" / row["file"])] = row["cluster"]
            predicted = {origin: story_of_origin[origin] for origin in truth}
            p, r, f = bcubed(predicted, truth)
            figures.append(Figure(f"B-cubed F1 {name} (P {p:.3f}, R {r:.3f})", f">= {target}", f"{f:.4f}", f >= target))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scale(figures: list[Figure], n: int, budget: float, incremental: bool) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"bench-stories-{n}-"))
    try:
        with Library.open(work / "lib") as lib:
            log(f"importing {n} synthetic articles…")
            batch = 5000
            for start in range(0, n, batch):
                lib.add_candidates(list(candidates(min(batch, n - start), seed=1, start=start)))
            gc.collect()
            log(f"building stories for {n}…")
            start, cpu = time.perf_counter(), time.process_time()
            stories = lib.stories(evidence=False)
            took, cpu = time.perf_counter() - start, time.process_time() - cpu
            sizes = [len(s.article_ids) for s in stories]
            # CPU time too: on a machine shared with other work, wall time says more about the load
            figures.append(Figure(f"stories for {n / 1000:g}k articles", f"< {budget:.0f} s",
                                  f"{took:.1f} s wall, {cpu:.1f} s CPU", took < budget))
            figures.append(Figure(f"  {n / 1000:g}k: stories of 2+ / largest / peak RSS", "< 2 GB RSS",
                                  f"{sum(1 for x in sizes if x > 1)} / {max(sizes)} / {_peak_rss_mb():.0f} MB",
                                  _peak_rss_mb() < 2048))
            if incremental:
                lib.add_candidates(list(candidates(100, seed=2, start=0, origin_prefix="more")))
                start = time.perf_counter()
                lib.stories(evidence=False)
                took = time.perf_counter() - start
                rebuilt = lib._story_book.index.built_size != n
                figures.append(Figure("add 100 articles to a 10k library's stories", "incremental",
                                      f"{took:.2f} s{' (REBUILT)' if rebuilt else ''}", not rebuilt))
                start = time.perf_counter()
                lib.remove([a.id for a in lib.articles()[:10]])
                lib.stories(evidence=False)
                figures.append(Figure("remove 10 articles, update stories", "-",
                                      f"{time.perf_counter() - start:.2f} s", None))
                start = time.perf_counter()
                story = max(lib.stories(evidence=False), key=lambda s: len(s.article_ids))
                lib.story(story.id, evidence=True)
                figures.append(Figure(f"evidence (links) of the largest story ({len(story.article_ids)} articles)", "-",
                                      f"{time.perf_counter() - start:.2f} s", None))
                start = time.perf_counter()
                lib.stories(evidence=True)
                figures.append(Figure("evidence (links) of every story of 2+", "-",
                                      f"{time.perf_counter() - start:.2f} s", None))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def candidate_recall(figures: list[Figure], n: int = 5000) -> None:
    """Pairs at cosine >= 0.2 and >= 0.3 (what can reach the cut once a background is subtracted)
    found by the pruned neighbour search, against the exact all-pairs cosine matrix of the same
    vectors: 2,500 synthetic articles plus the 2,325 dev articles."""
    work = Path(tempfile.mkdtemp(prefix="bench-recall-"))
    try:
        with Library.open(work / "lib") as lib:
            found = list(candidates(n // 2, seed=1, start=0))
            lib.add_candidates(found)
            folders = [CORPUS / "multinews-dev" / "articles", CORPUS / "basil-dev" / "articles"]
            lib.import_paths(folders)
            index = StoryIndex()
            index.rebuild(lib._story_infos())
            vectors = index.vectors()
            exact = (vectors @ vectors.T).toarray()
            np.fill_diagonal(exact, 0)
            for threshold in (0.2, 0.3):
                truth = set(zip(*np.nonzero(np.triu(exact) >= threshold)))
                got = {(a, b) for a, b, s in zip(index.edge_i.tolist(), index.edge_j.tolist(), index.edge_s.tolist())
                       if s >= threshold}
                recall = len(truth & got) / max(1, len(truth))
                figures.append(Figure(f"candidate recall vs all pairs, {len(index.ids)} articles, cosine >= {threshold}",
                                      ">= 0.95", f"{recall:.3f} of {len(truth)} pairs", recall >= 0.95))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--quick", action="store_true", help="only the B-cubed figures")
    parser.add_argument("--skip-100k", action="store_true")
    args = parser.parse_args()
    figures: list[Figure] = []
    quality(figures)
    if not args.quick:
        candidate_recall(figures)
        scale(figures, 10_000, 20, incremental=True)
        if not args.skip_100k:
            scale(figures, 100_000, 240, incremental=False)
    print_table(figures)
    write_json(args.json, figures)
    raise SystemExit(exit_code(figures))


if __name__ == "__main__":
    main()
