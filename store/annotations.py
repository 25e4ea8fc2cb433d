"""Highlights and their notes: the record, where it is stored, and the operations on it.

Annotations are small records written often, so they live in their own small TinyDB file,
`annotations.json` in the library folder (tables "annotations" and "labels"), with a journal of
the latest saves beside it (store/annotation_book.py): a highlight is on disk (fsynced) before
`Library.annotate` returns.

Anchors follow store/anchoring.py. Each stored record also remembers the content hash of the
text it was last checked against ("checked"); an annotation whose article's text has changed
since is re-anchored, on every update of the article and on open (so a kill between the two
writes of an update is repaired by the next writable open).

Removing an article keeps its annotations in the file ("detached"): `Library.restore` (undo)
brings them back with it, and `Library.detached_annotations()` lists them meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .anchoring import ANCHORED, MOVED, ORPHANED, STATES, Placement, Quote, place, quote_at
from .cleaning import clean_line, normalise
from .errors import BadAnnotation, LibraryError
from .records import plural

if TYPE_CHECKING:
    from .annotation_book import AnnotationBook
    from .library import Library

COLORS = (1, 2, 3, 4, 5)
DEFAULT_LABELS: dict[int, str] = {1: "key claim", 2: "evidence", 3: "question", 4: "disputed", 5: "background"}
MAX_NOTE = 100_000  # characters
MAX_TAG = 100
MAX_TAGS = 50
MAX_LABEL = 40


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Annotation:
    """One highlight. Offsets are code points into the article's stored body (position selector);
    exact/prefix/suffix are the quote selector. For an orphan (state "orphaned") the offsets and
    quote are those it last had: it is not shown in the text until re-attached."""

    id: str
    article_id: str
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    color: int  # 1..5
    note: str
    tags: tuple[str, ...]
    created: str  # ISO 8601 UTC
    updated: str
    state: str  # "anchored" | "moved" | "orphaned"
    text_hash: str  # content hash of the text the anchor was made on / last placed on
    score: float = 1.0  # anchoring confidence after a re-anchor (1.0 exact)
    original_exact: str = ""  # the quote before a fuzzy re-anchor changed it ("" if never changed)

    @property
    def placed(self) -> bool:
        """True when start..end point at this highlight in the current text."""
        return self.state != ORPHANED

    def to_record(self, checked: str) -> dict[str, Any]:
        return {"id": self.id, "article": self.article_id, "start": self.start, "end": self.end,
                "exact": self.exact, "prefix": self.prefix, "suffix": self.suffix, "color": self.color,
                "note": self.note, "tags": list(self.tags), "created": self.created, "updated": self.updated,
                "state": self.state, "text_hash": self.text_hash, "score": self.score,
                "original_exact": self.original_exact, "checked": checked}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "Annotation":
        return cls(id=record["id"], article_id=record["article"], start=record["start"], end=record["end"],
                   exact=record["exact"], prefix=record["prefix"], suffix=record["suffix"],
                   color=record["color"], note=record["note"], tags=tuple(record["tags"]),
                   created=record["created"], updated=record["updated"], state=record["state"],
                   text_hash=record["text_hash"], score=record.get("score", 1.0),
                   original_exact=record.get("original_exact", ""))


@dataclass(frozen=True)
class ReanchorSummary:
    """What re-anchoring one article's highlights did."""

    article_id: str
    anchored: int = 0  # found exactly (maybe at new offsets)
    moved: int = 0  # found by a fuzzy match: the quoted text changed
    orphaned: int = 0  # not found: kept, listed, to re-attach by hand

    def describe(self) -> str:
        parts = [f"{self.anchored} re-anchored"] if self.anchored else []
        if self.moved:
            parts.append(f"{self.moved} moved (text changed: check them)")
        if self.orphaned:
            parts.append(f"{self.orphaned} orphaned (`broadsheet annotations --orphaned`)")
        total = self.anchored + self.moved + self.orphaned
        return f"highlights: {', '.join(parts)}" if total else ""


# ------------------------------------------------------------------------------- validation
def clean_note(note: str) -> str:
    if not isinstance(note, str):
        raise BadAnnotation("a note must be text")
    note = normalise(note).strip()
    if len(note) > MAX_NOTE:
        raise BadAnnotation(f"the note is {len(note)} characters long; at most {MAX_NOTE} are kept")
    return note


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    if isinstance(tags, str):
        tags = [tags]  # one tag given as a string, not its characters
    cleaned = []
    for tag in tags:
        if not isinstance(tag, str):
            raise BadAnnotation("tags must be text")
        tag = clean_line(tag).lstrip("#").strip()
        if len(tag) > MAX_TAG:
            raise BadAnnotation(f"a tag is {len(tag)} characters long; at most {MAX_TAG}")
        if tag:
            cleaned.append(tag)
    unique = tuple(dict.fromkeys(cleaned))
    if len(unique) > MAX_TAGS:
        raise BadAnnotation(f"{len(unique)} tags on one highlight; at most {MAX_TAGS}")
    return unique


