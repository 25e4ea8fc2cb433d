"""Importers: turn files, folders, URLs and feeds into Candidates (or refusals with a reason).

`gather` never raises for bad input: every problem becomes an ImportOutcome with status "refused"
(or "skipped" for files of a type we do not read, met while walking a folder).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

import httpx

from ..cleaning import clean_line, clean_origin, normalise
from ..records import Candidate, ImportOutcome, ProgressCallback
from .feeds import looks_like_feed, parse_feed
from .html import parse_html_page
from .jsonl import bounded_lines, parse_jsonl
from .reading import DEFAULT_MAX_BYTES, MAX_JSONL_BYTES, Refused, decode_text, read_file
from .text import parse_markdown, parse_plain_text
from .web import fetch, make_client

__all__ = ["ImportOptions", "gather", "Refused"]

KINDS_BY_SUFFIX = {
    ".txt": "text", ".text": "text",
    ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".xml": "feed", ".rss": "feed", ".atom": "feed", ".rdf": "feed",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
}


@dataclass
class ImportOptions:
    fetch_full: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = 20.0
    _client: httpx.Client | None = field(default=None, repr=False)

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = make_client(self.timeout)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def is_url(target: str) -> bool:
    return target.lower().startswith(("http://", "https://"))


def kind_of(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return KINDS_BY_SUFFIX.get(suffixes[-1]) if suffixes else None


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def plan(targets: list[str]) -> tuple[list[str | Path], list[ImportOutcome]]:
    """What will be read, in order, and what is turned down before reading anything."""
    work: list[str | Path] = []
    turned_down: list[ImportOutcome] = []
    for target in targets:
        if is_url(target):
            work.append(target)
            continue
        path = Path(target).expanduser()
        if path.is_dir():
            for found in _walk(path):
                if kind_of(found):
                    work.append(found)
                else:
                    turned_down.append(ImportOutcome(str(found.resolve()), "skipped",
                                                     f"not a type broadsheet imports ({found.suffix or 'no extension'})"))
        elif path.is_file():
            work.append(path)
        elif path.exists():
            turned_down.append(ImportOutcome(target, "refused", "not a regular file"))
        else:
            turned_down.append(ImportOutcome(target, "refused", "no such file or folder"))
    return work, turned_down


def gather(targets: list[str], options: ImportOptions,
           progress: ProgressCallback | None = None) -> Iterator[Candidate | ImportOutcome]:
    """Candidates and outcomes; every origin, reason, warning, title and tag in them is one clean line
    (they quote parsers' error messages, file names and the input's own titles and tags)."""
    for item in _gather(targets, options, progress):
        if isinstance(item, ImportOutcome):
            item = replace(item, origin=clean_origin(item.origin), message=clean_line(item.message),
                           title=clean_line(item.title))
        else:
            item.origin = clean_origin(item.origin)
            item.warning = clean_line(item.warning)
            item.tags = tuple(dict.fromkeys(tag for tag in map(clean_line, item.tags) if tag))
        yield item


def _gather(targets: list[str], options: ImportOptions,
            progress: ProgressCallback | None = None) -> Iterator[Candidate | ImportOutcome]:
    work, turned_down = plan(targets)
    yield from turned_down
    total = len(work)
    for done, item in enumerate(work):
        origin = item if isinstance(item, str) else str(item.resolve())
        if progress:
            progress(done, total, origin)
        try:
            if isinstance(item, str):
                yield from read_url(item, options)
            else:
                yield from read_path(item, origin, options)
        except Refused as reason:
            yield ImportOutcome(origin, "refused", str(reason))
        except PermissionError:
            yield ImportOutcome(origin, "refused", "permission denied")
        except OSError as error:
            yield ImportOutcome(origin, "refused", f"could not read it ({error.strerror or error})")
        except RecursionError:
            yield ImportOutcome(origin, "refused", "nested too deeply to parse")
        except Exception as error:  # one bad input never aborts the rest of an import
            yield ImportOutcome(origin, "refused", f"unexpected error reading it ({type(error).__name__}: {error})")
    if progress:
        progress(total, total, "")


def _sniff(text: str) -> str:
    head = text.lstrip("\ufeff \t\r\n")[:512].lower()
    if looks_like_feed(head):
        return "feed"
    if head.startswith(("<!doctype html", "<html", "<head", "<body")):
        return "html"
    if head.startswith("{"):
        return "jsonl"
    return "text"


def read_path(path: Path, origin: str, options: ImportOptions) -> Iterator[Candidate | ImportOutcome]:
    kind = kind_of(path)
    if kind == "jsonl" and path.suffix.lower() != ".gz":
        size = path.stat().st_size
        if size > MAX_JSONL_BYTES:
            raise Refused(f"too large ({size} bytes)")
        if size == 0:
            raise Refused("empty file")
        with open(path, "rb") as handle:
            yield from parse_jsonl(bounded_lines(handle, options.max_bytes), origin, options.max_bytes)
        return
    data = read_file(path, options.max_bytes)
    yield from parse_document(data, kind, origin, options, url="")


def parse_document(data: bytes, kind: str | None, origin: str, options: ImportOptions,
                   url: str) -> Iterator[Candidate | ImportOutcome]:
    text, warning = decode_text(data)
    kind = kind or _sniff(text)
    if kind == "jsonl":
        yield from parse_jsonl(data.splitlines(keepends=True), origin, options.max_bytes)
        return
    if kind == "feed" or (kind == "html" and looks_like_feed(text)):
        fetcher = (lambda link: fetch_page(link, options)) if options.fetch_full else None
        yield from parse_feed(data, origin, fetcher)
        return
    # Escape sequences go before any parser sees the text: an HTML parser drops a raw ESC but keeps
    # the rest of its sequence ("]0;title") as text, which cleaning afterwards no longer recognises.
    text = normalise(text)
    if kind == "html":
        candidate = parse_html_page(text, origin, url)
    elif kind == "markdown":
        candidate = parse_markdown(text, origin)
    else:
        candidate = parse_plain_text(text, origin)
        candidate.url = url
    candidate.warning = warning
    yield candidate


def fetch_page(url: str, options: ImportOptions) -> Candidate:
    fetched = fetch(options.client, url, options.max_bytes)
    text, _ = decode_text(fetched.data)
    return parse_html_page(text, url, fetched.url)


def read_url(url: str, options: ImportOptions) -> Iterator[Candidate | ImportOutcome]:
    fetched = fetch(options.client, url, options.max_bytes)
    content_type = fetched.content_type.split(";")[0].strip().lower()
    if content_type in ("application/rss+xml", "application/atom+xml", "application/rdf+xml"):
        kind: str | None = "feed"
    elif content_type in ("text/html", "application/xhtml+xml"):
        kind = "html"
    elif content_type in ("text/plain", "text/markdown"):
        kind = "markdown" if content_type == "text/markdown" else "text"
    elif content_type in ("application/xml", "text/xml", ""):
        kind = None  # sniff: many feeds are served as plain XML
    else:
        raise Refused(f"not a page or a feed ({content_type})")
    yield from parse_document(fetched.data, kind, url, options, url=fetched.url)
