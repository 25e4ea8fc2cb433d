"""The whole app on a large library, headless (App.run_test), every pane driven by key presses.

    .venv/bin/python tests/bench/bench_scale.py                  # 100k articles
    .venv/bin/python tests/bench/bench_scale.py --size 10000 --pages 50
    .venv/bin/python tests/bench/bench_scale.py --skip-stories   # without the (minutes-long) stories figure

One fresh process opens the library writable, as `broadsheet` does (the open makes its backup),
and uses it as a person would, through Pilot key presses at 160x45: the library, PageDown, Enter,
search as you type, pick two articles and compare them, highlight in the reader, export.

Each key's figure is from the key press until the app's last frame before it went idle (or, for
search, the frame that shows that keystroke's results), wall time; and the process's CPU time
over the same interval (the machine is shared: CPU time is the steadier figure). A frame here is
the compositor's update encoded as the terminal would get it (headless Textual composes frames
but writes nothing; this bench encodes them, so that cost counts). Pilot's own waits for idle
are not counted in the wall figure; they are in the CPU figure (a few polls, well under 1 ms).

Figures and budgets (DESIGN.md; a key press has 50 ms unless DESIGN.md says otherwise):
  launch to first paint   process start (before Textual or the store is imported) until the first
                          frame with the library's rows; < 1.5 s (DESIGN.md says at 10k; at 100k
                          the user waits the same)
  scroll the library      PageDown, p50/p95 over --pages presses; < 50 ms p95
  open an article         Enter on a row until the reader shows it; < 200 ms
  search                  `/` until the first results (the index is built, or loaded from
                          search-index.npz, once per session: its own figure), then each keystroke
                          of a query until its results are drawn; < 50 ms p95
  pick / compare          `m` on two rows (< 50 ms), `c` until the compare screen is drawn (the
                          alignment of two reports: < 50 ms, plus drawing)
  highlight               a colour key on a selection in the reader until the first frame after the
                          highlight was saved (on disk) and given to the view; < 50 ms p95
                          (DESIGN.md: save one highlight, 100k library). Also to the last frame,
                          when the "Highlighted" notice has been drawn too (informational)
  export                  Enter in the export dialog until the file is written; informational
  memory                  peak RSS of the process (ru_maxrss) after every pane was used; < 2 GB
  stories                 Library.stories() with evidence (what `broadsheet stories --json` asks
                          for), in a second fresh process after the app's, read-only; < 4 min at
                          100k (< 20 s at 10k), and that process's peak RSS < 2 GB

The library is bench_library.cached_library (real sentences from the shared corpora, cached in
tests/bench/.data/); each run resets its state first (bench_library.reset_state), including a
stories index saved by the last run, so every run starts from the same library.
Exit status 1 if a figure is over budget.
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

from report import Figure, finish, log, percentile  # noqa: E402


def fmt_size(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


# --------------------------------------------------------------------------- in the measuring process
class FrameClock:
    """When the app wrote each frame. Headless Textual composes every frame but sends it nowhere;
    this encodes it as a terminal would get it (so that cost counts) and notes the time."""

    def __init__(self, app: object) -> None:
        from textual._compositor import CompositorUpdate

        self.times: list[float] = []
        original = app._display  # type: ignore[attr-defined]

        def display(screen: object, renderable: object) -> None:
            original(screen, renderable)
            if renderable is None or app._batch_count:  # type: ignore[attr-defined]
                return
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)  # type: ignore[attr-defined]
            self.times.append(time.perf_counter())

        app._display = display  # type: ignore[attr-defined]

    def first_after(self, moment: float) -> float | None:
        return next((t for t in self.times if t >= moment), None)

    def last_after(self, moment: float) -> float | None:
        return self.times[-1] if self.times and self.times[-1] >= moment else None


class Timer:
    """Wall (key to frame) and CPU time of key presses, in seconds."""

    def __init__(self, pilot: object, clock: FrameClock) -> None:
        self.pilot = pilot
        self.clock = clock

    async def press(self, *keys: str, until: object = None, effect: object = None,
                    timeout: float = 600.0) -> tuple[float, float]:
        """Press `keys`; wait until `until()` is true (if given) and the app is idle. Wall time is
        to the last frame before idle, or to the first frame after `effect()` (a time) if given."""
        pilot = self.pilot
        started, cpu = time.perf_counter(), time.process_time()
        await pilot.press(*keys)  # type: ignore[attr-defined]
        while until is not None and not until():  # type: ignore[operator]
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"timed out after {timeout:.0f} s waiting on {keys}")
            await pilot.pause(0.002)  # type: ignore[attr-defined]
        await pilot.pause()  # type: ignore[attr-defined]
        cpu = time.process_time() - cpu
        moment = effect() if effect is not None else None  # type: ignore[operator]
        frame = self.clock.first_after(moment) if moment is not None else self.clock.last_after(started)
        return (frame if frame is not None else time.perf_counter()) - started, cpu


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _drive(folder: Path, pages: int, saves: int, results: dict[str, object]) -> None:
    from store import Library
    from tui.app import BroadsheetApp
    from tui.compare_pane import CompareScreen
    from tui.search_pane import SearchInput, SearchScreen

    with Library.open(folder) as lib:
        app = BroadsheetApp(lib, remember_theme=False, build_stories=False)  # the panes, not a background build
        clock = FrameClock(app)
        async with app.run_test(size=(160, 45)) as pilot:
            timer = Timer(pilot, clock)
            table = app.library_pane.table
            while not clock.times or table.row_count == 0:
                await pilot.pause()
            results["first_paint"] = clock.times[0] - STARTED
            results["rows"] = table.row_count
            log(f"first paint after {results['first_paint']:.2f} s ({table.row_count} rows)")
            await pilot.pause()

            # ---- scroll the library
            presses = [await timer.press("pagedown") for _ in range(pages)]
            results["pagedown"] = presses
            log(f"{pages} x PageDown: p95 {percentile([w for w, _ in presses], 95) * 1000:.0f} ms wall, "
                f"{percentile([c for _, c in presses], 95) * 1000:.0f} ms CPU")

            # ---- pick two articles, compare them
            async def onto_article() -> None:
                while app.library_pane.selected is None:  # a group's header row: the next row
                    await pilot.press("down")

            await onto_article()
            picks = [await timer.press("m")]
            await pilot.press("down")
            await onto_article()
            picks.append(await timer.press("m"))
            assert len(app.library_pane.picked) == 2, app.library_pane.picked
            results["pick"] = picks
            results["compare"] = await timer.press("c", until=lambda: isinstance(app.screen, CompareScreen))
            log(f"compare: {results['compare'][0] * 1000:.0f} ms wall")
            await pilot.press("escape")
            await pilot.pause()

            # ---- open an article
            results["open"] = await timer.press("enter", until=lambda: app.reader_pane.article is not None)
            results["opened_words"] = app.reader_pane.article.word_count
            log(f"open: {results['open'][0] * 1000:.0f} ms wall")

            # ---- highlight: in the reader (focused after Enter): v, then per save: space, w w w, 1
            view = app.reader_pane.view
            drawn: list[float] = []  # when the view was given its highlights (after the save)
            original_set_annotations = view.set_annotations

            def set_annotations(annotations: object) -> None:
                original_set_annotations(annotations)
                drawn.append(time.perf_counter())

            view.set_annotations = set_annotations  # type: ignore[method-assign]
            await pilot.press("v")
            await pilot.pause()
            highlights, settled = [], []
            for index in range(saves):
                await pilot.press("space", "w", "w", "w")
                await pilot.pause()
                before = len(lib.annotations(view.article_id))
                drawn.clear()
                started = time.perf_counter()
                highlights.append(await timer.press(str(1 + index % 5), until=lambda: len(view.annotations) > before,
                                                    effect=lambda: drawn[-1]))
                settled.append(((clock.last_after(started) or time.perf_counter()) - started, highlights[-1][1]))
                await pilot.press("w")
            await pilot.press("escape")
            await pilot.pause()
            results["highlight"] = highlights
            results["highlight_settled"] = settled
            log(f"{saves} highlights: p95 {percentile([w for w, _ in highlights], 95) * 1000:.0f} ms wall")

            # ---- export the highlights
            target = folder.parent / f"bench-export-{folder.name}.md"
            target.unlink(missing_ok=True)
            await pilot.press("E")
            await pilot.pause()
            app.screen.query_one("#export-path").value = str(target)
            results["export"] = await timer.press("enter", until=target.exists)
            results["exported_kb"] = target.stat().st_size / 1024
            target.unlink(missing_ok=True)
            log(f"export: {results['export'][0] * 1000:.0f} ms wall")

            # ---- search: the index once, then a query typed one key at a time
            shown: dict[str, float] = {}
            started = time.perf_counter()
            await pilot.press("slash")
            screen = app.screen
            assert isinstance(screen, SearchScreen)
            screen.query_one(SearchInput).cursor_blink = False
            original_show = screen._show

            def show(generation: int, query: str, found: object, *rest: object) -> None:
                original_show(generation, query, found, *rest)
                shown[query] = time.perf_counter()

            screen._show = show  # type: ignore[method-assign]
            while screen.shown_query is None:
                await pilot.pause(0.01)
            results["search_index"] = time.perf_counter() - started
            log(f"search index ready after {results['search_index']:.1f} s")
            await pilot.pause()
            articles = lib.articles()
            words = [w for w in articles[len(articles) // 2].title.split() if len(w) > 4 and w.isalpha()][:2]
            words = words or ["border"]
            del articles
            typed = ""
            keystrokes = []
            for char in " ".join(words):
                typed += char
                query = typed
                keystrokes.append(await timer.press("space" if char == " " else char,
                                                    until=lambda: query in shown, effect=lambda: shown[query]))
            results["search"] = keystrokes
            results["query"] = typed
            log(f"search {typed!r}: p95 {percentile([w for w, _ in keystrokes], 95) * 1000:.0f} ms wall")
            results["search_open"] = await timer.press("enter", until=lambda: not isinstance(app.screen, SearchScreen))
        results["rss_app_mb"] = _rss_mb()


def _stories(folder: Path, results: dict[str, object]) -> None:
    from store import Library

    with Library.open(folder, read_only=True) as lib:  # read-only: no stories.npz left for the next run
        started, cpu = time.perf_counter(), time.process_time()
        stories = lib.stories()
        results["stories"] = (time.perf_counter() - started, time.process_time() - cpu)
        results["story_count"] = sum(1 for story in stories if len(story.article_ids) > 1)
    results["rss_stories_mb"] = _rss_mb()


def measure(folder: Path, pages: int, saves: int, stories: bool) -> None:
    results: dict[str, object] = {}
    if stories:  # its own fresh process, as `broadsheet stories` is: memory is its own
        log("stories (Library.stories, with evidence) ...")
        _stories(folder, results)
    else:
        asyncio.run(_drive(folder, pages, saves, results))
    print(json.dumps(results))


# --------------------------------------------------------------------------- the report
def _key_figure(label: str, what: str, timings: list[list[float]], budget_ms: float, *, p: int = 95) -> Figure:
    walls = [w * 1000 for w, _ in timings]
    cpus = [c * 1000 for _, c in timings]
    if len(timings) == 1:
        result = f"{walls[0]:.0f} ms wall, {cpus[0]:.0f} ms CPU"
        return Figure(f"{label}: {what}", f"< {budget_ms:.0f} ms", result, walls[0] < budget_ms)
    result = (f"wall p50 {percentile(walls, 50):.1f} / p{p} {percentile(walls, p):.1f} ms; "
              f"CPU p50 {percentile(cpus, 50):.1f} / p{p} {percentile(cpus, p):.1f} ms")
    return Figure(f"{label}: {what} x {len(timings)}", f"< {budget_ms:.0f} ms p{p}", result,
                  percentile(walls, p) < budget_ms)


def _informational(figure: Figure) -> Figure:
    return Figure(figure.name, "-", figure.result, None)


def figures_from(size: int, r: dict) -> list[Figure]:
    label = fmt_size(size)
    out = [
        Figure(f"{label}: app launch to first paint (fresh process, headless)", "< 1.5 s",
               f"{r['first_paint']:.2f} s ({r['rows']} rows)", r["first_paint"] < 1.5),
        _key_figure(label, "scroll the library, PageDown", r["pagedown"], 50),
        _key_figure(label, "pick an article to compare (m)", r["pick"], 50),
        _key_figure(label, "compare two articles (c until drawn)", [r["compare"]], 200),
        _key_figure(label, f"open an article (Enter; {r['opened_words']} words)", [r["open"]], 200),
        _key_figure(label, "highlight: colour key, saved and drawn", r["highlight"], 50),
        _informational(_key_figure(label, "highlight: ... and its notice drawn (last frame)",
                                   r["highlight_settled"], 50)),
        _key_figure(label, f"export highlights (Enter; {r['exported_kb']:.0f} KB)", [r["export"]], 1000),
        Figure(f"{label}: search index ready (first /; built, or loaded from search-index.npz)", "-",
               f"{r['search_index']:.1f} s", None),
        _key_figure(label, f"search per keystroke ({r['query']!r})", r["search"], 50),
        _key_figure(label, "open a search result (Enter)", [r["search_open"]], 200),
        Figure(f"{label}: peak RSS, every pane used", "< 2 GB", f"{r['rss_app_mb']:.0f} MB", r["rss_app_mb"] < 2048),
    ]
    if "stories" in r:
        budget = 240.0 if size > 10_000 else 20.0
        wall, cpu = r["stories"]
        out.append(Figure(f"{label}: stories with evidence (Library.stories; {r['story_count']} of 2+)",
                          f"< {budget:.0f} s", f"{wall:.1f} s wall, {cpu:.1f} s CPU", wall < budget))
        out.append(Figure(f"{label}: peak RSS, stories process", "< 2 GB", f"{r['rss_stories_mb']:.0f} MB",
                          r["rss_stories_mb"] < 2048))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description="the app on a large library (see the module docstring)")
    parser.add_argument("--size", type=int, default=100_000, help="articles in the library")
    parser.add_argument("--pages", type=int, default=30, help="PageDown presses to time")
    parser.add_argument("--saves", type=int, default=20, help="highlights to time")
    parser.add_argument("--skip-stories", action="store_true", help="leave out the stories figure")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child: measure this library
    parser.add_argument("--stories-only", action="store_true", help=argparse.SUPPRESS)  # the child: stories
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.pages, args.saves, args.stories_only)
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
    (folder / "stories.npz").unlink(missing_ok=True)  # as built: the app finds no stories index
    # the launcher gives the child a clean peak RSS (Linux folds the parent's into it: bench_library)
    command = [sys.executable, "-c", bench_library.LAUNCHER, sys.executable, __file__, "--measure",
               str(folder), "--pages", str(args.pages), "--saves", str(args.saves)]
    results: dict[str, object] = {}
    for what, extra in (("the app ran", []), ("stories ran", ["--stories-only"])):
        if extra and args.skip_stories:
            continue
        done = subprocess.run(command + extra, stdout=subprocess.PIPE, text=True, cwd=ROOT)  # progress: stderr
        if done.returncode != 0:
            figures.append(Figure(f"{fmt_size(args.size)}: {what}", "exit 0", f"exit {done.returncode}", False))
            return finish(figures, args.json)
        results.update(json.loads(done.stdout.strip().splitlines()[-1]))
    figures += figures_from(args.size, results)
    return finish(figures, args.json)


if __name__ == "__main__":
    sys.exit(main())
