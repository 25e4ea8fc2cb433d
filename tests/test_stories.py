"""Stories: clustering on constructed cases and the seed corpus, shares-text evidence, boilerplate,
incremental updates against a full rebuild, stable ids, and the CLI's tsv/json formats."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from click.testing import CliRunner

from store import Library, Story, StoryLink, UnknownArticle
from store import stories as stories_module
from store import story_graph
from store.records import Candidate
from store.stories import ArticleInfo, StoryIndex, boilerplate
from tui.cli import cli

# ----------------------------------------------------------------- constructed events
VOCAB = [f"w{n:03d}" for n in range(400)]  # shared, unremarkable vocabulary


def _event_words(event: int) -> list[str]:
    return [f"ev{event}name{k}" for k in range(12)]


def _report(event: int, variant: int, rng: random.Random) -> tuple[str, str]:
    """A report of `event`: sentences mixing the event's own names with common words."""
    own = _event_words(event)
    sentences = []
    for _ in range(12):
        picked = rng.sample(own, 3) + rng.sample(VOCAB, 6)
        rng.shuffle(picked)
        sentences.append(" ".join(picked).capitalize() + ".")
    return f"Event {event} report {variant} {own[0]} {own[1]}", "\n\n".join(sentences)


def _candidates(events: int, per_event: int, seed: int = 7) -> list[Candidate]:
    rng = random.Random(seed)
    found = []
    for event in range(events):
        for variant in range(per_event):
            title, body = _report(event, variant, rng)
            found.append(Candidate(title=title, body=body, origin=f"ev{event}-{variant}.txt",
                                   source=f"outlet{variant}"))
    return found


def _partition(stories: list[Story], lib: Library) -> set[frozenset[str]]:
    return {frozenset(lib.get(a).origin for a in s.article_ids) for s in stories}


def test_constructed_events_are_separate_stories(fresh_library: Library) -> None:
    fresh_library.add_candidates(_candidates(6, 3))
    stories = fresh_library.stories()
    expected = {frozenset(f"ev{e}-{v}.txt" for v in range(3)) for e in range(6)}
    assert _partition(stories, fresh_library) == expected
    assert all(len(s.article_ids) == 3 for s in stories)
    assert all(link.relation == "same story" and link.cosine > 0 for s in stories for link in s.links)


def test_every_article_is_in_exactly_one_story_biggest_first(fresh_library: Library) -> None:
    fresh_library.add_candidates(_candidates(3, 3) + [Candidate(title="Lone", body="Nothing else like it here. " * 5,
                                                                 origin="lone.txt")])
    stories = fresh_library.stories()
    members = [a for s in stories for a in s.article_ids]
    assert sorted(members) == sorted(a.id for a in fresh_library.articles())
    assert [len(s.article_ids) for s in stories] == sorted((len(s.article_ids) for s in stories), reverse=True)
    lone = next(a for a in fresh_library.articles() if a.origin == "lone.txt")
    assert fresh_library.story_of(lone.id).article_ids == (lone.id,)
    assert fresh_library.story_of(lone.id[:6]).links == ()


# ----------------------------------------------------------------- the seed corpus
def test_seed_wire_story_and_its_rewrite_share_text_with_direction(tmp_path: Path, seed_files: list[Path]) -> None:
    """000 (Breitbart) rewrites 001 (the Reuters wire story) and quotes it: one story, linked as
    "shares text", 001 first. 002-004 are analyses of the running Mexico–US migration story from
    other years; without dates nothing ties them to the December 2016 report, so they are not in
    its story (in a five-article library they group together by topic: see the README)."""
    with Library.open(tmp_path / "lib") as lib:
        lib.import_paths(seed_files)
        by_name = {Path(a.origin).name[:3]: a.id for a in lib.articles()}
        wire = lib.story_of(by_name["000"])
        assert set(wire.article_ids) == {by_name["000"], by_name["001"]}
        link = next(link for link in wire.links if {link.a, link.b} == {by_name["000"], by_name["001"]})
        assert link.relation == "shares text"
        assert link.first == by_name["001"] and link.basis == "quotes"
        share_000 = link.share_a if link.a == by_name["000"] else link.share_b
        share_001 = link.share_b if link.a == by_name["000"] else link.share_a
        assert share_000 > share_001 > 0  # the short rewrite is mostly the wire copy, not the reverse
        assert f"{by_name['000']} reuses" in link.describe()
        for other in ("002", "003", "004"):
            assert by_name[other] not in wire.article_ids


