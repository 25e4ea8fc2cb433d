"""Hostile text through the whole program: every importer, the store, the command line and the
real app in a pseudo-terminal. The payloads are in tests/hostile.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

import hostile
from hostile import HostileArticle, add_raw_articles, first_leak, hostile_articles, leaks, stored_problems, \
    write_importer_files
from store import ImportReport, Library
from terminal import TerminalSession, app_environment, broadsheet_command
from tui.library_pane import GROUPS

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals and file names with escapes")


def assert_clean_report(report: ImportReport) -> None:
    for outcome in report.outcomes:
        for text in (outcome.origin, outcome.message, outcome.title):
            assert not stored_problems(text, single_line=True), (outcome, stored_problems(text, single_line=True))
        if outcome.status == "refused":
            assert outcome.message.strip()


def assert_clean_library(library: Library) -> int:
    """Every stored field of every article is free of controls, escapes, bidi and zero-width
    characters. Returns how many fields were checked."""
    checked = 0
    for article in library.articles():
        fields = {"title": article.title, "source": article.source, "author": article.author, "url": article.url,
                  "origin": article.origin, "published": article.published or "", "language": article.language}
        fields.update({f"tag {tag!r}": tag for tag in article.tags})
        for name, value in fields.items():
            assert not stored_problems(value, single_line=True), (article.origin, name, value)
        assert not stored_problems(article.body, single_line=False), (article.origin, article.body[:200])
        checked += len(fields) + 1
    return checked


# --------------------------------------------------------------------------- import
@pytest.fixture(scope="module")
def hostile_import(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, ImportReport]]:
    """A library holding the hostile articles as read by every importer (built once per module)."""
    folder = tmp_path_factory.mktemp("hostile")
    files = write_importer_files(folder / "in")
    reports: dict[str, ImportReport] = {}
    with Library.open(folder / "library") as lib:
        for kind, paths in files.items():
            reports[kind] = lib.import_paths(paths, tags=["hostile", "[/bold]"])
    return folder / "library", reports


@pytest.mark.parametrize("kind", hostile.IMPORTERS)
def test_every_importer_stores_hostile_text_clean(hostile_import: tuple[Path, dict[str, ImportReport]],
                                                  kind: str) -> None:
    path, reports = hostile_import
    report = reports[kind]
    assert report.added, f"{kind}: nothing imported, so nothing was tested: {report.outcomes[:3]}"
    assert_clean_report(report)
    with Library.open(path, read_only=True) as lib:
        for outcome in report.added:
            article = lib.get(outcome.article_id)
            for value in (article.title, article.source, article.author, article.origin, *article.tags):
                assert not stored_problems(value, single_line=True), (kind, value)
            assert not stored_problems(article.body, single_line=False), (kind, article.body[:300])
            assert "[/bold]" in article.tags  # markup in a tag is kept as text


def test_markup_is_kept_literally_and_payload_text_is_gone(hostile_import: tuple[Path, dict[str, ImportReport]]) -> None:
    path, reports = hostile_import
    with Library.open(path, read_only=True) as lib:
        by_origin = {a.origin: a for a in lib.articles()}
        checked = assert_clean_library(lib)
        jsonl = [a for a in by_origin.values() if a.origin.endswith("/jsonl")]
        assert jsonl
        literal = 0
        for article in jsonl:  # JSONL keeps every field as given: the markup must survive verbatim
            number = article.title.split()[1]
            original = next(a for a in hostile_articles(huge_line=False) if a.title.startswith(f"Hostile {number} "))\
                if number.isdigit() else None
            for expected in (original.expect_in_body if original else ()):
                assert expected in article.body, (expected, article.body[:300])
                assert expected in article.title
                literal += 1
        assert literal >= len(hostile.MARKUP) - 1
        for article in by_origin.values():
            text = article.title + article.body
            for marker in ("PWN-TITLE", "UFdO", "PWN-DCS", "PWN-APC", "PWN-C1OSC", "evil.example/pwn"):
                assert marker not in text, (marker, article.origin)  # the whole sequence went, not only ESC
        huge = [a for a in by_origin.values() if a.title.startswith("One megabyte on one line")]
        assert huge and max(len(line) for line in huge[0].body.split("\n")) > 500_000  # kept as one line
    print(f"\nhostile import: {len(by_origin)} articles, {checked} stored fields checked, "
          f"{sum(len(r.refused) for r in reports.values())} files refused")


def test_hostile_file_names_become_clean_origins(tmp_path: Path) -> None:
    names = [*hostile.HOSTILE_FILE_NAMES, "tab\tname.md"]
    folder = tmp_path / "in"
    folder.mkdir()
    for index, name in enumerate(names):
        (folder / name).write_text(f"Title {index}\n\n{hostile.LEAD} Number {index}.\n", encoding="utf-8")
    with Library.open(tmp_path / "lib") as lib:
        report = lib.import_paths([folder])
        assert len(report.added) == len(names)
        assert_clean_report(report)
        assert_clean_library(lib)
        again = lib.import_paths([folder])  # the same cleaned origin each time: nothing added twice
        assert not again.added and len(again.duplicates) == len(names)


# --------------------------------------------------------------------------- the command line
def run_cli(library: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "COLUMNS": "160"}
    env.pop("BROADSHEET_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "tui.cli", "--library", str(library), *args],
                          capture_output=True, env=env, timeout=60)


def test_command_line_never_prints_a_payload(tmp_path: Path) -> None:
    """On a library holding raw payloads (as an older version might have stored them): list, show,
    compare (with the coverage table), tag and import print no escape sequence, control character or bidi override, and no markup error."""
    articles = hostile_articles(huge_line=False)
    with Library.open(tmp_path / "lib") as lib:
        ids = add_raw_articles(lib, articles)
        story = add_raw_articles(lib, hostile.hostile_story())
    outputs = [run_cli(tmp_path / "lib", "list"), run_cli(tmp_path / "lib", "list", "--json"),
               run_cli(tmp_path / "lib", "compare", *story[:3]), run_cli(tmp_path / "lib", "compare", *story),
               run_cli(tmp_path / "lib", "tag", ids[0], "-a", "[/bold]")]
    outputs += [run_cli(tmp_path / "lib", "show", article_id) for article_id in ids[::4]]
    folder = tmp_path / "in"
    write_importer_files(folder, articles[:6])
    outputs.append(run_cli(tmp_path / "lib", "import", "-v", str(folder)))
    for result in outputs:
        assert b"Traceback" not in result.stderr and b"MarkupError" not in result.stderr, result.stderr[-500:]
        assert result.returncode == 0, (result.args, result.stderr[-500:])
        assert leaks(result.stdout + result.stderr) == [], (result.args, leaks(result.stdout + result.stderr))
    assert b"[@click=app.quit]x[/]" in outputs[0].stdout  # markup printed as text


# --------------------------------------------------------------------------- the real app on a terminal
READER_FOCUSED = "Back to the library"  # the footer while the reader has it
LIBRARY_FOCUSED = "Open the article"  # the footer while the list has it
FILTER_FOCUSED = "Search the library"  # the footer while a text box has it (no letter keys, so room for /)
HIGHLIGHT_MODE = " HIGHLIGHT "  # the reader's mode line in highlight mode
NOTE = "\r".join(hostile.TYPED)  # a note of several lines (Enter is a new line in the note box)


def back_in_library(term: TerminalSession) -> None:
    """Prove the pane closed and the list has the keys again: `o` (sort), which only the list
    takes, draws a new sort. Sent again if nothing came: Textual hands the focus back after the
    closing key is handled, so the first `o` can still reach the closing pane or no one."""
    term.wait_for(LIBRARY_FOCUSED)
    term.press_until(("o",), "sort: source", "sort: title", "sort: words", timeout=3)


def ungroup(term: TerminalSession) -> None:
    """Cycle the grouping to "none" (no group headers, one row per article), waiting for each step."""
    current = re.findall(r"group: (\w+)", term.screen_text())[-1]
    while current != "none":
        current = GROUPS[(GROUPS.index(current) + 1) % len(GROUPS)]
        term.press("g")
        term.wait_for(f"group: {current}")


def filter_library(term: TerminalSession, words: str, *, ungrouped: bool = False) -> None:
    """Show only the articles whose title has `words` (ungrouped: one row per article, no headers)."""
    if ungrouped:
        ungroup(term)
    term.press("F")
    term.wait_for(FILTER_FOCUSED)  # typed before the box has the focus, the words would be keys
    term.type(words)
    term.press("enter")
    # the footer of the list, drawn once the list has the focus back (Textual moves the focus
    # after the key is handled: a key sent before that would still be typed into the filter)
    term.wait_for(LIBRARY_FOCUSED)


def simple_pane(opening: tuple[str, ...], drawn: str, typed: str | None = None, submit: bool = False,
                closing: tuple[str, ...] = ("escape",), done: tuple[str, ...] = ()) -> Callable[[TerminalSession, Path], None]:
    """A pane opened by `opening` (it draws `drawn`), `typed` typed into it (then Enter, if
    `submit`; "<packed>" types the packed hostile file's path), once `done` is drawn (if given)
    closed by `closing`."""

    def drive(term: TerminalSession, packed: Path) -> None:
        term.press_until(opening, drawn)
        if typed is not None:
            term.type(str(packed) if typed == "<packed>" else typed)
            if submit:
                term.press("enter")
        if done:
            term.wait_for(*done)
        if closing:
            term.press(*closing)
        back_in_library(term)

    return drive


def pick(term: TerminalSession, *moves: str) -> None:
    """Before each pick (m), one move of the cursor; each pick waits for its mark (◆1, ◆2, ...)."""
    for number, move in enumerate(moves, 1):
        term.press(move)
        term.press("m")
        term.wait_for(f"◆{number} ")


def compare_pane(term: TerminalSession, packed: Path) -> None:
    """Three story reports picked and compared: shared, unique and differing passages and figures
    drawn from hostile text, every jump key used, then the coverage view of the three."""
    filter_library(term, hostile.STORY_WORD.lower(), ungrouped=True)
    pick(term, "end", "up", "up")
    term.press_until(("c",), "figures differ?")
    for key in ("n", "n", "u", "f", "f", "N", "right", "n", "f", "u", "pagedown", "end", "right", "home", "left"):
        term.press(key)
    term.press_until(("c",), "Coverage of 3 reports")
    for key in ("right", "down", "down", "end", "home"):
        term.press(key)
    term.press("escape")  # back to the compare pane (its column titles carry the articles' titles)
    term.wait_for("strike report")
    term.press("escape")
    back_in_library(term)


def coverage_view(term: TerminalSession, packed: Path) -> None:
    """Every story report picked: the coverage view (one column each), then two of its columns
    picked, which opens that pair side by side."""
    filter_library(term, hostile.STORY_WORD.lower(), ungrouped=True)
    pick(term, "home", *["down"] * (len(hostile.hostile_story()) - 1))
    term.press_until(("c",), f"Coverage of {len(hostile.hostile_story())} reports")
    for key in ("down", "pagedown", "home", "space", "right", "right"):
        term.press(key)
    term.press("space")  # the second pick opens the pair
    term.wait_for("figures differ?", "No shared passages")
    term.press("f")
    term.press("escape")  # the pair, back to the coverage view
    term.wait_for("Coverage of")
    term.press("escape")
    back_in_library(term)


def reader_highlights(term: TerminalSession, packed: Path) -> None:
    """In the reader, the all-payload paragraph highlighted in highlight mode, a hostile note and
    hostile tags given to it (each dialog drawn), the highlights under the cursor listed, then the
    annotations pane with that highlight."""
    filter_library(term, "everything")
    term.press_until(("enter",), READER_FOCUSED)
    term.press("right_curly_bracket")  # to the paragraph that carries every payload
    term.press_until(("v",), HIGHLIGHT_MODE)
    term.press("right_curly_bracket")  # select it
    term.press("1")
    term.wait_for("Highlighted")
    term.press("left")  # back inside the highlight
    term.press_until(("n",), "Ctrl+S saves")
    term.type(NOTE)
    term.press("ctrl+s")
    term.wait_for("Note saved")
    term.press_until(("t",), "Tags, separated by commas")
    term.type(", ".join(hostile.TYPED))
    term.press("enter")
    term.wait_for("Tags saved")
    term.press_until(("enter",), "1 highlight here")
    term.press("escape")
    term.wait_for(HIGHLIGHT_MODE)
    for key in ("left_square_bracket", "right_square_bracket", "w", "e", "s", "S"):
        term.press(key)
    term.press("escape")  # leave highlight mode
    term.press_until(("A",), "Annotations · ")
    for key in ("down", "up", "end", "home"):
        term.press(key)
    term.press("escape")
    term.wait_for(READER_FOCUSED)
    term.press("escape")  # close the reader
    back_in_library(term)


# Each pane the app has, by name: how to drive it (open it, use it, close it, and prove it closed).
# Each pane gets its own short session (so one stuck pane cannot hide another's leak).
PANES: dict[str, Callable[[TerminalSession, Path], None]] = {
    "help": simple_pane(("question_mark",), "Keys:"),
    "command palette": simple_pane(("ctrl+p",), "keys: q", "[/bold] [@click=app.quit]x[/]"),
    "tag dialog": simple_pane(("t",), "tag, other tag", ", ".join(hostile.TYPED), True, closing=()),
    "library filter": simple_pane(("F",), FILTER_FOCUSED, " ".join(hostile.TYPED), True, closing=()),
    "import dialog": simple_pane(("i",), "Import a file", "<packed>", True, done=("already in the library",)),
    "search": simple_pane(("slash",), "Type to search", "[/bold] hostile [@click=app.quit]x[/] everything"),
    "annotations": simple_pane(("A",), "Annotations · "),
    "compare": compare_pane,
    "coverage": coverage_view,
    "reader highlights": reader_highlights,
}


@pytest.fixture(scope="module")
def hostile_app_library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, Path]:
    """A library holding the hostile articles both as imported and raw: (folder, articles, packed file)."""
    folder = tmp_path_factory.mktemp("app")
    articles = hostile_articles()
    files = write_importer_files(folder / "in", articles[:3] + articles[-2:])
    with Library.open(folder / "lib") as lib:
        for paths in files.values():
            lib.import_paths(paths)
        add_raw_articles(lib, [HostileArticle(title=a.title + " (raw)", body=a.body + " (raw)", source=a.source,
                                              author=a.author, tags=a.tags, url=a.url) for a in articles[:-1]])
        add_raw_articles(lib, hostile.hostile_story())  # one story of four reports, for compare and coverage
        total = len(lib)
    packed = folder / "packed.txt.gz"
    packed.write_bytes(files["gzip"][0].read_bytes())
    return folder / "lib", total, packed


def run_app(library: Path, home: Path, steps: Callable[[TerminalSession], None]) -> bytes:
    """The real app on a pseudo-terminal: wait for the first paint, run `steps`, quit; everything it wrote."""
    with TerminalSession([*broadsheet_command(), "--library", str(library)], env=app_environment(home),
                         size=(140, 40)) as term:
        term.wait_for("articles")
        steps(term)
        # ctrl+q quits from any screen, a dialog included: one key, and the exit is waited for
        term.press("ctrl+q")
        code = term.wait_exit(timeout=60)
        output = bytes(term.output)
    assert code == 0, output[-2000:]
    assert b"Traceback" not in output and b"MarkupError" not in output
    assert b"\x1b[?1049l" in output[-600:]  # the terminal's screen was given back
    found = leaks(output)
    if found:
        first, at = first_leak(output) or ("?", 0)
        raise AssertionError(f"{found} leaked; the first, {first}, in: {output[max(0, at - 300):at + 100]!r}")
    return output


def test_the_real_app_reads_every_hostile_article_without_leaking(
        hostile_app_library: tuple[Path, int, Path], tmp_path: Path) -> None:
    """The library listed and articles opened in the reader on a real terminal: nothing injected
    reaches the terminal, and the app quits cleanly."""
    library, total, _ = hostile_app_library

    def read_all(term: TerminalSession) -> None:
        ungroup(term)
        # Every row of the list drawn (titles, sources, dates), then the article that carries every
        # payload at once in its body, title, source and tags opened in the reader.
        for _ in range(total // 20 + 1):
            term.press("pagedown")
            term.drain()
        term.press("home")
        filter_library(term, "everything")
        term.press_until(("enter",), READER_FOCUSED)
        for key in ("space", "end", "home", "1", "o", "g", "f", "ctrl+l", "2", "pagedown", "1"):
            term.press(key)

    output = run_app(library, tmp_path, read_all)
    print(f"\npty reader: {len(output)} bytes from the app, {total} articles listed, the all-payload one opened")


@pytest.mark.parametrize("name", PANES)
def test_the_real_app_shows_each_pane_without_leaking(hostile_app_library: tuple[Path, int, Path], tmp_path: Path,
                                                      name: str) -> None:
    library, _, packed = hostile_app_library
    run_app(library, tmp_path, lambda term: PANES[name](term, packed))
