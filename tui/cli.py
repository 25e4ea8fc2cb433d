"""The `broadsheet` command line: a thin shell over `store` that prints with Rich.

With no subcommand it opens the app. Errors are one line on stderr and a non-zero exit; set
BROADSHEET_DEBUG=1 to see a traceback instead.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, NoReturn

import click
import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from store import Annotation, Article, ImportReport, Library, LibraryError, __version__, save_text
from store.cleaning import strip_controls
from store.records import plural
from store.paths import LIBRARY_ENV, default_library_path

from .cli_progress import CliProgress

if TYPE_CHECKING:
    from store import Comparison, Story

EXIT_ERROR = 1
EXIT_USAGE = 2

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)  # an error stays one line


class Context:
    def __init__(self, library: Path | None, demo: bool, read_only: bool) -> None:
        self.demo = demo
        self.read_only = read_only
        self._library = library
        self._demo_folder: Path | None = None

    @property
    def library_path(self) -> Path:
        if self.demo:
            if self._demo_folder is None:
                from store.demo import make_demo_library

                self._demo_folder = make_demo_library()
            return self._demo_folder
        return self._library or default_library_path()

    def cleanup(self) -> None:
        if self._demo_folder is not None:
            shutil.rmtree(self._demo_folder.parent, ignore_errors=True)

    @contextmanager
    def open(self, *, write: bool = False) -> Iterator[Library]:
        if write and self.read_only:
            fail("--read-only was given; this command changes the library")
        path = self.library_path
        if not write and not path.exists():
            fail(f"no library at {path} yet; `broadsheet import PATH` creates it (or try `broadsheet --demo`)")
        with Library.open(path, read_only=not write or self.read_only) as library:
            if write and library.read_only:
                fail(f"cannot change the library: {library.read_only_reason}")
            yield library


# JSON escapes C0 controls itself; DEL, C1 controls and bidi overrides it would print raw, and a
# terminal acts on them when the output is not redirected.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def json_text(value: object) -> str:
    """Indented JSON of `value` with every character a terminal could act on written as a \\u escape."""
    text = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    err.print(_safe(f"broadsheet: {message}"))
    raise SystemExit(code)


def _safe(text: str, style: str = "") -> Text:
    """Untrusted text for Rich: never parsed as markup, and without control characters or escape
    sequences (Rich passes ESC through; the store cleans on import, this covers older libraries)."""
    return Text(strip_controls(text), style=style)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--library", "library", type=click.Path(path_type=Path), default=None,
              help=f"Library folder (default: ${LIBRARY_ENV}, else the user's data folder).")
@click.option("--demo", is_flag=True, help="Use a fresh temporary copy of the bundled demo library.")
@click.option("--read-only", is_flag=True, help="Open the library read-only (works while another process writes it).")
@click.version_option(__version__, "--version", prog_name="broadsheet")
@click.pass_context
def cli(ctx: click.Context, library: Path | None, demo: bool, read_only: bool) -> None:
    """broadsheet: follow one news story across many outlets, in the terminal.

    With no command, opens the app on the library.
    """
    state = Context(library, demo, read_only)
    ctx.obj = state
    ctx.call_on_close(state.cleanup)
    if ctx.invoked_subcommand is None:
        run_app(state)


def run_app(state: Context) -> None:
    try:
        from tui.app import run  # noqa: PLC0415 - Textual is imported only when the app opens
    except ImportError:
        fail("the app is not built yet in this version; use the subcommands (`broadsheet --help`)")
    run(state.library_path, read_only=state.read_only, demo=state.demo)


# ------------------------------------------------------------------------------------- import
@cli.command("import")
@click.argument("targets", nargs=-1, required=True)
@click.option("--source", help="Outlet name for every imported article (instead of the site or feed title).")
@click.option("--tag", "tags", multiple=True, help="Tag every imported article (repeatable).")
@click.option("--fetch-full", is_flag=True, help="For feed items with only a summary, fetch the full page.")
@click.option("--max-size", type=int, default=None, help="Largest file or page to read, in MB (default 10).")
@click.option("-v", "--verbose", is_flag=True, help="List every article added, updated or already present.")
@click.pass_obj
def import_command(state: Context, targets: tuple[str, ...], source: str | None, tags: tuple[str, ...],
                   fetch_full: bool, max_size: int | None, verbose: bool) -> None:
    """Import files, folders (recursively), URLs, RSS/Atom feeds and JSONL datasets.

    Plain text (title line, blank line, body), Markdown, HTML, RSS/Atom and JSONL are read; the
    same article is never stored twice, and a changed file updates its article in place.
    """
    with state.open(write=True) as library:
        with CliProgress(err, "importing", show_from=4, plain_from=200, items=True) as progress:
            report = library.import_paths(list(targets), source=source, tags=tags, fetch_full=fetch_full,
                                          progress=lambda done, total, current: progress(done, total, Path(current).name),
                                          max_bytes=max_size * 1024 * 1024 if max_size else None)
        print_import_report(report, verbose)
        if report.outcomes and not (report.added or report.updated or report.duplicates):
            raise SystemExit(EXIT_ERROR)


def print_import_report(report: ImportReport, verbose: bool) -> None:
    styles = {"added": "green", "updated": "yellow", "duplicate": "dim", "unchanged": "dim",
              "refused": "red", "skipped": "dim"}
    for outcome in report.outcomes:
        shown = outcome.status in ("refused", "updated") or verbose or (outcome.status == "added" and outcome.message)
        if not shown:
            continue
        line = Text()
        line.append(f"{outcome.status:>9}  ", style=styles[outcome.status])
        line.append_text(_safe(outcome.origin))
        if outcome.message:
            line.append(f": {outcome.message}")
        if outcome.article_id and verbose:
            line.append(f"  [{outcome.article_id}]", style="dim")
        out.print(line)
    summary = Text(report.summary(), style="bold")
    out.print(summary)


# ------------------------------------------------------------------------------------- list, show
def _filtered(library: Library, tag: str | None, source: str | None, unread: bool, starred: bool) -> list[Article]:
    found = library.articles()
    if tag:
        found = [a for a in found if tag in a.tags]
    if source:
        found = [a for a in found if a.source.lower() == source.lower()]
    if unread:
        found = [a for a in found if not a.read]
    if starred:
        found = [a for a in found if a.starred]
    return found


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
@click.option("--tag", help="Only articles with this tag.")
@click.option("--source", help="Only articles from this source.")
@click.option("--unread", is_flag=True, help="Only unread articles.")
@click.option("--starred", is_flag=True, help="Only starred articles.")
@click.option("--limit", type=int, default=None, help="At most this many (newest first).")
@click.pass_obj
def list_command(state: Context, as_json: bool, tag: str | None, source: str | None, unread: bool,
                 starred: bool, limit: int | None) -> None:
    """List articles, newest first."""
    with state.open() as library:
        articles = _filtered(library, tag, source, unread, starred)[:limit]
        if as_json:
            records = [{key: a.to_dict()[key] for key in
                        ("id", "title", "source", "published", "origin", "tags", "read", "starred", "url",
                         "word_count", "imported_at")} for a in articles]
            sys.stdout.write(json_text(records) + "\n")
            return
        if not articles:
            out.print("no articles" + (" match" if tag or source or unread or starred else " yet"))
            return
        table = Table(box=None, pad_edge=False, header_style="bold")
        for column, options in (("id", {"no_wrap": True, "style": "dim"}), ("date", {"no_wrap": True}),
                                ("source", {"max_width": 22}), ("title", {"ratio": 1}),
                                ("words", {"justify": "right"}), ("", {"no_wrap": True}), ("tags", {})):
            table.add_column(column, **options)
        for a in articles:
            flags = ("★" if a.starred else " ") + (" " if a.read else "●")
            table.add_row(Text(a.id), _safe((a.published or a.imported_at)[:10]), _safe(a.source or "—"), _safe(a.title),
                          str(a.word_count), flags, _safe(", ".join(a.tags)))
        out.print(table)
        out.print(Text(f"{plural(len(articles), 'article')}; ● unread, ★ starred", style="dim"))


@cli.command("show")
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print the record with its text as JSON.")
@click.pass_obj
def show_command(state: Context, article_id: str, as_json: bool) -> None:
    """Print an article's cleaned text (ID may be a unique prefix)."""
    with state.open() as library:
        article = library.get(article_id)
        if as_json:
            sys.stdout.write(json_text({**article.to_dict(), "body": article.body}) + "\n")
            return
        out.print(_safe(article.title), style="bold")
        meta = " · ".join(part for part in (article.source, article.author, article.published or "") if part)
        if meta:
            out.print(_safe(meta), style="dim")
        out.print(_safe(article.url or article.origin), style="dim")
        out.print()
        out.print(_safe(article.body), soft_wrap=not out.is_terminal)


