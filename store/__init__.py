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
from .stories import Story, StoryLink

__version__ = "0.1.0"

__all__ = [
    "Article", "Candidate", "ImportOutcome", "ImportReport", "Library", "LibraryCorrupt", "LibraryError",
    "LibraryLocked", "ReadOnlyLibrary", "StorageWriteError", "Story", "StoryLink", "UnknownArticle", "__version__",
]