def test_seed_with_dates_gives_lag(tmp_path: Path, seed_files: list[Path]) -> None:
    from store.importers.text import parse_plain_text

    dates = {"000": "2016-12-27T15:00:00+00:00", "001": "2016-12-27T12:00:00+00:00"}
    with Library.open(tmp_path / "lib") as lib:
        found = []
        for path in seed_files[:2]:
            candidate = parse_plain_text(path.read_text(encoding="utf-8"), str(path))
            candidate.published = dates[path.name[:3]]
            found.append(candidate)
        lib.add_candidates(found)
        by_name = {Path(a.origin).name[:3]: a.id for a in lib.articles()}
        link = lib.story_of(by_name["000"]).links[0]
        assert link.first == by_name["001"] and link.lag_hours == 3.0 and link.basis == "dates"
        assert "published 3 h later" in link.describe()


# ----------------------------------------------------------------- boilerplate
def test_recurring_lines_in_unrelated_articles_are_boilerplate(fresh_library: Library) -> None:
    caption = "Photo courtesy of the regional press agency archive collection, all rights reserved."
    credit = "This report was produced with the help of our partners at the national news desk and wire."
    found = _candidates(4, 3, seed=3)
    for candidate in found[::3]:  # one report of each event carries the same two lines
        candidate.body = f"{caption}\n\n{candidate.body}\n\n{credit}"
    fresh_library.add_candidates(found)
    stories = fresh_library.stories()
    assert _partition(stories, fresh_library) == {frozenset(f"ev{e}-{v}.txt" for v in range(3)) for e in range(4)}
    index = fresh_library._story_book.index
    assert len(index.boilerplate) == 2
    first, second = (next(a for a in fresh_library.articles() if a.origin == name) for name in ("ev0-0.txt", "ev1-0.txt"))
    a, b = (ArticleInfo(x.id, x.title, x.content_hash, None, x.imported_at, "", lambda x=x: x.body)
            for x in (first, second))
    link = stories_module.link_for(a, b, 0.0, stories_module.ShareCache(index.boilerplate))
    assert link.relation == "same story" and link.share_a == 0 and link.share_b == 0
    unfiltered = stories_module.link_for(a, b, 0.0, stories_module.ShareCache())
    assert unfiltered.share_a > 0  # without the boilerplate filter those lines would count as shared


def test_wire_copy_paragraphs_are_not_boilerplate() -> None:
    # three copies of one wire story share all their sentences: that is reuse, not boilerplate
    keys = [np.array([1, 2, 3, 4], dtype=np.int64) for _ in range(3)]
    flags = [np.ones(4, dtype=bool) for _ in range(3)]
    assert boilerplate(keys, flags) == set()
    # one sentence in three articles that share nothing else is
    keys = [np.array([9, 10 + n, 20 + n], dtype=np.int64) for n in range(3)]
    flags = [np.ones(3, dtype=bool) for _ in range(3)]
    assert boilerplate(keys, flags) == {9}


# ----------------------------------------------------------------- incremental updates
def _infos(lib: Library) -> list[ArticleInfo]:
    return lib._story_infos()


def test_incremental_add_and_delete_match_a_full_rebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stories_module, "FULL_REBUILD_BELOW", 0)
    monkeypatch.setattr(stories_module, "REBUILD_DRIFT", 10.0)
    every = _candidates(8, 3, seed=11)
    with Library.open(tmp_path / "lib") as lib:
        lib.add_candidates(every[:12])
        lib.stories()
        lib.add_candidates(every[12:])
        incremental = _partition(lib.stories(), lib)
        index = lib._story_book.index
        assert index.built_size == 12  # it was updated, not rebuilt
        full = StoryIndex()
        full.rebuild(_infos(lib))
        assert {frozenset(lib.get(a).origin for a in g) for g in full.partition()} == incremental
        assert len(incremental) == 8

        gone = [a.id for a in lib.articles() if a.origin in ("ev2-0.txt", "ev5-1.txt")]
        lib.remove(gone)
        after = _partition(lib.stories(), lib)
        assert lib._story_book.index.built_size == 12
        full = StoryIndex()
        full.rebuild(_infos(lib))
        assert {frozenset(lib.get(a).origin for a in g) for g in full.partition()} == after
        assert frozenset({"ev2-1.txt", "ev2-2.txt"}) in after


