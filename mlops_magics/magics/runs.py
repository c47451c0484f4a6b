"""``%mlops runs [--experiment NAME | --all-experiments] [--max N] [--sort METRIC] [--columns A,B]``: a
table of the current experiment's runs (key columns; the rest in a fold, and in ``t.to_pandas()``)."""

from __future__ import annotations

from typing import Any

from ..commands import runs
from .context import MagicContext
from .parser import MagicArgumentParser, command_parser


def build_parser() -> MagicArgumentParser:
    return command_parser("runs", runs)


def run(ctx: MagicContext) -> Any:
    return runs.execute(build_parser().parse(ctx.argv))
