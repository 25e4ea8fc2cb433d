"""broadsheet's library: articles, import, search, stories, comparison and annotations, with no screen.

    from store import Library
    with Library.open(path) as lib:
        report = lib.import_paths(["a.txt", "feeds/"])
        for article in lib.articles():
            print(article.id, article.title)
"""

from .annotations import DEFAULT_LABELS, Annotation, ReanchorSummary
from .errors import (BadAnnotation, LibraryCorrupt, LibraryError, LibraryLocked, ReadOnlyLibrary, StorageWriteError,
                     UnknownAnnotation, UnknownArticle)
from .atomic import save_text
from .export import AnnotationImportReport
from .library import Library
from .records import Article, Candidate, ImportOutcome, ImportReport
from .query import Query, QueryError, fold, parse_query

__version__ = "0.1.0"

__all__ = [
    "Annotation", "AnnotationImportReport", "Article", "BadAnnotation", "Candidate", "DEFAULT_LABELS", "ImportOutcome",
    "ImportReport", "Library", "LibraryCorrupt", "LibraryError", "LibraryLocked", "ReadOnlyLibrary", "ReanchorSummary",
    "StorageWriteError", "Story", "StoryLink", "UnknownAnnotation", "UnknownArticle", "__version__", "save_text",
    "Query", "QueryError", "SearchHit", "SearchIndex", "SearchResults", "fold", "parse_query",
    "AlignedPair", "Comparison", "CoverageGroup", "FigureDiff", "PairAlignment", "PairHeader", "SharedQuote",
    "align_texts",
]


def __getattr__(name: str) -> object:
    # story records live with the clustering code, which needs numpy and scipy (~0.25 s to import):
    # loaded on first use, so opening the app or a quick command does not pay for it
    if name in ("Story", "StoryLink"):
        from . import stories

        return getattr(stories, name)
    if name in ("SearchHit", "SearchIndex", "SearchResults"):  # the index needs numpy too
        from . import search

        return getattr(search, name)
    if name in ("AlignedPair", "FigureDiff", "PairAlignment", "SharedQuote", "align_texts"):  # numpy, rapidfuzz
        from . import alignment

        return getattr(alignment, name)
    if name in ("Comparison", "CoverageGroup", "PairHeader"):
        from . import comparison

        return getattr(comparison, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
