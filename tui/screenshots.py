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

    await session("library", WIDE, [])
    await session("reader", WIDE, ["down", "enter", "pagedown"])
    await session("help", WIDE, ["question_mark"])
    await session("narrow-library", NARROW, [])
    await session("narrow-reader", NARROW, ["enter"])
    return written


def make_screenshots(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    library_path = make_demo_library()
    try:
        return asyncio.run(_shoot(library_path, out))
    finally:
        shutil.rmtree(library_path.parent, ignore_errors=True)
