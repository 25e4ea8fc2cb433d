"""Durability of the library: kills at random moments, one writer at a time, corrupt files and
backups, schema versions and migrations, failed writes, read-only folders, stale temporary files.

Children are forked (no re-import) and talk to the test over pipes: every wait is a read on a
pipe, never a sleep. A watchdog on each read turns a hung child into a failure instead of a hang.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import select
import shutil
import signal
import traceback
from pathlib import Path
from typing import Any, Callable

import orjson
import pytest

import store.importers  # noqa: F401  imported here, before any fork, so children never import it
from store import Candidate, Library, LibraryCorrupt, LibraryLocked, ReadOnlyLibrary, StorageWriteError
from store import atomic, backups, schema
from store import library as library_module
from store.atomic import TEMP_MARKER
from store.bodies import INCOMING

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill and lock tests fork")

ChildReport = Callable[[str], None]
ChildCommand = Callable[[], str]
ChildTarget = Callable[[ChildReport, ChildCommand], None]


# --------------------------------------------------------------------------- forked children
class _LineReader:
    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def readline(self) -> str:
        """The next line without its newline; "" once the other end is closed."""
        while b"\n" not in self.buffer:
            chunk = os.read(self.fd, 4096)
            if not chunk:
                return ""
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def wait_for_eof(self) -> None:
        while os.read(self.fd, 4096):
            pass


def _run_child(target: ChildTarget, up: int, down: int) -> None:
    """The forked process: run `target`, say END (or ERROR with the traceback), then wait until the
    parent kills it or closes the command pipe. Never returns into pytest."""
    status = 0
    try:
        commands = _LineReader(down)

        def report(line: str) -> None:
            os.write(up, (line + "\n").encode())

        try:
            target(report, commands.readline)
            report("END")
        except BaseException:
            status = 1
            report("ERROR " + json.dumps(traceback.format_exc()))
        commands.wait_for_eof()
    finally:
        os._exit(status)


class Child:
    """A forked process running `target(report, next_command)`; lines it reports arrive in `lines`."""

    WATCHDOG = 60.0  # seconds without a byte from the child before the test gives up on it
    _parent_ends: set[int] = set()  # the test's ends of every child's pipes

    def __init__(self, target: ChildTarget) -> None:
        up_read, up_write = os.pipe()
        down_read, down_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            # Not the ends meant for the test, nor those of earlier children: a copy held here would
            # keep another child from ever seeing its command pipe close.
            for fd in (up_read, down_write, *Child._parent_ends):
                os.close(fd)
            _run_child(target, up_write, down_read)
        os.close(up_write)
        os.close(down_read)
        Child._parent_ends.update((up_read, down_write))
        self.pid = pid
        self._up: int | None = up_read
        self._down: int | None = down_write
        self._buffer = b""
        self._next = 0
        self.lines: list[str] = []
        self.bytes_read = 0
        self.eof = False
        self.exit_code: int | None = None  # negative: killed by that signal

    # reading
    def _fill(self, limit: int = 65536) -> bool:
        """Read up to `limit` bytes the child wrote; False at end of file."""
        if self.eof or self._up is None:
            return False
        ready, _, _ = select.select([self._up], [], [], self.WATCHDOG)
        if not ready:
            raise AssertionError(f"child {self.pid} wrote nothing for {self.WATCHDOG} s; last lines {self.lines[-3:]}")
        chunk = os.read(self._up, max(1, limit))
        if not chunk:
            self.eof = True
            return False
        self.bytes_read += len(chunk)
        self._buffer += chunk
        *complete, self._buffer = self._buffer.split(b"\n")
        for raw in complete:
            line = raw.decode()
            if line.startswith("ERROR "):
                raise AssertionError(f"child {self.pid} failed:\n{json.loads(line[6:])}")
            self.lines.append(line)
        return True

    def wait_line(self, wanted: Callable[[str], bool]) -> str:
        while True:
            while self._next < len(self.lines):
                line = self.lines[self._next]
                self._next += 1
                if wanted(line):
                    return line
            if not self._fill():
                raise AssertionError(f"child {self.pid} ended before the line the test waits for; "
                                     f"last lines {self.lines[-3:]}")

    def read_bytes(self, count: int) -> None:
        """Read until `count` bytes have come (or the child said END): a cut at an arbitrary point of
        its output, so usually in the middle of its next write."""
        while self.bytes_read < count and "END" not in self.lines:
            if not self._fill(count - self.bytes_read):
                return

    # commanding and ending
    def send(self, line: str) -> None:
        assert self._down is not None
        os.write(self._down, (line + "\n").encode())

    def _reap(self) -> None:
        if self.exit_code is None:
            _, status = os.waitpid(self.pid, 0)
            self.exit_code = os.waitstatus_to_exitcode(status)

    def _drain(self) -> None:
        while self._fill():
            pass

    def kill(self) -> None:
        """SIGKILL, then collect what it had written before it died."""
        os.kill(self.pid, signal.SIGKILL)
        self._reap()
        self._drain()
        assert self.exit_code == -signal.SIGKILL, f"child {self.pid} ended with {self.exit_code} before the kill"

    def finish(self) -> None:
        """Let a child that said END exit, and check it succeeded."""
        if self._down is not None:
            Child._parent_ends.discard(self._down)
            os.close(self._down)
            self._down = None
        self._drain()
        self._reap()
        assert self.exit_code == 0, f"child {self.pid} exited with {self.exit_code}"

    def close(self) -> None:
        if self.exit_code is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()
        for fd in (self._up, self._down):
            if fd is not None:
                Child._parent_ends.discard(fd)
                os.close(fd)
        self._up = self._down = None

    def __enter__(self) -> "Child":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- helpers
WORDS = ("border", "minister", "vote", "report", "harbour", "council", "storm", "budget", "talks", "court",
         "deportation", "election", "figures", "agency", "protest", "market", "drought", "ceasefire")


def seed_library(path: Path, count: int = 3) -> list[str]:
    """A library with `count` articles (the first one tagged), closed again. Returns the ids."""
    with Library.open(path) as lib:
        report = lib.add_candidates([
            Candidate(title=f"Seed article {i}", body=f"Seed article {i} says {' '.join(WORDS[i:i + 8])}.",
                      origin=f"seed:{i}")
            for i in range(count)
        ])
        ids = [outcome.article_id for outcome in report.added]
        assert len(ids) == count
        lib.tag(ids[:1], add=["seed"])
        return ids


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes, except the note of which pid last took the lock
    (any writable open, even one that then fails or turns read-only, writes it)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != library_module.LOCK_OWNER_FILE}


def view(lib: Library) -> dict[str, tuple[Any, ...]]:
    """What a user sees of each article (without the body)."""
    return {a.id: (a.title, a.origin, a.content_hash, a.tags, a.read, a.starred, a.position)
            for a in lib.articles()}


def temporaries(folder: Path) -> list[Path]:
    return sorted(folder.rglob(f"*{TEMP_MARKER}*"))


class _OsProxy:
    """Stands in for `os` inside one module: the given functions replaced, the rest passed through."""

    def __init__(self, **overrides: Callable[..., Any]) -> None:
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


def trace_steps(report: ChildReport, *, partial_writes: bool = False) -> None:
    """In a forked child: say "S fsync" / "S replace" (and "S write") as each step of a write
    begins, so the parent can kill it there. With `partial_writes`, the annotation journal's
    os.write writes half of what it is given, as an OS may. Patches this child's modules only."""
    from store import annotation_book

    def fsync(fd: int) -> None:
        report("S fsync")
        os.fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        report("S replace")
        os.replace(src, dst)

    def write(fd: int, data: Any) -> int:
        report("S write")
        return os.write(fd, data[: max(1, len(data) // 2)])

    atomic.os = _OsProxy(fsync=fsync, replace=replace)  # type: ignore[assignment]
    if partial_writes:
        annotation_book.os = _OsProxy(fsync=fsync, write=write)  # type: ignore[assignment]


def _oserror(code: int) -> OSError:
    return OSError(code, os.strerror(code))


# --------------------------------------------------------------------------- 1. SIGKILL at random moments
KILLS = 50
OPS_PER_CHILD = 24
KILL_SEED = 20240611
MODES = ("at once", "after k confirmations", "as a write begins", "inside a write", "after n bytes")


def _random_writer(path: Path, texts: Path, iteration: int, trace: bool) -> ChildTarget:
    """Open the library and write as fast as it can: imports of new .txt files, add_candidates, tags
    on one to three articles, marking read. Says "B <op>" before each write and "C <result>" after
    it returned. With `trace`, also "S <step>" as each fsync and rename inside a write begins, so
    the test can kill it there (the child does not wait: the step goes on as the kill arrives)."""

    def run(report: ChildReport, _command: ChildCommand) -> None:
        rng = random.Random(KILL_SEED * 1000 + iteration)
        if trace:
            trace_steps(report)
        with Library.open(path) as lib:
            articles = lib.articles()
            ids = [a.id for a in articles]
            unread = [a.id for a in articles if not a.read]
            report("OPEN")
            for n in range(OPS_PER_CHILD):
                kind = rng.choices(("import", "add", "tag", "read"), (3, 2, 4, 2))[0] if ids else "import"
                if kind == "read" and not unread:
                    kind = "tag"
                op: dict[str, Any] = {"n": n, "kind": kind}
                if kind in ("import", "add"):
                    op["title"] = title = f"Dispatch {iteration}-{n}"
                    body = f"{title}: " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 200))) + "."
                    if kind == "import":
                        source = texts / f"k{iteration:02d}-{n:02d}.txt"
                        source.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
                        report("B " + json.dumps(op))
                        result = lib.import_paths([source])
                    else:
                        report("B " + json.dumps(op))
                        result = lib.add_candidates([Candidate(title=title, body=body,
                                                               origin=f"memory:{iteration}-{n}")])
                    (added,) = result.added
                    ids.append(added.article_id)
                    unread.append(added.article_id)
                    report("C " + json.dumps({"n": n, "id": added.article_id}))
                elif kind == "tag":
                    op["ids"] = rng.sample(ids, min(len(ids), rng.randint(1, 3)))
                    op["tag"] = f"k{iteration}-{n}"
                    report("B " + json.dumps(op))
                    lib.tag(op["ids"], add=[op["tag"]])
                    report("C " + json.dumps({"n": n}))
                else:
                    target = rng.choice(unread)
                    unread.remove(target)
                    op["ids"] = [target]
                    report("B " + json.dumps(op))
                    lib.set_read([target])
                    report("C " + json.dumps({"n": n}))

    return run


