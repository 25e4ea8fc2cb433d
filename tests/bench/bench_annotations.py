"""Highlight benchmarks: saving one highlight, re-anchoring after edits, export and import.

    .venv/bin/python tests/bench/bench_annotations.py                    # 100k-article library
    .venv/bin/python tests/bench/bench_annotations.py --size 10000       # quicker

Figures (the machine has 2 cores; cached libraries from bench_library.cached_library):
  (a) Library.annotate (one highlight, fsynced before it returns) in an N-article library,
      p50/p95 over --writes highlights, with no other annotations and with 5,000 existing ones;
      and update_annotation (a note) with 5,000.                                   < 50 ms p95
  (b) re-anchoring 1,000 highlights after their articles were edited (a paragraph inserted at the
      top, words changed inside a third of the quotes, a tenth of the quotes deleted): the pure
      placement time (store.anchoring.place) and the whole re-import of the edited articles
      (add_candidates: bodies, articles.json, re-anchoring and one write of annotations.json).
  (c) export of 10,000 highlights in each format, importing that JSON-LD again (all present), and
      importing it into the same library with no annotations.
The existing-annotation sets are made in one bulk write (AnnotationBook.write), not 5,000 fsyncs.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent.parent
for entry in (str(ROOT), str(BENCH)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

import corpus  # noqa: E402
from bench_library import cached_library, fmt_size, reset_state  # noqa: E402
from report import Figure, finish, log, percentile  # noqa: E402
from store import Candidate, Library  # noqa: E402
from store.anchoring import Quote, place, quote_at  # noqa: E402
from store.annotations import Annotation, now  # noqa: E402


def _spans(body: str, rng: random.Random, count: int) -> list[tuple[int, int]]:
    """Sentence-like highlights: 40 to 240 characters starting at a word."""
    found = []
    for _ in range(count):
        length = rng.randint(40, 240)
        if len(body) <= length + 1:
            found.append((0, len(body)))
            continue
        start = rng.randrange(0, len(body) - length)
        while start > 0 and not body[start - 1].isspace():
            start -= 1
        found.append((start, start + length))
    return found


def bulk_annotations(lib: Library, count: int, rng: random.Random, per_article: int = 5) -> list[Annotation]:
    """`count` highlights over count/per_article random articles (more on each where the library
    has fewer: --quick's 1k library gets the export's 10k), stored in one write."""
    every = lib.articles()
    articles = rng.sample(every, min(len(every), max(1, count // per_article)))
    per_article = max(per_article, -(-count // len(articles)))
    made: list[Annotation] = []
    stamp = now()
    for article in articles:
        body = article.body
        for start, end in _spans(body, rng, per_article):
            quote = quote_at(body, start, end)
            made.append(Annotation(id=lib._notes.new_id(), article_id=article.id, start=start, end=end,
                                   exact=quote.exact, prefix=quote.prefix, suffix=quote.suffix,
                                   color=rng.randint(1, 5), note=rng.choice(["", "check this figure", "quote\nsource?"]),
                                   tags=tuple(rng.sample(["border", "trade", "figures", "quote"], rng.randint(0, 2))),
                                   created=stamp, updated=stamp, state="anchored", text_hash=article.content_hash))
            if len(made) == count:
                break
        if len(made) == count:
            break
    lib._notes.write(put=[a.to_record(a.text_hash) for a in made])
    return made


def _p(values: list[float]) -> str:
    return f"p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 95):.1f} ms, max {max(values):.1f} ms"


# --------------------------------------------------------------------------- (a) one highlight
def bench_save(lib: Library, size: int, writes: int, rng: random.Random) -> list[Figure]:
    figures = []
    articles = lib.articles()
    for label, existing in (("no other annotations", 0), ("5k existing annotations", 5000)):
        if existing:
            bulk_annotations(lib, existing - len(lib.annotations()), rng)
        timings = []
        log(f"(a) {fmt_size(size)}, {label}: {writes} x annotate ...")
        for _ in range(writes):
            article = rng.choice(articles)
            body = article.body
            ((start, end),) = _spans(body, rng, 1)
            started = time.perf_counter()
            lib.annotate(article.id, start, end, color=2, note="bench", tags=["bench"])
            timings.append((time.perf_counter() - started) * 1000)
        p95 = percentile(timings, 95)
        figures.append(Figure(f"{fmt_size(size)} articles, {label}: annotate (fsynced)", "p95 < 50 ms",
                              _p(timings), p95 < 50))
    ids = [a.id for a in rng.sample(lib.annotations(), writes)]
    timings = []
    for annotation_id in ids:
        started = time.perf_counter()
        lib.update_annotation(annotation_id, note="changed")
        timings.append((time.perf_counter() - started) * 1000)
    figures.append(Figure(f"{fmt_size(size)} articles, 5k annotations: update_annotation (note)", "p95 < 50 ms",
                          _p(timings), percentile(timings, 95) < 50))
    size_kb = (lib.path / "annotations.json").stat().st_size / 1024
    figures.append(Figure("annotations.json with ~5k highlights", "-", f"{size_kb:.0f} KB", None))
    return figures


# --------------------------------------------------------------------------- (b) re-anchoring
def _edit(body: str, quotes: list[tuple[int, int]], rng: random.Random) -> tuple[str, dict[str, int]]:
    """A paragraph at the top; inside some quotes a word changed, some quotes deleted."""
    kinds = {"shifted": 0, "edited inside": 0, "deleted": 0}
    pieces = []
    last = 0
    for start, end in sorted(quotes):
        if start < last:
            kinds["shifted"] += 1
            continue
        roll = rng.random()
        pieces.append(body[last:start])
        quote = body[start:end]
        if roll < 0.1:
            kinds["deleted"] += 1
            quote = ""
        elif roll < 0.43:
            kinds["edited inside"] += 1
            words = quote.split(" ")
            if len(words) > 3:
                words[len(words) // 2] = "EDITED"
            quote = " ".join(words)
        else:
            kinds["shifted"] += 1
        pieces.append(quote)
        last = end
    pieces.append(body[last:])
    return "An editor's note was added at the top of this article.\n\n" + "".join(pieces), kinds


def bench_reanchor(lib: Library, rng: random.Random, count: int = 1000, per_article: int = 10) -> list[Figure]:
    log(f"(b) re-anchoring {count} highlights ...")
    made = bulk_annotations(lib, count, rng, per_article=per_article)
    by_article: dict[str, list[Annotation]] = {}
    for annotation in made:
        by_article.setdefault(annotation.article_id, []).append(annotation)
    edited: dict[str, str] = {}
    totals = {"shifted": 0, "edited inside": 0, "deleted": 0}
    for article_id, marks in by_article.items():
        body = lib.get(article_id).body
        edited[article_id], kinds = _edit(body, [(a.start, a.end) for a in marks], rng)
        for key, value in kinds.items():
            totals[key] += value
    started = time.perf_counter()
    states = {"anchored": 0, "moved": 0, "orphaned": 0}
    per_call = []
    for article_id, marks in by_article.items():
        for annotation in marks:
            t0 = time.perf_counter()
            placement = place(edited[article_id], Quote(annotation.exact, annotation.prefix, annotation.suffix),
                              annotation.start, annotation.end)
            per_call.append((time.perf_counter() - t0) * 1000)
            states[placement.state] += 1
    pure = time.perf_counter() - started
    records = {article_id: lib._records[article_id] for article_id in by_article}
    candidates = [Candidate(title=records[i]["title"], body=edited[i], origin=records[i]["origin"],
                            source=records[i]["source"], url=records[i]["url"]) for i in by_article]
    started = time.perf_counter()
    report = lib.add_candidates(candidates)
    whole = time.perf_counter() - started
    after = {"anchored": 0, "moved": 0, "orphaned": 0}
    for annotation in lib.annotations(article_ids=list(by_article)):
        after[annotation.state] += 1
    return [
        Figure(f"re-anchor {count} highlights in {len(by_article)} edited articles: place() only", "-",
               f"{pure * 1000:.0f} ms ({_p(per_call)} each); edits: {totals}; result: {states}", None),
        Figure(f"re-import of those {len(by_article)} articles incl. re-anchoring (add_candidates)", "-",
               f"{whole * 1000:.0f} ms ({len(report.updated)} updated); stored: {after}", None),
    ]


# --------------------------------------------------------------------------- (c) export and import
def bench_export(lib: Library, rng: random.Random, count: int = 10_000) -> tuple[list[Figure], str]:
    missing = count - len(lib.annotations())
    if missing > 0:
        bulk_annotations(lib, missing, rng)
    chosen = lib.annotations()[:count]
    ids = list(dict.fromkeys(a.article_id for a in chosen))
    figures = []
    exported = ""
    log(f"(c) exporting {len(chosen)} highlights ...")
    for fmt in ("md", "jsonld", "csv"):
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            text = lib.export_annotations(fmt, article_ids=ids)
            timings.append(time.perf_counter() - started)
        if fmt == "jsonld":
            exported = text
        figures.append(Figure(f"export {len(chosen)} highlights as {fmt}, best of 3", "-",
                              f"{min(timings) * 1000:.0f} ms ({len(text) / 1e6:.1f} MB)", None))
    started = time.perf_counter()
    report = lib.import_annotations(exported)
    figures.append(Figure(f"import that JSON-LD again ({len(report.present)} already present)", "-",
                          f"{(time.perf_counter() - started) * 1000:.0f} ms", None))
    started = time.perf_counter()
    listed = lib.annotations()
    figures.append(Figure(f"lib.annotations() with {len(listed)} highlights", "-",
                          f"{(time.perf_counter() - started) * 1000:.0f} ms", None))
    return figures, exported


def bench_import(lib: Library, exported: str) -> list[Figure]:
    log("(c) importing the JSON-LD into the library without annotations ...")
    started = time.perf_counter()
    report = lib.import_annotations(exported)
    elapsed = time.perf_counter() - started
    return [Figure("import 10k highlights (JSON-LD) into the same articles, no annotations yet", "-",
                   f"{elapsed * 1000:.0f} ms ({report.summary()})", None)]


def main() -> int:
    parser = argparse.ArgumentParser(description="broadsheet highlight benchmarks (see the module docstring)")
    parser.add_argument("--size", type=int, default=100_000, help="articles in the library")
    parser.add_argument("--writes", type=int, default=60, help="highlights saved per measurement")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    corpus.DATA.mkdir(parents=True, exist_ok=True)
    folder, built = cached_library(args.size, args.seed)
    reset_state(folder)
    rng = random.Random(args.seed)
    figures: list[Figure] = []
    with Library.open(folder) as lib:
        figures += bench_save(lib, args.size, args.writes, rng)
    reset_state(folder)
    with Library.open(folder) as lib:
        more, exported = bench_export(lib, rng)
        figures += more
    reset_state(folder)
    with Library.open(folder) as lib:
        figures += bench_import(lib, exported)
    reset_state(folder)
    # (b) changes articles, so it runs in a library of its own (2,000 articles, built in a few seconds);
    # at 100k the re-import also rewrites articles.json (about 1 s: bench_library.py).
    work = Path(tempfile.mkdtemp(prefix="reanchor-", dir=corpus.DATA))
    try:
        with Library.open(work / "library") as lib:
            lib.add_candidates(list(corpus.candidates(2000, args.seed, 0)))
            figures += bench_reanchor(lib, rng)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return finish(figures, args.json)


if __name__ == "__main__":
    sys.exit(main())
