"""Word-level fixes shared by both faces before argparse sees the words."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Sequence

__all__ = ["count", "local_path", "normalise", "output_path", "remote"]

# options whose value may start with "-" (``--if-better -rmse``: lower is better)
NEGATIVE_VALUE_OPTIONS = ("--if-better", "--sort", "--plot")
MAX_COUNT = 100_000
MAX_PART, MAX_PATH = 255, 4096  # bytes in one path component / a whole path (NAME_MAX, PATH_MAX on Linux)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def normalise(argv: Sequence[str]) -> list[str]:
    """``--if-better -rmse`` -> ``--if-better=-rmse``: argparse would read ``-rmse`` as an option."""
    out = list(argv)
    i = 0
    while i < len(out) - 1:
        if out[i] in NEGATIVE_VALUE_OPTIONS and out[i + 1].startswith("-") and not out[i + 1].startswith("--"):
            out[i:i + 2] = [f"{out[i]}={out[i + 1]}"]
        i += 1
    return out


def count(text: str) -> int:
    """An argparse type: a whole number from 1 to 100,000 (how many rows to show or fetch)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{value} is out of range: give 1 to {MAX_COUNT:,}")
    return value


def local_path(text: str) -> str:
    """An argparse type: a path the file system can hold (no NUL byte, parts of at most 255 bytes)."""
    if not text or "\0" in text:
        raise argparse.ArgumentTypeError("give a path (it is empty or holds a NUL byte)")
    if len(os.fsencode(text)) > MAX_PATH:
        raise argparse.ArgumentTypeError(f"the path is longer than {MAX_PATH} bytes; use a shorter one")
    long = next((part for part in Path(text).parts if len(os.fsencode(part)) > MAX_PART), None)
    if long is not None:
        raise argparse.ArgumentTypeError(
            f"'{long[:40]}...' is longer than a file name may be ({MAX_PART} bytes); use a shorter name")
    return text


def _blocked_by_a_file(path: Path) -> Path | None:
    """The first existing part of ``path`` (from the top) that is not a folder, when a folder is needed there."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            return parent
    return None


def output_path(text: str) -> str:
    """An argparse type: where something will be written (its folders may not exist yet, files in the way may not)."""
    local_path(text)
    blocker = _blocked_by_a_file(Path(text).expanduser().absolute())
    if blocker is not None:
        raise argparse.ArgumentTypeError(f"cannot write under {blocker}: it is a file, not a folder")
    return text


def remote(text: str) -> str:
    """An argparse type: a remote URL (``s3://``, ``memory://``, ...), or a local folder (made when missing)."""
    if _URL.match(text) and not text.startswith("file://"):
        return text
    folder = text[len("file://"):] if text.startswith("file://") else text
    output_path(folder)
    path = Path(folder).expanduser()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file; a remote is a folder or a URL (e.g. s3://bucket/data)")
    return text