def test_stories_are_cached_and_ids_stable(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as lib:
        lib.add_candidates(_candidates(3, 3))
        first = {s.id: set(s.article_ids) for s in lib.stories()}
    assert (tmp_path / "lib" / "stories.npz").exists()
    with Library.open(tmp_path / "lib") as lib:
        assert lib._story_book.index is None
        again = {s.id: set(s.article_ids) for s in lib.stories()}
        assert again == first
        lib.add_candidates([Candidate(title="Unrelated", body="Completely different words entirely here. " * 4,
                                      origin="other.txt")])
        grown = {s.id: set(s.article_ids) for s in lib.stories()}
        assert all(grown[story_id] == members for story_id, members in first.items())
        some = next(iter(first))
        assert lib.story(some).id == some and lib.story(some[:6]).id == some
        with pytest.raises(KeyError):
            lib.story("snonexistent")
        with pytest.raises(UnknownArticle):
            lib.story_of("ffffffffffff")


def test_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib") as lib:
        lib.add_candidates(_candidates(2, 2))
        expected = _partition(lib.stories(), lib)
    (tmp_path / "lib" / "stories.npz").write_bytes(b"not a numpy file")
    with Library.open(tmp_path / "lib") as lib:
        assert _partition(lib.stories(), lib) == expected


# ----------------------------------------------------------------- the graph
def test_average_link_does_not_chain() -> None:
    # a-b and b-c are close, a-c unrelated: single link would chain all three; average link does not
    edges = {(0, 1): 0.5, (1, 2): 0.12}
    groups = story_graph.average_link([0, 1, 2], edges, cut=0.1)
    assert sorted(map(sorted, groups)) == [[0, 1], [2]]


def test_neighbour_search_finds_what_all_pairs_finds() -> None:
    rng = np.random.default_rng(3)
    from collections import Counter
    counts = [Counter({f"t{int(x)}": 1 for x in rng.integers(0, 300, 30)}) for _ in range(200)]
    terms: dict[str, int] = {}
    raw = story_graph.count_matrix(counts, terms)
    df = story_graph.document_frequency(raw, len(terms))
    vectors = story_graph.weigh(raw, story_graph.idf_weights(df, len(counts)))
    i, j, s = story_graph.neighbour_pairs(vectors, vectors, df)
    exact = (vectors @ vectors.T).toarray()
    np.fill_diagonal(exact, 0)
    strong = {(a, b) for a, b in zip(*np.nonzero(np.triu(exact) >= 0.2))}
    found = {(a, b) for a, b, score in zip(i.tolist(), j.tolist(), s.tolist()) if score >= 0.2}
    assert strong <= found
    assert np.allclose([exact[a, b] for a, b in zip(i, j)], s, atol=1e-5)


# ----------------------------------------------------------------- command line
def test_cli_tsv_and_json(tmp_path: Path, seed_files: list[Path]) -> None:
    folder = tmp_path / "lib"
    with Library.open(folder) as lib:
        lib.import_paths(seed_files)
        stories = lib.stories()
    runner = CliRunner()
    result = runner.invoke(cli, ["--library", str(folder), "stories", "--format", "tsv"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 5
    by_origin = dict(line.split("\t") for line in lines)
    assert set(by_origin) == {str(p) for p in seed_files}
    assert set(by_origin.values()) == {s.id for s in stories}

    result = runner.invoke(cli, ["--library", str(folder), "stories", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert sum(entry["size"] for entry in data) == 5
    wire = next(entry for entry in data if any(a["origin"].endswith("001_367e7e55959c9f47.txt")
                                               for a in entry["articles"]))
    assert any(link["relation"] == "shares text" and link["first"] for link in wire["links"])
    assert {"a", "b", "relation", "score", "share_a", "share_b", "first", "lag_hours", "summary"} <= set(wire["links"][0])

    result = runner.invoke(cli, ["--library", str(folder), "stories", "--evidence"])
    assert result.exit_code == 0 and "reuses" in result.output
    result = runner.invoke(cli, ["--library", str(folder), "--read-only", "stories"])
    assert result.exit_code == 0 and "2 stories" in result.output


def test_cli_table_is_a_line_a_story_at_80_columns(tmp_path: Path, seed_files: list[Path]) -> None:
    folder = tmp_path / "lib"
    with Library.open(folder) as lib:
        for path, outlet in zip(seed_files, ("Breitbart", "Reuters", "Vox", "NYT", "Washington Post")):
            lib.import_paths([path], source=outlet)
    env = {**os.environ, "BROADSHEET_LIBRARY": str(folder), "COLUMNS": "80"}

    def stories(*args: str) -> list[str]:
        result = subprocess.run([sys.executable, "-m", "tui.cli", "stories", *args], capture_output=True,
                                text=True, env=env, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    lines = stories()
    assert lines[0].split() == ["story", "size", "label", "outlets"]  # no dates known: no dates column
    body = [line for line in lines[1:] if line.startswith("s")]
    assert len(body) == 2 and lines[-1] == "2 stories"
    assert all(len(line) <= 80 for line in lines)
    assert any("Breitbart, " in line for line in body)
    assert all("…" in line for line in body)  # the labels gave way, the ids and sizes did not
    assert all(len(line.split()[0]) == 12 and line.split()[1] in ("2", "3") for line in body)

    members = [line for line in stories("--evidence") if line.startswith("  ") and not line.startswith("    ")]
    assert len(members) == 5 and all(len(line) <= 80 for line in members)
    assert any(line.split()[1] == "Breitbart" for line in members)

    dated = tmp_path / "dated"  # with dates as well, at 80 and at 60 columns
    with Library.open(dated) as lib:
        found = []
        for day, (path, outlet) in enumerate(zip(seed_files, ("Breitbart", "Reuters", "Vox", "NYT", "WaPo")), 1):
            title, _, body = path.read_text(encoding="utf-8").partition("\n\n")
            found.append(Candidate(title=title, body=body, origin=str(path), source=outlet,
                                   published=f"2019-06-0{day}T12:00:00+00:00"))
        lib.add_candidates(found)
    env["BROADSHEET_LIBRARY"] = str(dated)
    for width in ("80", "60"):
        env["COLUMNS"] = width
        lines = stories()
        body = [line for line in lines[1:] if line.startswith("s")]
        assert all(len(line) <= int(width) for line in lines)
        assert all(len(line.split()[0]) == 12 and line.split()[1] in ("2", "3") for line in body)
        assert ("dates" in lines[0]) == (width == "80")  # at 60 the dates give way to the label


def test_records_are_exported() -> None:
    link = StoryLink("a", "b", "shares text", 0.6, 0.6, 0.2, "a", 3.0)
    assert "b reuses 60% of a" in link.describe() and "3 h later" in link.describe()


# ----------------------------------------------------------------- the library pane
async def test_library_pane_groups_by_story_by_default(tmp_path: Path, seed_files: list[Path]) -> None:
    from tui.app import BroadsheetApp
    from tui.library_pane import View, arrange

    with Library.open(tmp_path / "lib") as lib:
        lib.import_paths(seed_files)
        app = BroadsheetApp(lib, remember_theme=False)
        async with app.run_test(size=(160, 45)) as pilot:
            pane = app.library_pane
            assert pane.view.group == "story"
            headers = [key for key in pane.table.row_keys if key.startswith("group:")]
            assert len(headers) == 2
            first = pane.table.row_plain(0)[0]
            assert first.startswith("▾ 3 · ")
            wire = lib.story_of(next(a.id for a in lib.articles() if a.origin.endswith("001_367e7e55959c9f47.txt")))
            rows = list(pane._row_position)
            wire_rows = [rows.index(f"article:{a}") for a in wire.article_ids]
            assert max(wire_rows) - min(wire_rows) == 1  # the wire story's two reports sit together
            await pilot.press("g")  # the user's choice sticks: story -> source
            await pilot.pause()
            assert pane.view.group == "source"
            app.refresh_library()
            assert pane.view.group == "source"
        # an article alone goes under "on its own"; without stories, story grouping is a flat list
        articles = lib.articles()
        labels = {a.id: type("L", (), {"id": "s1", "title": "T", "size": 2})() for a in articles[:2]}
        groups = arrange(articles, View(group="story"), labels)  # type: ignore[arg-type]
        assert [label for label, _ in groups] == ["T", "on its own"]
        (label, positions), = arrange(articles, View(group="story"), None)
        assert label == "" and [articles[i] for i in positions] == sorted(articles, key=lambda a: (a.date, a.title),
                                                                          reverse=True)


# ----------------------------------------------------------------- open-ended input
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from store import story_text  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_text_features_never_fail(body: str) -> None:
    split = story_text.sentence_words(body)
    assert all(all(word for word in sentence) for sentence in split)
    counts = story_text.term_counts("A title", body)
    assert all(count > 0 for count in counts.values())
    hashes, words = story_text.shingle_positions(body)
    assert len(hashes) == max(0, words - story_text.SHINGLE + 1)
    assert 0.0 <= story_text.covered_share(hashes, hashes, words) <= 1.0


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["alpha beta gamma delta. ", "Ärger über die Wahl. ", "x ", "¡Hola! ", "\n\n",
                                 "The mayor of Springfield resigned on Monday. ", "”“quoted words here” "]),
                min_size=1, max_size=30), st.integers(0, 3))
def test_any_library_is_partitioned(tmp_path_factory: pytest.TempPathFactory, pieces: list[str], drop: int) -> None:
    folder = tmp_path_factory.mktemp("lib")
    with Library.open(folder / "lib") as lib:
        lib.add_candidates([Candidate(title=f"t{n}", body="".join(pieces[n:]) + f" unique{n}", origin=f"{n}.txt")
                            for n in range(len(pieces))])
        ids = sorted(a.id for a in lib.articles())
        assert sorted(a for s in lib.stories() for a in s.article_ids) == ids
        lib.remove(ids[:drop])
        assert sorted(a for s in lib.stories() for a in s.article_ids) == ids[drop:]


async def test_app_finds_stories_of_a_large_library_in_the_background(tmp_path: Path, seed_files: list[Path],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.app import BroadsheetApp

    # as for a library too large to cluster while drawing: quick only once the index is in memory
    monkeypatch.setattr(Library, "stories_are_quick", lambda self: self._story_book.pending(self._records) <= 500)
    monkeypatch.setattr(Library, "stories_cached", lambda self: True)  # the app loads only a saved index
    with Library.open(tmp_path / "lib") as lib:
        lib.import_paths(seed_files)
        app = BroadsheetApp(lib, remember_theme=False)
        async with app.run_test(size=(160, 45)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.library_pane.view.group == "story"
            assert any(key.startswith("group:") for key in app.library_pane.table.row_keys)


def test_a_rebuild_in_worker_processes_makes_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large libraries are tokenised by a pool of processes; the index must not depend on it."""
    nag = "Photographs on this page were taken by our staff photographers in the valley."
    every = _candidates(10, 3, seed=5)
    every = [Candidate(title=c.title, body=f"{c.body}\n\n{nag}", origin=c.origin, source=c.source) for c in every]
    with Library.open(tmp_path / "lib") as lib:
        lib.add_candidates(every)
        infos = _infos(lib)
    built = {}
    pools: list[object] = []
    real_pool = stories_module._fork_pool

    @contextmanager
    def spied_pool(size: int, inherited: object) -> Iterator[object]:
        with real_pool(size, inherited) as pool:
            pools.append(pool)
            yield pool

    monkeypatch.setattr(stories_module, "_fork_pool", spied_pool)
    monkeypatch.setattr(stories_module.threading, "active_count", lambda: 1)  # as `broadsheet stories` runs
    for name, parallel_from in (("one process", 10**9), ("pool", 0)):
        monkeypatch.setattr(stories_module, "PARALLEL_FROM", parallel_from)
        index = StoryIndex()
        index.rebuild(infos)
        built[name] = index
    alone, pooled = built["one process"], built["pool"]
    assert pools[0] is None and pools[1] is not None  # (this machine has two cores)
    assert alone.boilerplate and alone.boilerplate == pooled.boilerplate  # the nag is found both ways
    assert alone.terms == pooled.terms
    assert (alone.raw != pooled.raw).nnz == 0
    assert alone.groups == pooled.groups and len(alone.groups) == 10


def test_the_evidence_worked_out_in_worker_processes_is_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    every = _candidates(6, 3, seed=9)
    monkeypatch.setattr(stories_module.threading, "active_count", lambda: 1)  # as `broadsheet stories` runs
    found = {}
    for name, parallel_from in (("one process", 10**9), ("pool", 0)):
        monkeypatch.setattr(stories_module, "PARALLEL_FROM", parallel_from)
        with Library.open(tmp_path / name) as lib:
            lib.add_candidates(every)
            reports: list[tuple[int, int, str]] = []
            stories = lib.stories(progress=lambda done, total, what: reports.append((done, total, what)))
            by_origin = {a.id: a.origin for a in lib.articles()}
            found[name] = sorted((tuple(sorted(by_origin[a] for a in s.article_ids)),
                                  tuple(sorted((by_origin[l.a], by_origin[l.b], l.relation, l.score) for l in s.links)))
                                 for s in stories)
            if name == "pool":
                assert reports and reports[-1][2].startswith("comparing")  # the pool's progress
    assert found["one process"] == found["pool"]
    assert sum(len(links) for _, links in found["pool"]) >= 6


def test_no_worker_processes_are_forked_beside_other_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app computes stories in a thread: forking it would copy the other threads' locks."""
    monkeypatch.setattr(stories_module, "PARALLEL_FROM", 0)
    monkeypatch.setattr(stories_module.threading, "active_count", lambda: 3)
    with stories_module._fork_pool(10_000, None) as pool:
        assert pool is None


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.integers(-6, 40), max_size=60), max_size=12), st.integers(1, 64))
def test_the_term_table_numbers_hashes_as_a_dict_would(batches: list[list[int]], capacity: int) -> None:
    """Ids in order of first appearance, the same hash the same id across batches, growing past
    its first size; small keys collide in the slots (and 0 is the table's empty mark)."""
    from store.term_table import TermTable

    table = TermTable(capacity)
    expected: dict[int, int] = {}
    for batch in batches:
        hashes = np.array([h * 7919 for h in batch], dtype=np.int64)  # several land in one slot
        ids, first_seen = table.number(hashes)
        new = []
        for position, value in enumerate(hashes.tolist()):
            if value not in expected:
                expected[value] = len(expected)
                new.append(position)
        assert ids.tolist() == [expected[value] for value in hashes.tolist()]
        assert first_seen.tolist() == new
        assert len(table) == len(expected)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 6), st.integers(1, 8), st.data())
