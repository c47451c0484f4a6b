"""Paths that come from the browser: relative to the server root, no ``..``, nothing outside it."""

from __future__ import annotations

import os

from ..errors import MlopsUsageError

__all__ = ["PathRefused", "safe_relative_path"]


class PathRefused(MlopsUsageError):
    """A path from the browser tried to leave the server root (``..``, absolute elsewhere)."""


# -- paths ---------------------------------------------------------------------------------------

def safe_relative_path(path: str, root: str | os.PathLike[str] | None = None, what: str = "path") -> str:
    """``path`` as a clean relative POSIX path, or :class:`PathRefused`.

    Absolute paths are accepted only inside ``root`` (they are made relative to it). Empty
    segments and ``.`` are dropped; any ``..`` segment, a NUL byte or a drive letter is refused.
    """
    if not isinstance(path, str) or "\x00" in path:
        raise PathRefused(f"{what} refused: not a plain path")
    text = path.replace("\\", "/")
    if len(text) >= 2 and text[1] == ":":
        raise PathRefused(f"{what} refused: {path!r} is an absolute path")
    if text.startswith("/"):
        if root is None:
            raise PathRefused(f"{what} refused: {path!r} is an absolute path")
        root_text = os.path.abspath(os.fspath(root)).replace("\\", "/").rstrip("/")
        candidates = {root_text, os.path.realpath(root_text).replace("\\", "/").rstrip("/")}
        inside = [r for r in candidates if text == r or text.startswith(r + "/")]
        if not inside:
            raise PathRefused(f"{what} refused: {path!r} is outside the server root")
        text = text[len(inside[0]):]
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise PathRefused(f"{what} refused: {path!r} goes up with '..'")
    return "/".join(parts)