def _observed(lib: Library) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for a in lib.articles():
        found.add(("article", a.title, a.id))
        found.update(("tag", a.id, tag) for tag in a.tags)
        if a.read:
            found.add(("read", a.id))
    return found


def _items(op: dict[str, Any], article_id: str | None) -> set[tuple[str, ...]]:
    """What a write puts in the library (an import's id is known only once it returned)."""
    if op["kind"] in ("import", "add"):
        return {("article", op["title"], article_id or "?")}
    if op["kind"] == "tag":
        return {("tag", i, op["tag"]) for i in op["ids"]}
    return {("read", i) for i in op["ids"]}


def test_sigkill_at_random_moments_loses_no_confirmed_write(tmp_path: Path) -> None:
    path = tmp_path / "library"
    texts = tmp_path / "texts"
    texts.mkdir()
    rng = random.Random(KILL_SEED)
    baseline: set[tuple[str, ...]] = set()
    lost: list[str] = []
    stats = {"kills": 0, "confirmed writes": 0, "lost writes": 0, "killed with a write under way": 0,
             "of those, written anyway": 0, "kills that left temporaries": 0}

    for iteration in range(KILLS):
        mode = rng.choices(MODES, (1, 3, 2, 3, 2))[0]
        with Child(_random_writer(path, texts, iteration, trace=mode == "inside a write")) as child:
            if mode == "at once":
                pass  # somewhere in opening (lock, stale-file removal, backup) or the first writes
            elif mode == "after n bytes":  # wherever the child has got to when that much has come
                child.read_bytes(rng.randint(1, 2500))
            else:
                prefix, k = {"after k confirmations": ("C ", rng.randint(0, OPS_PER_CHILD)),
                             "as a write begins": ("B ", rng.randint(1, OPS_PER_CHILD)),
                             "inside a write": ("S ", rng.randint(1, 3 * OPS_PER_CHILD))}[mode]
                if k == 0:
                    child.wait_line(lambda line: line == "OPEN")
                else:
                    counter = iter(range(1, k + 1))
                    child.wait_line(lambda line: line == "END" or (line.startswith(prefix) and next(counter) == k))
            child.kill()
            lines = child.lines
        stats["kills"] += 1
        stats["kills " + mode] = stats.get("kills " + mode, 0) + 1

        begun = {op["n"]: op for op in (json.loads(line[2:]) for line in lines if line.startswith("B "))}
        confirmed = {c["n"]: c.get("id") for c in (json.loads(line[2:]) for line in lines if line.startswith("C "))}
        under_way = [op for n, op in begun.items() if n not in confirmed]
        assert len(under_way) <= 1, under_way
        stats["confirmed writes"] += len(confirmed)

        left = temporaries(path)
        stats["kills that left temporaries"] += bool(left)
        half_made = [p for p in (path / "backups").glob(".*")] if (path / "backups").is_dir() else []
        stats["half-made backups"] = stats.get("half-made backups", 0) + len(half_made)

        # A reader that changes nothing sees exactly what the writer left on disk ...
        with Library.open(path, read_only=True) as reader:
            as_left = _observed(reader)
            left_view = view(reader)
        # ... and the next writer opens it (no LibraryCorrupt), cleans up, and sees the same.
        with Library.open(path) as lib:
            assert not lib.read_only
            assert not temporaries(path), "stale temporaries survived a writable open"
            observed = _observed(lib)
            assert view(lib) == left_view
            by_title = {article.title: article for article in lib.articles()}
            for op in begun.values():  # the text of every article written in this round is on disk, whole
                article = by_title.get(op.get("title", ""))
                if article is not None:
                    assert hashlib.sha256(lib.body(article.id).encode()).hexdigest() == article.content_hash
        assert as_left == observed

        for n, article_id in confirmed.items():
            missing = _items(begun[n], article_id) - observed
            if missing:  # counted here, asserted after all the kills, to report how many
                stats["lost writes"] += 1
                lost.append(f"kill {iteration} ({mode}): confirmed write {begun[n]} is missing {missing}")
        expected = baseline.union(*(_items(begun[n], i) for n, i in confirmed.items()))
        vanished = baseline - observed
        stats["lost writes"] += len(vanished)
        lost.extend(f"kill {iteration} ({mode}): an earlier write vanished: {item}" for item in vanished)
        extra = observed - expected
        if under_way:
            op = under_way[0]
            stats["killed with a write under way"] += 1
            allowed = _items(op, None)
            if op["kind"] in ("import", "add"):
                extra = {item for item in extra if not (item[0] == "article" and item[1] == op["title"])}
            else:
                extra -= allowed
            if observed - expected:
                stats["of those, written anyway"] += 1
        assert not extra, f"kill {iteration} ({mode}): writes that were never made: {extra}"
        baseline = observed

    print("\nSIGKILL test:", ", ".join(f"{key} {value}" for key, value in stats.items()))
    assert stats["kills"] == KILLS
    assert lost == [], "\n".join(lost)
    assert stats["lost writes"] == 0
    assert stats["confirmed writes"] > KILLS  # the kills really landed among writes
    assert len(backups.list_backups(path)) <= backups.KEEP_BACKUPS


