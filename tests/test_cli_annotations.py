"""`broadsheet export`, `import-annotations`, `annotations` and `labels`, run as a user runs them."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_annotations import files
from test_cli import single_line_error
from store import Candidate, Library
from store.demo import demo_files


def run(library: Path, *args: str, stdin: str | bytes | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BROADSHEET_LIBRARY": str(library), "COLUMNS": "160"}
    env.pop("BROADSHEET_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True,
                          env=env, input=stdin, timeout=60)


@pytest.fixture()
def annotated(tmp_path: Path) -> tuple[Path, list[str]]:
    library = tmp_path / "lib"
    with Library.open(library) as lib:
        lib.import_paths(demo_files())
        made = []
        for n, article in enumerate(lib.articles()[:3]):
            start = article.body.index("Mexic")
            made.append(lib.annotate(article.id, start, start + 40, color=n + 1, note=f"note {n} [bold]x[/]",
                                     tags=["mexico", f"t{n}"]).id)
    return library, made


def test_help_of_each_command() -> None:
    from click.testing import CliRunner

    from tui.cli import cli

    for command in ("export", "import-annotations", "annotations", "labels", "annotate", "reattach"):
        result = CliRunner().invoke(cli, [command, "--help"])  # in-process: help needs no library
        assert result.exit_code == 0 and "Usage:" in result.output


def test_export_to_stdout_in_each_format(annotated: tuple[Path, list[str]]) -> None:
    library, made = annotated
    md = run(library, "export")
    assert md.returncode == 0 and md.stdout.count("\n> ") == 3 and "note 0 [bold]x[/]" in md.stdout
    data = json.loads(run(library, "export", "--format", "jsonld").stdout)
    assert data["type"] == "AnnotationCollection" and data["total"] == 3
    rows = list(csv.DictReader(io.StringIO(run(library, "export", "--format", "csv").stdout, newline="")))
    assert sorted(r["id"] for r in rows) == sorted(made)


def test_export_filters(annotated: tuple[Path, list[str]]) -> None:
    library, made = annotated
    with Library.open(library, read_only=True) as lib:
        first = lib.annotation(made[0])
    by_article = run(library, "export", "--format", "csv", "--article", first.article_id[:6])
    assert [r["id"] for r in csv.DictReader(io.StringIO(by_article.stdout, newline=""))] == [made[0]]
    by_tag = run(library, "export", "--format", "csv", "--tag", "t1")
    assert [r["id"] for r in csv.DictReader(io.StringIO(by_tag.stdout, newline=""))] == [made[1]]
    by_color = run(library, "export", "--format", "csv", "--color", "3")
    assert [r["id"] for r in csv.DictReader(io.StringIO(by_color.stdout, newline=""))] == [made[2]]
    assert "no article" in single_line_error(run(library, "export", "--article", "ffffffff"))


def test_export_to_a_file_and_bad_destinations(annotated: tuple[Path, list[str]], tmp_path: Path) -> None:
    library, _ = annotated
    target = tmp_path / "out.jsonld"
    result = run(library, "export", "--format", "jsonld", "-o", str(target))
    assert result.returncode == 0 and result.stdout == ""
    assert json.loads(target.read_text())["total"] == 3
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]
    assert "folder" in single_line_error(run(library, "export", "-o", str(tmp_path / "missing" / "x.md")))


def test_import_annotations_summary_idempotence_and_round_trip(annotated: tuple[Path, list[str]],
                                                               tmp_path: Path) -> None:
    library, _ = annotated
    exported = tmp_path / "notes.jsonld"
    run(library, "export", "--format", "jsonld", "-o", str(exported))
    fresh = tmp_path / "fresh"
    with Library.open(fresh) as lib:
        lib.import_paths(demo_files())
    first = run(fresh, "import-annotations", str(exported))
    assert first.returncode == 0, first.stderr
    assert "3 added, 0 already present, 0 unmatched" in first.stdout
    second = run(fresh, "import-annotations", str(exported))
    assert "0 added, 3 already present, 0 unmatched" in second.stdout
    again = run(fresh, "export", "--format", "jsonld").stdout
    original = exported.read_text()
    strip = lambda text: "\n".join(line for line in text.splitlines() if '"generated"' not in line)  # noqa: E731
    assert strip(again) == strip(original)
    from_stdin = run(fresh, "import-annotations", "-", stdin=original)
    assert "0 added, 3 already present" in from_stdin.stdout


def test_import_annotations_reports_unmatched_with_reasons(annotated: tuple[Path, list[str]], tmp_path: Path) -> None:
    library, _ = annotated
    exported = tmp_path / "notes.jsonld"
    run(library, "export", "--format", "jsonld", "-o", str(exported))
    empty = tmp_path / "empty"
    with Library.open(empty) as lib:
        lib.add_candidates([Candidate(title="Unrelated", body="Nothing to do with it.", origin="memory:x")])
    result = run(empty, "import-annotations", str(exported))
    assert result.returncode == 1
    assert result.stdout.count("unmatched  ") == 3 and "no article in this library matches" in result.stdout
    assert "0 added, 0 already present, 3 unmatched" in result.stdout


@pytest.mark.parametrize("content, message", [
    (b"{", "not valid JSON"),
    (b'{"type": "Person"}', "not a JSON-LD annotation file"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
])
def test_import_annotations_bad_files(annotated: tuple[Path, list[str]], tmp_path: Path, content: bytes,
                                      message: str) -> None:
    library, _ = annotated
    bad = tmp_path / "bad.jsonld"
    bad.write_bytes(content)
    before = files(library)
    assert message in single_line_error(run(library, "import-annotations", str(bad)))
    assert files(library) == before


def test_import_annotations_missing_file_and_read_only(annotated: tuple[Path, list[str]], tmp_path: Path) -> None:
    library, _ = annotated
    assert "no file" in single_line_error(run(library, "import-annotations", str(tmp_path / "none.jsonld")))
    exported = tmp_path / "notes.jsonld"
    run(library, "export", "--format", "jsonld", "-o", str(exported))
    assert "read-only" in single_line_error(run(library, "--read-only", "import-annotations", str(exported)))


def test_annotations_listing(annotated: tuple[Path, list[str]]) -> None:
    library, made = annotated
    result = run(library, "annotations")
    assert result.returncode == 0 and "3 highlights" in result.stdout
    assert "note 0 [bold]x[/]" in result.stdout  # markup shown as text
    records = json.loads(run(library, "annotations", "--json").stdout)
    assert sorted(r["id"] for r in records) == sorted(made)
    assert {"label", "title", "exact", "prefix", "suffix", "start", "end", "state"} <= set(records[0])
    assert "no highlights match" in run(library, "annotations", "--orphaned").stdout
    assert len(json.loads(run(library, "annotations", "--json", "--tag", "t2").stdout)) == 1


def test_removing_an_article_lists_its_highlights_as_detached(annotated: tuple[Path, list[str]]) -> None:
    library, made = annotated
    with Library.open(library, read_only=True) as lib:
        article_id = lib.annotation(made[0]).article_id
    removed = run(library, "rm", "--yes", article_id)
    assert "1 highlight kept" in removed.stdout
    detached = json.loads(run(library, "annotations", "--detached", "--json").stdout)
    assert [r["id"] for r in detached] == [made[0]]
    assert len(json.loads(run(library, "annotations", "--json").stdout)) == 2
    run(library, "import", *map(str, demo_files()))  # the same text again: the highlight is back
    assert len(json.loads(run(library, "annotations", "--json").stdout)) == 3


def test_labels_show_and_rename(annotated: tuple[Path, list[str]]) -> None:
    library, _ = annotated
    assert "1  key claim" in run(library, "labels").stdout
    renamed = run(library, "labels", "2", "strong evidence")
    assert renamed.returncode == 0 and "2  strong evidence" in renamed.stdout
    assert "2  evidence" in run(library, "labels", "2", "").stdout
    assert run(library, "labels", "7", "x").returncode == 2
    assert "give the new label" in single_line_error(run(library, "labels", "2"))


def test_annotate_and_reattach_from_the_command_line(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    with Library.open(library) as lib:
        lib.add_candidates([Candidate(title="Harbour", body="The council voted to close the harbour.\n\n"
                                      "The mayor said the harbour would reopen in March.", origin="memory:h")])
        article_id = lib.articles()[0].id
    made = run(library, "annotate", article_id, "close  the\nharbour", "--color", "3", "--note", "n", "--tag", "x")
    assert made.returncode == 0, made.stderr
    assert "close the harbour" in made.stdout
    assert "occurs 2 times" in single_line_error(run(library, "annotate", article_id, "the harbour"))
    second = run(library, "annotate", article_id, "the harbour", "--occurrence", "2")
    assert second.returncode == 0
    assert "not in the article" in single_line_error(run(library, "annotate", article_id, "no such words"))
    records = json.loads(run(library, "annotations", "--json").stdout)
    assert [(r["exact"], r["color"], r["note"], r["tags"]) for r in records] == [
        ("close the harbour", 3, "n", ["x"]), ("the harbour", 1, "", [])]
    with Library.open(library) as lib:
        lib.add_candidates([Candidate(title="Harbour", body="The council voted.\n\nThe mayor said the port "
                                      "would reopen in March.", origin="memory:h")])
        orphan = lib.annotations(state="orphaned")[0]
    fixed = run(library, "reattach", orphan.id[:6], "The council voted")
    assert fixed.returncode == 0, fixed.stderr
    with Library.open(library, read_only=True) as lib:
        again = lib.annotation(orphan.id)
        assert (again.state, again.exact, again.note) == ("anchored", "The council voted", orphan.note)
