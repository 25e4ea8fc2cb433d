"""Library benchmarks: import, small writes, open time and memory, against DESIGN.md's budgets.

    .venv/bin/python tests/bench/bench_library.py                     # 10k and 100k
    .venv/bin/python tests/bench/bench_library.py --sizes 10000       # quicker
    .venv/bin/python tests/bench/bench_library.py --import-size 0     # skip the import figure

Figures (warm page cache; the machine has 2 cores):
  (a) import of N plain-text files (seed format) into an empty library via import_paths  < 30 s at 10k
  (b) one small write (tag one article, mark one read), p50/p95 over --writes writes, in libraries
      of each size, with few state records and with a state record for every article   < 50 ms p95
      (DESIGN.md: "save one highlight, 100k-article library < 50 ms p95"; tag/read are the small
      writes the store has today)
  (c) Library.open + articles() in this process (writable: the open also makes the rotating
      backup, which it does on every launch after a session that changed anything), read-only
      open, and a fresh process's import + open + articles() with its peak RSS (ru_maxrss).
      Budget for open + articles(): < 1.0 s, i.e. the 1.5 s first-paint budget less ~0.5 s of
      Textual import and first frame (FACTS.md); memory < 2 GB.

Generated text and libraries are cached in tests/bench/.data/ (gitignored), keyed by size, seed and
generator version; each run resets the cached libraries' state first, so runs are comparable.
Exit status 1 if a figure is over budget.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
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
from report import Figure, finish, log, percentile  # noqa: E402
from store import Library  # noqa: E402

BUILD_BATCH = 2000


def fmt_size(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


# --------------------------------------------------------------------------- libraries
def cached_library(size: int, seed: int, rebuild: bool = False) -> tuple[Path, float | None]:
    """A library of `size` synthetic articles built with add_candidates in batches, cached under
    .data/. Returns its folder and the build time (None when it came from the cache)."""
    folder = corpus.DATA / f"lib-{size}-seed{seed}-v{corpus.GENERATOR_VERSION}"
    if folder.exists() and not rebuild:
        return folder, None
    partial = folder.with_name(folder.name + ".partial")
    for stale in (folder, partial):
        if stale.exists():
            shutil.rmtree(stale)
    log(f"building the {fmt_size(size)} library in {folder} (cached for later runs) ...")
    started = time.perf_counter()
    with Library.open(partial) as lib:
        for start in range(0, size, BUILD_BATCH):
            batch = list(corpus.candidates(min(BUILD_BATCH, size - start), seed, start))
            report = lib.add_candidates(batch)
            if len(report.added) != len(batch):
                raise SystemExit(f"build: only {len(report.added)} of {len(batch)} added: {report.summary()}")
            if (start // BUILD_BATCH) % 5 == 4:
                log(f"  {start + len(batch)} articles, {time.perf_counter() - started:.0f} s")
    elapsed = time.perf_counter() - started
    partial.rename(folder)
    return folder, elapsed


def reset_state(folder: Path) -> None:
    """Back to the state right after the build: no hot state, no backups."""
    for name in ("state.json", "annotations.json", "annotations.json.journal", ".lock-owner"):
        (folder / name).unlink(missing_ok=True)
    for sub in ("backups", "corrupt"):
        shutil.rmtree(folder / sub, ignore_errors=True)


# --------------------------------------------------------------------------- (a) import
def bench_import(n: int, seed: int) -> list[Figure]:
    log(f"(a) preparing {fmt_size(n)} plain-text files ...")
    source = corpus.cached_text_folder(n, seed)
    work = Path(tempfile.mkdtemp(prefix="import-", dir=corpus.DATA))
    try:
        log(f"(a) importing {fmt_size(n)} files ...")
        started = time.perf_counter()
        with Library.open(work / "library") as lib:
            report = lib.import_paths([source])
        elapsed = time.perf_counter() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)
    added = len(report.added)
    if added != n:
        log(f"(a) warning: {report.summary()}")
    budget = 30.0 * n / 10_000
    return [Figure(f"import {fmt_size(n)} plain-text files (import_paths)", f"< {budget:.0f} s",
                   f"{elapsed:.1f} s ({added} added, {n / elapsed:.0f}/s)", elapsed < budget and added == n)]


# --------------------------------------------------------------------------- (b) small writes
def _time_writes(lib: Library, ids: list[str]) -> tuple[list[float], list[float]]:
    tag_ms, read_ms = [], []
    for article_id in ids:
        started = time.perf_counter()
        lib.tag([article_id], add=["bench"])
        tag_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        lib.set_read([article_id], True)
        read_ms.append((time.perf_counter() - started) * 1000)
    return tag_ms, read_ms


def bench_writes(folder: Path, size: int, writes: int, seed: int) -> list[Figure]:
    figures = []
    rng = random.Random(seed)
    with Library.open(folder) as lib:
        all_ids = [article.id for article in lib.articles()]
        for label in ("few state records", "state for every article"):
            if label == "state for every article":
                started = time.perf_counter()
                # one write giving every article a state record, as `import --tag` does
                lib.tag(all_ids, add=["imported"])
                bulk = time.perf_counter() - started
                state_mb = (folder / "state.json").stat().st_size / 1e6
                figures.append(Figure(f"{fmt_size(size)}: tag all {fmt_size(size)} (one bulk write)", "-",
                                      f"{bulk * 1000:.0f} ms, state.json {state_mb:.1f} MB", None))
            ids = rng.sample(all_ids, writes)
            log(f"(b) {fmt_size(size)}, {label}: {writes} x (tag, set_read) ...")
            tag_ms, read_ms = _time_writes(lib, ids)
            for what, values in (("tag one article", tag_ms), ("set_read one article", read_ms)):
                p50, p95 = statistics.median(values), percentile(values, 95)
                figures.append(Figure(f"{fmt_size(size)}, {label}: {what}", "p95 < 50 ms",
                                      f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(values):.1f} ms", p95 < 50))
    return figures


# --------------------------------------------------------------------------- (c) open and memory
OPEN_SCRIPT = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from store import Library
t1 = time.perf_counter()
rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
lib = Library.open(sys.argv[1], read_only=sys.argv[2] == "ro")
t2 = time.perf_counter()
rss_open = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
articles = lib.articles()
t3 = time.perf_counter()
rss_articles = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
hwm = next((int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")), 0)
lib.close()
print(json.dumps({"import": t1 - t0, "open": t2 - t1, "articles": t3 - t2, "n": len(articles),
                  "rss_import_kb": rss_import, "rss_open_kb": rss_open, "rss_peak_kb": rss_articles, "vm_hwm_kb": hwm}))
"""


