"""Rotating backups of the library's record files (bodies are write-once and need none)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import orjson

from .atomic import fsync_dir
from .errors import LibraryCorrupt
from .storage import parse_library_file

KEEP_BACKUPS = 5
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Backup:
    folder: Path
    created: str
    reason: str

    def has_good(self, name: str) -> bool:
        try:
            return parse_library_file(self.folder / name) is not None
        except LibraryCorrupt:
            return False


def _signature(files: list[Path]) -> dict[str, list[int]]:
    return {f.name: [f.stat().st_size, f.stat().st_mtime_ns] for f in files if f.exists()}


def list_backups(library: Path) -> list[Backup]:
    """Newest first."""
    found: list[Backup] = []
    root = library / "backups"
    if not root.is_dir():
        return found
    for folder in sorted(root.iterdir(), reverse=True):
        manifest = folder / MANIFEST
        if folder.name.startswith(".") or not manifest.exists():
            continue  # a backup that was being written when the process died
        try:
            info = orjson.loads(manifest.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        found.append(Backup(folder, info.get("created", ""), info.get("reason", "")))
    return found


def make_backup(library: Path, files: list[Path], reason: str, *, force: bool = False) -> Backup | None:
    """Copy `files` into backups/<time>-<reason>/, unless the newest backup already holds them
    as they are now. Keeps the newest KEEP_BACKUPS backups."""
    _remove_unfinished(library / "backups")
    existing = [f for f in files if f.exists()]
    if not existing:
        return None
    signature = _signature(existing)
    backups = list_backups(library)
    if backups and not force:
        try:
            previous = orjson.loads((backups[0].folder / MANIFEST).read_bytes()).get("files")
        except (OSError, orjson.JSONDecodeError):
            previous = None
        if previous == signature:
            return None
    now = datetime.now(timezone.utc)
    root = library / "backups"
    root.mkdir(exist_ok=True)
    name = f"{now:%Y%m%dT%H%M%S%fZ}-{reason}"
    staging = root / f".{name}"
    staging.mkdir()
    for f in existing:
        shutil.copy2(f, staging / f.name)
    manifest = {"created": now.isoformat(timespec="seconds"), "reason": reason, "files": signature}
    (staging / MANIFEST).write_bytes(orjson.dumps(manifest))
    for f in staging.iterdir():
        fd = os.open(f, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    os.replace(staging, root / name)
    fsync_dir(root)
    for old in list_backups(library)[KEEP_BACKUPS:]:
        doomed = old.folder.with_name(f".{old.folder.name}.old")
        try:  # hidden first, so a kill during the delete leaves a folder _remove_unfinished removes
            os.replace(old.folder, doomed)
        except OSError:
            doomed = old.folder
        shutil.rmtree(doomed, ignore_errors=True)
    return Backup(root / name, manifest["created"], reason)


def _remove_unfinished(root: Path) -> None:
    """Backup folders a killed process was writing or deleting (hidden: list_backups skips them).
    Only the lock holder makes backups, so none of them is in use."""
    if root.is_dir():
        for leftover in root.glob(".*"):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)


def newest_good_backup(library: Path, name: str) -> Backup | None:
    for backup in list_backups(library):
        if (backup.folder / name).exists() and backup.has_good(name):
            return backup
    return None


def restore_file(library: Path, name: str, backup: Backup) -> Path:
    """Set the current file aside (corrupt/<name>.<time>) and put the backup's copy in its place."""
    current = library / name
    aside = library / "corrupt"
    aside.mkdir(exist_ok=True)
    kept = aside / f"{name}.{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}"
    if current.exists():
        os.replace(current, kept)
    temp = library / f".{name}.restore"
    shutil.copy2(backup.folder / name, temp)
    os.replace(temp, current)
    fsync_dir(library)
    return kept
