"""``promote NAME@REF --to ALIAS [--if-better METRIC] [--reason TEXT]``: move an alias."""

from __future__ import annotations

import argparse
from typing import Any

from . import Face

SUMMARY = "move an alias to a version (--if-better compares with the holder)"
DESCRIPTION = ("Point ALIAS at the version NAME@REF names (REF: vN, an alias, or latest). With --if-better, "
               "only when it beats the current holder on that metric ('-rmse': lower is better).")


def add_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    parser.add_argument("ref", metavar="NAME@REF", help="e.g. churn@v4 or churn@challenger")
    parser.add_argument("--to", required=True, metavar="ALIAS", help="the alias to move, e.g. champion")
    parser.add_argument("--if-better", metavar="METRIC", help="'accuracy' (higher wins) or '-rmse' (lower wins)")
    parser.add_argument("--reason", metavar="TEXT", help="why: kept in the alias history")


def execute(args: argparse.Namespace) -> Any:
    """The promotion; ``PromotionRefused`` (with its comparison) when ``--if-better`` refuses."""
    from ..registry import promote

    return promote(args.ref, args.to, if_better=args.if_better, reason=args.reason)
