"""``%mlops runs [--experiment NAME] [--max N] [--sort METRIC]``: a table of runs."""

from __future__ import annotations

from typing import Any

from ..commands import runs
from .context import MagicContext
from .parser import MagicArgumentParser, command_parser


def build_parser() -> MagicArgumentParser:
    return command_parser("runs", runs)


def run(ctx: MagicContext) -> Any:
    return runs.execute(build_parser().parse(ctx.argv))
