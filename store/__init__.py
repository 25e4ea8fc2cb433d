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
from .stories import Story, StoryLink

__version__ = "0.1.0"

__all__ = [
    "Annotation", "AnnotationImportReport", "Article", "BadAnnotation", "Candidate", "DEFAULT_LABELS", "ImportOutcome",
    "ImportReport", "Library", "LibraryCorrupt", "LibraryError", "LibraryLocked", "ReadOnlyLibrary", "ReanchorSummary",
    "StorageWriteError", "Story", "StoryLink", "UnknownAnnotation", "UnknownArticle", "__version__", "save_text",
]