# ------------------------------------------------------------------------------------- stories
@cli.command("stories")
@click.option("--format", "fmt", type=click.Choice(["table", "tsv"]), default="table", show_default=True,
              help="tsv: one `origin<TAB>story id` line per article.")
@click.option("--json", "as_json", is_flag=True, help="Print the stories with their members and evidence as JSON.")
@click.option("--evidence", is_flag=True, help="Under each story, list the links that put it together.")
@click.option("--all", "show_all", is_flag=True, help="Also list single-article stories in the table.")
@click.pass_obj
def stories_command(state: Context, fmt: str, as_json: bool, evidence: bool, show_all: bool) -> None:
    """Group the library into stories (reports of one event) and show who shares text with whom."""
    with _open_for_stories(state) as library:
        # drawn from the callback, with no refresh thread: a stories build forks its workers,
        # which it does only in a process without other threads
        with CliProgress(err, "finding stories", show_from=2000, plain_from=2000, items=False, auto_refresh=False) as progress:
            stories = library.stories(evidence=as_json or evidence, progress=progress)
        if fmt == "tsv":
            lines = []
            for story in stories:
                for article_id in story.article_ids:
                    origin = library.get(article_id).origin.replace("\t", " ").replace("\n", " ")
                    lines.append(f"{origin}\t{story.id}\n")
            sys.stdout.write("".join(lines))
            return
        if as_json:
            sys.stdout.write(orjson.dumps([_story_json(library, s) for s in stories],
                                          option=orjson.OPT_INDENT_2).decode() + "\n")
            return
        _print_stories(library, stories, evidence, show_all)


