"""Alignment benchmark: time to align two ~2,000-word reports (budget < 50 ms) and a whole
`Library.compare` of a pair.

    .venv/bin/python tests/bench/bench_align.py [--repeat 30] [--json out.json]

Pairs: (1) real independent reports of one event: for each outlet (Fox, NYT, HuffPost) the BASIL
dev articles of several events concatenated in the same event order until ~2,000 words, so the
two sides share events but not wording; (2) the seed pair 000/001 padded the same way with the
other seed articles (a wire story and its rewrite, ~2,000 words each); (3) a report against a
lightly edited copy of itself (most sentences aligned, word diffs everywhere: the worst case for
the diff pass). Each is aligned `--repeat` times: p50 and p95.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
for entry in (str(HERE), str(HERE.parents[1])):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from report import Figure, log, percentile, print_table, write_json, exit_code  # noqa: E402

from store import Library, align_texts  # noqa: E402
from store.demo import demo_files  # noqa: E402

BASIL = Path("/work/shared/corpus/basil-dev")
TARGET_WORDS = 2000


def _body(path: Path) -> str:
    return path.read_text(encoding="utf-8").partition("\n\n")[2]


def _fill(parts: list[str]) -> str:
    text, words = [], 0
    for part in parts:
        text.append(part)
        words += len(part.split())
        if words >= TARGET_WORDS:
            break
    return "\n\n".join(text)


def basil_pair() -> tuple[str, str]:
    rows = list(csv.DictReader((BASIL / "labels.tsv").open(encoding="utf-8"), delimiter="\t"))
    by_event: dict[str, dict[str, Path]] = {}
    for row in rows:
        by_event.setdefault(row["cluster"], {})[row["outlet"]] = BASIL / "articles" / row["file"]
    events = [e for e in sorted(by_event) if {"fox", "nyt"} <= set(by_event[e])]
    return (_fill([_body(by_event[e]["fox"]) for e in events]), _fill([_body(by_event[e]["nyt"]) for e in events]))


def seed_pair() -> tuple[str, str]:
    files = sorted(demo_files(), key=lambda p: Path(p).name)
    bodies = [_body(Path(p)) for p in files]
    return _fill([bodies[0], bodies[2], bodies[3], bodies[0]] * 3), _fill([bodies[1], bodies[4], bodies[1]] * 3)


def edited_pair(text: str) -> tuple[str, str]:
    rng = random.Random(5)
    words = text.split(" ")
    edited = [w if rng.random() > 0.05 else rng.choice(["reportedly", "7", "new", "the"]) for w in words]
    return text, " ".join(edited)


def time_align(a: str, b: str, repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per alignment (CPU time shows the cost on a shared machine)."""
    align_texts(a, b)  # warm up (imports, regex compilation)
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        align_texts(a, b)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return times, cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    figures: list[Figure] = []
    pairs = [("seed 000/001 padded", seed_pair())]
    if BASIL.is_dir():
        pairs.insert(0, ("BASIL fox vs nyt", basil_pair()))
    pairs.append(("edited copy", edited_pair(pairs[0][1][0])))
    for name, (a, b) in pairs:
        log(f"aligning {name}: {len(a.split())} vs {len(b.split())} words")
        times, cpu = time_align(a, b, args.repeat)
        result = align_texts(a, b)
        p50, p95 = statistics.median(times), percentile(times, 95)
        figures.append(Figure(f"align {name} ({len(a.split())}/{len(b.split())} words), p50", "< 50 ms",
                              f"{p50:.1f} ms", p50 < 50))
        figures.append(Figure(f"align {name}, p95", "< 50 ms", f"{p95:.1f} ms ({len(result.pairs)} pairs, "
                              f"{len(result.figures)} figures differ)", p95 < 50))
        figures.append(Figure(f"align {name}, CPU time p50 / p95", "-",
                              f"{statistics.median(cpu):.1f} / {percentile(cpu, 95):.1f} ms", None))
    with tempfile.TemporaryDirectory() as folder, Library.open(Path(folder) / "lib") as library:
        library.import_paths(demo_files())
        ids = {Path(a.origin).name[:3]: a.id for a in library.articles()}
        library.compare([ids["000"], ids["001"]])  # warm the boilerplate cache, as an open app has it
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            library.compare([ids["000"], ids["001"]])
            times.append((time.perf_counter() - start) * 1000)
        figures.append(Figure("Library.compare seed 000/001, p95", "-", f"{percentile(times, 95):.1f} ms", None))
        start = time.perf_counter()
        library.compare(list(ids.values()))
        figures.append(Figure("Library.compare all 5 seeds + coverage", "-",
                              f"{(time.perf_counter() - start) * 1000:.1f} ms", None))
    print_table(figures)
    write_json(args.json, figures)
    return exit_code(figures)


if __name__ == "__main__":
    raise SystemExit(main())
