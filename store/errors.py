"""Errors the library raises. Each carries a one-line message meant for the user."""

from __future__ import annotations


class LibraryError(Exception):
    """Base class: anything the command line or the app shows as a one-line error."""


class LibraryLocked(LibraryError):
    """Another process holds the library's write lock."""


class LibraryCorrupt(LibraryError):
    """A library file does not parse. It is left untouched; `broadsheet doctor` can restore it."""

    def __init__(self, message: str, files: list[str]) -> None:
        super().__init__(message)
        self.files = files


class ReadOnlyLibrary(LibraryError):
    """A write was attempted on a library opened read-only."""


class StorageWriteError(LibraryError):
    """A write failed (disk full, I/O error, permissions). The files on disk are unchanged."""


class UnknownArticle(LibraryError, KeyError):
    """No article has that id (or the prefix is ambiguous)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "unknown article"


class BadAnnotation(LibraryError, ValueError):
    """A highlight or an annotation file that cannot be stored as given (nothing was changed)."""


class UnknownAnnotation(LibraryError, KeyError):
    """No annotation has that id (or the prefix is ambiguous)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown annotation"