@contextmanager
def _open_for_stories(state: Context) -> Iterator[Library]:
    """Writable when possible, so the stories cache is saved; read-only (recomputed) when the app holds the lock."""
    from store import LibraryLocked

    if state.read_only:
        with state.open() as library:
            yield library
        return
    try:
        opened = state.open(write=True)
        library = opened.__enter__()
    except LibraryLocked:
        with state.open() as library:
            yield library
        return
    try:
        yield library
    finally:
        opened.__exit__(None, None, None)


def _print_evidence(library: Library, stories: list[Story]) -> None:
    """Each story as a block: its members (oldest first) and the links that put it together."""
    for story in stories:
        head = Text(f"{story.id}  ", style="bold")
        head.append(f"{len(story.article_ids)} reports  ", style="dim")
        head.append(strip_controls(story.title), style="bold")
        out.print(head)
        members = [library.get(article_id) for article_id in story.article_ids]
        # the date and outlet columns only where a member has one, as wide as the widest
        dated = any(a.published for a in members)
        outlet_width = min(20, max(len(a.source or "") for a in members))
        for article in members:
            row = Text("  ")
            row.append(article.id, style="cyan")
            if dated:
                row.append(f"  {(article.published or '—')[:16]:<16}", style="dim")
            if outlet_width:
                row.append(f"  {strip_controls(article.source or '—')[:outlet_width]:<{outlet_width}}")
            row.append("  " + strip_controls(article.title))
            out.print(row, no_wrap=True, overflow="ellipsis")
        for link in story.links:
            style = "yellow" if link.relation == "shares text" else "dim"
            out.print(Text(f"    ↔ {link.a} · {link.b}: {link.describe()}", style=style))
        out.print()


def _story_json(library: Library, story: Story) -> dict[str, object]:
    from dataclasses import asdict

    return {"id": story.id, "title": story.title, "size": len(story.article_ids), "sources": list(story.sources),
            "first_date": story.first_date, "last_date": story.last_date,
            "articles": [{"id": a.id, "title": a.title, "source": a.source, "published": a.published,
                          "origin": a.origin} for a in (library.get(i) for i in story.article_ids)],
            "links": [{**asdict(link), "summary": link.describe()} for link in story.links]}


def _print_stories(library: Library, stories: list[Story], evidence: bool, show_all: bool) -> None:
    shown = [s for s in stories if show_all or len(s.article_ids) > 1]
    singles = sum(1 for s in stories if len(s.article_ids) == 1)
    if not shown:
        out.print(f"no stories of more than one article yet ({plural(singles, 'article')} on their own; --all lists them)")
        return
    rows = []
    for story in shown:
        span = ""
        if story.first_date:
            first, last = story.first_date[:10], (story.last_date or story.first_date)[:10]
            span = first if first == last else f"{first} – {last}"
        rows.append([story.id, str(len(story.article_ids)), _safe(story.title), _safe(", ".join(story.sources)), span])
    # a row a story, whatever the width: the label gives way (ellipsis), not the ids; outlets and
    # dates are left out when no story has any (a dataset of bare texts)
    headers = ("story", "size", "label", "outlets", "dates")
    kept = [k for k in range(len(headers)) if k < 3 or any(row[k] for row in rows)]
    widths = {k: max(len(headers[k]), *(len(row[k] or "—") for row in rows)) for k in kept}
    widths[3] = min(widths.get(3, 0), 30)

    def label_room() -> int:
        return out.width - sum(w for k, w in widths.items() if k in kept and k != 2) - 2 * (len(kept) - 1)

    # a short label: the outlets narrow to 12; too short to read: the dates go, then the outlets
    if 3 in kept and label_room() < 40:
        widths[3] = max(len(headers[3]), min(widths[3], 12))
    for dropped in (4, 3):
        if dropped in kept and label_room() < 20:
            kept.remove(dropped)
    table = Table(box=None, pad_edge=False, header_style="bold")
    for k in kept:
        width = max(20, label_room()) if k == 2 else widths[k]
        table.add_column(headers[k], no_wrap=True, overflow="ellipsis", min_width=width, max_width=width,
                         style="dim" if k == 0 else None, justify="right" if k == 1 else "left")
    for row in rows:
        table.add_row(*(row[k] or "—" for k in kept))
    if evidence:
        _print_evidence(library, shown)
    else:
        out.print(table)
    tail = f"{len(shown)} {'story' if len(shown) == 1 else 'stories'}"
    if singles and not show_all:
        tail += f"; {plural(singles, 'article')} on their own (--all lists them)"
    out.print(Text(tail, style="dim"))


