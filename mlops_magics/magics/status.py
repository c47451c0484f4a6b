"""``%mlops status``: tracking URI, store location, experiment, active runs."""

from __future__ import annotations

from typing import Any

from ..core import queries
from .context import MagicContext
from .parser import MagicArgumentParser


def build_parser() -> MagicArgumentParser:
    return MagicArgumentParser("%mlops status", description="Where runs are stored and which are active.")


def run(ctx: MagicContext) -> Any:
    build_parser().parse(ctx.argv)
    return queries.store_status()
