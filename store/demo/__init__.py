"""The demo library: the five seed articles (real reports on Mexico using border security and
immigration as leverage with the Trump administration, 2016 to 2019)."""

from __future__ import annotations

import tempfile
from pathlib import Path

DEMO_FOLDER = Path(__file__).parent


def demo_files() -> list[Path]:
    return sorted(DEMO_FOLDER.glob("*.txt"))


def make_demo_library(parent: Path | None = None) -> Path:
    """A fresh library folder holding the demo articles; the caller removes it when done."""
    from ..library import Library

    folder = Path(tempfile.mkdtemp(prefix="broadsheet-demo-", dir=parent)) / "library"
    with Library.open(folder) as library:
        library.import_paths(demo_files(), tags=["demo"])
    return folder
