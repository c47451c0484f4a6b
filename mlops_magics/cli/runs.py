"""``mlops runs [--experiment NAME] [--max N] [--sort METRIC] [--csv FILE]``."""

from __future__ import annotations

import argparse

from ..commands import runs


def run(args: argparse.Namespace) -> int:
    table = runs.execute(args)
    print(repr(table))
    if args.csv:
        table.to_pandas().to_csv(args.csv, index=False)
    return 0
