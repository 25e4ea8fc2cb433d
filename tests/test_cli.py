"""The command line, run as a user runs it: a subprocess, its stdout, stderr and exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from store import Library
from store.demo import demo_files


def run(library: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BROADSHEET_LIBRARY": str(library), "COLUMNS": "160"}
    env.pop("BROADSHEET_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True,
                          env=env, input=stdin, timeout=60)


@pytest.fixture()
def seeded(tmp_path: Path) -> Path:
    library = tmp_path / "lib"
    with Library.open(library) as lib:
        lib.import_paths(demo_files())
    return library


def single_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("broadsheet: ")
    return lines[0]


def test_version_and_help_on_every_command(tmp_path: Path) -> None:
    assert "0.1.0" in run(tmp_path, "--version").stdout
    for command in ("import", "list", "show", "tag", "mark", "rm", "doctor"):
        result = run(tmp_path, command, "--help")
        assert result.returncode == 0, result.stderr
        assert "Usage:" in result.stdout


def test_import_twice_adds_nothing_the_second_time(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    first = run(library, "import", *map(str, demo_files()))
    assert first.returncode == 0, first.stderr
    assert "5 added" in first.stdout
    second = run(library, "import", *map(str, demo_files()))
    assert "0 added, 5 already in the library" in second.stdout


def test_import_reports_each_refusal_on_one_line_and_keeps_going(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("A title\n\nSome body text about the border talks.\n")
    (folder / "empty.txt").write_text("")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    result = run(tmp_path / "lib", "import", str(folder), str(tmp_path / "missing.txt"))
    assert result.returncode == 0
    assert "1 added" in result.stdout and "3 refused" in result.stdout
    refusals = [line for line in result.stdout.splitlines() if line.strip().startswith("refused")]
    assert len(refusals) == 3
    assert any("empty file" in line for line in refusals)
    assert any("PNG" in line for line in refusals)
    assert any("no such file" in line for line in refusals)


def test_import_of_only_bad_input_exits_non_zero(tmp_path: Path) -> None:
    result = run(tmp_path / "lib", "import", str(tmp_path / "missing.txt"))
    assert result.returncode == 1
    assert "refused" in result.stdout


def test_list_json_has_the_documented_fields(seeded: Path) -> None:
    result = run(seeded, "list", "--json")
    records = json.loads(result.stdout)
    assert len(records) == 5
    for record in records:
        assert {"id", "title", "source", "published", "origin", "tags", "read"} <= set(record)
        assert Path(record["origin"]).name.endswith(".txt")


def test_list_table_and_filters(seeded: Path) -> None:
    table = run(seeded, "list")
    assert table.returncode == 0
    assert "Mexico to use border security" in table.stdout
    assert "5 articles" in table.stdout
    article_id = json.loads(run(seeded, "list", "--json").stdout)[0]["id"]
    assert run(seeded, "tag", article_id, "-a", "wire").returncode == 0
    tagged = json.loads(run(seeded, "list", "--json", "--tag", "wire").stdout)
    assert [r["id"] for r in tagged] == [article_id]
    assert run(seeded, "mark", article_id, "--read").returncode == 0
    unread = json.loads(run(seeded, "list", "--json", "--unread").stdout)
    assert article_id not in {r["id"] for r in unread} and len(unread) == 4


def test_show_prints_the_cleaned_text_by_id_prefix(seeded: Path) -> None:
    records = json.loads(run(seeded, "list", "--json").stdout)
    wire = next(r for r in records if r["title"].startswith("Mexico to use border security"))
    result = run(seeded, "show", wire["id"][:6])
    assert result.returncode == 0
    assert "181,163 in 2015" in result.stdout
    assert "READ MORE" not in result.stdout and "Story continues below" not in result.stdout


def test_unknown_id_is_one_line_and_non_zero(seeded: Path) -> None:
    assert "no article with id 'zzzzzz'" in single_line_error(run(seeded, "show", "zzzzzz"))


def test_rm_asks_or_needs_yes(seeded: Path) -> None:
    article_id = json.loads(run(seeded, "list", "--json").stdout)[0]["id"]
    refused = run(seeded, "rm", article_id)
    assert "--yes" in single_line_error(refused)
    assert len(json.loads(run(seeded, "list", "--json").stdout)) == 5
    assert run(seeded, "rm", "--yes", article_id).returncode == 0
    assert len(json.loads(run(seeded, "list", "--json").stdout)) == 4


def test_locked_library_is_a_clear_error(seeded: Path) -> None:
    with Library.open(seeded):
        result = run(seeded, "tag", "x" * 12, "-a", "t")
        assert "open in another broadsheet process" in single_line_error(result)
        assert run(seeded, "list").returncode == 0  # reading does not need the lock


def test_corrupt_library_then_doctor_restore(seeded: Path) -> None:
    article_id = json.loads(run(seeded, "list", "--json").stdout)[0]["id"]
    run(seeded, "tag", article_id, "-a", "keep")
    (seeded / "state.json").write_bytes(b"{not json")
    message = single_line_error(run(seeded, "list"))
    assert "state.json does not parse" in message and "doctor --restore" in message
    assert (seeded / "state.json").read_bytes() == b"{not json"  # never overwritten
    assert run(seeded, "doctor").returncode == 1
    restored = run(seeded, "doctor", "--restore")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert json.loads(run(seeded, "list", "--json", "--tag", "keep").stdout)[0]["id"] == article_id
    assert list((seeded / "corrupt").iterdir())


def test_demo_flag_uses_a_fresh_copy_of_the_seed(tmp_path: Path) -> None:
    result = run(tmp_path / "unused", "--demo", "list", "--json")
    assert len(json.loads(result.stdout)) == 5
    assert not (tmp_path / "unused").exists()


def test_markup_in_titles_is_printed_literally(tmp_path: Path) -> None:
    article = tmp_path / "evil.txt"
    article.write_text("[bold]Price [USD] 5[/bold] [@click=app.quit]x[/]\n\nBody \x1b]52;c;ZXZpbA==\x07text.\n")
    library = tmp_path / "lib"
    run(library, "import", str(article))
    listed = run(library, "list")
    assert "[bold]Price [USD] 5[/bold]" in listed.stdout
    shown = run(library, "show", json.loads(run(library, "list", "--json").stdout)[0]["id"])
    assert "\x1b" not in shown.stdout and "Body text." in shown.stdout
