"""Regenerates screenshots/*.svg by driving the real app headless on a fresh demo library."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from store import Library
from store.demo import make_demo_library

from .app import BroadsheetApp

WIDE = (160, 45)
NARROW = (80, 24)


async def _shoot(library_path: Path, out: Path) -> list[Path]:
    written: list[Path] = []

    async def session(name: str, size: tuple[int, int], keys: list[str]) -> None:
        with Library.open(library_path) as library:
            app = BroadsheetApp(library, remember_theme=False)
            async with app.run_test(size=size) as pilot:
                await pilot.pause()
                for key in keys:
                    await pilot.press(key)
                    await pilot.pause()
                app.save_screenshot(f"{name}.svg", str(out))
                written.append(out / f"{name}.svg")

    async def compare_session(name: str, size: tuple[int, int], origins: list[str], keys: list[str]) -> None:
        """The compare pane (or, for more than three, the coverage view) on demo articles chosen by
        file name, opened the way a person does: pick each in the library (m), then compare (c)."""
        with Library.open(library_path) as library:
            app = BroadsheetApp(library, remember_theme=False)
            by_origin = {Path(a.origin).name[:4]: a.id for a in library.articles()}
            async with app.run_test(size=size) as pilot:
                await pilot.pause()
                for origin in origins:
                    app.library_pane.picked.append(by_origin[origin])
                app.refresh_library()
                await pilot.press("c")
                await pilot.pause()
                for key in keys:
                    await pilot.press(key)
                    await pilot.pause()
                app.save_screenshot(f"{name}.svg", str(out))
                written.append(out / f"{name}.svg")

    await session("library", WIDE, [])
    await session("reader", WIDE, ["down", "enter", "pagedown"])
    await session("help", WIDE, ["question_mark"])
    await session("narrow-library", NARROW, [])
    await session("narrow-reader", NARROW, ["enter"])
    await compare_session("compare", WIDE, ["000_", "001_"], ["n", "n"])
    await compare_session("coverage", WIDE, ["000_", "001_", "002_", "003_", "004_"], [])
    await compare_session("narrow-compare", NARROW, ["000_", "001_"], ["n"])
    return written


def make_screenshots(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    library_path = make_demo_library()
    try:
        return asyncio.run(_shoot(library_path, out))
    finally:
        shutil.rmtree(library_path.parent, ignore_errors=True)
