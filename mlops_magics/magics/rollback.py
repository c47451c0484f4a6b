"""``%mlops rollback NAME --alias ALIAS [--reason TEXT]``: the alias goes back to its previous holder."""

from __future__ import annotations

from typing import Any

from ..commands import rollback
from .context import MagicContext
from .parser import MagicArgumentParser, command_parser

__all__ = ["build_parser", "run"]


def build_parser() -> MagicArgumentParser:
    return command_parser("rollback", rollback)


def run(ctx: MagicContext) -> Any:
    return rollback.execute(build_parser().parse(ctx.argv))