def check_color(color: int) -> int:
    if isinstance(color, bool) or not isinstance(color, int) or color not in COLORS:
        raise BadAnnotation(f"colour must be 1 to 5, not {color!r}")
    return color


def check_span(body: str, start: int, end: int) -> None:
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadAnnotation(f"{name} must be a whole number, not {value!r}")
    if start == end:
        raise BadAnnotation("nothing is selected (the selection is empty)")
    if not 0 <= start < end <= len(body):
        raise BadAnnotation(f"selection {start}..{end} is outside the article's text (0..{len(body)})")
    if not body[start:end].strip():
        raise BadAnnotation("the selection is only white space; nothing to highlight")


# ------------------------------------------------------------------------------- operations
def _record_of(book: "AnnotationBook", annotation_id: str) -> dict[str, Any]:
    return book.records[book.resolve(annotation_id)]


def annotate(lib: "Library", article_id: str, start: int, end: int, *, color: int = 1, note: str = "",
             tags: Iterable[str] = ()) -> Annotation:
    lib._require_writable()
    article = lib.get(article_id)
    body = article.body
    check_span(body, start, end)
    quote = quote_at(body, start, end)
    stamp = now()
    annotation = Annotation(id=lib._notes.new_id(), article_id=article.id, start=start, end=end,
                            exact=quote.exact, prefix=quote.prefix, suffix=quote.suffix, color=check_color(color),
                            note=clean_note(note), tags=clean_tags(tags), created=stamp, updated=stamp,
                            state=ANCHORED, text_hash=article.content_hash, score=1.0)
    lib._notes.write(put=[annotation.to_record(article.content_hash)])
    lib._notify()
    return annotation


def get(lib: "Library", annotation_id: str) -> Annotation:
    return lib._notes.annotation(lib._notes.resolve(annotation_id))


def update(lib: "Library", annotation_id: str, *, color: int | None = None, note: str | None = None,
           tags: Iterable[str] | None = None, start: int | None = None, end: int | None = None) -> Annotation:
    """Change a highlight. start/end (both, or one with the other kept) move it, or re-attach an
    orphan: the quote is taken afresh from the current text and it is anchored again."""
    lib._require_writable()
    record = _record_of(lib._notes, annotation_id)
    current = Annotation.from_record(record)
    changes: dict[str, Any] = {}
    if color is not None:
        changes["color"] = check_color(color)
    if note is not None:
        changes["note"] = clean_note(note)
    if tags is not None:
        changes["tags"] = clean_tags(tags)
    checked = record.get("checked", current.text_hash)
    if start is not None or end is not None:
        if current.article_id not in lib._records:
            raise BadAnnotation(f"the article of annotation {current.id} was removed; restore it first")
        article = lib.get(current.article_id)
        body = article.body
        new_start = current.start if start is None else start
        new_end = current.end if end is None else end
        if current.state == ORPHANED and (start is None or end is None):
            raise BadAnnotation("re-attaching an orphaned highlight needs both start and end")
        check_span(body, new_start, new_end)
        quote = quote_at(body, new_start, new_end)
        changes.update(start=new_start, end=new_end, exact=quote.exact, prefix=quote.prefix, suffix=quote.suffix,
                       state=ANCHORED, score=1.0, text_hash=article.content_hash, original_exact="")
        checked = article.content_hash
    if not changes:
        return current
    changed = replace(current, **changes, updated=now())
    lib._notes.write(put=[changed.to_record(checked)])
    lib._notify()
    return changed


def delete(lib: "Library", annotation_id: str) -> Annotation:
    lib._require_writable()
    record = _record_of(lib._notes, annotation_id)
    lib._notes.write(remove=[record["id"]])
    lib._notify()
    return Annotation.from_record(record)


