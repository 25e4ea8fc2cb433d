"""The library: one folder holding the articles, their state and (later) annotations.

Layout of a library folder:
    meta.json          schema version (TinyDB)
    articles.json      article records without bodies; written on import and delete (TinyDB)
    state.json         hot, small records: tags, read, starred, reading position (TinyDB)
    annotations.json   highlights, notes and colour labels (TinyDB; store/annotations.py), with
    annotations.json.journal   the saves since the last fold (store/annotation_book.py)
    bodies/ab/<sha256>.txt   cleaned bodies, content-addressed, written once
    bodies/.incoming/  where a body is written before it is renamed into place
    backups/<time>-<reason>/ rotating copies of the *.json files
    corrupt/           files set aside by `broadsheet doctor --restore`
    .lock              held by the one process that may write
"""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from functools import partial
from operator import itemgetter
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator
from urllib.parse import urlsplit

import filelock
from tinydb import TinyDB
from tinydb.table import Table

from . import annotations as notes
from . import backups
from .annotation_book import AnnotationBook, fold_on_disk
from .annotations import Annotation, ReanchorSummary

if TYPE_CHECKING:
    from .export import AnnotationImportReport
from .atomic import atomic_write, remove_stale_temporaries
from .article_list import ArticleList
from .bodies import INCOMING, BodyStore, content_hash
from .cleaning import clean_line, clean_origin, clean_text, word_count, decode_entities
from .errors import LibraryCorrupt, LibraryError, LibraryLocked, ReadOnlyLibrary, UnknownArticle
from .paths import default_library_path
from .records import Article, Candidate, ImportOutcome, ImportReport, ProgressCallback
if TYPE_CHECKING:
    from .comparison import Comparison

from .schema import MIGRATIONS, SCHEMA_VERSION
from .storage import AtomicJSONStorage, Tables, parse_library_file

if TYPE_CHECKING:
    from .stories import ArticleInfo, Story, StoryBook
    from .search import SearchHit, SearchIndex, SearchResults

META_FILE = "meta.json"
ARTICLES_FILE = "articles.json"
STATE_FILE = "state.json"
ANNOTATIONS_FILE = "annotations.json"
RECORD_FILES = (META_FILE, ARTICLES_FILE, STATE_FILE, ANNOTATIONS_FILE)
LOCK_FILE = ".lock"
LOCK_OWNER_FILE = ".lock-owner"
IMPORT_BATCH = 2000  # candidates written per batch: bounds memory and the work a crash can lose

_STATE_DEFAULTS: dict[str, Any] = {"tags": [], "read": False, "starred": False, "position": 0}


def _stored_state(record: dict[str, Any]) -> dict[str, Any]:
    """A state record as written: fields at their default are left out, which halves state.json
    (and the time to write it) when most articles are merely read."""
    return {key: value for key, value in record.items() if key == "article" or _STATE_DEFAULTS.get(key) != value}


def _now() -> str:
    # SOURCE_DATE_EPOCH (the reproducible-builds convention) freezes import times, so a library
    # built for screenshots or snapshot tests looks the same on every run
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch.isdigit() else datetime.now(timezone.utc)
    return moment.isoformat(timespec="seconds")


def site_name(url: str) -> str:
    """The outlet a URL belongs to, as people write it: "reuters.com" for www.reuters.com."""
    host = urlsplit(url).hostname or ""
    for prefix in ("www.", "m.", "mobile.", "amp.", "edition."):
        if host.startswith(prefix):
            host = host[len(prefix):]
            break
    return host


