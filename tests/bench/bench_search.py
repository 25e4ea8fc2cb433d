"""Search benchmark: latency per keystroke at 10k and 100k articles, against fzf and ripgrep.

    .venv/bin/python tests/bench/bench_search.py                  # 10k and 100k (builds and caches them)
    .venv/bin/python tests/bench/bench_search.py --sizes 10000

For each library (real corpus sentences, tests/bench/corpus.py; cached by bench_library): the index
build time and memory, then a fixed set of queries typed one character at a time, each keystroke's
query -> ranked results (top 20, with snippets and spans) timed: p50 and p95 per keystroke (budget
p95 < 30 ms at 10k and < 100 ms at 100k). The same articles are written one per line (title and
body) and `fzf --filter` and `rg -i -F -c` are timed on each complete query, with the ratios.
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
for entry in (str(HERE), str(HERE.parents[1])):
    if entry not in sys.path:
        sys.path.insert(0, entry)

import corpus  # noqa: E402
from bench_library import cached_library, fmt_size  # noqa: E402
from report import Figure, exit_code, log, percentile, print_table, write_json  # noqa: E402
from store import Library, QueryError  # noqa: E402

QUERIES = (
    "deportaton",                      # a typo
    "pena nieto",                      # accents folded
    "border security",
    '"white house"',                   # a phrase
    "supreme court ruling",
    "climate change policy",
    "trump tariffs mexico",
    "immigration source:reuters",      # a filter
    "election after:2018",
    "helthcare reform",                # a typo
)
BUDGET_MS = {10_000: 30.0, 100_000: 100.0}
FZF_QUERIES_AT = {10_000: len(QUERIES), 100_000: 1}   # fzf takes many seconds per query at 100k
_FILTER = re.compile(r'\b[a-z]+:\S*')


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6


def write_lines(library: Library, path: Path) -> None:
    if path.exists():
        return
    log(f"writing {path.name} (one article a line) for fzf and rg ...")
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        for article in library.articles():
            out.write(f"{article.title} {article.body}".replace("\n", " ") + "\n")
    partial.rename(path)


def time_command(command: list[str], stdin_path: Path | None = None) -> float:
    started = time.perf_counter()
    if stdin_path is not None:
        with stdin_path.open("rb") as source:
            subprocess.run(command, stdin=source, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    else:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return (time.perf_counter() - started) * 1000


def bench_size(size: int, seed: int) -> list[Figure]:
    folder, built = cached_library(size, seed)
    figures: list[Figure] = []
    if built is not None:
        figures.append(Figure(f"{fmt_size(size)}: build the library", "-", f"{built:.0f} s", None))
    with Library.open(folder, read_only=True) as library:
        before = rss_mb()
        started = time.perf_counter()
        library.search_index().ensure_built()
        build = time.perf_counter() - started
        figures.append(Figure(f"{fmt_size(size)}: index ready (built, or loaded from search-index.npz)", "-",
                              f"{build:.1f} s", None))
        figures.append(Figure(f"{fmt_size(size)}: index memory (RSS growth)", "-", f"{rss_mb() - before:.0f} MB",
                              None))
        keystrokes: list[float] = []
        full: dict[str, float] = {}
        for query in QUERIES:
            for n in range(1, len(query) + 1):
                typed = query[:n]
                started = time.perf_counter()
                try:
                    results = library.search_results(typed, limit=20)
                except QueryError:
                    results = None
                elapsed = (time.perf_counter() - started) * 1000
                keystrokes.append(elapsed)
                if n == len(query):
                    full[query] = elapsed
                    top = results.hits[0].title[:50] if results and results.hits else "-"
                    log(f"  {query!r}: {results.total if results else 0} matches, {elapsed:.1f} ms; first: {top}")
        p50, p95 = percentile(keystrokes, 50), percentile(keystrokes, 95)
        budget = BUDGET_MS.get(size, 100.0)
        figures.append(Figure(f"{fmt_size(size)}: search per keystroke p50 ({len(keystrokes)} keystrokes)", "-",
                              f"{p50:.1f} ms", None))
        figures.append(Figure(f"{fmt_size(size)}: search per keystroke p95", f"< {budget:.0f} ms",
                              f"{p95:.1f} ms (max {max(keystrokes):.0f})", p95 < budget))

        lines = corpus.DATA / f"search-lines-{size}-seed{seed}-v{corpus.GENERATOR_VERSION}.txt"
        write_lines(library, lines)
    fzf, rg = shutil.which("fzf"), shutil.which("rg")
    ours_fzf: list[float] = []
    ours_rg: list[float] = []
    for query in QUERIES[: FZF_QUERIES_AT.get(size, 3)]:
        text = _FILTER.sub("", query).replace('"', "").strip()
        ours = full[query]
        if fzf:
            fzf_ms = time_command([fzf, "--filter", text], lines)
            ours_fzf.append(fzf_ms / max(ours, 0.01))
            log(f"  fzf --filter {text!r}: {fzf_ms:.0f} ms (ours {ours:.1f} ms)")
        if rg:
            rg_ms = time_command([rg, "-i", "-F", "-c", text, str(lines)])
            ours_rg.append(rg_ms / max(ours, 0.01))
            log(f"  rg -i -F {text!r}: {rg_ms:.0f} ms (ours {ours:.1f} ms)")
    if ours_fzf:
        ratio = statistics.median(ours_fzf)
        figures.append(Figure(f"{fmt_size(size)}: fzf --filter time / ours, median of {len(ours_fzf)} queries",
                              "> 1 (faster than fzf)", f"{ratio:.0f}x", ratio > 1))
    else:
        figures.append(Figure(f"{fmt_size(size)}: fzf", "-", "not installed (apt-get install fzf)", None))
    if ours_rg:
        figures.append(Figure(f"{fmt_size(size)}: rg -i time / ours, median of {len(ours_rg)} queries", "-",
                              f"{statistics.median(ours_rg):.1f}x", None))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description="broadsheet search benchmark (see the module docstring)")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    corpus.DATA.mkdir(parents=True, exist_ok=True)
    figures: list[Figure] = []
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        figures += bench_size(size, args.seed)
    print()
    print_table(figures)
    write_json(args.json, figures)
    return exit_code(figures)


if __name__ == "__main__":
    sys.exit(main())
