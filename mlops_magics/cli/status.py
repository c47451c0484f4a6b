"""``mlops status``: where runs are stored and which are active."""

from __future__ import annotations

import argparse

from ..commands import status


def run(args: argparse.Namespace) -> int:
    print(repr(status.execute(args)))
    return 0
