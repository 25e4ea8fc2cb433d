"""The annotation store: highlights, notes, tags, colour labels, undo, durability of each write,
removing articles, read-only libraries, bad input, and re-anchoring when an article is re-imported."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

from store import (DEFAULT_LABELS, Annotation, BadAnnotation, Candidate, Library, ReadOnlyLibrary,
                   UnknownAnnotation, UnknownArticle)

BODY = ("The council voted on Tuesday to close the harbour for the winter.\n\n"
        "Officials said the storm damage would cost 4.2 million dollars to repair, "
        "and that the budget talks would resume in March.\n\n"
        "Critics called the decision rushed.")


@pytest.fixture()
def lib(tmp_path: Path) -> Library:
    with Library.open(tmp_path / "library") as library:
        library.add_candidates([Candidate(title="Harbour closes", body=BODY, origin="memory:harbour"),
                                Candidate(title="Other story", body="A different article about a market.",
                                          origin="memory:other")])
        yield library


def article_id(lib: Library, title: str = "Harbour closes") -> str:
    return next(a.id for a in lib.articles() if a.title == title)


def span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def on_disk(path: Path) -> dict[str, dict]:
    """The highlights as a fresh reader of the files sees them (annotations.json and its journal)."""
    from store.annotation_book import AnnotationBook
    from store.storage import parse_library_file

    return AnnotationBook(path / "annotations.json", parse_library_file(path / "annotations.json"),
                          read_only=True).records


def files(path: Path) -> tuple[bytes | None, ...]:
    """The bytes of annotations.json and its journal (None if absent)."""
    return tuple((path / name).read_bytes() if (path / name).exists() else None
                 for name in ("annotations.json", "annotations.json.journal"))


# ------------------------------------------------------------------------------- the basics
def test_annotate_stores_both_selectors_and_is_on_disk_when_it_returns(lib: Library) -> None:
    aid = article_id(lib)
    start, end = span(BODY, "storm damage would cost 4.2 million dollars")
    made = lib.annotate(aid, start, end, color=2, note="figure to check", tags=["money", "#money", " storm "])
    assert made.exact == "storm damage would cost 4.2 million dollars"
    assert made.prefix == BODY[start - 32:start] and len(made.prefix) == 32
    assert made.suffix == BODY[end:end + 32]
    assert (made.color, made.note, made.tags, made.state, made.score) == (2, "figure to check", ("money", "storm"),
                                                                            "anchored", 1.0)
    assert made.text_hash == lib.get(aid).content_hash
    assert made.created == made.updated and made.created.endswith("+00:00")
    record = on_disk(lib.path)[made.id]
    assert record["exact"] == made.exact and record["start"] == start and record["article"] == aid
    assert lib.annotation(made.id) == made
    assert lib.annotation(made.id[:6]) == made
    assert lib.annotations(aid) == [made] and lib.annotations() == [made]


def test_prefix_and_suffix_are_shorter_at_the_ends_of_the_text(lib: Library) -> None:
    aid = article_id(lib)
    first = lib.annotate(aid, 0, 10)
    last = lib.annotate(aid, len(BODY) - 7, len(BODY))
    assert first.prefix == "" and first.exact == "The counci"
    assert last.suffix == "" and last.exact == "rushed."


@pytest.mark.parametrize("start, end, message", [
    (5, 5, "empty"), (10, 5, "outside"), (-1, 4, "outside"), (0, len(BODY) + 1, "outside"),
    (BODY.index("\n\n"), BODY.index("\n\n") + 2, "white space"), ("1", 4, "whole number"), (1.5, 4, "whole number"),
])
def test_bad_selections_are_refused_and_change_nothing(lib: Library, start: object, end: object, message: str) -> None:
    before = files(lib.path)
    with pytest.raises(BadAnnotation, match=message) as error:
        lib.annotate(article_id(lib), start, end)  # type: ignore[arg-type]
    assert "\n" not in str(error.value)
    assert files(lib.path) == before and lib.annotations() == []


@pytest.mark.parametrize("color", [0, 6, True, "2", None])
def test_a_bad_colour_is_refused(lib: Library, color: object) -> None:
    with pytest.raises(BadAnnotation, match="colour"):
        lib.annotate(article_id(lib), 0, 5, color=color)  # type: ignore[arg-type]
    assert lib.annotations() == []


def test_unknown_article_and_unknown_annotation(lib: Library) -> None:
    with pytest.raises(UnknownArticle):
        lib.annotate("nope", 0, 5)
    with pytest.raises(UnknownAnnotation):
        lib.annotation("ffffffffffff")
    with pytest.raises(KeyError):  # the contract: a KeyError
        lib.annotation("zz")
    with pytest.raises(UnknownAnnotation):
        lib.update_annotation("ffffffffffff", note="x")
    with pytest.raises(UnknownAnnotation):
        lib.delete_annotation("ffffffffffff")


def test_notes_and_tags_are_cleaned(lib: Library) -> None:
    made = lib.annotate(article_id(lib), 0, 10, note="  line one\r\nline two\x1b[31m red\x07  ",
                        tags=["a\x1b]0;title\x07b", "", "   ", "x y"])
    assert made.note == "line one\nline two red"
    assert made.tags == ("ab", "x y")


def test_update_changes_only_what_is_given(lib: Library) -> None:
    made = lib.annotate(article_id(lib), 0, 10, color=1, note="first", tags=["a"])
    changed = lib.update_annotation(made.id, note="second\nline")
    assert (changed.color, changed.note, changed.tags) == (1, "second\nline", ("a",))
    changed = lib.update_annotation(made.id[:5], color=4, tags=[])
    assert (changed.color, changed.note, changed.tags) == (4, "second\nline", ())
    assert changed.created == made.created
    assert on_disk(lib.path)[made.id]["color"] == 4
    assert lib.update_annotation(made.id) == changed  # nothing given: nothing written


def test_update_moves_a_highlight(lib: Library) -> None:
    aid = article_id(lib)
    made = lib.annotate(aid, *span(BODY, "close the harbour"))
    moved = lib.update_annotation(made.id, end=made.end + len(" for the winter"))
    assert moved.exact == "close the harbour for the winter" and moved.start == made.start
    with pytest.raises(BadAnnotation):
        lib.update_annotation(made.id, start=3, end=3)
    assert lib.annotation(made.id) == moved


def test_delete_and_restore_is_undo(lib: Library) -> None:
    made = lib.annotate(article_id(lib), 0, 10, note="keep me")
    gone = lib.delete_annotation(made.id)
    assert gone == made and lib.annotations() == [] and made.id not in on_disk(lib.path)
    lib.restore_annotation(gone)
    lib.restore_annotation(gone)  # twice: still one
    assert lib.annotations() == [made] and on_disk(lib.path)[made.id]["note"] == "keep me"


def test_colour_labels_default_rename_and_reset(lib: Library) -> None:
    assert lib.color_labels() == DEFAULT_LABELS
    lib.set_color_label(3, "  open\x1b[1m question ")
    assert lib.color_labels()[3] == "open question"
    with Library.open(lib.path, read_only=True) as reader:
        assert reader.color_labels()[3] == "open question"
    lib.set_color_label(3, "")
    assert lib.color_labels() == DEFAULT_LABELS
    for bad in (0, 6, "1"):
        with pytest.raises(BadAnnotation):
            lib.set_color_label(bad, "x")  # type: ignore[arg-type]
    with pytest.raises(BadAnnotation):
        lib.set_color_label(1, "x" * 41)


def test_listing_is_in_article_order_then_start_and_filters(lib: Library) -> None:
    aid, other = article_id(lib), article_id(lib, "Other story")
    late = lib.annotate(aid, *span(BODY, "Critics"), color=3, tags=["react"])
    early = lib.annotate(aid, *span(BODY, "council voted"), color=1, note="Who voted?")
    elsewhere = lib.annotate(other, 2, 11, color=3, tags=["React"])
    order = [a.id for a in lib.articles()]
    expected = sorted([late, early, elsewhere], key=lambda a: (order.index(a.article_id), a.start))
    assert lib.annotations() == expected
    assert lib.annotations(aid) == [early, late]
    assert lib.annotations(color=3) == [a for a in expected if a.color == 3]
    assert lib.annotations(tag="react") == [a for a in expected if a.tags]
    assert lib.annotations(text="who VOTED") == [early]
    assert lib.annotations(text="critics") == [late]
    assert lib.annotations(text="nothing like this") == []
    assert lib.annotations(article_ids=[aid, other]) == expected


def test_story_filter_needs_stories(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    lib.annotate(article_id(lib), 0, 10)
    monkeypatch.delattr(Library, "story", raising=False)  # a build without the stories module
    with pytest.raises(BadAnnotation, match="stories are not available"):
        lib.annotations(story_id="abc")


def test_story_filter_with_stories(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """Against the stories contract (API.md): Library.story(id) -> Story with article_ids."""
    from types import SimpleNamespace

    aid, other = article_id(lib), article_id(lib, "Other story")
    first = lib.annotate(aid, 0, 10)
    lib.annotate(other, 2, 11)
    stories = {"s1": SimpleNamespace(id="s1", article_ids=(aid,))}

    def story(story_id: str) -> SimpleNamespace:
        return stories[story_id]

    monkeypatch.setattr(lib, "story", story, raising=False)
    assert lib.annotations(story_id="s1") == [first]
    assert "4.2" not in lib.export_annotations("md", story_id="s1") and first.exact in lib.export_annotations(
        "md", story_id="s1")
    with pytest.raises(BadAnnotation, match="no story with id 'nope'"):
        lib.annotations(story_id="nope")


def test_annotations_survive_reopen(lib: Library) -> None:
    made = lib.annotate(article_id(lib), 0, 10, note="n", tags=["t"])
    path = lib.path
    lib.close()
    with Library.open(path, read_only=True) as reader:
        assert reader.annotations() == [made]


def test_read_only_library_refuses_every_write(lib: Library) -> None:
    made = lib.annotate(article_id(lib), 0, 10)
    path = lib.path
    lib.close()
    before = files(path)
    with Library.open(path, read_only=True) as reader:
        for write in (lambda: reader.annotate(made.article_id, 0, 4),
                      lambda: reader.update_annotation(made.id, note="x"),
                      lambda: reader.delete_annotation(made.id),
                      lambda: reader.restore_annotation(made),
                      lambda: reader.set_color_label(1, "x")):
            with pytest.raises(ReadOnlyLibrary):
                write()
        assert reader.annotations() == [made]
    assert files(path) == before


def test_removing_an_article_keeps_its_annotations_for_undo(lib: Library) -> None:
    aid = article_id(lib)
    made = lib.annotate(aid, 0, 10, note="evidence")
    removed = lib.remove([aid])
    assert lib.annotations() == []
    assert lib.detached_annotations() == [made]
    assert made.id in on_disk(lib.path)
    with pytest.raises(UnknownArticle):
        lib.annotations(aid)
    lib.restore(removed)
    assert lib.annotations() == [made] and lib.detached_annotations() == []


def test_annotations_file_is_backed_up_and_checked_by_doctor(lib: Library) -> None:
    from store import backups, doctor

    lib.annotate(article_id(lib), 0, 10)
    path = lib.path
    lib.close()
    with Library.open(path):
        pass
    assert any((b.folder / "annotations.json").exists() for b in backups.list_backups(path))
    assert any("1 highlight (1 anchored" in f.message for f in doctor.check(path).findings)
    (path / "annotations.json").write_text("{broken")
    report = doctor.check(path)
    assert "annotations.json" in report.corrupt
    with pytest.raises(Exception, match="annotations.json"):
        Library.open(path)
    doctor.restore(path)
    with Library.open(path) as reopened:
        assert len(reopened.annotations()) == 1


# ------------------------------------------------------------------------------- re-import re-anchors
def reimport(lib: Library, body: str, origin: str = "memory:harbour") -> str:
    report = lib.add_candidates([Candidate(title="Harbour closes", body=body, origin=origin)])
    (outcome,) = report.outcomes
    assert outcome.status == "updated"
    return outcome.message


def test_a_reimport_with_text_inserted_before_shifts_the_highlight(lib: Library) -> None:
    aid = article_id(lib)
    made = lib.annotate(aid, *span(BODY, "4.2 million dollars"), note="figure")
    message = reimport(lib, "Update: an editor's note was added at the top.\n\n" + BODY)
    after = lib.annotation(made.id)
    body = lib.get(aid).body
    assert body[after.start:after.end] == "4.2 million dollars"
    assert after.state == "anchored" and after.start > made.start and after.note == "figure"
    assert after.text_hash == lib.get(aid).content_hash != made.text_hash
    assert "1 re-anchored" in message


def test_a_reimport_editing_inside_the_quote_moves_it_with_a_score(lib: Library) -> None:
    aid = article_id(lib)
    made = lib.annotate(aid, *span(BODY, "the storm damage would cost 4.2 million dollars to repair"))
    message = reimport(lib, BODY.replace("storm damage would cost", "storm damage will cost"))
    after = lib.annotation(made.id)
    assert after.state == "moved" and 0.75 <= after.score < 1.0
    assert lib.get(aid).body[after.start:after.end] == after.exact
    assert after.exact == "the storm damage will cost 4.2 million dollars to repair"
    assert after.original_exact == made.exact
    assert "moved" in message


def test_a_reimport_changing_the_quoted_figure_orphans_the_highlight(lib: Library) -> None:
    """Not "moved" onto 4.3: the highlight marked 4.2, and a fact-checker must not cite 4.3 from it."""
    aid = article_id(lib)
    made = lib.annotate(aid, *span(BODY, "the storm damage would cost 4.2 million dollars to repair"), note="check")
    message = reimport(lib, BODY.replace("4.2 million dollars", "4.3 million dollars"))
    after = lib.annotation(made.id)
    assert after.state == "orphaned" and after.exact == made.exact and after.note == "check"
    assert "orphaned" in message


def test_a_moved_highlight_stays_flagged_through_later_edits(lib: Library) -> None:
    aid = article_id(lib)
    made = lib.annotate(aid, *span(BODY, "the storm damage would cost 4.2 million dollars to repair"))
    edited = BODY.replace("would cost", "will cost")
    reimport(lib, edited)
    score = lib.annotation(made.id).score
    reimport(lib, "A new lead.\n\n" + edited)
    after = lib.annotation(made.id)
    assert (after.state, after.score, after.original_exact) == ("moved", score, made.exact)
    assert lib.get(aid).body[after.start:after.end] == after.exact
    confirmed = lib.update_annotation(made.id, start=after.start, end=after.end)  # the user checked it
    assert (confirmed.state, confirmed.score, confirmed.original_exact) == ("anchored", 1.0, "")


def test_a_reimport_without_the_quote_orphans_it_and_it_can_be_reattached(lib: Library) -> None:
    aid = article_id(lib)
    made = lib.annotate(aid, *span(BODY, "Critics called the decision rushed."), note="reaction")
    message = reimport(lib, BODY.replace("\n\nCritics called the decision rushed.", "\n\nNobody objected."))
    after = lib.annotation(made.id)
    assert after.state == "orphaned" and after.score == 0.0
    assert after.exact == made.exact and after.note == "reaction"  # nothing is lost
    assert lib.annotations(state="orphaned") == [after]
    assert "orphaned" in message
    body = lib.get(aid).body
    fixed = lib.update_annotation(made.id, start=body.index("Nobody"), end=len(body))
    assert fixed.state == "anchored" and fixed.exact == "Nobody objected." and fixed.note == "reaction"


def test_undo_of_a_remove_re_anchors_if_the_text_changed_meanwhile(lib: Library) -> None:
    aid = article_id(lib)
    made = lib.annotate(aid, *span(BODY, "Critics called"))
    restored = Annotation(**{**made.__dict__})
    lib.delete_annotation(made.id)
    reimport(lib, "New first paragraph.\n\n" + BODY)
    lib.restore_annotation(restored)
    after = lib.annotation(made.id)
    assert lib.get(aid).body[after.start:after.end] == "Critics called" and after.state == "anchored"


def test_crlf_and_nfd_reimports_leave_highlights_alone(lib: Library) -> None:
    import unicodedata

    aid = article_id(lib)
    made = lib.annotate(aid, 0, 20)
    report = lib.add_candidates([Candidate(title="Harbour closes", body=unicodedata.normalize(
        "NFD", BODY.replace("\n", "\r\n")), origin="memory:harbour")])
    assert [o.status for o in report.outcomes] == ["unchanged"]
    assert lib.annotation(made.id) == made


def test_a_kill_between_the_article_write_and_the_annotation_write_is_repaired_on_open(
        lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    from store import annotations as notes_module

    aid = article_id(lib)
    made = lib.annotate(aid, *span(BODY, "Critics called"))
    monkeypatch.setattr(notes_module, "reanchor", lambda *a, **k: {})  # as if killed before that write
    reimport(lib, "Inserted.\n\n" + BODY)
    assert lib.annotation(made.id).start == made.start  # stale
    monkeypatch.undo()
    path = lib.path
    lib.close()
    with Library.open(path) as reopened:
        after = reopened.annotation(made.id)
        assert reopened.get(aid).body[after.start:after.end] == "Critics called"
        assert after.text_hash == reopened.get(aid).content_hash


def test_a_copy_of_the_library_folder_keeps_its_annotations(lib: Library, tmp_path: Path) -> None:
    made = lib.annotate(article_id(lib), 0, 10)
    copy = tmp_path / "copy"
    shutil.copytree(lib.path, copy, ignore=shutil.ignore_patterns(".lock*"))
    with Library.open(copy, read_only=True) as other:
        assert other.annotations() == [made]


# ------------------------------------------------------------------------------- the journal
def test_a_save_appends_to_the_journal_and_closing_folds_it(lib: Library) -> None:
    path = lib.path
    made = lib.annotate(article_id(lib), 0, 10)
    main_before = files(path)[0]
    second = lib.annotate(article_id(lib), 20, 30, note="second")
    main, journal = files(path)
    assert main == main_before and journal is not None and journal.count(b"\n") == 2
    assert set(on_disk(path)) == {made.id, second.id}
    lib.close()
    main, journal = files(path)
    assert journal is None
    data = orjson.loads(main)
    assert {r["id"] for r in data["annotations"].values()} == {made.id, second.id}
    assert data["journal"]["1"]["generation"] >= 1


def test_a_torn_last_journal_line_is_ignored_and_folded_away(lib: Library) -> None:
    path = lib.path
    made = lib.annotate(article_id(lib), 0, 10)
    with open(path / "annotations.json.journal", "ab") as journal:
        journal.write(b'{"g": 0, "ops": [{"put": {"id": "half')  # a kill in the middle of an append
    with Library.open(path, read_only=True) as reader:
        assert [a.id for a in reader.annotations()] == [made.id]
    lib.close()
    with Library.open(path) as reopened:
        assert [a.id for a in reopened.annotations()] == [made.id]
        assert not (path / "annotations.json.journal").exists()


def test_a_journal_left_from_an_older_generation_is_not_applied_again(lib: Library) -> None:
    path = lib.path
    made = lib.annotate(article_id(lib), 0, 10, note="first")
    stale = (path / "annotations.json.journal").read_bytes()
    lib.update_annotation(made.id, note="second")
    lib.delete_annotation(lib.annotate(article_id(lib), 20, 30).id)
    lib.close()  # folds: annotations.json is a newer generation
    (path / "annotations.json.journal").write_bytes(stale)  # as if the unlink after the fold had failed
    with Library.open(path, read_only=True) as reader:
        assert [(a.id, a.note) for a in reader.annotations()] == [(made.id, "second")]


def test_a_failed_append_is_cut_off_and_changes_nothing(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    from store import StorageWriteError, annotation_book

    made = lib.annotate(article_id(lib), 0, 10)
    before = files(lib.path)

    class Full:
        def __getattr__(self, name: str) -> object:
            return getattr(os, name)

        @staticmethod
        def write(fd: int, data: bytes) -> int:
            os.write(fd, bytes(data[:5]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(annotation_book, "os", Full())
    with pytest.raises(StorageWriteError, match="No space left") as error:
        lib.annotate(article_id(lib), 20, 30)
    assert "\n" not in str(error.value) and "nothing was changed" in str(error.value)
    assert files(lib.path) == before and lib.annotations() == [made]
    monkeypatch.undo()
    second = lib.annotate(article_id(lib), 20, 30)
    assert set(on_disk(lib.path)) == {made.id, second.id}


def test_big_writes_and_a_long_journal_rewrite_the_file(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    from store import annotation_book

    monkeypatch.setattr(annotation_book, "JOURNAL_LIMIT", 600)
    aid = article_id(lib)
    made = [lib.annotate(aid, i, i + 5) for i in range(0, 30, 6)]
    assert len(files(lib.path)[1] or b"") <= 600 + 1000  # folded whenever it grew past the limit
    assert set(on_disk(lib.path)) == {a.id for a in made}
    monkeypatch.setattr(annotation_book, "JOURNAL_MAX_OPS", 2)
    report = lib.add_candidates([Candidate(title="Harbour closes", body="New top.\n\n" + BODY, origin="memory:harbour")])
    assert report.updated and files(lib.path)[1] is None  # re-anchoring 5 highlights: one rewrite, no journal
    assert all(a.start == m.start + len("New top.\n\n") for a, m in zip(lib.annotations(aid), made))
