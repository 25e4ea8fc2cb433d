"""Library.articles(): a list whose Articles are made when first read, and what that must not change."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store import Article, Candidate, Library, StorageWriteError
from store.article_list import ArticleList
from tui.app import BroadsheetApp


def _import(lib: Library, count: int) -> list[str]:
    report = lib.add_candidates([
        Candidate(title=f"Article {i:03d}", body=f"Article {i} is about subject number {i} and nothing else.",
                  origin=f"test:{i}", source=["AP", "Reuters", ""][i % 3], published=f"2024-01-{1 + i % 28:02d}")
        for i in range(count)])
    return [outcome.article_id for outcome in report.added if outcome.article_id]


def _counting(make: Callable[[dict[str, Any]], Article]) -> tuple[Callable[[dict[str, Any]], Article], list[str]]:
    made: list[str] = []

    def counted(record: dict[str, Any]) -> Article:
        made.append(record["id"])
        return make(record)
    return counted, made


def test_articles_are_the_same_as_one_by_one_in_date_order(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as lib:
        _import(lib, 40)
        lib.set_read([lib.articles()[3].id])
        articles = lib.articles()
        assert len(articles) == 40
        assert articles == [lib.get(article.id) for article in articles]
        assert [a.date for a in articles] == sorted((a.date for a in articles), reverse=True)
        assert articles[1:4] == [articles[1], articles[2], articles[3]] and articles[-1] is articles[39]
        for name in ("id", "title", "source", "date", "word_count"):
            assert articles.column(name) == [getattr(a, name) for a in articles]
        with pytest.raises(ValueError):
            articles.column("body")


def test_an_article_is_made_on_first_read_with_the_state_then(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as lib:
        ids = _import(lib, 30)
        lib._article_of, made = _counting(lib._article_of)  # type: ignore[method-assign]
        articles = lib.articles()
        assert made == []  # nothing made by the call, nor by the columns the pane sorts and groups on
        articles.column("source")
        assert made == []
        first = articles[0]
        assert articles[0] is first and made == [first.id]  # made once
        lib.set_read([articles.column("id")[5]])
        assert articles[5].read  # made after the change: the state as it is when first read
        assert not first.read  # made before it: a snapshot, as Articles always are
        removed = articles.column("id")[7]
        lib.remove([removed])
        assert removed not in lib.articles().column("id")
        assert articles[7].id == removed and articles[7].title  # the list holds its records: a removed article can still be read from it
        assert sorted(a.id for a in articles) == sorted(ids)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=8), st.sampled_from(["AP", "", "Reuters"]),
                          st.one_of(st.none(), st.sampled_from(["2024-01-02", "2023-05-06T07:08:09+00:00"])),
                          st.integers(0, 5000)), max_size=30))
def test_columns_are_the_articles_fields(rows: list[tuple[str, str, str | None, int]]) -> None:
    records = [{"id": f"id{i}", "title": title, "source": source, "published": published,
                "imported_at": "2026-01-01T00:00:00+00:00", "word_count": words}
               for i, (title, source, published, words) in enumerate(rows)]

    def make(record: dict[str, Any]) -> Article:
        return Article(id=record["id"], title=record["title"], source=record["source"], url="", author="",
                       published=record["published"], imported_at=record["imported_at"], origin="",
                       content_hash="", word_count=record["word_count"], language="en")

    articles = ArticleList([r["id"] for r in records], records, make)
    for name in ("id", "title", "source", "date", "word_count"):
        assert articles.column(name) == [getattr(make(r), name) for r in records]
    assert list(articles) == [make(r) for r in records]


def test_a_failed_update_leaves_the_records_as_they_were(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The library's records are the storage's parsed dicts (no copy at open); an import that
    updates an article copies them before TinyDB changes them, so a failed write changes nothing."""
    source = tmp_path / "story.txt"
    source.write_text("First title\n\nThe first version of the text, long enough to be an article body.\n")
    with Library.open(tmp_path / "lib") as lib:
        lib.import_paths([source])
        (before,) = lib.articles()
    source.write_text("Second title\n\nThe second version of the text, long enough to be an article body.\n")
    with Library.open(tmp_path / "lib") as lib:
        import store.storage

        def failing(*args: object, **kwargs: object) -> None:
            raise StorageWriteError("could not write articles.json: No space left on device")
        monkeypatch.setattr(store.storage, "atomic_write", failing)
        with pytest.raises(StorageWriteError):
            lib.import_paths([source])
        monkeypatch.undo()
        (after,) = lib.articles()
        assert (after.title, after.content_hash) == (before.title, before.content_hash)
        assert lib.get(before.id).body == before.body
        report = lib.import_paths([source])  # and once the disk has room again, the update goes through
        assert [o.status for o in report.outcomes] == ["updated"]
        assert lib.articles()[0].title == "Second title"


async def test_the_launch_makes_only_the_articles_on_screen(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as lib:
        _import(lib, 300)
        lib._article_of, made = _counting(lib._article_of)  # type: ignore[method-assign]
        app = BroadsheetApp(lib, remember_theme=False, build_stories=False)
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.pause()
            pane = app.library_pane
            assert pane.shown_count == 300
            assert 0 < len(made) <= 45  # the rows drawn, not the 300
            await pilot.press("pagedown")
            await pilot.pause()
            assert len(made) <= 90
            assert pane.selected is not None and pane.selected.id in made