# ------------------------------------------------------------------------------------- search
@cli.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", "-n", type=click.IntRange(1, 10_000), default=20, show_default=True,
              help="Most results to print.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON (id, score, spans, snippet...).")
@click.pass_obj
def search_command(state: Context, query: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Find articles: typo-tolerant words, "exact phrases", -excluded words and filters
    (source: tag: is:unread is:starred has:note before: after:), as in the app's search pane (/).

    Example: broadsheet search 'deportaton "border security" source:reuters after:2019-06'
    """
    from dataclasses import asdict

    from tui.highlight_text import highlighted

    text = " ".join(query)
    with state.open() as library:
        results = library.search_results(text, limit=limit)
    if as_json:
        out.print_json(orjson.dumps([asdict(hit) for hit in results.hits]).decode(), highlight=False)
        return
    count = f"{'at least ' if results.approximate else ''}{results.total} {'match' if results.total == 1 else 'matches'}"
    err.print(Text(f"{count} in {results.elapsed_ms:.0f} ms", style="dim"))
    for hit in results.hits:
        line = Text(hit.article_id[:12] + "  ", style="dim")
        line.append_text(highlighted(hit.title, hit.title_spans, style="bold", mark="bold underline yellow"))
        line.append("  ")
        line.append_text(highlighted(f"{hit.source or 'no source'} · {hit.date[:10]}", (), style="dim"))
        out.print(line, overflow="ellipsis", no_wrap=True)
        if hit.snippet:
            snippet = Text("    ")
            snippet.append_text(highlighted(hit.snippet, hit.snippet_spans, mark="bold yellow"))
            out.print(snippet, overflow="ellipsis", no_wrap=True)

# ------------------------------------------------------------------------------------- changes
@cli.command("tag")
@click.argument("article_ids", nargs=-1, required=True)
@click.option("-a", "--add", "add", multiple=True, help="Tag to add (repeatable).")
@click.option("-r", "--remove", "remove", multiple=True, help="Tag to remove (repeatable).")
@click.pass_obj
def tag_command(state: Context, article_ids: tuple[str, ...], add: tuple[str, ...], remove: tuple[str, ...]) -> None:
    """Add or remove tags: broadsheet tag ID [ID...] -a TAG -r TAG."""
    if not add and not remove:
        fail("nothing to do: give --add TAG or --remove TAG", EXIT_USAGE)
    with state.open(write=True) as library:
        library.tag(article_ids, add=add, remove=remove)
        for article_id in article_ids:
            article = library.get(article_id)
            out.print(_safe(f"{article.id}  tags: {', '.join(article.tags) or '(none)'}"))


@cli.command("mark")
@click.argument("article_ids", nargs=-1, required=True)
@click.option("--read/--unread", default=None, help="Mark read or unread.")
@click.option("--star/--unstar", default=None, help="Star or unstar.")
@click.pass_obj
def mark_command(state: Context, article_ids: tuple[str, ...], read: bool | None, star: bool | None) -> None:
    """Mark articles read/unread or starred/unstarred."""
    if read is None and star is None:
        fail("nothing to do: give --read, --unread, --star or --unstar", EXIT_USAGE)
    with state.open(write=True) as library:
        if read is not None:
            library.set_read(article_ids, read)
        if star is not None:
            library.set_starred(article_ids, star)
        out.print(f"marked {plural(len(article_ids), 'article')}")


@cli.command("rm")
@click.argument("article_ids", nargs=-1, required=True)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def rm_command(state: Context, article_ids: tuple[str, ...], yes: bool) -> None:
    """Remove articles from the library (asks first unless --yes)."""
    with state.open(write=True) as library:
        articles = [library.get(article_id) for article_id in article_ids]
        if not yes:
            if not sys.stdin.isatty():
                fail("not removing without confirmation: pass --yes", EXIT_USAGE)
            for article in articles:
                out.print(_safe(f"  {article.id}  {article.title}"))
            if not click.confirm(f"Remove {plural(len(articles), 'article')}?"):
                out.print("nothing removed")
                return
        kept = len(library.annotations(article_ids=[a.id for a in articles]))
        removed = library.remove([a.id for a in articles])
        out.print(f"removed {plural(len(removed), 'article')}")
        if kept:
            out.print(f"{plural(kept, 'highlight')} kept: `broadsheet annotations --detached` lists them; "
                      "importing the same text again brings them back")


@cli.command("doctor")
@click.option("--restore", is_flag=True, help="Restore damaged files from the newest good backup.")
@click.pass_obj
def doctor_command(state: Context, restore: bool) -> None:
    """Check the library; with --restore, repair damaged files from backups."""
    from store import doctor

    path = state.library_path
    if restore:
        for line in doctor.restore(path):
            out.print(Text(line))
    report = doctor.check(path)
    marks = {"ok": ("✓", "green"), "warning": ("!", "yellow"), "error": ("✗", "red")}
    out.print(Text(f"library: {path}", style="bold"))
    for finding in report.findings:
        mark, style = marks[finding.level]
        line = Text(f" {mark} ", style=style)
        line.append(finding.message)
        out.print(line)
    if not report.healthy:
        raise SystemExit(EXIT_ERROR)


# ------------------------------------------------------------------------------------- highlights and annotations
ANNOTATION_FILE_LIMIT = 200 * 1024 * 1024


def _print_annotation(annotation: Annotation, title: str, labels: dict[int, str]) -> None:
    """One line per highlight (cut to the terminal's width), and its note under it."""
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f"{annotation.id}  ", style="dim")
    line.append(f"{annotation.color} {labels.get(annotation.color, '')}"[:16].ljust(17),
                style=f"bold {HIGHLIGHT_STYLES.get(annotation.color, '')}")
    if annotation.state == "moved":
        line.append(f"moved {annotation.score:.0%}  ", style="yellow")
    elif annotation.state == "orphaned":
        line.append("ORPHANED  ", style="red")
    quote = " ".join(annotation.exact.split())
    line.append(f"“{quote[:100]}{'…' if len(quote) > 100 else ''}”")
    line.append(f"  {title[:50]}", style="dim")
    if annotation.tags:
        line.append("  " + " ".join(f"#{tag}" for tag in annotation.tags), style="cyan")
    out.print(line, no_wrap=True, overflow="ellipsis")
    if annotation.note:
        note = " ".join(annotation.note.split())
        out.print(Text(f"    note: {note[:200]}{'…' if len(note) > 200 else ''}", style="italic"),
                  no_wrap=True, overflow="ellipsis")


HIGHLIGHT_STYLES = {1: "yellow", 2: "green", 3: "blue", 4: "red", 5: "magenta"}


@cli.command("annotations")
@click.option("--article", "article_ids", multiple=True, help="Only highlights of this article (repeatable).")
@click.option("--story", "story_id", default=None, help="Only highlights of articles in this story.")
@click.option("--tag", default=None, help="Only highlights with this tag.")
@click.option("--color", type=click.IntRange(1, 5), default=None, help="Only highlights of this colour (1-5).")
@click.option("--text", default=None, help="Only highlights whose quote, note or tags contain these words.")
@click.option("--orphaned", is_flag=True, help="Only highlights whose quote was not found after an edit.")
@click.option("--moved", is_flag=True, help="Only highlights re-anchored by a fuzzy match (text changed).")
@click.option("--detached", is_flag=True, help="Highlights of removed articles (kept; re-importing the "
                                               "same text brings them back).")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
@click.pass_obj
def annotations_command(state: Context, article_ids: tuple[str, ...], story_id: str | None, tag: str | None,
                        color: int | None, text: str | None, orphaned: bool, moved: bool, detached: bool,
                        as_json: bool) -> None:
    """List highlights and their notes, in article order."""
    if orphaned and moved:
        fail("give --orphaned or --moved, not both", EXIT_USAGE)
    with state.open() as library:
        if detached:
            found = library.detached_annotations()
        else:
            found = library.annotations(article_ids=list(article_ids) or None, story_id=story_id, tag=tag,
                                        color=color, text=text,
                                        state="orphaned" if orphaned else "moved" if moved else None)
        labels = library.color_labels()
        titles = {a.article_id: (library.get(a.article_id).title if not detached else "(removed article)")
                  for a in found}
        if as_json:
            records = [{**{k: v for k, v in a.__dict__.items()}, "tags": list(a.tags),
                        "label": labels.get(a.color, ""), "title": titles[a.article_id]} for a in found]
            sys.stdout.write(orjson.dumps(records, option=orjson.OPT_INDENT_2).decode() + "\n")
            return
        if not found:
            out.print("no highlights" + (" match" if article_ids or story_id or tag or color or text or orphaned
                                         or moved else " yet"))
            return
        for annotation in found:
            _print_annotation(annotation, titles[annotation.article_id], labels)
        out.print(Text(plural(len(found), "highlight"), style="dim"))


@cli.command("annotate")
@click.argument("article_id")
@click.argument("quote")
@click.option("--occurrence", type=click.IntRange(1), default=None, help="Which occurrence, if the text occurs more than once.")
@click.option("--color", type=click.IntRange(1, 5), default=1, show_default=True, help="Colour 1-5.")
@click.option("--note", default="", help="A note on the highlight.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@click.pass_obj
def annotate_command(state: Context, article_id: str, quote: str, occurrence: int | None, color: int, note: str,
                     tags: tuple[str, ...]) -> None:
    """Highlight the passage QUOTE of an article (white space in QUOTE matches any white space)."""
    from store.annotations import locate

    with state.open(write=True) as library:
        article = library.get(article_id)
        start, end = locate(article.body, quote, occurrence)
        made = library.annotate(article.id, start, end, color=color, note=note, tags=tags)
        _print_annotation(made, article.title, library.color_labels())


@cli.command("reattach")
@click.argument("annotation_id")
@click.argument("quote")
@click.option("--occurrence", type=click.IntRange(1), default=None, help="Which occurrence, if the text occurs more than once.")
@click.pass_obj
def reattach_command(state: Context, annotation_id: str, quote: str, occurrence: int | None) -> None:
    """Put an orphaned (or moved) highlight on the passage QUOTE of its article's current text."""
    from store.annotations import locate

    with state.open(write=True) as library:
        annotation = library.annotation(annotation_id)
        article = library.get(annotation.article_id)
        start, end = locate(article.body, quote, occurrence)
        fixed = library.update_annotation(annotation.id, start=start, end=end)
        _print_annotation(fixed, article.title, library.color_labels())


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["md", "jsonld", "csv"]), default="md", show_default=True,
              help="Markdown (Obsidian-friendly), W3C Web Annotation JSON-LD, or CSV.")