def test_sentences_are_taken_out_of_every_row_at_once_as_row_by_row(rows: int, width: int, data: st.DataObject) -> None:
    import scipy.sparse as sp

    dense = np.array(data.draw(st.lists(st.lists(st.integers(0, 4), min_size=width, max_size=width),
                                        min_size=rows, max_size=rows)), dtype=np.float32)
    keys = data.draw(st.lists(st.lists(st.integers(0, 5), max_size=5), min_size=rows, max_size=rows))
    dropped = {}
    for key in data.draw(st.sets(st.integers(0, 5), max_size=4)):
        terms = data.draw(st.lists(st.integers(0, width - 1), min_size=1, max_size=width, unique=True))
        dropped[key] = (np.array(terms, dtype=np.int32), np.ones(len(terms), dtype=np.float32))
    expected = dense.copy()
    for row, row_keys in enumerate(keys):
        for key in row_keys:
            if key in dropped:
                expected[row, dropped[key][0]] -= dropped[key][1]
    expected[expected < 0] = 0
    left = story_graph.SentenceTerms(dropped).taken_from(sp.csr_matrix(dense), [np.array(k, dtype=np.int64) for k in keys])
    assert np.array_equal(left.toarray(), expected)
    assert (left.data > 0).all()


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 6), st.integers(1, 7), st.data())
def test_dropping_common_columns_leaves_the_vectors_untouched(rows: int, width: int, data: st.DataObject) -> None:
    import scipy.sparse as sp

    dense = np.array(data.draw(st.lists(st.lists(st.sampled_from([0.0, 0.0, 0.5, 1.0, 2.0]), min_size=width,
                                                  max_size=width), min_size=rows, max_size=rows)), dtype=np.float32)
    dropped = np.array(data.draw(st.lists(st.booleans(), min_size=width, max_size=width)))
    matrix = sp.csr_matrix(dense)
    before = (matrix.data.copy(), matrix.indices.copy(), matrix.indptr.copy())
    lookup = story_graph.without_columns(matrix, dropped)
    expected = dense.copy()
    expected[:, dropped] = 0
    assert np.array_equal(lookup.toarray(), expected)
    assert all(np.array_equal(a, b) for a, b in zip(before, (matrix.data, matrix.indices, matrix.indptr)))


