"""``%mlops models [NAME] [--history] [--alias A]``: registered models, one model's versions, or its alias history."""

from __future__ import annotations

from typing import Any

from ..commands import models
from .context import MagicContext
from .parser import MagicArgumentParser, command_parser

__all__ = ["build_parser", "run"]


def build_parser() -> MagicArgumentParser:
    return command_parser("models", models)


def run(ctx: MagicContext) -> Any:
    return models.execute(build_parser().parse(ctx.argv))
