"""Where the library and the user's config live by default."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "broadsheet"
LIBRARY_ENV = "BROADSHEET_LIBRARY"


def default_library_path() -> Path:
    """BROADSHEET_LIBRARY if set, else the user's data folder (e.g. ~/.local/share/broadsheet/library)."""
    override = os.environ.get(LIBRARY_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path(APP_NAME) / "library"


def config_dir() -> Path:
    return platformdirs.user_config_path(APP_NAME)