@click.option("--article", "article_ids", multiple=True, help="Only highlights of this article (repeatable).")
@click.option("--story", "story_id", default=None, help="Only highlights of articles in this story.")
@click.option("--tag", default=None, help="Only highlights with this tag.")
@click.option("--color", type=click.IntRange(1, 5), default=None, help="Only highlights of this colour (1-5).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write to this file (atomically) instead of standard output.")
@click.pass_obj
def export_command(state: Context, fmt: str, article_ids: tuple[str, ...], story_id: str | None,
                   tag: str | None, color: int | None, output: Path | None) -> None:
    """Export highlights and notes: broadsheet export --format md|jsonld|csv [-o FILE]."""
    with state.open() as library:
        text = library.export_annotations(fmt, article_ids=list(article_ids) or None, story_id=story_id, tag=tag,
                                          color=color)
    if output is None:
        sys.stdout.write(text)
        return
    if output.is_dir():
        fail(f"{output} is a folder; give a file name")
    if not output.parent.is_dir():
        fail(f"no folder {output.parent} to write {output.name} into")
    save_text(output, text)
    count = text.count("urn:broadsheet:annotation:") if fmt == "jsonld" else None
    err.print(Text(f"wrote {output}" + (f" ({plural(count, 'highlight')})" if count is not None else "")))