def test_the_cosines_of_a_fresh_build_are_those_of_its_saved_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new build's vectors were pruned in place by the candidate search (terms in more than
    POSTING_CAP articles), so its evidence differed from the same index loaded from disk."""
    monkeypatch.setattr(story_graph, "POSTING_CAP", 2)  # the events' shared words are "common" here
    every = _candidates(6, 3, seed=13)
    with Library.open(tmp_path / "lib") as lib:
        lib.add_candidates(every)
        fresh = {(l.a, l.b): l.cosine for s in lib.stories() for l in s.links}
    with Library.open(tmp_path / "lib") as lib:
        loaded = {(l.a, l.b): l.cosine for s in lib.stories() for l in s.links}
    assert fresh and fresh == loaded


def _naive_average_link(n: int, edges: dict[tuple[int, int], float], cut: float) -> list[list[int]]:
    """The textbook O(n^3) agglomeration, ties to the pair of smallest names, as a reference."""
    clusters = {k: [k] for k in range(n)}
    while True:
        best = None
        names = sorted(clusters)
        for x, a in enumerate(names):
            for b in names[x + 1:]:
                total = sum(edges.get((min(p, q), max(p, q)), 0.0) for p in clusters[a] for q in clusters[b])
                mean = total / (len(clusters[a]) * len(clusters[b]))
                if mean >= cut and (best is None or mean > best[0] + 1e-12):
                    best = (mean, a, b)
        if best is None:
            return sorted(sorted(group) for group in clusters.values())
        _, a, b = best
        clusters[a].extend(clusters.pop(b))


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 9).flatmap(lambda n: st.tuples(st.just(n), st.dictionaries(
    st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] < p[1]),
    st.integers(-300, 900).map(lambda v: v / 997 + 1e-7 * v * v), max_size=20))))
def test_cluster_is_average_link(case: tuple[int, dict[tuple[int, int], float]]) -> None:
    # the numpy path (components, per-component edges fed a few at a time) against the reference
    n, edges = case
    i = np.array([a for a, _ in edges], dtype=np.int64)
    j = np.array([b for _, b in edges], dtype=np.int64)
    s = np.array(list(edges.values()), dtype=np.float64)
    real_pairs = story_graph._pairs
    try:
        story_graph._pairs = lambda a, b, score: real_pairs(a, b, score, chunk=2)
        got = sorted(sorted(g) for g in story_graph.cluster(n, i, j, s, cut=0.2))
    finally:
        story_graph._pairs = real_pairs
    assert got == _naive_average_link(n, edges, 0.2)


def test_reports_years_apart_are_two_stories(tmp_path: Path) -> None:
    # the same words in 2012 and in 2015 (Netanyahu in Congress, twice): text alone makes one story
    words = ("netanyahu congress boehner iran nuclear speech israel prime minister address joint "
             "meeting washington white house destructive relationship invitation").split()
    import random as shuffle

    def body(n: int) -> str:
        pick = shuffle.Random(n)
        return " ".join(" ".join(pick.sample(words, 12)).capitalize() + "." for _ in range(6))

    with Library.open(tmp_path / "lib") as lib:
        lib.add_candidates([
            Candidate(title=f"Report {n}", body=body(n), origin=f"{n}.txt", source=f"Outlet {n}", published=published)
            for n, published in enumerate(["2012-09-20", "2012-09-21", "2015-02-24", "2015-02-25", None])])
        stories = [s for s in lib.stories() if len(s.article_ids) > 1]
        by_origin = {lib.get(a).origin: s.id for s in stories for a in s.article_ids}
        assert len(stories) == 2
        assert by_origin["0.txt"] == by_origin["1.txt"] != by_origin["2.txt"] == by_origin["3.txt"]
        assert by_origin["4.txt"] in (by_origin["0.txt"], by_origin["2.txt"])  # undated: with a run


def test_split_by_date_keeps_a_story_that_runs_on_day_by_day() -> None:
    def info(day: str | None) -> ArticleInfo:
        return ArticleInfo(id=day or "undated", title="", content_hash="", date=day, sort_date=day or "",
                           source="", load_body=lambda: "")

    days = [f"2019-01-{d:02d}" for d in (1, 8, 15, 22, 29)]  # a week apart each: one story
    table = {d: info(d) for d in days}
    assert story_split(days, table) == [days]
    table["2019-03-01"] = info("2019-03-01")  # a month after the last
    table["undated"] = info(None)
    parts = story_split([*days, "2019-03-01", "undated"], table)
    assert parts == [[*days, "undated"], ["2019-03-01"]]


from store.stories import split_by_date as story_split  # noqa: E402
