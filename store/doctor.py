"""Checking a library and restoring damaged files from backups (`broadsheet doctor`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import backups
from .atomic import TEMP_MARKER
from .bodies import content_hash
from .errors import LibraryCorrupt, LibraryError
from .library import RECORD_FILES, Library
from .records import ProgressCallback
from .storage import parse_library_file


@dataclass(frozen=True)
class Finding:
    level: str  # "ok" | "warning" | "error"
    message: str


@dataclass
class DoctorReport:
    findings: list[Finding] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not any(f.level == "error" for f in self.findings)

    def add(self, level: str, message: str) -> None:
        self.findings.append(Finding(level, message))


def check(folder: Path, progress: ProgressCallback | None = None) -> DoctorReport:
    report = DoctorReport()
    if not folder.is_dir():
        report.add("error", f"no library at {folder}")
        return report
    for name in RECORD_FILES:
        try:
            parsed = parse_library_file(folder / name)
        except LibraryCorrupt as error:
            report.corrupt.append(name)
            backup = backups.newest_good_backup(folder, name)
            offer = f"`broadsheet doctor --restore` puts back the backup of {backup.created}" if backup \
                else "no good backup of it exists"
            report.add("error", f"{error}; {offer}")
        else:
            if parsed is not None:
                report.add("ok", f"{name} parses")
    temporaries = [p for p in folder.rglob(f"*{TEMP_MARKER}*")]
    if temporaries:
        report.add("warning", f"{len(temporaries)} temporary files left by an interrupted write "
                              "(removed on the next open)")
    found = backups.list_backups(folder)
    report.add("ok" if found else "warning",
               f"{len(found)} backups, newest {found[0].created}" if found else "no backups yet")
    if report.corrupt:
        return report
    try:
        library = Library.open(folder, read_only=True)
    except LibraryError as error:
        report.add("error", str(error))
        return report
    with library:
        if library.read_only_reason and "newer" in library.read_only_reason:
            report.add("warning", library.read_only_reason)
        articles = library.articles()
        missing = damaged = 0
        for done, article in enumerate(articles):
            if progress and done % 500 == 0:
                progress(done, len(articles), article.title)
            try:
                text = library.body(article.id)
            except FileNotFoundError:
                missing += 1
                continue
            if content_hash(text) != article.content_hash:
                damaged += 1
        if progress:
            progress(len(articles), len(articles), "")
        report.add("ok", f"{len(articles)} articles")
        from .annotations import check as check_annotations

        for level, message in check_annotations(library):
            report.add(level, message)
        if library._notes.journal_damage:
            report.add("warning", f"{library._notes.journal_damage} unreadable lines in annotations.json.journal "
                                  "(a save cut short by a kill: it was never confirmed); removed on the next open")
        if missing:
            report.add("error", f"{missing} articles have lost their text file (bodies/)")
        if damaged:
            report.add("error", f"{damaged} article text files do not match their hash (changed on disk)")
    return report


def restore(folder: Path) -> list[str]:
    """Restore every file that does not parse from its newest good backup. Takes the write lock,
    so it never runs beside a process using the library. Returns what was done, a line each."""
    from .library import _acquire_lock

    lock = _acquire_lock(folder, 0)
    done: list[str] = []
    try:
        for name in RECORD_FILES:
            try:
                parse_library_file(folder / name)
                continue
            except LibraryCorrupt:
                pass
            backup = backups.newest_good_backup(folder, name)
            if backup is None:
                done.append(f"{name}: no good backup; left as it is")
                continue
            kept = backups.restore_file(folder, name, backup)
            done.append(f"{name}: restored the backup of {backup.created}; the damaged file is kept as {kept}")
    finally:
        lock.release()
    return done
