"""The records the library hands out. Plain dataclasses; the library owns how they are stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable


@dataclass(frozen=True)
class Article:
    """One stored article. `body` is read from disk on first use, so listing a large library
    does not load every body."""

    id: str
    title: str
    source: str
    url: str
    author: str
    published: str | None  # ISO 8601 date or datetime, as the source gave it
    imported_at: str  # ISO 8601, UTC
    origin: str  # the file path or URL it came from (with "#line N" / "#guid" for one item of many)
    content_hash: str  # sha256 of the cleaned body
    word_count: int
    language: str
    tags: tuple[str, ...] = ()
    read: bool = False
    starred: bool = False
    position: int = 0  # reading position: a code-point offset into the body
    _load_body: Callable[[], str] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def _from_fields(cls, fields: dict[str, object]) -> "Article":
        """An Article from a dict holding every field: what the generated __init__ does, without
        its one object.__setattr__ per field (a third of listing a 100k library)."""
        article = object.__new__(cls)
        article.__dict__.update(fields)
        return article

    @cached_property
    def body(self) -> str:
        return self._load_body() if self._load_body else ""

    @property
    def date(self) -> str:
        """The date to sort and show: published if known, else when it was imported."""
        return self.published or self.imported_at

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "author": self.author,
            "published": self.published,
            "imported_at": self.imported_at,
            "origin": self.origin,
            "content_hash": self.content_hash,
            "word_count": self.word_count,
            "language": self.language,
            "tags": list(self.tags),
            "read": self.read,
            "starred": self.starred,
        }


@dataclass
class Candidate:
    """What an importer found: an article before cleaning and de-duplication."""

    title: str
    body: str
    origin: str
    source: str = ""
    url: str = ""
    author: str = ""
    published: str | None = None
    tags: tuple[str, ...] = ()
    language: str = ""
    warning: str = ""  # something the user should know though the article was imported


@dataclass(frozen=True)
class ImportOutcome:
    """What happened to one input (a file, a URL, one item of a feed or JSONL file)."""

    origin: str
    status: str  # "added" | "updated" | "duplicate" | "unchanged" | "refused" | "skipped"
    message: str = ""  # the reason, for refusals and duplicates; a warning for the others
    article_id: str | None = None
    title: str = ""


@dataclass
class ImportReport:
    outcomes: list[ImportOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def _with(self, status: str) -> list[ImportOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == status]

    @property
    def added(self) -> list[ImportOutcome]:
        return self._with("added")

    @property
    def updated(self) -> list[ImportOutcome]:
        return self._with("updated")

    @property
    def duplicates(self) -> list[ImportOutcome]:
        return self._with("duplicate") + self._with("unchanged")

    @property
    def skipped(self) -> list[ImportOutcome]:
        return self._with("skipped")

    @property
    def refused(self) -> list[ImportOutcome]:
        return self._with("refused")

    def summary(self) -> str:
        parts = [f"{len(self.added)} added"]
        if self.updated:
            parts.append(f"{len(self.updated)} updated")
        parts.append(f"{len(self.duplicates)} already in the library")
        parts.append(f"{len(self.refused)} refused")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped (not a type broadsheet imports)")
        return ", ".join(parts)


ProgressCallback = Callable[[int, int | None, str], None]
"""progress(done, total or None if not known yet, what is being read now)"""


def plural(number: int, noun: str) -> str:
    """ "1 highlight", "2 highlights": counts in messages, never "highlight(s)"."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def lag_text(hours: float) -> str:
    """How much later one report came, as people say it: "40 min", "5 h", "15 days"."""
    if hours < 1:
        return f"{round(hours * 60)} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.0f} days"
