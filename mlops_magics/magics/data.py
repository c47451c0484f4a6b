"""``%mlops data ...``: version files, folders and DataFrames from a cell (thin layer over the core)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from ..commands import data
from ..core.errors import MlopsUsageError
from .context import MagicContext
from .parser import MagicArgumentParser, command_parser

__all__ = ["build_parser", "run"]


def build_parser() -> MagicArgumentParser:
    return command_parser("data", data)


def _source(ctx: MagicContext, token: str) -> tuple[Any, str | None]:
    """A DataFrame or a path from a variable name, else the token itself as a path.

    A variable wins over a file of the same name (write ``./data`` for the folder ``data``).
    """
    from ..core.datastore.snapshot import is_dataframe

    ns = ctx.user_ns
    if token.isidentifier() and token in ns:
        value = ns[token]
        if is_dataframe(value):
            return value, token
        if isinstance(value, (str, os.PathLike)):
            return value, None
        raise MlopsUsageError(
            f"variable '{token}' is a {type(value).__name__}; data add takes a pandas DataFrame or a path"
        )
    if token.isidentifier() and not os.path.exists(token):
        raise MlopsUsageError(f"'{token}' is neither a variable nor an existing file or folder; check the name")
    return token, None


def run(ctx: MagicContext) -> Any:
    from ..progress import TqdmProgress

    args: argparse.Namespace = build_parser().parse(ctx.argv)
    if args.action == "add":
        source, default_name = _source(ctx, args.source)
        return data.execute(args, source=source, default_name=default_name, progress=TqdmProgress())
    return data.execute(args, progress=TqdmProgress())
