"""Export of highlights (Markdown, JSON-LD, CSV) and import of JSON-LD.

JSON-LD follows the W3C Web Annotation Data Model: an `AnnotationCollection` whose first (and
only) `AnnotationPage` holds the annotations. Each annotation has
  - target: a SpecificResource with `source` (the article's URL, else urn:broadsheet:article:ID),
    a TextQuoteSelector (exact, prefix, suffix) and a TextPositionSelector (start, end: code
    points into broadsheet's cleaned text), and `styleClass` "broadsheet-color-N" for the colour;
  - body: the note as a TextualBody with purpose "commenting", each tag as a TextualBody with
    purpose "tagging", and the colour's label as a TextualBody with purpose "classifying";
  - stylesheet: a CssStylesheet defining the colour's class (so other viewers can show it);
  - motivation "commenting" if there is a note, else "highlighting";
  - `broadsheet`: what only broadsheet reads back (article id, title, outlet, origin, content
    hash of the text the anchor was placed on, anchoring state and score). Other JSON-LD readers
    ignore it.
Import matches an annotation's article by id, then content hash, then URL, then origin, and
places it by its quote (store/anchoring.py). The same annotation id is never added twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

import orjson

from .anchoring import ANCHORED, CONTEXT, ORPHANED, STATES, Quote, place, quote_at
from .annotations import (COLORS, DEFAULT_LABELS, MAX_LABEL, Annotation, check_color, clean_note, clean_tags, now,
                          replace_placement)
from .cleaning import clean_line, normalise
from .errors import BadAnnotation

if TYPE_CHECKING:
    from .library import Library

FORMATS = ("md", "jsonld", "csv")
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
ID_PREFIX = "urn:broadsheet:annotation:"
ARTICLE_PREFIX = "urn:broadsheet:article:"
STYLE_PREFIX = "broadsheet-color-"
# Background colours for other viewers of the JSON-LD; the app has its own theme.
CSS_COLORS = {1: "#ffe066", 2: "#8ce99a", 3: "#74c0fc", 4: "#ff8787", 5: "#d0bfff"}
CSV_COLUMNS = ("id", "article_id", "title", "source", "url", "start", "end", "exact", "note", "tags", "color",
               "label", "state", "score", "created", "updated", "original_exact")
MAX_IMPORT_BYTES = 200 * 1024 * 1024


@dataclass
class AnnotationImportReport:
    """What import_annotations did: annotations added, already present, and not matched (why)."""

    added: list[Annotation] = field(default_factory=list)
    present: list[str] = field(default_factory=list)  # ids already in the library
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (annotation id, reason)
    labels: dict[int, str] = field(default_factory=dict)  # colour labels taken from the file

    @property
    def orphaned(self) -> list[Annotation]:
        return [a for a in self.added if a.state == ORPHANED]

    @property
    def moved(self) -> list[Annotation]:
        return [a for a in self.added if a.state == "moved"]

    def summary(self) -> str:
        parts = [f"{len(self.added)} added"]
        if self.moved:
            parts.append(f"{len(self.moved)} of them moved (text changed)")
        if self.orphaned:
            parts.append(f"{len(self.orphaned)} of them orphaned (quote not found)")
        parts.append(f"{len(self.present)} already present")
        parts.append(f"{len(self.unmatched)} unmatched")
        return ", ".join(parts)


# ------------------------------------------------------------------------------- export
def export(lib: "Library", fmt: str, *, article_ids: Iterable[str] | None = None, story_id: str | None = None,
           tag: str | None = None, color: int | None = None) -> str:
    if fmt not in FORMATS:
        raise BadAnnotation(f"unknown export format {fmt!r}; choose md, jsonld or csv")
    ids = list(article_ids) if article_ids is not None else None
    if isinstance(article_ids, str):
        ids = [article_ids]
    chosen = lib.annotations(article_ids=ids, story_id=story_id, tag=tag, color=color)
    labels = lib.color_labels()
    if fmt == "md":
        return to_markdown(lib, chosen, labels)
    if fmt == "jsonld":
        return to_jsonld(lib, chosen, labels)
    return to_csv(lib, chosen, labels)


def _article_info(lib: "Library", article_id: str) -> dict[str, Any]:
    record = lib._records[article_id]
    return {"id": article_id, "title": record["title"], "source": record["source"], "url": record["url"],
            "origin": record["origin"], "published": record["published"], "author": record["author"],
            "content_hash": record["content_hash"]}


# Markdown (and Obsidian) syntax in untrusted text: escaped so a quote stays a quote.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#$~|{}])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])(?=\s|$)")


def md_escape(text: str) -> str:
    escaped = _MD_SPECIAL.sub(r"\\\1", text).replace("==", "\\=\\=").replace("%%", "\\%\\%")
    return "\n".join(_MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
                     for line in escaped.split("\n"))


def obsidian_tag(tag: str) -> str:
    """A tag as Obsidian reads it: letters, digits, _ - / only."""
    cleaned = re.sub(r"[^\w/-]+", "-", tag, flags=re.UNICODE).strip("-")
    return f"#{cleaned}" if cleaned else ""


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def _link(url: str) -> str:
    safe = url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
    return f"<{safe}>"


def to_markdown(lib: "Library", annotations: list[Annotation], labels: dict[int, str]) -> str:
    lines = ["---", "generator: broadsheet", f"exported: {now()}", f"highlights: {len(annotations)}",
             f"articles: {len({a.article_id for a in annotations})}", "---", "", "# Highlights", ""]
    current = None
    titles: dict[str, int] = {}
    for article_id in dict.fromkeys(a.article_id for a in annotations):
        title = _article_info(lib, article_id)["title"]
        titles[title] = titles.get(title, 0) + 1
    for annotation in annotations:
        if annotation.article_id != current:
            current = annotation.article_id
            info = _article_info(lib, current)
            heading = md_escape(info["title"]) or "(untitled)"
            if titles.get(info["title"], 0) > 1:  # two reports under one headline: say which is which
                heading += f" ({md_escape(info['source']) + ', ' if info['source'] else ''}{info['id'][:6]})"
            lines += [f"## {heading}", ""]
            meta = []
            if info["source"]:
                meta.append(f"- Source: {md_escape(info['source'])}")
            if info["author"]:
                meta.append(f"- Author: {md_escape(info['author'])}")
            if info["published"]:
                meta.append(f"- Published: {md_escape(info['published'])}")
            if info["url"]:
                meta.append(f"- Link: {_link(info['url'])}")
            elif info["origin"]:
                meta.append(f"- From: {_code(info['origin'])}")
            meta.append(f"- Article id: {info['id']}")
            lines += meta + [""]
        quote = md_escape(annotation.exact).split("\n")
        quote[-1] += f" ^{annotation.id}"  # an Obsidian block id: [[file#^id]] links to the highlight
        lines += [f"> {line}" if line.strip() else ">" for line in quote]
        lines.append("")
        if annotation.note:  # the user's own words: their Markdown ([[links]], *emphasis*) is kept
            lines += [annotation.note.replace("<", "&lt;"), ""]
        facts = [f"Colour: {annotation.color} ({md_escape(labels.get(annotation.color, ''))})"]
        tags = " ".join(t for t in (obsidian_tag(tag) for tag in annotation.tags) if t)
        if tags:
            facts.insert(0, f"Tags: {tags}")
        if annotation.state == "moved":
            facts.append(f"Re-anchored: text changed (match {annotation.score:.0%})"
                         + (f"; highlighted as “{md_escape(annotation.original_exact)}”"
                            if annotation.original_exact and annotation.original_exact != annotation.exact else ""))
        elif annotation.state == ORPHANED:
            facts.append("Orphaned: quote not found in the current text")
        facts.append(f"Highlighted: {annotation.created[:10]}")
        lines += [" · ".join(facts), ""]
    if not annotations:
        lines += ["No highlights.", ""]
    return "\n".join(lines)


def _selectors(annotation: Annotation) -> list[dict[str, Any]]:
    return [{"type": "TextQuoteSelector", "exact": annotation.exact, "prefix": annotation.prefix,
             "suffix": annotation.suffix},
            {"type": "TextPositionSelector", "start": annotation.start, "end": annotation.end}]


def annotation_to_jsonld(annotation: Annotation, info: dict[str, Any], labels: dict[int, str]) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    if annotation.note:
        body.append({"type": "TextualBody", "value": annotation.note, "format": "text/plain",
                     "purpose": "commenting"})
    body += [{"type": "TextualBody", "value": tag, "purpose": "tagging"} for tag in annotation.tags]
    body.append({"type": "TextualBody", "value": labels.get(annotation.color, ""), "purpose": "classifying"})
    style = f"{STYLE_PREFIX}{annotation.color}"
    extension = {"article": info["id"], "title": info["title"], "source": info["source"], "url": info["url"],
                 "origin": info["origin"], "content_hash": info["content_hash"], "text_hash": annotation.text_hash,
                 "color": annotation.color, "state": annotation.state, "score": annotation.score}
    if annotation.original_exact:
        extension["original_exact"] = annotation.original_exact
    return {
        "id": f"{ID_PREFIX}{annotation.id}",
        "type": "Annotation",
        "motivation": "commenting" if annotation.note else "highlighting",
        "created": annotation.created,
        "modified": annotation.updated,
        "body": body,
        "target": {"type": "SpecificResource", "source": info["url"] or f"{ARTICLE_PREFIX}{info['id']}",
                   "selector": _selectors(annotation), "styleClass": style},
        "stylesheet": {"type": "CssStylesheet",
                       "value": f".{style} {{ background-color: {CSS_COLORS[annotation.color]}; }}"},
        "broadsheet": extension,
    }


def to_jsonld(lib: "Library", annotations: list[Annotation], labels: dict[int, str]) -> str:
    items = [annotation_to_jsonld(a, _article_info(lib, a.article_id), labels) for a in annotations]
    digest = hashlib.sha256(orjson.dumps(items, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]
    from . import __version__

    collection = {
        "@context": ANNO_CONTEXT,
        "id": f"urn:broadsheet:collection:{digest}",
        "type": "AnnotationCollection",
        "label": "broadsheet highlights",
        "generator": {"type": "Software", "name": f"broadsheet {__version__}"},
        "generated": now(),
        "total": len(items),
        "first": {"type": "AnnotationPage", "startIndex": 0, "items": items},
    }
    return orjson.dumps(collection, option=orjson.OPT_INDENT_2).decode() + "\n"


_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    return "'" + text if text.startswith(_CSV_FORMULA) else text


def to_csv(lib: "Library", annotations: list[Annotation], labels: dict[int, str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for a in annotations:
        info = _article_info(lib, a.article_id)
        writer.writerow([a.id, a.article_id, csv_cell(info["title"]), csv_cell(info["source"]), csv_cell(info["url"]),
                         a.start, a.end, csv_cell(a.exact), csv_cell(a.note), csv_cell("; ".join(a.tags)), a.color,
                         csv_cell(labels.get(a.color, "")), a.state, f"{a.score:g}", a.created, a.updated,
                         csv_cell(a.original_exact if a.original_exact != a.exact else "")])
    return buffer.getvalue()


# ------------------------------------------------------------------------------- import
@dataclass
class _Parsed:
    """One annotation from a file, validated, before it is matched to an article."""

    index: int
    id: str
    exact: str
    prefix: str
    suffix: str
    start: int | None
    end: int | None
    note: str
    tags: tuple[str, ...]
    color: int
    label: str
    created: str
    updated: str
    hints: dict[str, str]  # article id, content_hash, url, origin, source IRI
    text_hash: str
    state: str  # as exported by broadsheet ("anchored" if not said)
    score: float
    original_exact: str
    color_given: bool  # the file said the colour (not guessed from a label): its label names that colour


def _fail(index: int, message: str) -> BadAnnotation:
    return BadAnnotation(f"annotation {index + 1}: {message}; nothing was imported")


def _text(value: Any, index: int, what: str, *, optional: bool = True) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise _fail(index, f"{what} must be text")
    return value


def _items(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise BadAnnotation("not a JSON-LD annotation file (expected an AnnotationCollection); nothing was imported")
    kind = data.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if "AnnotationCollection" in kinds:
        first = data.get("first")
        if first is None:
            return []
        if not isinstance(first, dict):
            raise BadAnnotation("the collection's first page is a link, not embedded: only embedded pages "
                                "are read; nothing was imported")
        if first.get("next"):
            raise BadAnnotation("the collection has more than one page; only single-page files are read; "
                                "nothing was imported")
        items = first.get("items", [])
    elif "AnnotationPage" in kinds:
        items = data.get("items", [])
    elif "Annotation" in kinds:
        items = [data]
    else:
        raise BadAnnotation(f"not a JSON-LD annotation file (type {kind!r}, expected AnnotationCollection); "
                            "nothing was imported")
    if not isinstance(items, list):
        raise BadAnnotation("the annotation page's items are not a list; nothing was imported")
    return items


def _parse_item(item: Any, index: int, labels_by_name: dict[str, int]) -> _Parsed:
    if not isinstance(item, dict):
        raise _fail(index, "not an object")
    kind = item.get("type")
    if kind != "Annotation" and not (isinstance(kind, list) and "Annotation" in kind):
        raise _fail(index, f"type is {kind!r}, not Annotation")
    target = item.get("target")
    if isinstance(target, list):
        target = next((t for t in target if isinstance(t, dict)), None)
    if not isinstance(target, dict):
        raise _fail(index, "no target with selectors (a quote is needed to place it)")
    selectors = target.get("selector")
    if isinstance(selectors, dict):
        selectors = [selectors]
    if not isinstance(selectors, list):
        raise _fail(index, "the target has no selector")
    quote: dict[str, Any] | None = None
    position: dict[str, Any] | None = None
    for selector in selectors:
        if isinstance(selector, dict) and selector.get("type") == "TextQuoteSelector" and quote is None:
            quote = selector
        elif isinstance(selector, dict) and selector.get("type") == "TextPositionSelector" and position is None:
            position = selector
    if quote is None:
        raise _fail(index, "no TextQuoteSelector (a quote is needed to place it)")
    exact = normalise(_text(quote.get("exact"), index, "exact", optional=False))
    if not exact.strip():
        raise _fail(index, "the quote (exact) is empty")
    prefix = normalise(_text(quote.get("prefix"), index, "prefix"))[-CONTEXT:]
    suffix = normalise(_text(quote.get("suffix"), index, "suffix"))[:CONTEXT]
    start = end = None
    if position is not None:
        start, end = position.get("start"), position.get("end")
        for name, value in (("start", start), ("end", end)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise _fail(index, f"position {name} must be a whole number >= 0")
        if end <= start:
            raise _fail(index, "position end is not after start")
    bodies = item.get("body", [])
    if isinstance(bodies, (dict, str)):
        bodies = [bodies]
    if not isinstance(bodies, list):
        raise _fail(index, "body must be a list")
    notes: list[str] = []
    tags: list[str] = []
    label = ""
    for body in bodies:
        if isinstance(body, str):  # a bare IRI body: nothing broadsheet can show
            continue
        if not isinstance(body, dict):
            raise _fail(index, "a body is not an object")
        purpose = body.get("purpose", "commenting")
        value = body.get("value")
        if value is None:
            continue
        if not isinstance(value, str):
            raise _fail(index, "a body's value must be text")
        if purpose == "tagging":
            tags.append(value)
        elif purpose == "classifying":
            label = value
        else:
            notes.append(value)
    extension = item.get("broadsheet") if isinstance(item.get("broadsheet"), dict) else {}
    color: Any = extension.get("color")
    style = target.get("styleClass")
    if color is None and isinstance(style, str) and style.startswith(STYLE_PREFIX):
        color = int(style[len(STYLE_PREFIX):]) if style[len(STYLE_PREFIX):].isdigit() else None
    color_given = color is not None
    if color is None:
        color = labels_by_name.get(clean_line(label).casefold(), 1)
    try:
        color = check_color(color)
        note = clean_note("\n\n".join(notes))
        clean = clean_tags(tags)
    except BadAnnotation as error:
        raise _fail(index, str(error)) from None
    raw_id = item.get("id")
    if raw_id is not None and not isinstance(raw_id, str):
        raise _fail(index, "id must be text")
    source = target.get("source")
    if isinstance(source, dict):
        source = source.get("id")
    hints = {key: extension[key] for key in ("article", "content_hash", "url", "origin")
             if isinstance(extension.get(key), str) and extension[key]}
    if isinstance(source, str) and source:
        hints["source"] = source
    created = item.get("created") if isinstance(item.get("created"), str) else ""
    updated = item.get("modified") if isinstance(item.get("modified"), str) else created
    if raw_id and raw_id.startswith(ID_PREFIX) and re.fullmatch(r"[0-9a-f]{4,64}", raw_id[len(ID_PREFIX):]):
        annotation_id = raw_id[len(ID_PREFIX):]
    else:  # a foreign or missing id: a stable one from what the annotation says, so a second import matches
        basis = raw_id or orjson.dumps([hints, exact, prefix, suffix, note, list(clean), color]).decode()
        annotation_id = hashlib.sha256(basis.encode()).hexdigest()[:12]
    text_hash = extension.get("text_hash") if isinstance(extension.get("text_hash"), str) else ""
    state = extension.get("state") if extension.get("state") in STATES else ANCHORED
    score = extension.get("score", 1.0)
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1:
        raise _fail(index, "broadsheet.score must be a number from 0 to 1")
    original = normalise(_text(extension.get("original_exact"), index, "broadsheet.original_exact"))
    return _Parsed(index, annotation_id, exact, prefix, suffix, start, end, note, clean, color,
                   clean_line(label)[:MAX_LABEL], clean_line(created), clean_line(updated or created), hints, text_hash,
                   state, float(score), original, color_given)


def _match_article(lib: "Library", parsed: _Parsed, by_url: dict[str, str]) -> tuple[str | None, str]:
    hints = parsed.hints
    if hints.get("article") in lib._records:
        return hints["article"], ""
    by_hash = lib._by_hash.get(hints.get("content_hash", ""))
    if by_hash:
        return by_hash, ""
    source = hints.get("source", "")
    if source.startswith(ARTICLE_PREFIX) and source[len(ARTICLE_PREFIX):] in lib._records:
        return source[len(ARTICLE_PREFIX):], ""
    urls = [u for u in (hints.get("url"), source if not source.startswith("urn:") else None) if u]
    for url in urls:
        if url in by_url:
            return by_url[url], ""
    origin = hints.get("origin")
    if origin and origin in lib._by_origin:
        return lib._by_origin[origin], ""
    described = hints.get("url") or (source if source and not source.startswith(ARTICLE_PREFIX) else "") \
        or hints.get("origin") or hints.get("article") or source or "an unnamed source"
    return None, f"no article in this library matches {described}"


def import_jsonld(lib: "Library", text: str) -> AnnotationImportReport:
    lib._require_writable()
    if not isinstance(text, str):
        raise BadAnnotation("import_annotations takes the file's text")
    if len(text) > MAX_IMPORT_BYTES:
        raise BadAnnotation("the annotation file is larger than 200 MB; nothing was imported")
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise BadAnnotation(f"not valid JSON ({error}); nothing was imported") from None
    labels = lib.color_labels()
    labels_by_name = {label.casefold(): color for color, label in labels.items()}
    parsed = [_parse_item(item, index, labels_by_name) for index, item in enumerate(_items(data))]

    report = AnnotationImportReport()
    book = lib._notes
    inserts: list[dict[str, Any]] = []
    seen: set[str] = set()
    file_labels: dict[int, str] = {}
    stamp = now()
    bodies: dict[str, str] = {}
    by_url: dict[str, str] | None = None  # made once, when an annotation needs matching
    for item in parsed:
        if item.label and item.color_given and item.color not in file_labels:
            file_labels[item.color] = item.label
        if item.id in book.records or item.id in seen:
            report.present.append(item.id)
            continue
        if by_url is None:
            by_url = {record["url"]: article_id for article_id, record in lib._records.items() if record["url"]}
        article_id, reason = _match_article(lib, item, by_url)
        if article_id is None:
            report.unmatched.append((item.id, reason))
            continue
        seen.add(item.id)
        record = lib._records[article_id]
        digest = record["content_hash"]
        if article_id not in bodies:
            bodies[article_id] = lib._bodies.read(digest)
        body = bodies[article_id]
        start = item.start if item.start is not None else 0
        end = item.end if item.end is not None else len(item.exact)
        annotation = Annotation(id=item.id, article_id=article_id, start=start, end=end, exact=item.exact,
                                prefix=item.prefix, suffix=item.suffix, color=item.color, note=item.note,
                                tags=item.tags, created=item.created or stamp, updated=item.updated or stamp,
                                state=ANCHORED, text_hash=item.text_hash or digest, score=1.0,
                                original_exact=item.original_exact)
        placement = place(body, Quote(item.exact, item.prefix, item.suffix), start, end)
        if placement.state == ORPHANED:
            annotation = replace_placement(annotation, body, placement, digest)
        elif (placement.start, placement.end, placement.state) == (start, end, ANCHORED) and \
                quote_at(body, start, end) == Quote(item.exact, item.prefix, item.suffix):
            # exactly where it was exported from: keep what the exporting library knew of it
            annotation = _with(annotation, text_hash=digest, state=item.state if item.state != ORPHANED else ANCHORED,
                               score=item.score if item.state == "moved" else 1.0, original_exact=item.original_exact)
        else:
            annotation = replace_placement(annotation, body, placement, digest)
        report.added.append(annotation)
        inserts.append(annotation.to_record(digest))
    new_labels = dict(labels)
    for color, label in file_labels.items():
        if color in COLORS and label and labels[color] == DEFAULT_LABELS[color] and label != labels[color]:
            new_labels[color] = label  # the user has not named this colour here: take the file's name
            report.labels[color] = label
    book.write(put=inserts, labels=new_labels if report.labels else None)
    if inserts or report.labels:
        lib._notify()
    return report


def _with(annotation: Annotation, **changes: Any) -> Annotation:
    from dataclasses import replace

    return replace(annotation, **changes)


__all__ = ["AnnotationImportReport", "FORMATS", "STATES", "export", "import_jsonld"]
