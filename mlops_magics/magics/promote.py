"""``%mlops promote NAME@REF --to ALIAS [--if-better METRIC|-METRIC] [--reason TEXT]``: move an alias.

The comparison with the current holder is shown before the decision; a refused promotion fails the cell
(so a papermill-run notebook stops there) with the reason in the output.
"""

from __future__ import annotations

from typing import Any

from .context import MagicContext
from .parser import MagicArgumentParser

__all__ = ["build_parser", "run"]


def build_parser() -> MagicArgumentParser:
    p = MagicArgumentParser(
        "%mlops promote",
        description="Point ALIAS at the version NAME@REF names (REF: vN, an alias, or latest). With --if-better, "
                    "only when it beats the current holder on that metric ('-rmse': lower is better).",
    )
    p.add_argument("ref", metavar="NAME@REF", help="e.g. churn@v4 or churn@challenger")
    p.add_argument("--to", required=True, metavar="ALIAS", help="the alias to move, e.g. champion")
    p.add_argument("--if-better", metavar="METRIC", help="'accuracy' (higher wins) or '-rmse' (lower wins)")
    p.add_argument("--reason", metavar="TEXT", help="why: kept in the alias history")
    return p


def run(ctx: MagicContext) -> Any:
    from IPython.display import display

    from ..registry import PromotionRefused, promote

    # "-rmse" would read as an option: accept --if-better=-rmse and --if-better -rmse alike
    argv = list(ctx.argv)
    for i, word in enumerate(argv[:-1]):
        if word == "--if-better" and argv[i + 1].startswith("-") and not argv[i + 1].startswith("--"):
            argv[i:i + 2] = [f"--if-better={argv[i + 1]}"]
            break
    args = build_parser().parse(argv)
    try:
        return promote(args.ref, args.to, if_better=args.if_better, reason=args.reason)
    except PromotionRefused as exc:
        if exc.comparison is not None:
            display(exc.comparison)  # what the decision was based on stays in the cell's output
        raise
