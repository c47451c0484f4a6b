"""``%mlops runs [--experiment NAME] [--max N] [--sort METRIC]``: a table of runs."""

from __future__ import annotations

from typing import Any

from ..core import queries
from .context import MagicContext
from .parser import MagicArgumentParser


def build_parser() -> MagicArgumentParser:
    parser = MagicArgumentParser("%mlops runs", description="Recent runs, newest first. t = %mlops runs; t.to_pandas()")
    parser.add_argument("--experiment", help="only this experiment")
    parser.add_argument("--max", type=int, default=20, help="how many runs (default 20)")
    parser.add_argument("--sort", metavar="METRIC", help="best first by a metric: 'accuracy' highest, '-rmse' lowest")
    return parser


def run(ctx: MagicContext) -> Any:
    args = build_parser().parse(ctx.argv)
    return queries.list_runs(args.experiment, args.max, args.sort)