# Linux carries a process's peak RSS across fork and exec (exec folds the old address space's peak
# into ru_maxrss), so a child started straight from this large process would report at least our
# own peak. A small launcher process in between gives the child a clean start.
LAUNCHER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


def _fresh_process(folder: Path, mode: str) -> dict:
    command = [sys.executable, "-c", LAUNCHER, sys.executable, "-c", OPEN_SCRIPT, str(folder), mode]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout)


def _touch_state(folder: Path) -> None:
    """Change state.json so the next writable open makes a backup, as after a reading session."""
    with Library.open(folder) as lib:
        first = lib.articles()[0]
        lib.set_read([first.id], not first.read)


def bench_open(folder: Path, size: int, repeats: int = 5) -> list[Figure]:
    log(f"(c) {fmt_size(size)}: open x {repeats} ...")
    opens, listing, opens_ro = [], [], []
    for _ in range(repeats):
        _touch_state(folder)
        started = time.perf_counter()
        lib = Library.open(folder)
        opened = time.perf_counter()
        articles = lib.articles()
        listed = time.perf_counter()
        lib.close()
        assert len(articles) == size, (len(articles), size)
        opens.append(opened - started)
        listing.append(listed - opened)
        del articles, lib
        started = time.perf_counter()
        with Library.open(folder, read_only=True):
            opens_ro.append(time.perf_counter() - started)
    _touch_state(folder)
    fresh = _fresh_process(folder, "rw")
    fresh_ro = _fresh_process(folder, "ro")
    total = [o + a for o, a in zip(opens, listing)]
    fresh_total = fresh["open"] + fresh["articles"]
    peak_mb = fresh["rss_peak_kb"] / 1024
    articles_json_mb = (folder / "articles.json").stat().st_size / 1e6
    return [
        Figure(f"{fmt_size(size)}: Library.open (writable, with backup), median of {repeats}", "-",
               f"{statistics.median(opens) * 1000:.0f} ms (articles.json {articles_json_mb:.0f} MB)", None),
        Figure(f"{fmt_size(size)}: Library.open (read-only), median of {repeats}", "-",
               f"{statistics.median(opens_ro) * 1000:.0f} ms", None),
        Figure(f"{fmt_size(size)}: lib.articles(), median of {repeats}", "-",
               f"{statistics.median(listing) * 1000:.0f} ms", None),
        Figure(f"{fmt_size(size)}: open + articles(), median of {repeats}", "< 1.0 s",
               f"{statistics.median(total) * 1000:.0f} ms", statistics.median(total) < 1.0),
        Figure(f"{fmt_size(size)}: fresh process: import store / open+articles()", "< 1.0 s",
               f"{fresh['import'] * 1000:.0f} ms / {fresh_total * 1000:.0f} ms "
               f"(read-only: {(fresh_ro['open'] + fresh_ro['articles']) * 1000:.0f} ms)", fresh_total < 1.0),
        Figure(f"{fmt_size(size)}: peak RSS, fresh process, open + articles()", "< 2 GB",
               f"{peak_mb:.0f} MB (after import {fresh['rss_import_kb'] / 1024:.0f} MB, "
               f"after open {fresh['rss_open_kb'] / 1024:.0f} MB; VmHWM {fresh['vm_hwm_kb'] / 1024:.0f} MB)",
               peak_mb < 2048),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description="broadsheet library benchmarks (see the module docstring)")
    parser.add_argument("--sizes", default="10000,100000", help="library sizes for (b) and (c), comma-separated")
    parser.add_argument("--import-size", type=int, default=10_000, help="files for (a); 0 skips it")
    parser.add_argument("--writes", type=int, default=50, help="small writes per measurement")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached libraries")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    corpus.DATA.mkdir(parents=True, exist_ok=True)

    figures: list[Figure] = []
    if args.import_size:
        figures += bench_import(args.import_size, args.seed)
    for size in sizes:
        folder, built = cached_library(size, args.seed, args.rebuild)
        if built is not None:
            figures.append(Figure(f"{fmt_size(size)}: build via add_candidates (batches of {BUILD_BATCH})", "-",
                                  f"{built:.1f} s", None))
        reset_state(folder)
        figures += bench_open(folder, size)
        figures += bench_writes(folder, size, args.writes, args.seed)
        reset_state(folder)

    return finish(figures, args.json)


if __name__ == "__main__":
    sys.exit(main())
