"""``%mlops status``: tracking URI, store location, experiment, active runs."""

from __future__ import annotations

from typing import Any

from ..commands import status
from .context import MagicContext
from .parser import MagicArgumentParser, command_parser


def build_parser() -> MagicArgumentParser:
    return command_parser("status", status)


def run(ctx: MagicContext) -> Any:
    return status.execute(build_parser().parse(ctx.argv))
