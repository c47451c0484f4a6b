"""``runs``: a table of recent runs."""

from __future__ import annotations

import argparse
from typing import Any

from . import Face
from .argv import count

SUMMARY = "recent runs of the current experiment, newest first (or best by --sort)"
DESCRIPTION = ("Recent runs of the current experiment (--experiment NAME: another one, --all-experiments: "
               "every one), newest first. The table shows the run, id, status, start, duration and the most "
               "useful metrics; --columns picks others. Every column: t = %mlops runs; t.to_pandas() in a "
               "notebook, --json or --csv in a terminal.")


def _columns(text: str) -> list[str]:
    """An argparse type: ``a,b,c`` -> the names (``*`` matches any text)."""
    names = [w.strip() for w in text.split(",") if w.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give column names separated by commas, e.g. accuracy,rmse")
    return names


def add_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--experiment", help="the runs of this experiment (default: the current one)")
    where.add_argument("--all-experiments", action="store_true", help="the runs of every experiment")
    parser.add_argument("--max", type=count, default=20, help="how many runs (default 20)")
    parser.add_argument("--sort", metavar="METRIC", help="best first by a metric: 'accuracy' highest, '-rmse' lowest")
    parser.add_argument("--columns", metavar="A,B", type=_columns,
                        help="the columns to show after the run name: metrics, params (params.NAME), "
                             "id, status, started, duration, experiment; * matches any text (drift.*)")
    if face == "cli":
        parser.add_argument("--json", nargs="?", const="-", metavar="FILE",
                            help="every column as JSON, on stdout (or into FILE, the table still printed)")
        parser.add_argument("--csv", nargs="?", const="-", metavar="FILE",
                            help="every column as CSV, on stdout (or into FILE, the table still printed)")


def execute(args: argparse.Namespace) -> Any:
    from ..core.tracking import queries

    return queries.list_runs(args.experiment, args.max, args.sort, args.columns, args.all_experiments)
