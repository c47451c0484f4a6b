"""Files for the data store's tests, written as a user's files are: a few seconds old."""

from __future__ import annotations

import os
import time
from pathlib import Path


def write(path: Path, content: bytes | str) -> Path:
    """Write ``content`` to ``path`` (folders made) with a modification time 5 s back: older than the stat
    cache's racy window, so the cache may trust the file's stat."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content)
    else:
        path.write_bytes(content)
    old = time.time() - 5
    os.utime(path, (old, old))
    return path
