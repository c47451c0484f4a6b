"""``mlops runs [--experiment NAME] [--max N] [--sort METRIC] [--csv FILE]``."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("runs", help="recent runs, newest first (or best by --sort)")
    parser.add_argument("--experiment", help="only this experiment")
    parser.add_argument("--max", type=int, default=20, help="how many runs (default 20)")
    parser.add_argument("--sort", metavar="METRIC", help="'accuracy' highest first, '-rmse' lowest first")
    parser.add_argument("--csv", metavar="FILE", help="also write the table as CSV")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..core import queries

    table = queries.list_runs(args.experiment, args.max, args.sort)
    print(repr(table))
    if args.csv:
        table.to_pandas().to_csv(args.csv, index=False)
    return 0
