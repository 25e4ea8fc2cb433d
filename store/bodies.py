"""Article bodies, stored once each as content-addressed text files (bodies/ab/abcdef....txt).

A body file is written once and never changed, so it needs no backup and a small write to the
hot records never rewrites it. Removing an article keeps its body (undo and backups refer to it).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .atomic import atomic_write, fsync_dir


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


INCOMING = ".incoming"  # bodies/.incoming/: where a body is written before it is renamed into place


class BodyStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.incoming = folder / INCOMING  # one folder to clear of a killed writer's temporaries
        self._unsynced: list[Path] = []
        self._incoming_made = False

    def path_for(self, digest: str) -> Path:
        return self.folder / digest[:2] / f"{digest}.txt"

    def read(self, digest: str) -> str:
        return self.path_for(digest).read_text(encoding="utf-8")

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).exists()

    def put(self, text: str) -> str:
        """Store `text` (without fsync: call flush() before recording anything that refers to it)."""
        digest = content_hash(text)
        path = self.path_for(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            if not self._incoming_made:
                self.incoming.mkdir(exist_ok=True)
                self._incoming_made = True
            atomic_write(path, text.encode("utf-8"), sync=False, temp_folder=self.incoming)
            self._unsynced.append(path)
        return digest

    def flush(self) -> None:
        """Make every body written since the last flush durable."""
        if not self._unsynced:
            return
        if len(self._unsynced) > 16 and hasattr(os, "sync"):
            os.sync()  # one call instead of thousands of fsyncs on a large import
        else:
            for path in self._unsynced:
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
            for folder in {path.parent for path in self._unsynced}:
                fsync_dir(folder)
        self._unsynced.clear()

    def all_digests(self) -> set[str]:
        return {path.stem for path in self.folder.glob("*/*.txt")}
