"""JSON Lines datasets: one article per line with title, body (or text), url, source, published, tags."""

from __future__ import annotations

from typing import Any, BinaryIO, Iterable, Iterator

import orjson

from ..cleaning import clean_line
from ..records import Candidate, ImportOutcome
from .reading import human_size

_BODY_FIELDS = ("body", "text", "content", "article")
_DATE_FIELDS = ("published", "date", "published_at", "pubdate")


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if isinstance(value, list):
        return tuple(str(tag).strip() for tag in value if str(tag).strip())
    return ()


def _field(record: dict[str, Any], names: tuple[str, ...]) -> str:
    for name in names:
        value = record.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def bounded_lines(handle: BinaryIO, max_line_bytes: int) -> Iterator[bytes]:
    """The file's lines, never holding more than `max_line_bytes` + 1 of one: a longer line is cut
    there (and so refused as too long) and the rest of it skipped a megabyte at a time. Iterating
    the file itself would read a 4 GB line without a newline into memory whole."""
    while True:
        line = handle.readline(max_line_bytes + 1)
        if not line:
            return
        if len(line) > max_line_bytes and not line.endswith(b"\n"):
            while True:
                rest = handle.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
        yield line


def parse_jsonl(lines: Iterable[bytes], origin: str, max_line_bytes: int) -> Iterator[Candidate | ImportOutcome]:
    """Given an open file, this streams it: memory stays bounded by one line however large the dataset."""
    blank = True
    for number, raw in enumerate(lines, start=1):
        where = f"{origin}#line {number}"
        if len(raw) > max_line_bytes:
            yield ImportOutcome(where, "refused", f"line too long (over {human_size(max_line_bytes)})")
            blank = False
            continue
        if not raw.strip():
            continue
        blank = False
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            yield ImportOutcome(where, "refused", f"not valid JSON ({str(error).split(':')[0]})")
            continue
        if not isinstance(record, dict):
            yield ImportOutcome(where, "refused", "not a JSON object")
            continue
        body = _field(record, _BODY_FIELDS)
        if not body:
            yield ImportOutcome(where, "refused", "no body or text field", title=str(record.get("title", ""))[:200])
            continue
        url = clean_line(_field(record, ("url", "link")))  # the origin: no escapes or newlines from the data
        yield Candidate(
            title=_field(record, ("title", "headline")), body=body, origin=url or where, url=url,
            source=_field(record, ("source", "outlet", "site")), author=_field(record, ("author", "byline")),
            published=_field(record, _DATE_FIELDS) or None, tags=_tags(record.get("tags")),
            language=_field(record, ("language", "lang")),
        )
    if blank:  # every file gets an outcome, even one of blank lines
        yield ImportOutcome(origin, "refused", "empty file")