@cli.command("import-annotations")
@click.argument("file", type=click.Path(path_type=Path, allow_dash=True))
@click.option("-v", "--verbose", is_flag=True, help="List every annotation added.")
@click.pass_obj
def import_annotations_command(state: Context, file: Path, verbose: bool) -> None:
    """Restore highlights from a JSON-LD file (as `export --format jsonld` writes; "-" reads stdin).

    Annotations are matched to articles by id, text, URL or origin and placed by their quote;
    importing the same file twice adds nothing.
    """
    if str(file) == "-":
        raw = sys.stdin.buffer.read(ANNOTATION_FILE_LIMIT + 1)
    else:
        if not file.is_file():
            fail(f"no file {file}")
        if file.stat().st_size > ANNOTATION_FILE_LIMIT:
            fail(f"{file} is larger than 200 MB; not an annotation file broadsheet reads")
        raw = file.read_bytes()
    if len(raw) > ANNOTATION_FILE_LIMIT:
        fail("the input is larger than 200 MB; not an annotation file broadsheet reads")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text; not a JSON-LD annotation file")
    with state.open(write=True) as library:
        report = library.import_annotations(text)
        labels = library.color_labels()
        for annotation in report.added if verbose else report.moved + report.orphaned:
            _print_annotation(annotation, library.get(annotation.article_id).title, labels)
        for annotation_id, reason in report.unmatched:
            line = Text("unmatched  ", style="red")
            line.append(f"{annotation_id}: {reason}")
            out.print(line)
        for color, label in sorted(report.labels.items()):
            out.print(Text(f"colour {color} is now called {label!r} (as in the file)"))
    out.print(Text(report.summary(), style="bold"))
    if report.unmatched and not (report.added or report.present):
        raise SystemExit(EXIT_ERROR)


