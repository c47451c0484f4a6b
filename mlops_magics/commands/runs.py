"""``runs``: a table of recent runs."""

from __future__ import annotations

import argparse
from typing import Any

from . import Face
from .argv import count

SUMMARY = "recent runs, newest first (or best by --sort)"
DESCRIPTION = "Recent runs, newest first. t = %mlops runs; t.to_pandas()"


def add_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    parser.add_argument("--experiment", help="only this experiment")
    parser.add_argument("--max", type=count, default=20, help="how many runs (default 20)")
    parser.add_argument("--sort", metavar="METRIC", help="best first by a metric: 'accuracy' highest, '-rmse' lowest")
    if face == "cli":
        parser.add_argument("--csv", metavar="FILE", help="also write the table as CSV")


def execute(args: argparse.Namespace) -> Any:
    from ..core.tracking import queries

    return queries.list_runs(args.experiment, args.max, args.sort)
