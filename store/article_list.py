"""What Library.articles() returns: the articles in order, each made when it is first read.

A 100k-article library's launch spent 0.5 s making an Article for every row, of which the first
screen shows 45. This list fixes the order and the records at the call and makes an Article (with
the reading state as it is then) the first time it is read; `column()` gives one record field of
every article, for sorting and grouping, without making any.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence, overload

from .records import Article

COLUMNS = frozenset({"id", "title", "source", "date", "word_count"})


class ArticleList(Sequence[Article]):
    """A read-mostly sequence of Articles; `list[Article]` where one is given (equal to a list with
    the same articles). Assigning an index replaces that article (a row whose state changed)."""

    __slots__ = ("_records", "_made", "_make", "_columns")

    def __init__(self, ids: list[str], records: list[dict[str, Any]],
                 make: Callable[[dict[str, Any]], Article]) -> None:
        self._records = records
        self._made: list[Article | None] = [None] * len(records)
        self._make = make
        self._columns: dict[str, list[Any]] = {"id": ids}  # each made once: 45 ms a column at 100k

    def __len__(self) -> int:
        return len(self._records)

    @overload
    def __getitem__(self, index: int) -> Article: ...

    @overload
    def __getitem__(self, index: slice) -> list[Article]: ...

    def __getitem__(self, index: int | slice) -> Article | list[Article]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._records)))]
        article = self._made[index]
        if article is None:
            article = self._made[index] = self._make(self._records[index])
        return article

    def __setitem__(self, index: int, article: Article) -> None:
        self._made[index] = article

    def __iter__(self) -> Iterator[Article]:
        made, records, make = self._made, self._records, self._make
        for index, article in enumerate(made):
            if article is None:
                article = made[index] = make(records[index])
            yield article

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (ArticleList, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return f"<ArticleList of {len(self)}>"

    def column(self, name: str) -> list[Any]:
        """One field of every article, in order, read from the records: "id", "title", "source",
        "date" (published, else imported) or "word_count". The values are as they were when first
        asked for (the list is not to be changed)."""
        found = self._columns.get(name)
        if found is None:
            if name not in COLUMNS:
                raise ValueError(f"no column {name!r}; one of {sorted(COLUMNS)}")
            if name == "date":
                found = [record["published"] or record["imported_at"] for record in self._records]
            else:
                found = [record[name] for record in self._records]
            self._columns[name] = found
        return found