@cli.command("labels")
@click.argument("color", type=click.IntRange(1, 5), required=False)
@click.argument("label", required=False)
@click.pass_obj
def labels_command(state: Context, color: int | None, label: str | None) -> None:
    """Show the colour labels, or rename one: broadsheet labels 2 "evidence" ("" resets it)."""
    if color is not None and label is None:
        fail("give the new label too: broadsheet labels N LABEL", EXIT_USAGE)
    with state.open(write=color is not None) as library:
        if color is not None and label is not None:
            library.set_color_label(color, label)
        for number, name in library.color_labels().items():
            line = Text(f"{number}  ", style=f"bold {HIGHLIGHT_STYLES[number]}")
            line.append(name)
            out.print(line)


# ------------------------------------------------------------------------------------- keys, config
@cli.command("keys")
@click.option("--keymap", "keymap_name", default=None,
              help="Show this key map (default, vim, emacs or a .toml path) instead of the configured one.")
def keys_command(keymap_name: str | None) -> None:
    """List the key bindings in effect: the configured key map with the config's overrides."""
    from tui.actions import ACTIONS
    from tui.keymap import display_keys, effective_keymap, load_config, sort_problems

    config, problems = load_config()
    if keymap_name:
        config.keymap, config.keymap_line = keymap_name, None
    keymap, more = effective_keymap(config)
    problems = sort_problems(problems + more)
    table = Table(box=None, pad_edge=False, header_style="bold", title_justify="left",
                  title=Text(f"key map: {keymap.name}", style="bold"))
    for column, options in (("scope", {"no_wrap": True}), ("action", {"no_wrap": True}),
                            ("keys", {"style": "cyan"}), ("description", {"style": "dim"})):
        table.add_column(column, **options)
    for spec in ACTIONS:
        table.add_row(spec.scope, spec.id, _safe(display_keys(keymap.keys_for(spec.id)) or "(none)"),
                      spec.description)
    out.print(table)
    for problem in problems:
        err.print(_safe(str(problem)))


@cli.command("config")
@click.option("--path", "path_only", is_flag=True, help="Print only the config file's path.")
def config_command(path_only: bool) -> None:
    """Show the config file (its path, the key map in use and any problems)."""
    from tui.keymap import effective_keymap, load_config, sort_problems, ui_state_path

    config, problems = load_config()
    if path_only:
        sys.stdout.write(f"{config.path}\n")
        return
    keymap, more = effective_keymap(config)
    problems = sort_problems(problems + more)
    out.print(_safe(f"config file: {config.path}" + ("" if config.path.is_file() else " (not created yet)")))
    # an override that is malformed or loses a clash is not in effect (its problem is listed below)
    applied = sum(1 for action_id, keys in config.overrides.items()
                  if {k.lower() for k in keymap.keys.get(action_id, ())} & {str(k).lower() for k in keys})
    in_effect = "" if not config.overrides else (
        f" ({applied} overridden)" if applied == len(config.overrides)
        else f" ({applied} of {len(config.overrides)} overrides in effect)")
    out.print(_safe(f"key map:     {keymap.name}{in_effect}"))
    out.print(_safe(f"theme:       {config.theme or '(Textual default)'}"))
    out.print(_safe(f"ui state:    {ui_state_path(config.path)}"))
    if not problems:
        out.print("problems:    none")
        return
    out.print(f"problems:    {len(problems)} (the app starts anyway, with the default keys for the bad parts)")
    for problem in problems:
        out.print(_safe(f"  {problem}"), soft_wrap=True)