def restore(lib: "Library", annotation: Annotation) -> None:
    """Undo of a delete: the same record, same id. Doing it twice changes nothing."""
    lib._require_writable()
    if not isinstance(annotation, Annotation):
        raise BadAnnotation("restore_annotation takes an Annotation returned by delete_annotation")
    if annotation.id in lib._notes.records:
        return
    if annotation.state not in STATES:
        raise BadAnnotation(f"unknown anchoring state {annotation.state!r}")
    check_color(annotation.color)
    lib._notes.write(put=[annotation.to_record(annotation.text_hash)])
    if annotation.article_id in lib._records:
        reanchor(lib, [annotation.article_id])  # the text may have changed since it was deleted
    lib._notify()


def color_labels(lib: "Library") -> dict[int, str]:
    return lib._notes.labels(DEFAULT_LABELS)


def set_color_label(lib: "Library", color: int, label: str) -> None:
    """Rename a colour; an empty label puts back the default."""
    lib._require_writable()
    check_color(color)
    if not isinstance(label, str):
        raise BadAnnotation("a colour label must be text")
    label = clean_line(label)
    if len(label) > MAX_LABEL:
        raise BadAnnotation(f"a colour label is at most {MAX_LABEL} characters")
    labels = lib._notes.labels(DEFAULT_LABELS)
    labels[color] = label or DEFAULT_LABELS[color]
    lib._notes.write(labels=labels)
    lib._notify()


# ------------------------------------------------------------------------------- listing
def _article_ranks(lib: "Library", article_ids: Iterable[str]) -> dict[str, int]:
    """Position of each article in Library.articles() order (newest first, then title), for sorting."""
    def key(article_id: str) -> tuple[str, str, str]:
        record = lib._records.get(article_id) or {}
        return (record.get("published") or record.get("imported_at") or "", record.get("title", ""), article_id)
    ordered = sorted(set(article_ids), key=key, reverse=True)
    return {article_id: rank for rank, article_id in enumerate(ordered)}


def select(lib: "Library", article_ids: Iterable[str] | None = None, *, color: int | None = None,
           tag: str | None = None, story_id: str | None = None, text: str | None = None,
           state: str | None = None, detached: bool = False) -> list[Annotation]:
    """The annotations matching every filter given, in article order, then by start."""
    book = lib._notes
    if story_id is not None:
        story_of = getattr(lib, "story", None)
        if story_of is None:
            raise BadAnnotation("stories are not available in this version of broadsheet; cannot filter by story")
        try:
            story_ids = set(story_of(story_id).article_ids)
        except LibraryError:
            raise
        except KeyError:
            raise BadAnnotation(f"no story with id {story_id!r}") from None
    if article_ids is not None:
        wanted = {lib.resolve(article_id) for article_id in article_ids}
        candidate_ids: Iterable[str] = (i for article in wanted for i in book.by_article.get(article, ()))
    else:
        candidate_ids = book.records
    words = text.casefold().split() if text else []
    tag_folded = clean_line(tag).lstrip("#").casefold() if tag else None
    if color is not None:
        check_color(color)
    found = []
    for annotation_id in candidate_ids:
        record = book.records[annotation_id]
        present = record["article"] in lib._records
        if present == detached:
            continue
        if color is not None and record["color"] != color:
            continue
        if state is not None and record["state"] != state:
            continue
        if story_id is not None and record["article"] not in story_ids:
            continue
        if tag_folded is not None and tag_folded not in (t.casefold() for t in record["tags"]):
            continue
        if words:
            haystack = " ".join((record["exact"], record["note"], *record["tags"])).casefold()
            if not all(word in haystack for word in words):
                continue
        found.append(record)
    ranks = _article_ranks(lib, (record["article"] for record in found))
    found.sort(key=lambda r: (ranks[r["article"]], r["start"], r["end"], r["created"], r["id"]))
    return [book.annotation(record["id"]) for record in found]


# ------------------------------------------------------------------------------- re-anchoring
def replace_placement(annotation: Annotation, body: str, placement: Placement, text_hash: str) -> Annotation:
    if placement.state == ORPHANED:
        return replace(annotation, state=ORPHANED, score=0.0)
    quote = quote_at(body, placement.start, placement.end)
    original = annotation.original_exact
    state, score = placement.state, placement.score
    if state == MOVED and not original:
        original = annotation.exact
    if annotation.state == MOVED and state == ANCHORED:
        # found exactly, but it is still the changed text the user has not looked at: keep the flag
        state, score = MOVED, annotation.score
    return replace(annotation, start=placement.start, end=placement.end, exact=quote.exact, prefix=quote.prefix,
                   suffix=quote.suffix, state=state, score=score, text_hash=text_hash, original_exact=original)


