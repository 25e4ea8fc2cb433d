"""Crash-safe file writes: a reader, or a process started after a kill, sees the old file or the
new one, never a mix (temporary file in the same folder, fsync, os.replace, fsync the folder)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .errors import StorageWriteError

TEMP_MARKER = ".tmp-"


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, sync: bool = True, temp_folder: Path | None = None) -> None:
    """Replace `path` with `data`. With sync=False the caller batches the fsyncs (see
    BodyStore.flush), which must happen before anything that refers to the file is written.
    `temp_folder` (on the same file system) holds the temporary file instead of path's folder."""
    temp = (temp_folder or path.parent) / f"{path.name}{TEMP_MARKER}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as error:
        try:
            temp.unlink(missing_ok=True)
        except OSError:
            pass
        reason = error.strerror or str(error)
        raise StorageWriteError(f"could not write {path.name}: {reason}; nothing was changed on disk") from error
    if sync:
        try:  # the rename is done: the new file is in place, only its durability is in doubt
            fsync_dir(path.parent)
        except OSError as error:
            reason = error.strerror or str(error)
            raise StorageWriteError(f"wrote {path.name}, but could not sync its folder: {reason}; "
                                    "the change may not survive a power cut") from error


def remove_stale_temporaries(folder: Path, subfolders: tuple[str, ...] = ()) -> int:
    """Temporary files left by a writer that was killed mid-write, in `folder` and these of its
    subfolders (not a whole tree: a library's is 100k body files, 0.1 to 0.3 s to walk on every
    open). Only the lock holder calls this."""
    removed = 0
    for where in (folder, *(folder / name for name in subfolders)):
        try:
            names = os.listdir(where)
        except OSError:
            continue
        for name in names:
            if TEMP_MARKER in name:
                try:
                    os.unlink(os.path.join(where, name))
                    removed += 1
                except OSError:
                    pass
    return removed


def save_text(path: Path, text: str) -> None:
    """Write a UTF-8 text file (an export) atomically: a reader never sees half of it."""
    atomic_write(Path(path), text.encode("utf-8"))
