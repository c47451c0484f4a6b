"""``runs``: a table of recent runs."""

from __future__ import annotations

import argparse
from typing import Any

from . import Face
from .argv import count

DEFAULT_MAX, DEFAULT_PLOT_MAX = 20, 200
SUMMARY = "recent runs of the current experiment, newest first (or best by --sort)"
DESCRIPTION = ("Recent runs of the current experiment (--experiment NAME: another one, --all-experiments: "
               "every one), newest first. The table shows the run, id, status, start, duration and the most "
               "useful metrics; --columns picks others. Every column: t = %mlops runs; t.to_pandas() in a "
               "notebook, --json or --csv in a terminal. In a notebook, --plot METRIC [--by P,Q] draws the metric "
               "against params for the listed runs, the best run marked.")


def _columns(text: str) -> list[str]:
    """An argparse type: ``a,b,c`` -> the names (``*`` matches any text)."""
    names = [w.strip() for w in text.split(",") if w.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give column names separated by commas, e.g. accuracy,rmse")
    return names


def _params(text: str) -> list[str]:
    """An argparse type: ``lr,depth`` -> the param names."""
    names = [w.strip().removeprefix("params.") for w in text.split(",") if w.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give param names separated by commas, e.g. learning_rate,max_depth")
    return names


def add_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--experiment", help="the runs of this experiment (default: the current one)")
    where.add_argument("--all-experiments", action="store_true", help="the runs of every experiment")
    with_plot = f"; {DEFAULT_PLOT_MAX} with --plot" if face == "magic" else ""
    parser.add_argument("--max", type=count, default=None, help=f"how many runs (default {DEFAULT_MAX}{with_plot})")
    parser.add_argument("--sort", metavar="METRIC", help="best first by a metric: 'accuracy' highest, '-rmse' lowest")
    parser.add_argument("--columns", metavar="A,B", type=_columns,
                        help="the columns to show after the run name: metrics, params (params.NAME), "
                             "id, status, started, duration, experiment; * matches any text (drift.*)")
    if face == "magic":
        parser.add_argument("--plot", metavar="METRIC",
                            help="draw METRIC against params for the listed runs, the best run marked: "
                                 "'-rmse' lowest best, '+accuracy' highest best (a bare name: lowest for "
                                 "losses and errors, else highest); click a mark to see its run")
        parser.add_argument("--by", metavar="P,Q", type=_params,
                            help="the params on the axes of --plot (default: those whose values differ); one "
                                 "param: a scatter, several: parallel coordinates")
    if face == "cli":
        parser.add_argument("--json", nargs="?", const="-", metavar="FILE",
                            help="every column as JSON, on stdout (or into FILE, the table still printed)")
        parser.add_argument("--csv", nargs="?", const="-", metavar="FILE",
                            help="every column as CSV, on stdout (or into FILE, the table still printed)")


def execute(args: argparse.Namespace) -> Any:
    from ..core.errors import MlopsUsageError
    from ..core.tracking import queries

    plot = getattr(args, "plot", None)
    if getattr(args, "by", None) and not plot:
        raise MlopsUsageError("--by goes with --plot METRIC: %mlops runs --plot rmse --by learning_rate")
    max_runs = args.max or (DEFAULT_PLOT_MAX if plot else DEFAULT_MAX)
    table = queries.list_runs(args.experiment, max_runs, args.sort, args.columns, args.all_experiments)
    if not plot:
        return table
    from ..core.tracking.run_plots import plot_runs

    return plot_runs(plot, args.by, table.rows, table.experiment)
