"""The file of highlights: annotations.json (TinyDB layout) plus a small append-only journal.

Saving a highlight must be on disk before it is confirmed, and fast whatever the number of
highlights. Rewriting annotations.json on each save costs a full dump and fsync of the file
(3 MB at 5,000 highlights: 15 to 50 ms on this machine, growing with the count). So a small write
appends one line to `annotations.json.journal` and fsyncs it (a millisecond or two); the journal is
folded into annotations.json (one atomic rewrite) when it grows past JOURNAL_LIMIT, when a write
is large (re-anchoring, an import), and when the library is opened or closed for writing, so
backups and `doctor` see one whole file.

Crash safety:
  - one write is one journal line (all its changes), appended and fsynced: a kill leaves it whole
    or torn; a torn last line is ignored on reading, and a failed append is cut off again;
  - annotations.json carries a generation number and every journal line the generation it
    applies to. Folding writes annotations.json with the next generation (atomically), then
    removes the journal: if a kill (or a failed unlink) leaves the journal behind, its lines are
    of an older generation and are ignored, never applied twice.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Iterable

import orjson

from .atomic import atomic_write, fsync_dir
from .errors import ReadOnlyLibrary, StorageWriteError, UnknownAnnotation
from .storage import Tables, parse_library_file

JOURNAL_SUFFIX = ".journal"
JOURNAL_LIMIT = 1 << 20  # bytes of journal before the next write folds it into the file
JOURNAL_MAX_OPS = 100  # a write with more changes than this rewrites the file instead


def journal_path(path: Path) -> Path:
    return path.with_name(path.name + JOURNAL_SUFFIX)


def read_journal(path: Path, generation: int) -> tuple[list[dict[str, Any]], int]:
    """The operations of the journal lines of this generation, in order, and how many lines were
    unreadable (a torn last line after a kill; anything else means the file was damaged)."""
    try:
        raw = journal_path(path).read_bytes()
    except FileNotFoundError:
        return [], 0
    ops: list[dict[str, Any]] = []
    bad = 0
    lines = raw.split(b"\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if index == len(lines) - 1:  # no newline after it: torn by a kill during the append
            bad += 1
            continue
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            bad += 1
            continue
        if isinstance(entry, dict) and entry.get("g") == generation and isinstance(entry.get("ops"), list):
            ops.extend(op for op in entry["ops"] if isinstance(op, dict))
    return ops, bad


def generation_of(tables: Tables | None) -> int:
    for doc in ((tables or {}).get("journal") or {}).values():
        if isinstance(doc, dict) and isinstance(doc.get("generation"), int):
            return doc["generation"]
    return 0


class AnnotationBook:
    """Every highlight record in memory (the file is the truth: memory changes only after a write
    succeeded). `write` is the one way to change them; each call is atomic."""

    def __init__(self, path: Path, tables: Tables | None, *, read_only: bool) -> None:
        self.path = path
        self.read_only = read_only
        self.records: dict[str, dict[str, Any]] = {}
        self.doc: dict[str, int] = {}
        self.by_article: dict[str, set[str]] = {}
        self.stored_labels: dict[str, str] = {}
        self.generation = generation_of(tables)
        self.journal_bytes = 0
        self.journal_damage = 0
        self._journal_dirty = False  # an append failed and could not be cut off: fold on the next write
        self._next_doc = 1
        self._objects: dict[str, Any] = {}  # records as Annotation, made on first use
        for doc_id, record in ((tables or {}).get("annotations") or {}).items():
            self._put(dict(record), int(doc_id))
        for doc in ((tables or {}).get("labels") or {}).values():
            if isinstance(doc, dict) and isinstance(doc.get("labels"), dict):
                self.stored_labels = dict(doc["labels"])
        ops, self.journal_damage = read_journal(path, self.generation)
        self._apply(ops)
        try:
            self.journal_bytes = journal_path(path).stat().st_size
        except FileNotFoundError:
            self.journal_bytes = 0

    # ----------------------------------------------------------------- memory
    def _put(self, record: dict[str, Any], doc_id: int | None = None) -> None:
        annotation_id = record["id"]
        previous = self.records.get(annotation_id)
        if previous is not None and previous["article"] != record["article"]:
            self._drop(annotation_id)
            previous = None
        self.records[annotation_id] = record
        if doc_id is None:
            doc_id = self.doc.get(annotation_id) or self._next_doc
        self.doc[annotation_id] = doc_id
        self._next_doc = max(self._next_doc, doc_id + 1)
        self._objects.pop(annotation_id, None)
        self.by_article.setdefault(record["article"], set()).add(annotation_id)

    def _drop(self, annotation_id: str) -> None:
        self._objects.pop(annotation_id, None)
        record = self.records.pop(annotation_id, None)
        self.doc.pop(annotation_id, None)
        if record is None:
            return
        ids = self.by_article.get(record["article"])
        if ids is not None:
            ids.discard(annotation_id)
            if not ids:
                del self.by_article[record["article"]]

    def _apply(self, ops: list[dict[str, Any]]) -> None:
        for op in ops:
            if "put" in op and isinstance(op["put"], dict) and "id" in op["put"]:
                self._put(dict(op["put"]))
            elif "del" in op:
                self._drop(op["del"])
            elif "labels" in op and isinstance(op["labels"], dict):
                self.stored_labels = dict(op["labels"])

    # ----------------------------------------------------------------- reading
    def annotation(self, annotation_id: str) -> Any:
        """The record as an Annotation (made once, until the record changes)."""
        found = self._objects.get(annotation_id)
        if found is None:
            from .annotations import Annotation

            found = self._objects[annotation_id] = Annotation.from_record(self.records[annotation_id])
        return found

    def resolve(self, annotation_id: str) -> str:
        """The full id for an id or a unique prefix of one (at least 4 characters)."""
        if not isinstance(annotation_id, str):
            raise UnknownAnnotation(f"no annotation with id {annotation_id!r}")
        if annotation_id in self.records:
            return annotation_id
        if len(annotation_id) >= 4:
            matches = [known for known in self.records if known.startswith(annotation_id)]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise UnknownAnnotation(f"{annotation_id!r} matches {len(matches)} annotations; give more of the id")
        raise UnknownAnnotation(f"no annotation with id {annotation_id!r}")

    def new_id(self) -> str:
        while True:
            candidate = secrets.token_hex(6)
            if candidate not in self.records:
                return candidate

    def labels(self, defaults: dict[int, str]) -> dict[int, str]:
        return {color: self.stored_labels.get(str(color)) or default for color, default in defaults.items()}

    # ----------------------------------------------------------------- writing
    def write(self, *, put: Iterable[dict[str, Any]] = (), remove: Iterable[str] = (),
              labels: dict[int, str] | None = None) -> None:
        """Store these records (new or replacing the one with the same id), remove these ids, and
        set the colour labels: all of it or none, on disk (fsynced) before it returns."""
        if self.read_only:
            raise ReadOnlyLibrary(f"{self.path.parent} is open read-only")
        ops: list[dict[str, Any]] = [{"put": dict(record)} for record in put]
        ops += [{"del": annotation_id} for annotation_id in dict.fromkeys(remove)]
        if labels is not None:
            ops.append({"labels": {str(color): label for color, label in labels.items()}})
        if not ops:
            return
        if len(ops) > JOURNAL_MAX_OPS or self._journal_dirty or self.journal_bytes > JOURNAL_LIMIT:
            self._fold(ops)
        else:
            self._append(ops)
        self._apply(ops)

    def _append(self, ops: list[dict[str, Any]]) -> None:
        line = orjson.dumps({"g": self.generation, "ops": ops}) + b"\n"
        journal = journal_path(self.path)
        created = not journal.exists()
        try:
            fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as error:
            raise StorageWriteError(f"could not write {journal.name}: {error.strerror}; nothing was changed "
                                    "on disk") from error
        try:
            size = os.fstat(fd).st_size
            try:
                view = memoryview(line)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                os.fsync(fd)
            except OSError as error:
                try:  # cut the partial line off, so the next append does not run into it
                    os.ftruncate(fd, size)
                    os.fsync(fd)
                except OSError:
                    self._journal_dirty = True
                raise StorageWriteError(f"could not write {journal.name}: {error.strerror}; nothing was "
                                        "changed on disk") from error
        finally:
            os.close(fd)
        if created:
            try:
                fsync_dir(journal.parent)
            except OSError as error:
                raise StorageWriteError(f"wrote {journal.name}, but could not sync its folder: {error.strerror}; "
                                        "the change may not survive a power cut") from error
        self.journal_bytes = size + len(line)

    def tables(self, extra: list[dict[str, Any]] = ()) -> Tables:  # type: ignore[assignment]
        """The file's content after applying `extra` operations (memory is left as it is)."""
        records = dict(self.records)
        doc = dict(self.doc)
        labels = self.stored_labels
        next_doc = max(doc.values(), default=0) + 1
        for op in extra:
            if "put" in op:
                record = op["put"]
                if record["id"] not in doc:
                    doc[record["id"]] = next_doc
                    next_doc += 1
                records[record["id"]] = record
            elif "del" in op:
                records.pop(op["del"], None)
                doc.pop(op["del"], None)
            elif "labels" in op:
                labels = op["labels"]
        ordered = sorted(records, key=lambda i: doc[i])
        tables: Tables = {"annotations": {str(doc[i]): records[i] for i in ordered}}
        if labels:
            tables["labels"] = {"1": {"labels": labels}}
        tables["journal"] = {"1": {"generation": self.generation + 1}}
        return tables

    def _fold(self, ops: list[dict[str, Any]] = ()) -> None:  # type: ignore[assignment]
        """Rewrite annotations.json with everything (and `ops`), under the next generation; then
        the journal is obsolete and removed."""
        atomic_write(self.path, orjson.dumps(self.tables(list(ops))))
        self.generation += 1
        self._journal_dirty = False
        self.journal_bytes = 0
        try:
            journal_path(self.path).unlink(missing_ok=True)
        except OSError:
            pass  # an older generation's lines are ignored; the next fold tries again

    def fold(self) -> None:
        """Fold the journal into annotations.json, if there is one (writable opens and closes)."""
        if self.read_only:
            return
        if self.journal_bytes or self._journal_dirty or journal_path(self.path).exists():
            self._fold()


def fold_on_disk(path: Path) -> Tables | None:
    """For a writable open, before its backup: annotations.json with its journal folded in (the
    file is rewritten only if there was a journal). Returns the file's tables."""
    tables = parse_library_file(path)
    if not journal_path(path).exists():
        return tables
    book = AnnotationBook(path, tables, read_only=False)
    book.fold()
    return parse_library_file(path)


__all__ = ["AnnotationBook", "fold_on_disk", "journal_path", "read_journal"]