class Library:
    """Open with `Library.open(path)`; use as a context manager so the write lock is released."""

    def __init__(self, path: Path, read_only: bool, read_only_reason: str, lock: filelock.BaseFileLock | None,
                 tables: dict[str, Tables]) -> None:
        self.path = path
        self.read_only = read_only
        self.read_only_reason = read_only_reason
        self._lock = lock
        self._bodies = BodyStore(path / "bodies")
        self._meta_db = self._tinydb(META_FILE, tables[META_FILE])
        self._articles_db = self._tinydb(ARTICLES_FILE, tables[ARTICLES_FILE])
        self._state_db = self._tinydb(STATE_FILE, tables[STATE_FILE])
        self._articles = self._articles_db.table("articles")
        self._state_table = self._state_db.table("state")
        self._notes = AnnotationBook(path / ANNOTATIONS_FILE, tables.get(ANNOTATIONS_FILE), read_only=read_only)
        self._records: dict[str, dict[str, Any]] = {}
        self._order: list[str] | None = None  # ids newest first (_newest_first)
        self._records_version = 0
        self._lookups: tuple[dict[str, int], dict[str, str], dict[str, str]] | None = None  # _build_lookups
        self._state: dict[str, dict[str, Any]] = {}
        self._state_doc: dict[str, int] = {}
        with gc_paused():  # bulk load; read the parsed tables directly (Table.all() copies each record)
            # The records are the storage's own parsed dicts, not copies (0.1 s and 60 MB at 100k):
            # nothing changes one in place but an import's update, which copies them first.
            docs = self._raw_articles().values()
            self._records = dict(zip(map(itemgetter("id"), docs), docs))
            self._records_changed()
            for doc_id, doc in _raw_documents(self._state_table):
                if doc.get("article") in self._records:  # state of a deleted article is ignored
                    self._state[doc["article"]] = {**_STATE_DEFAULTS, **doc}
                    self._state_doc[doc["article"]] = doc_id
        self.changed_listeners: list[Callable[[], None]] = []
        self._story_book_instance: StoryBook | None = None

    # ----------------------------------------------------------------- opening and closing
    @classmethod
    def open(cls, path: str | Path | None = None, *, read_only: bool = False, wait: float = 0.0) -> "Library":
        """Create or open the library at `path` (default: BROADSHEET_LIBRARY or the user's data folder).

        Raises LibraryLocked if another process is writing it (unless read_only), LibraryCorrupt if
        a file does not parse (nothing is changed; `broadsheet doctor --restore` repairs it).
        A library written by a newer broadsheet, or in a folder we may not write, opens read-only;
        `read_only_reason` says why.
        """
        folder = Path(path).expanduser() if path is not None else default_library_path()
        reason = "opened read-only as asked" if read_only else ""
        if not read_only:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                if not folder.is_dir():
                    raise LibraryError(f"cannot create the library folder {folder}: {error.strerror}") from error
            if not os.access(folder, os.W_OK):
                read_only, reason = True, f"{folder} is not writable"
        if not folder.is_dir():
            raise LibraryError(f"no library at {folder}")
        if not read_only and any(folder.iterdir()) and not _looks_like_library(folder):
            raise LibraryError(f"{folder} is not empty and is not a broadsheet library; choose another folder")

        lock = None
        if not read_only:
            try:
                lock = _acquire_lock(folder, wait)
            except OSError as error:  # the lock file cannot be made: a read-only folder or file system
                read_only, reason = True, f"{folder} is not writable ({error.strerror or error})"
        try:
            tables = {name: _parse(folder, name) for name in RECORD_FILES}
            version = _schema_version(tables[META_FILE], tables[ARTICLES_FILE])
            if version > SCHEMA_VERSION:
                read_only = True
                reason = (f"written by a newer broadsheet (library schema {version}, this version reads "
                          f"{SCHEMA_VERSION}); upgrade broadsheet to change it")
                if lock is not None:
                    lock.release()
                    lock = None
            if not read_only:
                remove_stale_temporaries(folder, (f"bodies/{INCOMING}",))
                tables[ANNOTATIONS_FILE] = fold_on_disk(folder / ANNOTATIONS_FILE)
                files = [folder / name for name in RECORD_FILES]
                if version < SCHEMA_VERSION and (folder / ARTICLES_FILE).exists():
                    backups.make_backup(folder, files, f"before-schema-{SCHEMA_VERSION}", force=True)
                    for step in range(version + 1, SCHEMA_VERSION + 1):
                        MIGRATIONS[step](folder)
                    tables = {name: _parse(folder, name) for name in RECORD_FILES}
                else:
                    backups.make_backup(folder, files, "open")
            library = cls(folder, read_only, reason, lock, tables)
            if not read_only and (version != SCHEMA_VERSION or not tables[META_FILE]):
                library._write_meta()
            if not read_only:
                # highlights of text changed by a process killed between its two writes
                notes.reanchor(library, notes.stale_articles(library))
            return library
        except BaseException:
            if lock is not None:
                lock.release()
            raise

    def close(self) -> None:
        """Release the lock, after backing up what this session changed."""
        if self._lock is not None:
            try:
                self._notes.fold()  # one whole annotations.json for the backup and the next reader
            except LibraryError:
                pass  # the journal stays, and is read (and folded) next time
        for db in (self._meta_db, self._articles_db, self._state_db):
            db.close()
        if self._lock is not None:
            try:
                backups.make_backup(self.path, [self.path / name for name in RECORD_FILES], "close")
            except OSError:
                pass  # a backup that cannot be written must not lose the session's (already saved) work
            try:
                (self.path / LOCK_OWNER_FILE).unlink(missing_ok=True)
            except OSError:
                pass
            self._lock.release()
            self._lock = None

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def _tinydb(self, name: str, preloaded: Tables | None) -> TinyDB:
        return TinyDB(self.path / name, storage=AtomicJSONStorage, read_only=self.read_only, preloaded=preloaded)

    def _write_meta(self) -> None:
        meta = self._meta_db.table("meta")
        meta.truncate()
        meta.insert({"schema": SCHEMA_VERSION, "created": _now()})

    def _require_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyLibrary(f"the library is read-only ({self.read_only_reason}); nothing was changed")

    # ----------------------------------------------------------------- reading
    def __len__(self) -> int:
        return len(self._records)

    def articles(self) -> ArticleList:
        """Every article, newest first (published date, else import date; then title). The list's
        articles and their order are fixed now; each Article is made when it is first read, with
        the reading state as it is then (store/article_list.py)."""
        records, ids = self._records, self._newest_first()
        return ArticleList(list(ids), [records[article_id] for article_id in ids], self._article_of)

    def _newest_first(self) -> list[str]:
        """Article ids in articles() order, kept until a record changes (state does not move an
        article). Sorted on the date string alone, then runs of equal dates by title (both stable):
        the same order as sorting on (date, title) tuples, in half the time at 100k."""
        if self._order is None:
            records = self._records
            dates = {i: record["published"] or record["imported_at"] for i, record in records.items()}
            ids = sorted(dates, key=dates.__getitem__, reverse=True)
            start = 0
            for end in range(1, len(ids) + 1):
                if end == len(ids) or dates[ids[end]] != dates[ids[start]]:
                    if end - start > 1:
                        ids[start:end] = sorted(ids[start:end], key=lambda i: records[i]["title"], reverse=True)
                    start = end
            self._order = ids
        return self._order

    def newest_by_source(self, sources: Iterable[str], per_source: int) -> list[Article]:
        """The newest `per_source` articles of each of these outlets (compared in lower case),
        newest first, without listing the whole library."""
        wanted = {source.lower() for source in sources}
        taken: dict[str, int] = {}
        chosen: list[Article] = []
        for article_id in self._newest_first():
            source = self._records[article_id]["source"].lower()
            if source in wanted and taken.get(source, 0) < per_source:
                taken[source] = taken.get(source, 0) + 1
                chosen.append(self._article(article_id))
                if len(chosen) >= per_source * len(wanted):
                    break
        return chosen

    @property
    def records_version(self) -> int:
        """Changes whenever an article is added, removed or its record (text, title, date) changes;
        not for tags, read or star state."""
        return self._records_version

    def get(self, article_id: str) -> Article:
        """The article with this id or unique id prefix. Raises UnknownArticle (a KeyError)."""
        return self._article(self.resolve(article_id))

    def resolve(self, article_id: str) -> str:
        """The full id for an id or a unique prefix of one (at least 4 characters)."""
        if article_id in self._records:
            return article_id
        if len(article_id) >= 4:
            matches = [known for known in self._records if known.startswith(article_id)]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise UnknownArticle(f"{article_id!r} matches {len(matches)} articles; give more of the id")
        raise UnknownArticle(f"no article with id {article_id!r}")

    def compare(self, article_ids: list[str], *, coverage: bool | None = None) -> "Comparison":
        """Align the reports pairwise (2 or 3 side by side; any number for the coverage view, which
        is computed for more than three or when `coverage` is True). UnknownArticle for a bad id."""
        from .comparison import compare_articles

        return compare_articles(self, list(article_ids), coverage=coverage)

    def prepare_compare(self, article_ids: Iterable[str]) -> None:
        """Read ahead what compare() will read for these articles (their outlets' repeated lines),
        so that comparing them later is quicker. For a worker thread while the user picks."""
        from .comparison import library_boilerplate

        library_boilerplate(self, tuple(self.get(article_id) for article_id in article_ids))

    def body(self, article_id: str) -> str:
        return self._bodies.read(self._records[self.resolve(article_id)]["content_hash"])

    def tags(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for state in self._state.values():
            for tag in state.get("tags", []):
                counts[tag] = counts.get(tag, 0) + 1
        return dict(sorted(counts.items()))

    def sources(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in self._records.values():
            counts[record["source"]] = counts.get(record["source"], 0) + 1
        return dict(sorted(counts.items()))

    def _article(self, article_id: str) -> Article:
        return self._article_of(self._records[article_id])

    def _article_of(self, record: dict[str, Any]) -> Article:
        article_id = record["id"]
        state = self._state.get(article_id, _STATE_DEFAULTS)
        digest = record["content_hash"]
        return Article._from_fields({
            "id": article_id, "title": record["title"], "source": record["source"], "url": record["url"],
            "author": record["author"], "published": record["published"], "imported_at": record["imported_at"],
            "origin": record["origin"], "content_hash": digest, "word_count": record["word_count"],
            "language": record["language"], "tags": tuple(state["tags"]), "read": state["read"],
            "starred": state["starred"], "position": state["position"],
            "_load_body": partial(self._bodies.read, digest),
        })

    def _raw_articles(self) -> dict[str, dict[str, Any]]:
        """The articles table as the storage holds it: doc id (a string) -> record."""
        return (self._articles.storage.read() or {}).get(self._articles.name) or {}

    def _build_lookups(self) -> tuple[dict[str, int], dict[str, str], dict[str, str]]:
        """What writes and imports look articles up by, made on the first write or import, not at
        open (a 100k library's launch does without them; map and zip, not a loop: 0.05 s)."""
        if self._lookups is None:
            raw, records = self._raw_articles(), self._records
            record_doc = dict(zip(map(itemgetter("id"), raw.values()), map(int, raw)))
            by_hash = dict(zip(map(itemgetter("content_hash"), records.values()), records))
            by_origin = dict(zip(map(itemgetter("origin"), records.values()), records))
            self._lookups = (record_doc, by_hash, by_origin)
        return self._lookups

    @property
    def _record_doc(self) -> dict[str, int]:
        """Article id -> its TinyDB document id."""
        return self._build_lookups()[0]

    @property
    def _by_hash(self) -> dict[str, str]:
        """Content hash -> article id."""
        return self._build_lookups()[1]

    @property
    def _by_origin(self) -> dict[str, str]:
        """Origin (path or URL) -> article id."""
        return self._build_lookups()[2]

    def _detach_records(self, article_ids: Iterable[str]) -> None:
        """Give the storage copies of these records before TinyDB changes them in place: the
        library's own (shared since open) then change only once the write has succeeded."""
        raw = self._raw_articles()
        for article_id in article_ids:
            key = str(self._record_doc[article_id])
            raw[key] = dict(raw[key])

    def _records_changed(self) -> None:
        self._order = None
        self._records_version += 1

    def _index_record(self, record: dict[str, Any], doc_id: int) -> None:
        self._records_changed()
        self._records[record["id"]] = record
        self._record_doc[record["id"]] = doc_id
        self._by_hash[record["content_hash"]] = record["id"]
        self._by_origin[record["origin"]] = record["id"]

    # ----------------------------------------------------------------- searching (store/search.py)
    def search_index(self) -> "SearchIndex":
        """The library's search index, created on first use; `ensure_built()` builds it (the app
        does that in a background thread). It follows the library's changes by itself."""
        index = getattr(self, "_search_index", None)
        if index is None:
            from .search import SearchIndex
            index = self._search_index = SearchIndex(self)
        return index

    def search(self, query: str, limit: int = 20) -> "list[SearchHit]":
        """Ranked articles for a query (words, "phrases", filters; see store/query.py). Raises
        QueryError (a LibraryError) for an unknown filter or a bad value."""
        return self.search_index().search(query, limit).hits

    def search_results(self, query: str, limit: int = 20) -> "SearchResults":
        """Like `search`, with the number of matches, the time taken and the words matched."""
        return self.search_index().search(query, limit)

    def search_read_ahead(self, query: str, count: int, stop: Callable[[], bool]) -> int:
        """Read ahead the best `count` candidates of `query` for the keystrokes that follow (see
        SearchIndex.read_ahead); for a worker thread, stopped by `stop()`."""
        return self.search_index().read_ahead(query, count, stop)

    def _notify(self) -> None:
        for listener in self.changed_listeners:
            listener()

    # ----------------------------------------------------------------- stories
    @property
    def _story_book(self) -> StoryBook:
        """Made on first use: the clustering code imports numpy and scipy (~0.25 s)."""
        if self._story_book_instance is None:
            from .stories import StoryBook

            self._story_book_instance = StoryBook(self.path, writable=not self.read_only)
        return self._story_book_instance

    def stories(self, *, evidence: bool = True, progress: ProgressCallback | None = None) -> list[Story]:
        """Every article in exactly one story (singletons too), biggest first. Computed on demand,
        incrementally since the last call (or the cache in stories.npz); `evidence=False` leaves
        out the per-pair evidence (links empty), which is what grouping a list needs. story() and
        story_of() compute the evidence of their one story only."""
        return self._story_book.stories(self._story_infos(), evidence=evidence, progress=progress)

    def save_stories_index(self, progress: ProgressCallback | None = None) -> int:
        """Build (or bring up to date) the stories index and save it in stories.npz, even when
        the library is open read-only: it is a cache derived from the articles, written
        atomically, never one of the writer's records. `python -m store.story_builder` runs this
        in a process of its own so the app stays responsive. Returns the number of stories;
        OSError if the folder cannot be written."""
        return self._story_book.save_index(self._story_infos(), progress)

    def story_of(self, article_id: str, *, evidence: bool = True) -> Story:
        """The story an article belongs to. Raises UnknownArticle for unknown ids."""
        resolved = self.resolve(article_id)
        self.stories(evidence=False)
        return self._story_book.story_of(resolved, evidence)

    def story(self, story_id: str, *, evidence: bool = True) -> Story:
        """The story with this id or unique id prefix (at least 4 characters). KeyError if none."""
        self.stories(evidence=False)
        return self._story_book.story(story_id, evidence)

    def stories_are_quick(self) -> bool:
        """Whether stories() answers in well under a second: a small library, or an index already
        in memory with few articles to add or drop (the app does not block on a full build, and
        asking does not load the clustering code)."""
        book = self._story_book_instance
        return len(self._records) <= 2000 or (book is not None and book.pending(self._records.keys()) <= 500)

    def stories_cached(self) -> bool:
        """Whether a stories index was saved (by `broadsheet stories` or an earlier session).
        Loading it takes about 2 s at 10k articles; building one, a minute or more."""
        return (self.path / "stories.npz").exists()  # stories.CACHE_FILE, named here to not import numpy

    def _story_infos(self) -> list[ArticleInfo]:
        from .stories import ArticleInfo

        infos = []
        for article_id, record in self._records.items():
            digest = record["content_hash"]
            infos.append(ArticleInfo(
                id=article_id, title=record["title"], content_hash=digest, date=record["published"],
                sort_date=record["published"] or record["imported_at"], source=record["source"],
                load_body=lambda digest=digest: self._bodies.read(digest)))
        return infos

    # ----------------------------------------------------------------- importing
    def import_paths(self, targets: Iterable[str | Path], *, source: str | None = None, tags: Iterable[str] = (),
                     fetch_full: bool = False, progress: ProgressCallback | None = None,
                     max_bytes: int | None = None, timeout: float | None = None) -> ImportReport:
        """Import files, folders (recursively), URLs and feeds. Never raises for bad input: each
        refused input is an outcome with a one-line reason, and the rest is imported."""
        from .importers import ImportOptions, gather

        self._require_writable()
        options = ImportOptions(fetch_full=fetch_full)
        if max_bytes is not None:
            options.max_bytes = max_bytes
        if timeout is not None:
            options.timeout = timeout
        report = ImportReport()
        batch: list[Candidate] = []
        extra_tags = tuple(clean_line(tag) for tag in tags if clean_line(tag))
        try:
            for item in gather([str(target) for target in targets], options, progress):
                if isinstance(item, ImportOutcome):
                    report.outcomes.append(item)
                    continue
                if source:
                    item.source = source
                item.tags = tuple(dict.fromkeys((*item.tags, *extra_tags)))
                batch.append(item)
                if len(batch) >= IMPORT_BATCH:
                    self.add_candidates(batch, report)
                    batch = []
            self.add_candidates(batch, report)
        finally:
            options.close()
        return report

    def add_candidates(self, candidates: list[Candidate], report: ImportReport | None = None) -> ImportReport:
        """Clean, de-duplicate and store what importers found; one write per file touched."""
        self._require_writable()
        report = report if report is not None else ImportReport()
        new_records: list[dict[str, Any]] = []
        updated: dict[str, dict[str, Any]] = {}
        tag_additions: dict[str, tuple[str, ...]] = {}
        seen_hash: dict[str, str] = {}
        seen_origin: dict[str, str] = {}
        now = _now()
        for candidate in candidates:
            candidate.origin = clean_origin(candidate.origin)  # a file's name is untrusted too
            body = clean_text(candidate.body)
            if not body:
                report.outcomes.append(ImportOutcome(candidate.origin, "refused", "no article text after cleaning"))
                continue
            title = clean_line(decode_entities(candidate.title)) or _title_from(body)
            digest = content_hash(body)
            existing = seen_hash.get(digest) or self._by_hash.get(digest)
            if existing is not None:
                known = self._records.get(existing) or next(r for r in new_records if r["id"] == existing)
                if known["origin"] == candidate.origin:
                    report.outcomes.append(ImportOutcome(candidate.origin, "unchanged",
                                                         "already in the library, unchanged", existing, title))
                else:
                    report.outcomes.append(ImportOutcome(
                        candidate.origin, "duplicate", f"same text as {existing} (from {known['origin']})",
                        existing, title))
                if candidate.tags:
                    tag_additions[existing] = candidate.tags
                continue
            fields = {
                "title": title,
                "source": clean_line(candidate.source) or site_name(candidate.url or candidate.origin),
                "url": clean_line(candidate.url),
                "author": clean_line(candidate.author),
                "published": clean_line(candidate.published or "") or None,
                "content_hash": digest,
                "word_count": word_count(body),
                "language": clean_line(candidate.language),
                "updated_at": now,
            }
            self._bodies.put(body)
            previous = seen_origin.get(candidate.origin) or self._by_origin.get(candidate.origin)
            if previous is not None and previous in self._records:
                updated[previous] = fields
                seen_hash[digest] = previous
                report.outcomes.append(ImportOutcome(candidate.origin, "updated",
                                                     "text changed since the last import; updated in place",
                                                     previous, title))
            else:
                article_id = self._new_id(digest, seen_hash)
                new_records.append({"id": article_id, "origin": candidate.origin, "imported_at": now, **fields})
                seen_hash[digest] = article_id
                seen_origin[candidate.origin] = article_id
                report.outcomes.append(ImportOutcome(candidate.origin, "added", candidate.warning,
                                                     article_id, title))
            if candidate.tags:
                tag_additions[seen_hash[digest]] = candidate.tags
        self._bodies.flush()  # bodies are on disk before any record refers to them
        if updated:
            def apply(doc: dict[str, Any]) -> None:
                doc.update(updated[doc["id"]])
            self._detach_records(updated)
            self._articles.update(apply, doc_ids=[self._record_doc[i] for i in updated])
            for article_id, fields in updated.items():
                record = self._records[article_id]
                del self._by_hash[record["content_hash"]]
                record.update(fields)
                self._records_changed()
                self._by_hash[record["content_hash"]] = article_id
            self._report_reanchoring(notes.reanchor(self, updated), report)
        if new_records:
            doc_ids = self._articles.insert_multiple(new_records)
            for record, doc_id in zip(new_records, doc_ids):
                self._index_record(record, doc_id)
        if tag_additions:
            self._change_state(tag_additions.keys(),
                               lambda state: state.update(tags=list(dict.fromkeys(
                                   [*state["tags"], *tag_additions[state["article"]]]))))
        if new_records or updated or tag_additions:
            self._notify()
        return report

    def _new_id(self, digest: str, pending: dict[str, str]) -> str:
        taken = set(pending.values())
        for length in range(12, len(digest) + 1):
            candidate = digest[:length]
            if candidate not in self._records and candidate not in taken:
                return candidate
        raise LibraryError("could not make a unique article id")  # only if the same text is added twice

    # ----------------------------------------------------------------- hot state
    def tag(self, article_ids: Iterable[str], add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
        added = [t for t in (clean_line(tag) for tag in add) if t]
        removed = {clean_line(tag) for tag in remove}
        def change(state: dict[str, Any]) -> None:
            state["tags"] = [t for t in dict.fromkeys([*state["tags"], *added]) if t not in removed]
        self._change_state(self._resolve_all(article_ids), change)

    def set_read(self, article_ids: Iterable[str], read: bool = True) -> None:
        self._change_state(self._resolve_all(article_ids), lambda state: state.update(read=read))

    def set_starred(self, article_ids: Iterable[str], starred: bool = True) -> None:
        self._change_state(self._resolve_all(article_ids), lambda state: state.update(starred=starred))

    def set_position(self, article_id: str, offset: int) -> None:
        self._change_state([self.resolve(article_id)], lambda state: state.update(position=max(0, int(offset))))

    def _resolve_all(self, article_ids: Iterable[str]) -> list[str]:
        return [self.resolve(article_id) for article_id in article_ids]

    def _change_state(self, article_ids: Iterable[str], change: Callable[[dict[str, Any]], None]) -> None:
        """Apply `change` to the state of each article in one write (a kill leaves all of it or none).
        Memory is updated only after the write returned."""
        self._require_writable()
        existing: dict[str, dict[str, Any]] = {}
        fresh: list[dict[str, Any]] = []
        for article_id in dict.fromkeys(article_ids):
            current = self._state.get(article_id)
            proposed = {**_STATE_DEFAULTS, "article": article_id, **(current or {})}
            proposed["tags"] = list(proposed["tags"])
            change(proposed)
            if current is None:
                fresh.append(proposed)
            elif proposed != current:
                existing[article_id] = proposed
        fresh_ids: list[int] = []
        with self._state_db.storage.batch():  # the update and the insert: one write of state.json
            if existing:
                self._state_db.storage.replace_documents(
                    self._state_table.name, {self._state_doc[i]: _stored_state(record) for i, record in existing.items()})
            if fresh:
                fresh_ids = self._state_table.insert_multiple([_stored_state(record) for record in fresh])
        self._state.update(existing)
        for record, doc_id in zip(fresh, fresh_ids):
            self._state[record["article"]] = record
            self._state_doc[record["article"]] = doc_id
        if existing or fresh:
            self._notify()

    # ----------------------------------------------------------------- removing
    def remove(self, article_ids: Iterable[str]) -> list[Article]:
        """Remove articles; returns them (with their state) so `restore` can undo it. Bodies stay
        on disk: backups and undo refer to them."""
        self._require_writable()
        ids = list(dict.fromkeys(self._resolve_all(article_ids)))
        removed = [self._article(article_id) for article_id in ids]
        if not ids:
            return removed
        self._articles.remove(doc_ids=[self._record_doc[i] for i in ids])
        for article_id in ids:
            record = self._records.pop(article_id)
            self._records_changed()
            del self._record_doc[article_id]
            self._by_hash.pop(record["content_hash"], None)
            self._by_origin.pop(record["origin"], None)
        with_state = [i for i in ids if i in self._state_doc]
        if with_state:
            self._state_table.remove(doc_ids=[self._state_doc[i] for i in with_state])
            for article_id in with_state:
                del self._state[article_id], self._state_doc[article_id]
        self._notify()
        return removed

    def restore(self, articles: Iterable[Article]) -> None:
        """Put back articles returned by `remove` (undo), with their tags, read and star state."""
        self._require_writable()
        records = []
        for article in articles:
            if article.id in self._records or article.content_hash in self._by_hash:
                continue
            if not self._bodies.exists(article.content_hash):
                raise LibraryError(f"the text of {article.id} is no longer on disk; cannot restore it")
            record = article.to_dict()
            for state_field in ("tags", "read", "starred"):
                record.pop(state_field)
            record["updated_at"] = _now()
            records.append((record, article))
        if not records:
            return
        for (record, _), doc_id in zip(records, self._articles.insert_multiple([r for r, _ in records])):
            self._index_record(record, doc_id)
        by_id = {article.id: article for _, article in records}
        def change(state: dict[str, Any]) -> None:
            article = by_id[state["article"]]
            state.update(tags=list(article.tags), read=article.read, starred=article.starred,
                         position=article.position)
        self._change_state(by_id, change)
        notes.reanchor(self, by_id)  # their annotations were kept (detached) while they were removed

    # ----------------------------------------------------------------- annotations (store/annotations.py)
    def annotate(self, article_id: str, start: int, end: int, *, color: int = 1, note: str = "",
                 tags: Iterable[str] = ()) -> Annotation:
        """Highlight body[start:end] (code points) of an article; on disk before it returns.
        Raises BadAnnotation (empty or out-of-range selection, bad colour), UnknownArticle."""
        return notes.annotate(self, article_id, start, end, color=color, note=note, tags=tags)

    def annotations(self, article_id: str | None = None, *, color: int | None = None, tag: str | None = None,
                    story_id: str | None = None, text: str | None = None, state: str | None = None,
                    article_ids: Iterable[str] | None = None) -> list[Annotation]:
        """Annotations of present articles matching every filter, in article order (as articles()),
        then by start. `text`: every word appears in the quote, note or tags (case-insensitive)."""
        ids = [article_id] if article_id is not None else (list(article_ids) if article_ids is not None else None)
        return notes.select(self, ids, color=color, tag=tag, story_id=story_id, text=text, state=state)

    def detached_annotations(self) -> list[Annotation]:
        """Annotations of removed articles: kept so that undo (restore) brings them back."""
        return notes.select(self, None, detached=True)

    def annotation(self, annotation_id: str) -> Annotation:
        """The annotation with this id or unique prefix (4+ characters). Raises UnknownAnnotation (a KeyError)."""
        return notes.get(self, annotation_id)

    def update_annotation(self, annotation_id: str, *, color: int | None = None, note: str | None = None,
                          tags: Iterable[str] | None = None, start: int | None = None,
                          end: int | None = None) -> Annotation:
        """Change colour, note, tags; start/end move the highlight or re-attach an orphan."""
        return notes.update(self, annotation_id, color=color, note=note, tags=tags, start=start, end=end)

    def delete_annotation(self, annotation_id: str) -> Annotation:
        """Delete a highlight; returns it, for restore_annotation (undo)."""
        return notes.delete(self, annotation_id)

    def restore_annotation(self, annotation: Annotation) -> None:
        """Undo of delete_annotation: puts the same record back (re-anchored if the text changed)."""
        notes.restore(self, annotation)

    def color_labels(self) -> dict[int, str]:
        """{1: "key claim", ...}: the user's names for the five colours, defaults where unset."""
        return notes.color_labels(self)

    def set_color_label(self, color: int, label: str) -> None:
        """Rename colour 1..5 ("" puts back the default)."""
        notes.set_color_label(self, color, label)

    def export_annotations(self, fmt: str, *, article_ids: Iterable[str] | None = None, story_id: str | None = None,
                           tag: str | None = None, color: int | None = None) -> str:
        """The matching highlights as "md" (Markdown, Obsidian-friendly), "jsonld" (a W3C Web
        Annotation AnnotationCollection) or "csv" (one row per highlight). See store/export.py."""
        from .export import export

        return export(self, fmt, article_ids=article_ids, story_id=story_id, tag=tag, color=color)

    def import_annotations(self, text: str) -> "AnnotationImportReport":
        """Add the annotations of a JSON-LD file (as export_annotations writes, or another W3C
        Web Annotation tool's). Idempotent. Malformed input raises BadAnnotation and changes nothing."""
        from .export import import_jsonld

        return import_jsonld(self, text)

    def reanchor(self, article_ids: Iterable[str] | None = None, *, force: bool = False) -> list[ReanchorSummary]:
        """Re-anchor highlights whose article text changed (all of them with force)."""
        self._require_writable()
        ids = self._resolve_all(article_ids) if article_ids is not None else list(self._notes.by_article)
        return list(notes.reanchor(self, ids, force=force).values())

    def _report_reanchoring(self, summaries: dict[str, ReanchorSummary], report: ImportReport) -> None:
        """Say in the import report what happened to the highlights of updated articles."""
        for index, outcome in enumerate(report.outcomes):
            summary = summaries.get(outcome.article_id or "")
            if outcome.status == "updated" and summary is not None and summary.describe():
                message = f"{outcome.message}; {summary.describe()}" if outcome.message else summary.describe()
                report.outcomes[index] = ImportOutcome(outcome.origin, outcome.status, message,
                                                       outcome.article_id, outcome.title)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects that all stay alive: at
    100k articles it otherwise rescans the growing heap again and again (about a third of the
    time of open() and articles(); tests/bench/bench_library.py)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _raw_documents(table: Table) -> Iterator[tuple[int, dict[str, Any]]]:
    """(doc id, stored record) from the storage's in-memory copy, without Table.all()'s Document copies."""
    for doc_id, doc in ((table.storage.read() or {}).get(table.name) or {}).items():
        yield int(doc_id), doc


def _title_from(body: str) -> str:
    first = body.split("\n", 1)[0]
    words = first.split()
    return " ".join(words[:12]) + ("…" if len(words) > 12 else "")


def _parse(folder: Path, name: str) -> Tables | None:
    try:
        return parse_library_file(folder / name)
    except LibraryCorrupt as error:
        backup = backups.newest_good_backup(folder, name)
        offer = (f"newest good backup is from {backup.created}; run `broadsheet doctor --restore`"
                 if backup else "no backup of it exists; `broadsheet doctor` shows what can be saved")
        raise LibraryCorrupt(f"{error} in {folder}; it was left untouched: {offer}", error.files) from error


def _schema_version(meta: Tables | None, articles: Tables | None) -> int:
    if meta:
        for record in meta.get("meta", {}).values():
            return int(record.get("schema", SCHEMA_VERSION))
    return SCHEMA_VERSION if articles is None else 1


def _looks_like_library(folder: Path) -> bool:
    names = {entry.name for entry in folder.iterdir()}
    return bool(names & {*RECORD_FILES, "bodies", "backups", LOCK_FILE, LOCK_OWNER_FILE})


def _acquire_lock(folder: Path, wait: float) -> filelock.BaseFileLock:
    lock = filelock.FileLock(folder / LOCK_FILE)
    try:
        lock.acquire(timeout=wait)
    except filelock.Timeout:
        owner = ""
        try:
            owner = f" (pid {(folder / LOCK_OWNER_FILE).read_text().strip()})"
        except OSError:
            pass
        raise LibraryLocked(f"the library {folder} is open in another broadsheet process{owner}; close it, "
                            f"or open this one read-only (--read-only)") from None
    try:
        atomic_write(folder / LOCK_OWNER_FILE, str(os.getpid()).encode(), sync=False)
    except LibraryError:
        pass
    return lock


def iter_library_files(folder: Path) -> Iterator[Path]:
    for name in RECORD_FILES:
        if (folder / name).exists():
            yield folder / name
