"""The TinyDB storage every library file uses: orjson, an in-memory copy, atomic writes.

TinyDB's own JSONStorage rewrites the file in place (a kill leaves it unparseable) and re-parses
it on every read; see FACTS.md. This one parses once, serves reads from memory, and replaces the
file atomically on each write.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import orjson
from tinydb.storages import Storage

from .atomic import atomic_write
from .errors import LibraryCorrupt, ReadOnlyLibrary

Tables = dict[str, dict[str, Any]]


def parse_library_file(path: Path) -> Tables | None:
    """The file's tables, None if it does not exist. Raises LibraryCorrupt if it does not parse."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    if not raw.strip():
        # An empty file is what a crash inside a non-atomic writer leaves; ours never writes one.
        raise LibraryCorrupt(f"{path.name} is empty", [path.name])
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise LibraryCorrupt(f"{path.name} does not parse ({error})", [path.name]) from error
    if not isinstance(data, dict) or not all(isinstance(table, dict) for table in data.values()):
        raise LibraryCorrupt(f"{path.name} is not a library file (expected tables of records)", [path.name])
    return data


_NOT_GIVEN: Any = object()


class AtomicJSONStorage(Storage):
    def __init__(self, path: str | Path, read_only: bool = False, preloaded: Tables | None = _NOT_GIVEN) -> None:
        """`preloaded`: the file's tables when the caller has parsed it already (None: no file yet)."""
        self.path = Path(path)
        self.read_only = read_only
        if preloaded is _NOT_GIVEN:
            preloaded = parse_library_file(self.path)
        self._cache: Tables | None = preloaded or {}
        self._batching = False
        self._pending = False

    def read(self) -> Tables | None:
        if self._cache is None:  # a failed write threw the copy away: the file is the truth
            self._cache = parse_library_file(self.path) or {}
        return self._cache

    def write(self, data: Tables) -> None:
        if self.read_only:
            self._cache = None  # TinyDB already changed the copy in memory; forget it
            raise ReadOnlyLibrary(f"{self.path.parent} is open read-only")
        if self._batching:
            self._cache, self._pending = data, True
            return
        try:
            atomic_write(self.path, orjson.dumps(data))
        except Exception:
            self._cache = None
            raise
        self._cache = data

    def replace_documents(self, table: str, documents: dict[int, dict[str, Any]]) -> None:
        """Replace existing documents by id in one write. TinyDB's own `Table.update` copies the
        whole table twice in Python on every write (65 ms of a 105 ms tag write with 100k state
        records; tests/bench/bench_library.py); this touches only the changed documents. Only for
        ids that exist: TinyDB keeps its own next-id counter for inserts."""
        tables = self.read() or {}
        raw = tables.setdefault(table, {})
        for doc_id, document in documents.items():
            raw[str(doc_id)] = document
        self.write(tables)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """The TinyDB writes made inside become one atomic write when the block ends (none if it
        raises), so a kill or a failure never leaves the file with only some of them."""
        self._batching, self._pending = True, False
        try:
            yield
        except BaseException:
            self._cache, self._pending = None, False  # forget unwritten changes: the file is the truth
            raise
        finally:
            self._batching = False
        if self._pending:
            self._pending = False
            self.write(self._cache or {})

    def close(self) -> None:
        self._cache = None

