"""The whole app on a large library, headless (App.run_test), in a fresh process per measurement.

    .venv/bin/python tests/bench/bench_scale.py                  # 100k articles
    .venv/bin/python tests/bench/bench_scale.py --size 10000 --pages 50

Figures:
  launch to first paint   process start (before Textual or the store is imported) until the app's
                          first screen has the library's rows; DESIGN.md: < 1.5 s at 10k articles
                          (at 100k it is reported against the same budget: the user waits the same)
  scroll the library      one PageDown keypress until the screen is idle again, p50/p95 over --pages
                          presses; budget < 50 ms p95 (a keypress must feel immediate)
  open an article         Enter on a row until the reader shows it; budget < 200 ms
  memory                  peak RSS of that process (ru_maxrss) with the app open; DESIGN.md: < 2 GB
  search / story / compare / highlight
                          measured through the store's public API when the library has it
                          (Library.search, .stories, .compare, .annotate): the panes that use them are
                          still being built; their budgets are DESIGN.md's

The library is bench_library.cached_library (real sentences from the shared corpora, cached in
tests/bench/.data/). Exit status 1 if a figure is over budget.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the heavy imports: launch time counts them

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent.parent
for entry in (str(ROOT), str(BENCH)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from report import Figure, exit_code, log, percentile, print_table, write_json  # noqa: E402


def fmt_size(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


# --------------------------------------------------------------------------- in the measuring process
async def _drive(folder: Path, pages: int) -> dict[str, object]:
    from store import Library
    from tui.app import BroadsheetApp

    results: dict[str, object] = {}
    with Library.open(folder, read_only=True) as lib:
        app = BroadsheetApp(lib, remember_theme=False)
        async with app.run_test(size=(160, 45)) as pilot:
            table = app.library_pane.table
            while table.row_count == 0:
                await pilot.pause()
            await pilot.pause()
            results["first_paint"] = time.perf_counter() - STARTED
            results["rows"] = table.row_count
            log(f"first paint after {results['first_paint']:.2f} s ({table.row_count} rows)")
            presses = []
            for _ in range(pages):
                started = time.perf_counter()
                await pilot.press("pagedown")
                await pilot.pause()
                presses.append(time.perf_counter() - started)
            results["pagedown"] = presses
            log(f"{pages} x PageDown: p95 {percentile(presses, 95) * 1000:.0f} ms")
            started = time.perf_counter()
            await pilot.press("enter")
            while app.reader_pane.article is None:
                await pilot.pause()
            await pilot.pause()
            results["open"] = time.perf_counter() - started
            results["opened_words"] = app.reader_pane.article.word_count
        results.update(_store_features(lib))
    results["rss_peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return results


def _store_features(lib: object) -> dict[str, object]:
    """Search, stories, compare and highlight through the public API, where the library has them."""
    found: dict[str, object] = {}
    articles = lib.articles()  # type: ignore[attr-defined]
    search = getattr(lib, "search", None)
    if search is not None:
        words = [w for w in articles[len(articles) // 2].title.split() if len(w) > 4][:2] or ["border"]
        timings = []
        query = ""
        for char in " ".join(words):  # as typed, one keystroke at a time
            query += char
            started = time.perf_counter()
            search(query, limit=20)
            timings.append(time.perf_counter() - started)
        found["search"] = timings
    stories = getattr(lib, "stories", None)
    if stories is not None:
        started = time.perf_counter()
        stories()
        found["stories"] = time.perf_counter() - started
    compare = getattr(lib, "compare", None)
    if compare is not None and len(articles) >= 2:
        started = time.perf_counter()
        compare([articles[0].id, articles[1].id])
        found["compare"] = time.perf_counter() - started
    # annotate writes: only on a copy the caller made writable (this process opened read-only)
    return found


def measure(folder: Path, pages: int) -> None:
    print(json.dumps(asyncio.run(_drive(folder, pages))))


# --------------------------------------------------------------------------- the report
def figures_from(size: int, r: dict) -> list[Figure]:
    label = fmt_size(size)
    presses = r["pagedown"]
    p50, p95 = percentile(presses, 50) * 1000, percentile(presses, 95) * 1000
    peak_mb = r["rss_peak_kb"] / 1024
    out = [
        Figure(f"{label}: app launch to first paint (fresh process, headless)", "< 1.5 s",
               f"{r['first_paint']:.2f} s ({r['rows']} rows)", r["first_paint"] < 1.5),
        Figure(f"{label}: scroll the library, PageDown x {len(presses)}", "< 50 ms p95",
               f"p50 {p50:.1f} ms, p95 {p95:.1f} ms", p95 < 50),
        Figure(f"{label}: open an article (Enter to reader shown)", "< 200 ms",
               f"{r['open'] * 1000:.0f} ms ({r['opened_words']} words)", r["open"] < 0.2),
        Figure(f"{label}: peak RSS with the app open", "< 2 GB", f"{peak_mb:.0f} MB", peak_mb < 2048),
    ]
    if "search" in r:
        s95 = percentile(r["search"], 95) * 1000
        out.append(Figure(f"{label}: search per keystroke (Library.search), {len(r['search'])} keystrokes",
                          "< 50 ms p95", f"p95 {s95:.1f} ms", s95 < 50))
    if "stories" in r:
        budget = 240.0 if size > 10_000 else 20.0
        out.append(Figure(f"{label}: stories (Library.stories)", f"< {budget:.0f} s", f"{r['stories']:.1f} s",
                          r["stories"] < budget))
    if "compare" in r:
        out.append(Figure(f"{label}: compare two articles (Library.compare)", "-",
                          f"{r['compare'] * 1000:.0f} ms", None))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description="the app on a large library (see the module docstring)")
    parser.add_argument("--size", type=int, default=100_000, help="articles in the library")
    parser.add_argument("--pages", type=int, default=30, help="PageDown presses to time")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child: measure this library
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.pages)
        return 0

    import bench_library
    import corpus

    corpus.DATA.mkdir(parents=True, exist_ok=True)
    folder, built = bench_library.cached_library(args.size, args.seed)
    bench_library.reset_state(folder)
    figures: list[Figure] = []
    if built is not None:
        figures.append(Figure(f"{fmt_size(args.size)}: build the library", "-", f"{built:.0f} s", None))
    log(f"measuring the app on {fmt_size(args.size)} articles in a fresh process ...")
    done = subprocess.run([sys.executable, __file__, "--measure", str(folder), "--pages", str(args.pages)],
                          stdout=subprocess.PIPE, text=True, cwd=ROOT)  # its progress lines go to stderr as they come
    if done.returncode != 0:
        figures.append(Figure(f"{fmt_size(args.size)}: the app ran", "exit 0", f"exit {done.returncode}", False))
    else:
        figures += figures_from(args.size, json.loads(done.stdout.strip().splitlines()[-1]))
    print()
    print_table(figures)
    write_json(args.json, figures)
    return exit_code(figures)


if __name__ == "__main__":
    sys.exit(main())
