"""The signature cache's file, and the one read of it that needs no numpy (which `cache`
imports: a tenth of a second), for the corpus walk begun before the stage."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

CACHE_FILE_NAME = "signatures.sqlite3"  # in the configured cache folder


def folder_digests_of_any_config(cache_dir: Path) -> dict[str, set[int]]:
    """Read without numpy, which the cache module imports (a tenth of a second); nothing
    when there is no readable cache: the stage reports why."""
    path = cache_dir / CACHE_FILE_NAME
    if not path.is_file():
        return {}
    known: dict[str, set[int]] = {}
    try:
        db = sqlite3.connect(path, timeout=1.0)
        try:
            for folder, digest in db.execute("SELECT path, digest FROM folders"):
                known.setdefault(os.fsdecode(folder), set()).add(digest)  # bytes (see cache)
        finally:
            db.close()
    except sqlite3.Error:
        return {}
    return known
