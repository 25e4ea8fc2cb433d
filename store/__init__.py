"""broadsheet's library: articles, import, search, stories, comparison and annotations, with no screen.

    from store import Library
    with Library.open(path) as lib:
        report = lib.import_paths(["a.txt", "feeds/"])
        for article in lib.articles():
            print(article.id, article.title)
"""

from .errors import (LibraryCorrupt, LibraryError, LibraryLocked, ReadOnlyLibrary, StorageWriteError,
                     UnknownArticle)
from .library import Library
from .records import Article, Candidate, ImportOutcome, ImportReport

__version__ = "0.1.0"

__all__ = [
    "Article", "Candidate", "ImportOutcome", "ImportReport", "Library", "LibraryCorrupt", "LibraryError",
    "LibraryLocked", "ReadOnlyLibrary", "StorageWriteError", "Story", "StoryLink", "UnknownArticle", "__version__",
]


def __getattr__(name: str) -> object:
    # story records live with the clustering code, which needs numpy and scipy (~0.25 s to import):
    # loaded on first use, so opening the app or a quick command does not pay for it
    if name in ("Story", "StoryLink"):
        from . import stories

        return getattr(stories, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
