"""``%mlops promote NAME@REF --to ALIAS [--if-better METRIC|-METRIC] [--reason TEXT]``: move an alias.

The comparison with the current holder is shown before the decision; a refused promotion fails the cell
(so a papermill-run notebook stops there) with the reason in the output.
"""

from __future__ import annotations

from typing import Any

from ..commands import promote
from .context import MagicContext
from .parser import MagicArgumentParser, command_parser

__all__ = ["build_parser", "run"]


def build_parser() -> MagicArgumentParser:
    return command_parser("promote", promote)


def run(ctx: MagicContext) -> Any:
    from IPython.display import display

    from ..registry import PromotionRefused

    try:
        return promote.execute(build_parser().parse(ctx.argv))
    except PromotionRefused as exc:
        if exc.comparison is not None:
            display(exc.comparison)  # what the decision was based on stays in the cell's output
        raise
