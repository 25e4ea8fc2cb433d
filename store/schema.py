"""The library's schema version and the migrations between versions.

A migration upgrades the files of a library folder from version n-1 to n. They run in order, on
open, after a backup of the record files. A library written by a newer broadsheet (a higher
version than SCHEMA_VERSION) is opened read-only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

SCHEMA_VERSION = 1

Migration = Callable[[Path], None]

# MIGRATIONS[n] upgrades a library from schema n-1 to n. Version 1 is the first; none yet.
MIGRATIONS: dict[int, Migration] = {}
