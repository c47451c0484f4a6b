"""Word-level fixes shared by both faces before argparse sees the words."""

from __future__ import annotations

import argparse
from typing import Sequence

__all__ = ["count", "normalise"]

# options whose value may start with "-" (``--if-better -rmse``: lower is better)
NEGATIVE_VALUE_OPTIONS = ("--if-better", "--sort", "--plot")
MAX_COUNT = 100_000


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