@pytest.mark.parametrize("point", ["write", "fsync", "replace", "after-replace"])
def test_kill_at_each_step_of_an_atomic_write(tmp_path: Path, point: str) -> None:
    """Kill a writer exactly inside atomic_write: the old state before the rename, the new one after
    it, never a broken file; the temporary it left is removed on the next writable open."""
    path = tmp_path / "library"
    ids = seed_library(path)

    def writer(report: ChildReport, command: ChildCommand) -> None:
        def stop_here() -> None:
            report("AT " + point)
            command()  # blocks: the parent kills us here

        real_replace, real_fsync = os.replace, os.fsync

        class Stalling:
            def __init__(self, handle: Any) -> None:
                self.handle = handle

            def write(self, data: bytes) -> int:
                self.handle.write(data[: len(data) // 2])
                self.handle.flush()
                stop_here()
                return 0

            def __getattr__(self, name: str) -> Any:
                return getattr(self.handle, name)

            def __enter__(self) -> "Stalling":
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()

        def fsync(fd: int) -> None:
            if point == "fsync":
                stop_here()
            real_fsync(fd)

        def replace(src: Any, dst: Any) -> None:
            if point == "replace":
                stop_here()
            real_replace(src, dst)
            if point == "after-replace":
                stop_here()

        with Library.open(path) as lib:
            if point == "write":
                atomic.open = lambda file, mode="r", *a, **k: Stalling(open(file, mode, *a, **k))  # type: ignore[attr-defined]
            atomic.os = _OsProxy(fsync=fsync, replace=replace)  # type: ignore[assignment]
            lib.tag([ids[1]], add=["new"])
            report("DONE")

    before = snapshot(path)
    with Child(writer) as child:
        child.wait_line(lambda line: line.startswith("AT "))
        child.kill()
        assert "DONE" not in child.lines
    left = [p.name.split(TEMP_MARKER)[0] for p in temporaries(path)]
    assert left == ([] if point == "after-replace" else ["state.json"])
    with Library.open(path, read_only=True) as reader:
        tags = reader.get(ids[1]).tags
    assert tags == (("new",) if point == "after-replace" else ())
    with Library.open(path) as lib:
        assert not temporaries(path)
        assert lib.get(ids[0]).tags == ("seed",)
        assert lib.get(ids[1]).tags == tags
    if point != "after-replace":
        after = snapshot(path)
        assert {name: data for name, data in after.items() if name.endswith(".json") and "/" not in name} == \
               {name: data for name, data in before.items() if name.endswith(".json") and "/" not in name}


def test_a_kill_never_leaves_one_tag_call_half_applied(tmp_path: Path) -> None:
    """Tagging articles of which some have a state record and some not is an update and an insert:
    they must reach state.json as one write."""
    path = tmp_path / "library"
    ids = seed_library(path)  # ids[0] has a state record, ids[1] has none

    def writer(report: ChildReport, command: ChildCommand) -> None:
        replaced = 0

        def replace(src: Any, dst: Any) -> None:
            nonlocal replaced
            os.replace(src, dst)
            replaced += 1
            report(f"AT write {replaced}")
            if replaced == 1:
                command()

        with Library.open(path) as lib:
            atomic.os = _OsProxy(replace=replace)  # type: ignore[assignment]  # this child only
            lib.tag([ids[0], ids[1]], add=["both"])

    with Child(writer) as child:
        child.wait_line(lambda line: line.startswith("AT "))
        child.kill()
    with Library.open(path) as lib:
        tagged = ["both" in lib.get(i).tags for i in ids[:2]]
    assert tagged == [True, True], tagged  # killed after the first (and only) write


@pytest.mark.parametrize("step", ["copying", "rotating"])
def test_a_kill_while_backing_up_leaves_nothing_behind(tmp_path: Path, step: str) -> None:
    """A writer killed while it copies files into a new backup, or while it deletes the oldest
    backup, leaves a half-made or half-deleted folder: it is never taken for a backup, and the next
    writable open removes it."""
    path = tmp_path / "library"
    ids = seed_library(path)
    for round_ in range(backups.KEEP_BACKUPS):  # a full set, so the next backup deletes the oldest
        with Library.open(path) as lib:
            lib.tag([ids[1]], add=[f"round-{round_}"])
    assert len(backups.list_backups(path)) == backups.KEEP_BACKUPS
    with Library.open(path) as lib:  # the next open has a change to back up
        lib.tag([ids[2]], add=["last"])
    # the close made a backup of that; make the files differ from it so the open backs up again
    (path / "annotations.json").write_bytes(b"{}")

    class _ShutilProxy(_OsProxy):
        def __getattr__(self, name: str) -> Any:
            return getattr(shutil, name)

    def patched(report: ChildReport, command: ChildCommand) -> None:
        real_copy2, real_rmtree = shutil.copy2, shutil.rmtree

        def copy2(src: Any, dst: Any, **kwargs: Any) -> Any:
            done = real_copy2(src, dst, **kwargs)
            if step == "copying":
                report("AT copy")
                command()
            return done

        def rmtree(folder: Any, *args: Any, **kwargs: Any) -> None:
            if step == "rotating":  # the worst order: the manifest goes first
                (Path(folder) / backups.MANIFEST).unlink()
                report("AT rmtree")
                command()
            real_rmtree(folder, *args, **kwargs)

        backups.shutil = _ShutilProxy(copy2=copy2, rmtree=rmtree)  # type: ignore[assignment]  # this child only
        lib = Library.open(path)
        report("OPEN")
        lib.close()

    listed_before = backups.list_backups(path)
    with Child(patched) as child:
        child.wait_line(lambda line: line.startswith("AT "))
        child.kill()
        assert "OPEN" not in child.lines
    entries = sorted(p.name for p in (path / "backups").iterdir())
    listed = backups.list_backups(path)
    assert all(not b.folder.name.startswith(".") for b in listed)
    assert len(listed) <= backups.KEEP_BACKUPS
    if step == "copying":
        assert listed == listed_before  # the half-made copy is not offered as a backup
    assert backups.newest_good_backup(path, "state.json") is not None
    assert len(entries) > len(listed)  # something half-done was left by the kill

    with Library.open(path) as lib:  # the next writer opens normally, and tidies up
        assert lib.get(ids[2]).tags == ("last",)
    entries = sorted(p.name for p in (path / "backups").iterdir())
    assert entries == sorted(b.folder.name for b in backups.list_backups(path)), entries
    assert len(entries) <= backups.KEEP_BACKUPS


# --------------------------------------------------------------------------- 2. one writer at a time
def test_a_second_writer_is_refused_and_readers_are_not(tmp_path: Path) -> None:
    path = tmp_path / "library"
    ids = seed_library(path)

    def holder(report: ChildReport, command: ChildCommand) -> None:
        with Library.open(path) as lib:
            report("OPEN")
            while (tag := command()) != "close":
                lib.tag([ids[0]], add=[tag])
                report("C " + tag)
        report("CLOSED")

    with Child(holder) as child:
        child.wait_line(lambda line: line == "OPEN")
        with pytest.raises(LibraryLocked) as refused:
            Library.open(path)
        message = str(refused.value)
        assert str(path) in message and f"pid {child.pid}" in message and "read-only" in message
        assert "\n" not in message

        with Library.open(path, read_only=True) as reader:
            assert reader.read_only and reader.read_only_reason
            assert set(view(reader)) == set(ids)
            with pytest.raises(ReadOnlyLibrary):
                reader.tag([ids[0]], add=["from-a-reader"])
        with pytest.raises(LibraryLocked):  # the reader did not take or break the lock
            Library.open(path)

        child.send("from-the-writer")
        child.wait_line(lambda line: line == "C from-the-writer")
        with Library.open(path, read_only=True) as reader:  # a reader sees each confirmed write
            assert "from-the-writer" in reader.get(ids[0]).tags

        child.send("close")
        child.wait_line(lambda line: line == "CLOSED")
        child.finish()

    with Library.open(path) as lib:
        assert not lib.read_only
        assert lib.get(ids[0]).tags == ("seed", "from-the-writer")


def test_a_killed_writer_does_not_keep_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "library"
    seed_library(path)

    def holder(report: ChildReport, command: ChildCommand) -> None:
        lib = Library.open(path)  # kept referenced: a dropped Library lets go of its lock
        report("OPEN")
        command()
        lib.close()

    with Child(holder) as child:
        child.wait_line(lambda line: line == "OPEN")
        with pytest.raises(LibraryLocked):
            Library.open(path)
        child.kill()
    with Library.open(path) as lib:
        assert not lib.read_only


def test_two_processes_taking_turns_lose_no_write(tmp_path: Path) -> None:
    path = tmp_path / "library"
    (article,) = seed_library(path, 1)
    rounds = 15

    def writer(who: int) -> ChildTarget:
        def run(report: ChildReport, command: ChildCommand) -> None:
            assert command() == "go"
            for i in range(rounds):
                with Library.open(path, wait=30) as lib:
                    tag = f"w{who}-{i}"
                    lib.tag([article], add=[tag])
                    result = lib.add_candidates([Candidate(
                        title=f"Writer {who} round {i}", body=f"Writer {who} wrote this in round {i}.",
                        origin=f"memory:w{who}-{i}")])
                    assert len(result.added) == 1
                    report("C " + tag)
        return run

    with Child(writer(1)) as first, Child(writer(2)) as second:
        first.send("go")
        second.send("go")
        for child in (first, second):
            child.wait_line(lambda line: line == "END")
            child.finish()
        confirmed = [line[2:] for child in (first, second) for line in child.lines if line.startswith("C ")]
    assert len(confirmed) == 2 * rounds

    with Library.open(path) as lib:
        tags = set(lib.get(article).tags)
        titles = {a.title for a in lib.articles()}
    lost = [tag for tag in confirmed if tag not in tags]
    lost += [tag for tag in confirmed
             if f"Writer {tag[1]} round {tag.split('-')[1]}" not in titles]
    print(f"\ntwo writers: {len(confirmed)} confirmed rounds of two writes, {len(lost)} writes lost")
    assert lost == []
    assert len(titles) == 1 + 2 * rounds


# --------------------------------------------------------------------------- 3. corrupt files and backups
GARBAGE = {
    "garbage": b"\x00\x13not json at all\xff",
    "truncated": b'{"articles": {"1": {"id": "abc", "title": "cut off',
    "empty": b"",
    "not tables": b"[1, 2, 3]",
}


@pytest.mark.parametrize("kind", sorted(GARBAGE))
@pytest.mark.parametrize("name", ["articles.json", "state.json", "meta.json"])
def test_a_corrupt_file_is_reported_and_never_overwritten(tmp_path: Path, name: str, kind: str) -> None:
    path = tmp_path / "library"
    ids = seed_library(path)
    with Library.open(path) as lib:  # a second session, so a backup of the first exists
        lib.set_read(ids[:1])
    assert backups.newest_good_backup(path, name) is not None
    (path / name).write_bytes(GARBAGE[kind])
    before = snapshot(path)

    for read_only in (False, True, False):
        with pytest.raises(LibraryCorrupt) as corrupt:
            Library.open(path, read_only=read_only)
        message = str(corrupt.value)
        assert "\n" not in message
        assert name in message and "backup" in message and "doctor" in message
        assert corrupt.value.files == [name]
    assert (path / name).read_bytes() == GARBAGE[kind]
    assert snapshot(path) == before  # nothing at all was written, and the lock was given back each time


def test_a_corrupt_file_without_a_backup_says_so(tmp_path: Path) -> None:
    path = tmp_path / "library"
    seed_library(path)
    for folder in (path / "backups").iterdir():
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()
    (path / "state.json").write_bytes(b"{broken")
    with pytest.raises(LibraryCorrupt, match="no backup of it exists") as corrupt:
        Library.open(path)
    assert "state.json" in str(corrupt.value)
    assert (path / "state.json").read_bytes() == b"{broken"


def test_backups_rotate_and_restore_file_puts_back_the_newest_good_one(tmp_path: Path) -> None:
    path = tmp_path / "library"
    ids = seed_library(path)
    for round_ in range(backups.KEEP_BACKUPS + 3):
        with Library.open(path) as lib:
            lib.tag([ids[1]], add=[f"round-{round_}"])
        found = backups.list_backups(path)
        assert 1 <= len(found) <= backups.KEEP_BACKUPS
        assert len([p for p in (path / "backups").iterdir()]) == len(found)
    assert len(backups.list_backups(path)) == backups.KEEP_BACKUPS
    names = [b.folder.name for b in backups.list_backups(path)]
    assert names == sorted(names, reverse=True)  # newest first

    count = len(os.listdir(path / "backups"))
    with Library.open(path):  # nothing changed since the last backup: no new one
        pass
    assert len(os.listdir(path / "backups")) == count

    with Library.open(path, read_only=True) as reader:
        good = view(reader)
    (path / "state.json").write_bytes(b'{"state": {"1": ')
    newest = backups.newest_good_backup(path, "state.json")
    assert newest is not None and newest == backups.list_backups(path)[0]
    # a damaged copy in the newest backup is skipped
    (newest.folder / "state.json").write_bytes(b"\x00")
    older = backups.newest_good_backup(path, "state.json")
    assert older is not None and older.folder != newest.folder
    assert backups.newest_good_backup(path, "no-such-file.json") is None

    kept = backups.restore_file(path, "state.json", older)
    assert kept.read_bytes() == b'{"state": {"1": '  # the damaged file is set aside, not lost
    assert kept.parent == path / "corrupt"
    assert (path / "state.json").read_bytes() == (older.folder / "state.json").read_bytes()
    with Library.open(path) as lib:
        restored = view(lib)
    assert set(restored) == set(good)
    assert restored[ids[0]] == good[ids[0]]  # untouched since the backup
    assert {t for t in restored[ids[1]][3]} <= {t for t in good[ids[1]][3]}


# --------------------------------------------------------------------------- 4. schema versions
def _write_meta_schema(path: Path, version: int) -> None:
    (path / "meta.json").write_bytes(orjson.dumps({"meta": {"1": {"schema": version, "created": "2030-01-01"}}}))


def _meta_schema(path: Path) -> int:
    (record,) = orjson.loads((path / "meta.json").read_bytes())["meta"].values()
    return int(record["schema"])


def test_a_library_from_a_newer_broadsheet_opens_read_only(tmp_path: Path) -> None:
    path = tmp_path / "library"
    ids = seed_library(path)
    _write_meta_schema(path, 99)
    (path / "x.txt").write_text("Newer\n\nWritten by a newer version.\n")
    before = snapshot(path)

    lib = Library.open(path)
    try:
        assert lib.read_only
        assert "newer" in lib.read_only_reason and "99" in lib.read_only_reason
        assert set(view(lib)) == set(ids)
        writes: list[Callable[[], object]] = [
            lambda: lib.tag([ids[0]], add=["x"]),
            lambda: lib.set_read([ids[0]]),
            lambda: lib.set_starred([ids[0]]),
            lambda: lib.import_paths([path / "x.txt"]),
            lambda: lib.add_candidates([Candidate(title="t", body="body", origin="memory:x")]),
            lambda: lib.remove([ids[0]]),
        ]
        for write in writes:
            with pytest.raises(ReadOnlyLibrary, match="newer"):
                write()
        with Library.open(path) as second:  # the lock was not kept: another process may read it too
            assert second.read_only
    finally:
        lib.close()
    assert snapshot(path) == before


@pytest.fixture()
def schema_version(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    assert library_module.MIGRATIONS is schema.MIGRATIONS

    def set_version(version: int) -> None:
        monkeypatch.setattr(schema, "SCHEMA_VERSION", version)
        monkeypatch.setattr(library_module, "SCHEMA_VERSION", version)

    return set_version


def _mark_state(path: Path, step: int) -> None:
    """A fake migration's change: every state record gets the step in its "migrated" list."""
    tables = orjson.loads((path / "state.json").read_bytes())
    for record in tables["state"].values():
        record["migrated"] = [*record.get("migrated", []), step]
    atomic.atomic_write(path / "state.json", orjson.dumps(tables))


def test_migrations_run_once_in_order_after_a_backup(tmp_path: Path, schema_version: Callable[[int], None],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "library"
    ids = seed_library(path)
    assert _meta_schema(path) == 1
    before = {name: (path / name).read_bytes() for name in ("meta.json", "articles.json", "state.json")}
    calls: list[int] = []

    def migration(step: int) -> Callable[[Path], None]:
        def migrate(folder: Path) -> None:
            newest = backups.list_backups(folder)[0]
            assert newest.reason == "before-schema-3"
            for name, data in before.items():  # the backup holds the files as they were before any step
                assert (newest.folder / name).read_bytes() == data
            state = orjson.loads((folder / "state.json").read_bytes())["state"]
            assert all(record.get("migrated", []) == calls for record in state.values())  # previous steps ran
            calls.append(step)
            _mark_state(folder, step)
        return migrate

    monkeypatch.setitem(schema.MIGRATIONS, 2, migration(2))
    monkeypatch.setitem(schema.MIGRATIONS, 3, migration(3))
    schema_version(3)

    with Library.open(path) as lib:
        assert calls == [2, 3]
        assert not lib.read_only
        assert lib.get(ids[0]).tags == ("seed",)
    assert _meta_schema(path) == 3
    assert [b.reason for b in backups.list_backups(path)].count("before-schema-3") == 1
    state = orjson.loads((path / "state.json").read_bytes())["state"]
    assert all(record["migrated"] == [2, 3] for record in state.values())

    with Library.open(path) as lib:  # already migrated: nothing runs again
        lib.tag([ids[1]], add=["after"])
    assert calls == [2, 3]
    assert _meta_schema(path) == 3


def test_migration_to_2_backs_up_first_and_updates_meta(tmp_path: Path, schema_version: Callable[[int], None],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "library"
    seed_library(path)
    calls: list[str] = []

    def migrate(folder: Path) -> None:
        assert [b.reason for b in backups.list_backups(folder)][0] == "before-schema-2"
        calls.append(folder.name)

    monkeypatch.setitem(schema.MIGRATIONS, 2, migrate)
    schema_version(2)
    with Library.open(path):
        pass
    with Library.open(path):
        pass
    assert calls == ["library"]
    assert _meta_schema(path) == 2
    backup = next(b for b in backups.list_backups(path) if b.reason == "before-schema-2")
    assert _meta_schema(backup.folder) == 1  # the backup is of the library before the migration


def test_a_library_created_at_the_current_schema_is_never_migrated(
        tmp_path: Path, schema_version: Callable[[int], None], monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    monkeypatch.setitem(schema.MIGRATIONS, 2, calls.append)
    schema_version(2)
    path = tmp_path / "library"
    seed_library(path)
    with Library.open(path):
        pass
    assert calls == []
    assert _meta_schema(path) == 2


def test_a_failing_migration_leaves_the_library_unlocked_and_unmigrated(
        tmp_path: Path, schema_version: Callable[[int], None], monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "library"
    ids = seed_library(path)

    def broken(folder: Path) -> None:
        raise RuntimeError("migration bug")

    monkeypatch.setitem(schema.MIGRATIONS, 2, broken)
    schema_version(2)
    with pytest.raises(RuntimeError, match="migration bug"):
        Library.open(path)
    assert _meta_schema(path) == 1
    assert any(b.reason == "before-schema-2" for b in backups.list_backups(path))
    with pytest.raises(RuntimeError, match="migration bug"):  # tried again, not LibraryLocked
        Library.open(path)
    monkeypatch.setitem(schema.MIGRATIONS, 2, lambda folder: None)
    with Library.open(path) as lib:
        assert lib.get(ids[0]).tags == ("seed",)
    assert _meta_schema(path) == 2


# --------------------------------------------------------------------------- 5. failed writes
class _FullDisk:
    """A file whose write stores half the data, then fails as a full disk does."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def write(self, data: bytes) -> int:
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        raise _oserror(errno.ENOSPC)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)

    def __enter__(self) -> "_FullDisk":
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def _fail_writes(monkeypatch: pytest.MonkeyPatch, point: str, only: str | None = None) -> list[str]:
    """Make store.atomic's writes of files named `only` (all if None) fail at `point`. Returns the
    list the names of failed writes are appended to."""
    failed: list[str] = []

    def targeted(name: str) -> bool:
        base = name.split(TEMP_MARKER)[0]
        hit = only is None or base == only
        if hit:
            failed.append(base)
        return hit

    if point == "write":
        real_open = open
        monkeypatch.setattr(atomic, "open", lambda file, mode="r", *a, **k: _FullDisk(real_open(file, mode, *a, **k))
                            if targeted(Path(file).name) else real_open(file, mode, *a, **k), raising=False)
    elif point == "fsync":
        def fsync(fd: int) -> None:
            name = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists(f"/proc/self/fd/{fd}") else ""
            if targeted(Path(name).name):
                raise _oserror(errno.EIO)
            os.fsync(fd)
        monkeypatch.setattr(atomic, "os", _OsProxy(fsync=fsync))
    else:
        def replace(src: Any, dst: Any) -> None:
            if targeted(Path(dst).name):
                raise _oserror(errno.ENOSPC)
            os.replace(src, dst)
        monkeypatch.setattr(atomic, "os", _OsProxy(replace=replace))
    return failed


@pytest.mark.parametrize("point", ["write", "fsync", "replace"])
@pytest.mark.parametrize("record", ["existing", "fresh", "mixed"])
def test_a_failed_tag_write_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            point: str, record: str) -> None:
    """Disk full (or an I/O error) while tagging: a clear error, the files unchanged, the library
    object still showing the old state, and the next write works."""
    if point == "fsync" and not os.path.exists("/proc/self/fd"):
        pytest.skip("needs /proc/self/fd to tell which file is synced")
    path = tmp_path / "library"
    ids = seed_library(path)
    # ids[0] has a state record, ids[2] none yet; "mixed" is an update and an insert in one call
    targets = {"existing": [ids[0]], "fresh": [ids[2]], "mixed": [ids[0], ids[2]]}[record]
    with Library.open(path) as lib:
        before_files = snapshot(path)
        before_view = view(lib)
        before_tags = lib.tags()
        failed = _fail_writes(monkeypatch, point)
        with pytest.raises(StorageWriteError) as error:
            lib.tag(targets, add=["lost"])
        assert failed == ["state.json"]
        message = str(error.value)
        assert "\n" not in message
        assert "state.json" in message and "nothing was changed" in message
        assert os.strerror(errno.EIO if point == "fsync" else errno.ENOSPC) in message
        assert snapshot(path) == before_files
        assert not temporaries(path)
        assert view(lib) == before_view and lib.tags() == before_tags
        assert all("lost" not in lib.get(i).tags for i in targets)

        monkeypatch.undo()
        lib.tag(targets, add=["kept"])
        assert all(lib.get(i).tags[-1] == "kept" for i in targets)
        after_view = view(lib)
    with Library.open(path, read_only=True) as reader:
        assert view(reader) == after_view
        assert all("lost" not in reader.get(i).tags and "kept" in reader.get(i).tags for i in targets)


def test_a_failed_folder_sync_after_the_rename_does_not_claim_nothing_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rename is the commit: if only the fsync of the folder after it fails, the file has
    changed, and the error must not say otherwise."""
    if not os.path.exists("/proc/self/fd"):
        pytest.skip("needs /proc/self/fd to tell a folder's fsync from a file's")
    path = tmp_path / "library"
    ids = seed_library(path)

    def fsync(fd: int) -> None:
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            raise _oserror(errno.EIO)
        os.fsync(fd)

    with Library.open(path) as lib:
        monkeypatch.setattr(atomic, "os", _OsProxy(fsync=fsync))
        with pytest.raises(StorageWriteError) as error:
            lib.tag([ids[0]], add=["written"])
        monkeypatch.undo()
        message = str(error.value)
        assert "nothing was changed" not in message
        assert "state.json" in message and os.strerror(errno.EIO) in message and "\n" not in message
    with Library.open(path, read_only=True) as reader:
        assert "written" in reader.get(ids[0]).tags


@pytest.mark.parametrize("point", ["write", "replace"])
def test_a_failed_import_write_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str) -> None:
    path = tmp_path / "library"
    ids = seed_library(path)
    candidate = Candidate(title="Full disk", body="This article arrives when the disk is full.",
                          origin="memory:full", tags=("new",))
    with Library.open(path) as lib:
        records = {name: (path / name).read_bytes() for name in ("meta.json", "articles.json", "state.json")}
        before_view = view(lib)
        _fail_writes(monkeypatch, point, only="articles.json")
        with pytest.raises(StorageWriteError, match="articles.json"):
            lib.add_candidates([candidate])
        assert {name: (path / name).read_bytes() for name in records} == records
        assert view(lib) == before_view and len(lib) == len(ids)
        assert not temporaries(path)

        monkeypatch.undo()
        report = lib.add_candidates([candidate])  # not taken for a duplicate of the failed attempt
        assert [o.status for o in report.outcomes] == ["added"]
        article = lib.get(report.added[0].article_id)
        assert article.tags == ("new",) and article.body == candidate.body
        after_view = view(lib)
    with Library.open(path, read_only=True) as reader:
        assert view(reader) == after_view


# --------------------------------------------------------------------------- 6. read-only folder
def test_a_folder_we_may_not_write_opens_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "library"
    ids = seed_library(path)
    stale = path / f"state.json{TEMP_MARKER}1-00000000"
    stale.write_bytes(b"partial")
    before = snapshot(path)
    path.chmod(0o555)
    try:
        if os.access(path, os.W_OK):  # root ignores the mode: pretend, as the mode says
            real_access = os.access
            monkeypatch.setattr(os, "access", lambda p, mode, *a, **k:
                                False if Path(p) == path and mode & os.W_OK else real_access(p, mode, *a, **k))
        with Library.open(path) as lib:
            assert lib.read_only
            assert "not writable" in lib.read_only_reason and str(path) in lib.read_only_reason
            assert set(view(lib)) == set(ids)
            with pytest.raises(ReadOnlyLibrary, match="not writable"):
                lib.tag([ids[0]], add=["x"])
        assert snapshot(path) == before  # no lock taken, no temporaries removed, no backup written
    finally:
        path.chmod(0o755)


# --------------------------------------------------------------------------- 7. stale temporary files
def test_stale_temporaries_are_removed_by_the_next_writer_only(tmp_path: Path) -> None:
    path = tmp_path / "library"
    ids = seed_library(path)
    with Library.open(path, read_only=True) as reader:
        before_view = view(reader)
    body_folder = path / "bodies" / INCOMING  # where a body is written before its rename
    assert body_folder.is_dir()
    stale = [
        path / f"state.json{TEMP_MARKER}4242-deadbeef",
        path / f"articles.json{TEMP_MARKER}4242-0badf00d",
        path / f".lock-owner{TEMP_MARKER}4242-00c0ffee",
        body_folder / f"{'0' * 64}.txt{TEMP_MARKER}4242-12345678",
    ]
    for f in stale:
        f.write_bytes(b'{"state": {"1": {"art')
    records = {name: (path / name).read_bytes() for name in ("meta.json", "articles.json", "state.json")}

    with Library.open(path, read_only=True) as reader:  # a reader never deletes anything
        assert view(reader) == before_view
    assert all(f.exists() for f in stale)

    with Library.open(path) as lib:
        assert not temporaries(path)
        assert view(lib) == before_view
        assert all(lib.body(i) for i in ids)
    assert {name: (path / name).read_bytes() for name in records} == records
