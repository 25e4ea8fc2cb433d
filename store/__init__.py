"""broadsheet's library: articles, import, search, stories, comparison and annotations, with no screen.

    from store import Library
    with Library.open(path) as lib:
        report = lib.import_paths(["a.txt", "feeds/"])
        for article in lib.articles():
            print(article.id, article.title)
"""

from .errors import (LibraryCorrupt, LibraryError, LibraryLocked, ReadOnlyLibrary, StorageWriteError,
                     UnknownArticle)
from .alignment import AlignedPair, FigureDiff, PairAlignment, SharedQuote, align_texts
from .comparison import Comparison, CoverageGroup, PairHeader
from .library import Library
from .records import Article, Candidate, ImportOutcome, ImportReport

__version__ = "0.1.0"

__all__ = [
    "AlignedPair", "Comparison", "CoverageGroup", "FigureDiff", "PairAlignment", "PairHeader", "SharedQuote",
    "align_texts",
    "Article", "Candidate", "ImportOutcome", "ImportReport", "Library", "LibraryCorrupt", "LibraryError",
    "LibraryLocked", "ReadOnlyLibrary", "StorageWriteError", "UnknownArticle", "__version__",
]