def reanchor(lib: "Library", article_ids: Iterable[str], *, force: bool = False) -> dict[str, ReanchorSummary]:
    """Re-anchor the annotations of these articles whose text changed since they were last
    placed (all of them with force). One write for all of them."""
    book = lib._notes
    changed: list[dict[str, Any]] = []
    summaries: dict[str, ReanchorSummary] = {}
    for article_id in dict.fromkeys(article_ids):
        record = lib._records.get(article_id)
        ids = book.by_article.get(article_id)
        if record is None or not ids:
            continue
        digest = record["content_hash"]
        stale = [book.records[i] for i in ids if force or book.records[i].get("checked") != digest]
        if not stale:
            continue
        body = lib._bodies.read(digest)
        counts = {ANCHORED: 0, MOVED: 0, ORPHANED: 0}
        for stored in stale:
            annotation = Annotation.from_record(stored)
            placement = place(body, Quote(annotation.exact, annotation.prefix, annotation.suffix),
                              annotation.start, annotation.end)
            counts[placement.state] += 1
            moved = replace_placement(annotation, body, placement, digest)
            new_record = moved.to_record(digest)
            if new_record != stored:
                changed.append(new_record)
        summaries[article_id] = ReanchorSummary(article_id, counts[ANCHORED], counts[MOVED], counts[ORPHANED])
    if changed and not lib.read_only:
        book.write(put=changed)
    return summaries


def stale_articles(lib: "Library") -> list[str]:
    """Articles with annotations not yet checked against their current text."""
    book = lib._notes
    return [article_id for article_id, ids in book.by_article.items()
            if article_id in lib._records
            and any(book.records[i].get("checked") != lib._records[article_id]["content_hash"] for i in ids)]


def iter_records(lib: "Library") -> Iterator[dict[str, Any]]:
    return iter(lib._notes.records.values())


def check(lib: "Library") -> list[tuple[str, str]]:
    """For `broadsheet doctor`: (level, message) findings about the highlights."""
    book = lib._notes
    if not book.records:
        return []
    counts = {ANCHORED: 0, MOVED: 0, ORPHANED: 0}
    detached = broken = stale = 0
    bodies: dict[str, str] = {}
    for record in book.records.values():
        counts[record["state"]] = counts.get(record["state"], 0) + 1
        article = lib._records.get(record["article"])
        if article is None:
            detached += 1
            continue
        if record.get("checked") != article["content_hash"]:
            stale += 1
            continue
        if record["state"] in (ANCHORED, MOVED):
            digest = article["content_hash"]
            if digest not in bodies:
                try:
                    bodies[digest] = lib._bodies.read(digest)
                except OSError:
                    bodies[digest] = ""
            if bodies[digest][record["start"]:record["end"]] != record["exact"]:
                broken += 1
    total = len(book.records)
    findings = [("ok", f"{total} highlight{'' if total == 1 else 's'} ({counts[ANCHORED]} anchored, {counts[MOVED]} moved, "
                       f"{counts[ORPHANED]} orphaned, {detached} of removed articles)")]
    if counts[ORPHANED]:
        findings.append(("warning", f"{plural(counts[ORPHANED], 'highlight')} lost their place after an edit: "
                                    "`broadsheet annotations --orphaned` lists them"))
    if stale:
        findings.append(("warning", f"{plural(stale, 'highlight')} not yet re-anchored to their article's new text "
                                    "(done on the next writable open)"))
    if broken:
        findings.append(("error", f"{plural(broken, 'highlight')} pointing at text that is not their quote"))
    return findings


def locate(body: str, quote: str, occurrence: int | None = None) -> tuple[int, int]:
    """Offsets of `quote` in `body` for the command line: exact, else with any run of white space
    matching any other. Ambiguous quotes need `occurrence` (1 = first)."""
    import re

    quote = normalise(quote).strip()
    if not quote:
        raise BadAnnotation("the text to find is empty")
    pattern = re.compile(r"\s+".join(re.escape(word) for word in quote.split()))
    spans = [(m.start(), m.end()) for m in pattern.finditer(body)]
    if not spans:
        raise BadAnnotation(f"{quote[:60]!r} is not in the article's text")
    if occurrence is None:
        if len(spans) > 1:
            raise BadAnnotation(f"{quote[:60]!r} occurs {len(spans)} times; say which with --occurrence N")
        return spans[0]
    if not 1 <= occurrence <= len(spans):
        raise BadAnnotation(f"{quote[:60]!r} occurs {len(spans)} time(s); there is no occurrence {occurrence}")
    return spans[occurrence - 1]
