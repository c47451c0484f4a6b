"""``%mlops models [NAME] [--history] [--alias A]``: registered models, one model's versions, or its alias history."""

from __future__ import annotations

from typing import Any

from .context import MagicContext
from .parser import MagicArgumentParser

__all__ = ["build_parser", "run"]


def build_parser() -> MagicArgumentParser:
    p = MagicArgumentParser(
        "%mlops models",
        description="Registered models; with NAME, its versions (aliases, key metrics, source run, data versions, "
                    "created) and recent alias moves; with --history, every recorded alias move.",
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="one registered model")
    p.add_argument("--history", action="store_true", help="the alias history of NAME (who, when, from, to, why)")
    p.add_argument("--alias", metavar="ALIAS", help="with --history: only this alias")
    return p


def run(ctx: MagicContext) -> Any:
    from IPython.core.error import UsageError

    from ..registry import history, models

    args = build_parser().parse(ctx.argv)
    if (args.history or args.alias) and not args.name:
        raise UsageError("%mlops models: --history needs a model name, e.g. %mlops models churn --history")
    if args.history or args.alias:
        return history(args.name, args.alias)
    return models(args.name)
