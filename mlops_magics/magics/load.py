"""``model = %mlops load NAME@REF``: a registered version as its native object (an estimator stays one)."""

from __future__ import annotations

from typing import Any

from .context import MagicContext
from .parser import MagicArgumentParser

__all__ = ["build_parser", "run"]


def build_parser() -> MagicArgumentParser:
    p = MagicArgumentParser(
        "%mlops load",
        description="Load a registered version: model = %mlops load churn@champion (REF: vN, an alias, or latest).",
    )
    p.add_argument("ref", metavar="NAME@REF")
    return p


def run(ctx: MagicContext) -> Any:
    from ..registry import load

    args = build_parser().parse(ctx.argv)
    return load(args.ref)
