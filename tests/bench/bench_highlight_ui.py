"""What a colour key costs in the app: from the key's action to the highlight drawn and confirmed.

Builds a library of N synthetic articles (real sentences, tests/bench/corpus.py) with H highlights
already in it, opens an article in the headless app, and times `Highlighter.color` (the store's
annotate, which is on disk when it returns, then re-reading the article's highlights for every view
of it and updating the library row's count) for many selections. The store's own save budget
(< 50 ms p95 at 100k articles) is measured by the notes branch; this is the app's share on top.

    .venv/bin/python tests/bench/bench_highlight_ui.py [--articles 10000] [--highlights 2000] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import candidates  # noqa: E402
from report import Figure, exit_code, log, percentile, print_table, write_json  # noqa: E402

from store import Library  # noqa: E402
from tui.app import BroadsheetApp  # noqa: E402
from tui.highlighter import highlighter  # noqa: E402


async def _measure(library: Library, saves: int) -> list[float]:
    app = BroadsheetApp(library, remember_theme=False)
    times: list[float] = []
    async with app.run_test(size=(160, 45)) as pilot:
        article = library.articles()[0]
        app.open_article(article.id)
        await pilot.pause()
        view = app.reader_pane.view
        view.enter_highlight_mode()
        body = view.text
        for index in range(saves):
            start = (index * 37) % max(1, len(body) - 40)
            view.cursor = start
            view.mark = start
            view.cursor = start + 25
            began = time.perf_counter()
            highlighter(app).color(view, 1 + index % 5)
            times.append((time.perf_counter() - began) * 1000)
        await pilot.pause()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--highlights", type=int, default=2_000)
    parser.add_argument("--saves", type=int, default=100)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        with Library.open(Path(folder) / "lib") as library:
            log(f"building {args.articles} articles ...")
            library.add_candidates(list(candidates(args.articles)))
            ids = [a.id for a in library.articles()]
            log(f"adding {args.highlights} highlights ...")
            for index in range(args.highlights):
                article_id = ids[(index * 7919) % len(ids)]
                library.annotate(article_id, 0, 20, color=1 + index % 5)
            times = asyncio.run(_measure(library, args.saves))
    p50, p95 = percentile(times, 50), percentile(times, 95)
    figures = [
        Figure(f"colour key -> highlight drawn and confirmed, p50 ({args.articles} articles, "
               f"{args.highlights} highlights)", "-", f"{p50:.1f} ms", None),
        Figure("colour key -> highlight drawn and confirmed, p95", "< 50 ms", f"{p95:.1f} ms", p95 < 50),
    ]
    print_table(figures)
    write_json(args.json, figures)
    return exit_code(figures)


if __name__ == "__main__":
    raise SystemExit(main())
