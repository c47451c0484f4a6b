"""``%mlops rollback NAME --alias ALIAS [--reason TEXT]``: the alias goes back to its previous holder."""

from __future__ import annotations

from typing import Any

from .context import MagicContext
from .parser import MagicArgumentParser

__all__ = ["build_parser", "run"]


def build_parser() -> MagicArgumentParser:
    p = MagicArgumentParser(
        "%mlops rollback",
        description="Point ALIAS back at the version that held it before (from the alias history); recorded "
                    "like a promotion.",
    )
    p.add_argument("name", metavar="NAME", help="registered model name")
    p.add_argument("--alias", required=True, metavar="ALIAS", help="e.g. champion")
    p.add_argument("--reason", metavar="TEXT", help="why: kept in the alias history")
    return p


def run(ctx: MagicContext) -> Any:
    from ..registry import rollback

    args = build_parser().parse(ctx.argv)
    return rollback(args.name, args.alias, reason=args.reason)
