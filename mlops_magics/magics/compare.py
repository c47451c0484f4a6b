"""``%mlops compare RUN RUN [RUN...] [--all]``: runs side by side."""

from __future__ import annotations

from typing import Any

from ..core.tracking import queries
from .context import MagicContext
from .parser import MagicArgumentParser


def build_parser() -> MagicArgumentParser:
    parser = MagicArgumentParser(
        "%mlops compare",
        description="Runs side by side (by id, id prefix or run name), showing the params and metrics that differ.",
    )
    parser.add_argument("runs", nargs="+", metavar="RUN")
    parser.add_argument("--all", action="store_true", help="show every param and metric, not only differences")
    return parser


def run(ctx: MagicContext) -> Any:
    args = build_parser().parse(ctx.argv)
    return queries.compare_runs(args.runs, show_all=args.all)
