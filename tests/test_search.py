"""Search: the query language, folding, typo expansion, ranking, filters and index updates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import Candidate, Library, LibraryError, QueryError, SearchHit, fold, parse_query
from store.demo import demo_files


def candidate(title: str, body: str, origin: str, source: str = "", published: str | None = None,
              tags: tuple[str, ...] = ()) -> Candidate:
    return Candidate(title=title, body=body, origin=origin, source=source, published=published, tags=tags)


@pytest.fixture()
def lib(tmp_path: Path) -> Iterator[Library]:
    with Library.open(tmp_path / "lib") as library:
        library.add_candidates([
            candidate("Deportation figures rise", "The ministry published new numbers on Monday.", "a",
                      "reuters.com", "2019-06-05"),
            candidate("Weather report", "Rain all week. Officials said deportation numbers were not discussed.",
                      "b", "apnews.com", "2018-01-02"),
            candidate("Peña Nieto meets envoy", "President Enrique Peña Nieto met the envoy in Mexico City.", "c",
                      "Reuters", "2017-03-01"),
            candidate("Border talks", "The border security talks went on. Security at the border was the topic.",
                      "d", "nytimes.com", "2020-02-02"),
            candidate("Unrelated", "Security was discussed. Much later, far away in the text, a border was named.",
                      "e", "foxnews.com", "2021-01-01"),
        ])
        yield library


def ids_by_title(library: Library) -> dict[str, str]:
    return {article.title: article.id for article in library.articles()}


def titles(hits: list[SearchHit]) -> list[str]:
    return [hit.title for hit in hits]


# ---------------------------------------------------------------------------------------- parser
def test_fold_keeps_length_and_drops_accents_and_case() -> None:
    for text in ("Peña Nieto", "ÉCOLE Straße …", "İstanbul ﬁ", "plain ascii"):
        assert len(fold(text)) == len(text)
    assert fold("Peña NIETO") == "pena nieto"
    assert fold("Ångström") == "angstrom"


def test_parser_words_phrases_filters_and_exclusions() -> None:
    query = parse_query('Deportaton "Border  Security" -wall source:reuters tag:"wire copy" is:unread '
                        'is:starred has:note before:2020 after:2019-06 -source:fox -is:read')
    assert query.words == ("deportaton",)
    assert query.phrases == (("border", "security"),)
    assert query.excluded == (("wall",),)
    assert query.sources == ("reuters",) and query.excluded_sources == ("fox",)
    assert query.tags == ("wire copy",)
    assert query.flags == {"unread", "starred", "note"} and query.excluded_flags == {"read"}
    assert query.before == "2020-01-01" and query.after == "2019-06-01"
    assert not query.prefix  # the last token is a filter


def test_parser_marks_the_word_being_typed_as_a_prefix() -> None:
    assert parse_query("border secu").prefix
    assert not parse_query("border secu ").prefix
    assert parse_query('"border secu').phrases == (("border", "secu"),)  # an unclosed quote still counts


@pytest.mark.parametrize(("text", "message"), [
    ("foo:bar", 'unknown filter "foo:"; known: source:, tag:'),
    ("is:purple", 'unknown value "is:purple"; known: is:unread, is:read, is:starred'),
    ("has:cheese", 'unknown value "has:cheese"'),
    ("before:yesterday", 'bad date in "before:yesterday"'),
    ("after:2019-13", 'bad date in "after:2019-13"'),
])
def test_bad_queries_raise_a_clear_library_error(text: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert message in str(caught.value)
    assert isinstance(caught.value, LibraryError)
    assert "\n" not in str(caught.value)


def test_a_filter_still_being_typed_is_ignored_and_colons_in_numbers_are_words() -> None:
    assert parse_query("source:").empty
    assert parse_query("10:30").words == ("10", "30")


# ---------------------------------------------------------------------------------------- matching
def test_typo_tolerant_words_find_the_real_word(lib: Library) -> None:
    hits = lib.search("deportaton")
    assert set(titles(hits)) == {"Deportation figures rise", "Weather report"}
    assert not hits[0].exact
    assert "deportation" in lib.search_results("deportaton").expansions["deportaton"]


def test_accents_and_case_are_folded(lib: Library) -> None:
    for query in ("pena nieto", "PEÑA NIETO", "Pena"):
        assert titles(lib.search(query))[0] == "Peña Nieto meets envoy"
    hit = lib.search("pena nieto")[0]
    body = lib.get(hit.article_id).body
    assert [body[s:e] for s, e in hit.spans] == ["Peña", "Nieto"]  # offsets into the real body
    assert [hit.title[s:e] for s, e in hit.title_spans] == ["Peña", "Nieto"]


def test_title_outranks_body(lib: Library) -> None:
    assert titles(lib.search("deportation")) == ["Deportation figures rise", "Weather report"]


def test_exact_outranks_fuzzy(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as library:
        library.add_candidates([candidate("One", "They spoke about the deportations.", "1"),
                                candidate("Two", "They spoke about the deportation.", "2")])
        hits = library.search("deportation ")
        assert titles(hits) == ["Two", "One"]
        assert hits[0].exact and not hits[1].exact


def test_rarer_words_weigh_more(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as library:
        common = [candidate(f"Note {n}", f"The talks continued on day {n}.", str(n)) for n in range(8)]
        library.add_candidates([*common, candidate("Rare-heavy", "envoy envoy envoy talks", "r"),
                                candidate("Common-heavy", "talks talks talks envoy", "c")])
        # "envoy" is in two articles, "talks" in ten: more of the rare word ranks first
        assert titles(library.search("talks envoy "))[:2] == ["Rare-heavy", "Common-heavy"]


def test_all_words_are_required_and_nearness_ranks_first(lib: Library) -> None:
    hits = lib.search("border security ")
    assert titles(hits)[:1] == ["Border talks"]
    assert "Unrelated" in titles(hits)
    assert "Weather report" not in titles(hits)
    near = lib.search("security border ")
    assert titles(near)[0] == "Border talks"


def test_quoted_phrase_is_exact(lib: Library) -> None:
    hits = lib.search('"border security"')
    assert titles(hits) == ["Border talks"]
    body = lib.get(hits[0].article_id).body
    assert (body.index("border security"), body.index("border security") + len("border security")) in hits[0].spans
    assert lib.search('"security border"') == []


def test_excluded_words(lib: Library) -> None:
    assert "Unrelated" not in titles(lib.search("border -far"))
    assert titles(lib.search("border -far")) == ["Border talks"]


def test_snippet_is_around_the_match_with_spans_inside_it(lib: Library) -> None:
    hit = lib.search("topic")[0]
    assert hit.field == "body"
    assert [hit.snippet[s:e] for s, e in hit.snippet_spans] == ["topic"]
    assert hit.offset == lib.get(hit.article_id).body.index("topic")


def test_the_word_being_typed_matches_completions(lib: Library) -> None:
    assert "Deportation figures rise" in titles(lib.search("depor"))
    assert lib.search("depor ") == []  # a finished word is not a prefix


# ---------------------------------------------------------------------------------------- filters
def test_source_and_date_filters(lib: Library) -> None:
    assert set(titles(lib.search("source:reuters"))) == {"Deportation figures rise", "Peña Nieto meets envoy"}
    assert titles(lib.search("deportation source:apnews")) == ["Weather report"]
    assert set(titles(lib.search("source:reuters source:fox"))) == {
        "Deportation figures rise", "Peña Nieto meets envoy", "Unrelated"}
    assert titles(lib.search("after:2020")) == ["Unrelated", "Border talks"]  # newest first
    assert titles(lib.search("before:2018")) == ["Peña Nieto meets envoy"]
    assert titles(lib.search("after:2019-06 before:2019-07")) == ["Deportation figures rise"]
    assert titles(lib.search("deportation -source:reuters")) == ["Weather report"]


def test_state_filters_follow_changes(lib: Library) -> None:
    ids = ids_by_title(lib)
    assert len(lib.search("is:unread")) == 5
    lib.set_read([ids["Border talks"]])
    lib.set_starred([ids["Unrelated"]])
    assert "Border talks" not in titles(lib.search("is:unread"))
    assert titles(lib.search("is:read")) == ["Border talks"]
    assert titles(lib.search("border is:starred")) == ["Unrelated"]
    assert lib.search("has:note") == []  # no annotations (yet)


def test_tags_are_searched_and_filtered(lib: Library) -> None:
    ids = ids_by_title(lib)
    lib.tag([ids["Weather report"]], add=["Wire Copy"])
    assert titles(lib.search("tag:wire")) == ["Weather report"]
    assert titles(lib.search('tag:"wire copy"')) == ["Weather report"]
    hits = lib.search("wire")
    assert titles(hits) == ["Weather report"] and hits[0].field == "tags"
    lib.tag([ids["Weather report"]], remove=["Wire Copy"])
    assert lib.search("tag:wire") == [] and lib.search("wire") == []


# ---------------------------------------------------------------------------------------- index updates
def test_import_and_delete_update_the_index_without_a_rebuild(lib: Library) -> None:
    index = lib.search_index()
    assert lib.search("envoy")
    built = index.build_seconds
    lib.add_candidates([candidate("Zebra crossing", "A zebra crossed the road.", "z")])
    assert titles(lib.search("zebra")) == ["Zebra crossing"]
    assert index.build_seconds == built  # the delta took it, no rebuild
    zebra = ids_by_title(lib)["Zebra crossing"]
    removed = lib.remove([zebra])
    assert lib.search("zebra") == []
    lib.restore(removed)
    assert titles(lib.search("zebra")) == ["Zebra crossing"]


def test_changed_text_is_reindexed(tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text("Title here\n\nThe old text mentions giraffes.\n")
    with Library.open(tmp_path / "lib") as library:
        library.import_paths([source])
        assert library.search("giraffes")
        source.write_text("Title here\n\nThe new text mentions elephants.\n")
        library.import_paths([source])
        assert library.search("giraffes ") == []
        assert titles(library.search("elephants")) == ["Title here"]


def test_many_additions_are_merged_into_the_arrays(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    import store.search as search

    monkeypatch.setattr(search, "MERGE_AT", 3)
    lib.search("envoy")
    ids = ids_by_title(lib)
    lib.remove([ids["Unrelated"]])
    lib.add_candidates([candidate(f"Extra {n}", f"Walrus number {n} swam.", f"x{n}") for n in range(4)])
    assert len(lib.search("walrus")) == 4
    assert lib.search_index()._delta_docs == 0
    assert "Unrelated" not in titles(lib.search("border"))
    assert titles(lib.search("envoy"))  # old postings survive the merge


def test_the_index_is_kept_on_disk_and_caught_up_on_the_next_open(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    with Library.open(folder) as library:
        library.import_paths(demo_files())
        before = [(h.article_id, h.spans) for h in library.search("pena nieto")]
        assert not library.search_index().loaded_from_disk
    assert (folder / "search-index.npz").exists()
    with Library.open(folder) as library:
        assert [(h.article_id, h.spans) for h in library.search("pena nieto")] == before
        assert library.search_index().loaded_from_disk
        gone = library.search("pena nieto")[0].article_id
        library.remove([gone])
        library.add_candidates([candidate("Okapi", "An okapi was seen.", "o")])
    with Library.open(folder, read_only=True) as library:  # changes after the save are caught up
        assert gone not in [h.article_id for h in library.search("pena nieto")]
        assert titles(library.search("okapi")) == ["Okapi"]
    (folder / "search-index.npz").write_bytes(b"not an index")
    with Library.open(folder) as library:  # an unreadable file is rebuilt, silently
        assert titles(library.search("okapi")) == ["Okapi"]
        assert not library.search_index().loaded_from_disk


def test_notes_are_searched_once_annotations_exist(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    @dataclass
    class Note:
        article_id: str
        note: str
        tags: tuple[str, ...] = ()

    target = ids_by_title(lib)["Weather report"]
    monkeypatch.setattr(Library, "annotations", lambda self, *a, **k: [Note(target, "check the aardvark claim")],
                        raising=False)
    lib.search_index().notes_changed()
    hits = lib.search("aardvark")
    assert titles(hits) == ["Weather report"] and hits[0].field == "note"
    assert titles(lib.search("has:note")) == ["Weather report"]


def test_demo_library_queries(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as library:
        library.import_paths(demo_files())
        assert len(library.search("deportaton")) >= 3
        hit = library.search("pena nieto")[0]
        body = library.get(hit.article_id).body
        assert all(fold(body[s:e]) in ("pena", "nieto", "pena nieto") for s, e in hit.spans)
        assert library.search('"border security"')


# ---------------------------------------------------------------------------------------- robustness
QUERY_CHARS = st.sampled_from(list('ab é"\':-()[]{}*?\\/.,;') + ["is:", "source:", "tag:", "before:", "after:",
                                                                  "has:", "foo:", "\x1b", "\x00", "ñ", "ß", "…"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=40), st.lists(QUERY_CHARS, max_size=12).map("".join)))
def test_any_query_returns_hits_or_a_clear_error(lib: Library, text: str) -> None:
    try:
        hits = lib.search(text, limit=5)
    except QueryError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert isinstance(hits, list) and len(hits) <= 5
    for hit in hits:
        body = lib.get(hit.article_id).body
        assert all(0 <= s < e <= len(body) for s, e in hit.spans)
        assert all(0 <= s < e <= len(hit.snippet) for s, e in hit.snippet_spans)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 70000)), max_size=40), max_size=6))
def test_postings_built_in_chunks_equal_one_sort_of_everything(chunk_postings: list[list[tuple[int, int]]]) -> None:
    """The bulk build copies each chunk of documents into place (set_chunks); it must give the
    arrays one sort of every posting gives (set_arrays)."""
    from store.search import DOC_BITS, _Field

    vocabulary, doc = 31, 0
    chunks, all_keys, all_tfs = [], [], []
    for postings in chunk_postings:
        counts: dict[tuple[int, int], int] = {}
        for term, tf in postings:  # each chunk: a few new documents, later than the last chunk's
            key = (term, doc + tf % 3)
            counts[key] = counts.get(key, 0) + tf
        doc += 3
        keys = np.array(sorted((t << DOC_BITS) | d for t, d in counts), dtype=np.int64)
        tfs = np.array([counts[(int(k >> DOC_BITS), int(k & ((1 << DOC_BITS) - 1)))] for k in keys], dtype=np.int64)
        chunks.append(((keys >> DOC_BITS).astype(np.int32), (keys & ((1 << DOC_BITS) - 1)).astype(np.int32),
                       np.minimum(tfs, 65535).astype(np.uint16)))
        all_keys.append(keys)
        all_tfs.append(tfs)
    chunked, sorted_once = _Field(), _Field()
    chunked.set_chunks(chunks, vocabulary)
    sorted_once.set_arrays(np.concatenate(all_keys) if all_keys else np.zeros(0, np.int64),
                           np.concatenate(all_tfs) if all_tfs else np.zeros(0, np.int64), vocabulary)
    assert np.array_equal(chunked.offsets, sorted_once.offsets)
    assert np.array_equal(chunked.docs, sorted_once.docs)
    assert np.array_equal(chunked.tfs, sorted_once.tfs)


def test_read_ahead_fills_the_cache_for_the_next_keystroke_and_stops_when_told(tmp_path: Path) -> None:
    bodies = [f"Border security talk number {n}. The border was the topic of security meeting {n}." for n in range(60)]
    with Library.open(tmp_path / "lib") as library:
        library.add_candidates([candidate(f"Talk {n}", body, f"t{n}") for n, body in enumerate(bodies)])
        index = library.search_index()
        index.ensure_built()
        assert library.search_read_ahead("border sec", 40, lambda: True) == 0  # stopped before the first
        read = library.search_read_ahead("border sec", 40, lambda: False)
        assert read >= 30  # the best candidates (a multi-word query reranks at least 30)
        before = index.body_reads
        results = library.search_results("border secu", limit=20)  # the next keystroke
        assert len(results.hits) == 20 and index.body_reads == before  # all of them read already
        assert library.search_read_ahead("source:", 40, lambda: False) == 0  # a bad query: nothing, no error


WORDISH = st.text(alphabet=st.sampled_from(list("abcé_1 .,’'-\nßİ")), max_size=60)


@given(WORDISH, st.lists(st.text(alphabet=st.sampled_from(list("abcé_1'")), min_size=1, max_size=4), max_size=6))
def test_the_words_pattern_finds_exactly_the_whole_words_the_index_cuts(body: str, words: list[str]) -> None:
    # a candidate is scanned with one regex of the query's words; it must find what cutting the
    # folded body into \w runs and looking each up finds
    import re

    from store.search import _words_pattern

    folded = fold(body)
    wanted = set(words)
    expected = [m.span() for m in re.finditer(r"\w+", folded) if m.group() in wanted]
    pattern = _words_pattern(wanted)
    found = [] if pattern is None else [m.span() for m in pattern.finditer(folded)]
    assert found == expected


@given(WORDISH, st.lists(st.text(alphabet=st.sampled_from(list("abcé_1'")), min_size=1, max_size=4), max_size=6))
def test_a_body_read_again_finds_the_same_hits_by_its_word_hashes(body: str, words: list[str]) -> None:
    # the first reading scans with the regex, the next ones compare the hashes of the cut-up words
    from store.search import _Plan, _Text, _words_pattern

    wanted = {word: (number, 1.0) for number, word in enumerate(dict.fromkeys(words))}
    plan = _Plan(wanted, _words_pattern(wanted), np.fromiter(map(hash, wanted), np.int64, len(wanted)),
                 len(wanted), [], [])
    text = _Text(body)
    first, second, third = text.hits(plan), text.hits(plan), text.hits(plan)
    assert first == second == third