# ------------------------------------------------------------------------------------- compare
@cli.command("compare")
@click.argument("article_ids", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON (spans are code-point offsets).")
@click.option("--coverage", is_flag=True, help="Also print the coverage table (automatic for more than three).")
@click.pass_obj
def compare_command(state: Context, article_ids: tuple[str, ...], as_json: bool, coverage: bool) -> None:
    """Align two or three reports side by side: shared passages, moved ones, differing figures."""
    if len(article_ids) < 2:
        fail("compare needs at least two article ids", EXIT_USAGE)
    with state.open() as library:
        comparison = library.compare(list(article_ids), coverage=True if coverage else None)
        if as_json:
            sys.stdout.write(orjson.dumps(comparison_json(comparison), option=orjson.OPT_INDENT_2).decode() + "\n")
            return
        print_comparison(comparison)


def comparison_json(comparison: "Comparison") -> dict[str, object]:
    from dataclasses import asdict

    return {
        "articles": [article.to_dict() for article in comparison.articles],
        "pairs": [{"a": a, "b": b, "header": asdict(comparison.headers[(a, b)]), **asdict(alignment)}
                  for (a, b), alignment in comparison.pairs.items()],
        "coverage": [{"text": group.text, "members": {k: list(v) for k, v in group.members.items()},
                      "carried_by": len(group.members)} for group in comparison.coverage],
    }


def print_comparison(comparison: "Comparison") -> None:
    from tui.compare_render import FIGURE_STYLE, header_text, label, marked

    articles = {article.id: article for article in comparison.articles}
    for (id_a, id_b), alignment in comparison.pairs.items():
        a, b = articles[id_a], articles[id_b]
        out.rule(Text(f"{label(a)}  vs  {label(b)}"))
        out.print(header_text(a, b, comparison.headers[(id_a, id_b)]), soft_wrap=True)
        if alignment.pairs:
            table = Table(show_lines=True, expand=True)
            table.add_column(Text("A: " + label(a)), ratio=1)
            table.add_column(Text("B: " + label(b)), ratio=1)
            plain_output = not out.is_terminal  # styles are lost in a pipe: mark the words in the text
            for pair in alignment.pairs:
                left = marked(a.body, pair.a, pair.differ_a, brackets=("[-", "-]") if plain_output else None)
                right = marked(b.body, pair.b, pair.differ_b, brackets=("{+", "+}") if plain_output else None)
                if pair.moved:
                    right = Text.assemble(("↕ moved ", "italic magenta"), right)
                table.add_row(left, right)
            out.print(table)
        if alignment.figures:
            out.print(Text("Figures differ?", style="bold"))
            for diff in alignment.figures:
                line = Text("  ")
                line.append_text(_safe(diff.a_text, style=FIGURE_STYLE))
                line.append(" (A)  vs  ")
                line.append_text(_safe(diff.b_text, style=FIGURE_STYLE))
                line.append(f" (B), {diff.kind}" + ("" if diff.aligned else ", related sentences"), style="dim")
                out.print(line, soft_wrap=True)
                out.print(Text.assemble("    A: ", marked(a.body, diff.a_context, (diff.a,), FIGURE_STYLE)),
                          soft_wrap=True)
                out.print(Text.assemble("    B: ", marked(b.body, diff.b_context, (diff.b,), FIGURE_STYLE)),
                          soft_wrap=True)
        if alignment.quotes:
            out.print(Text("Shared quotes", style="bold"))
            for quote in alignment.quotes:
                line = Text("  “")
                line.append_text(_safe(" ".join(quote.text.split())))
                line.append_text(_safe("” — " + (quote.speaker or "speaker not recognised"), style="dim"))
                out.print(line, soft_wrap=True)
        out.print()
    if comparison.coverage:
        out.rule(Text("Coverage: who carries which passage"))
        ids = [article.id for article in comparison.articles]
        table = Table(expand=True)
        table.add_column("Passage", ratio=1)
        for index, article_id in enumerate(ids):
            table.add_column(Text(f"{index + 1}"), justify="center", width=3)
        table.add_column("Carried by", width=16)
        for group in comparison.coverage:
            cells = [Text("●" if group.carried_by(i) else "·") for i in ids]
            who = "only here" if len(group.members) == 1 else f"shared by {len(group.members)} of {len(ids)}"
            table.add_row(_safe(" ".join(group.text[:200].split())), *cells, Text(who))
        out.print(table)
        for index, article in enumerate(comparison.articles):
            out.print(Text(f"  {index + 1} = {label(article, 60)}", style="dim"))


@cli.command("screenshots")
@click.option("--out", type=click.Path(path_type=Path), default=Path("screenshots"), show_default=True,
              help="Folder for the SVG files.")
def screenshots_command(out: Path) -> None:
    """Regenerate the README's screenshots from the real app on the demo library."""
    from tui.screenshots import make_screenshots

    for path in make_screenshots(out):
        click.echo(str(path))


def main() -> None:
    """Entry point: no tracebacks for expected errors."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        err.print("aborted")
        raise SystemExit(130) from None
    except click.ClickException as error:
        error.show()
        raise SystemExit(error.exit_code) from None
    except LibraryError as error:
        fail(str(error))
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except SystemExit:
        raise
    except Exception as error:  # an unexpected failure still gets one line, not a traceback
        if os.environ.get("BROADSHEET_DEBUG"):
            raise
        fail(f"internal error: {type(error).__name__}: {error} (set BROADSHEET_DEBUG=1 for details)", 70)


if __name__ == "__main__":
    main()
