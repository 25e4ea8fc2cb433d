"""Build a library's stories index in a process of its own: `python -m store.story_builder PATH`.

Clustering a large library takes minutes of CPU (DESIGN.md budgets: < 20 s at 10k, < 4 min at
100k). In the app's own process it would hold the GIL and make every key press wait, so the app
starts this instead and shows the lines it prints as a progress bar:

    progress DONE TOTAL WHAT     (TOTAL is 0 when not known)
    done STORIES                 the index is saved in PATH/stories.npz
    error MESSAGE                one line; exit status 1

The library is opened read-only (the app keeps its write lock); the index is a derived cache,
written atomically, so a kill at any moment leaves the old file or the new one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .cleaning import clean_line
from .errors import LibraryError
from .library import Library


def _one_line(text: object) -> str:
    return clean_line(str(text)) or "unknown error"


def _report(done: int, total: int | None, what: str) -> None:
    print(f"progress {done} {total or 0} {_one_line(what)}", flush=True)


def build(path: Path) -> int:
    """Open the library at `path` read-only, build and save its stories index; the story count."""
    with Library.open(path, read_only=True) as library:
        return library.save_stories_index(progress=_report)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("error usage: python -m store.story_builder LIBRARY_FOLDER", flush=True)
        return 2
    try:
        stories = build(Path(args[0]))
    except (LibraryError, OSError) as error:
        print(f"error {_one_line(error)}", flush=True)
        return 1
    print(f"done {stories}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
