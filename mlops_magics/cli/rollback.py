"""``mlops rollback NAME --alias A [--reason T]``: the alias goes back to its previous holder."""

from __future__ import annotations

import argparse

from ..commands import rollback


def run(args: argparse.Namespace) -> int:
    print(repr(rollback.execute(args)))
    return 0
