"""``%mlops data ...``: version files, folders and DataFrames from a cell (thin layer over the core)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from ..core.errors import MlopsUsageError
from .context import MagicContext
from .parser import MagicArgumentParser

__all__ = ["build_parser", "run"]


def build_parser() -> MagicArgumentParser:
    parser = MagicArgumentParser(
        "%mlops data",
        description="Version files, folders and DataFrames; list, log, checkout, load, diff, push, pull. "
                    "REF is vN, latest (default) or a unique hash prefix.",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=MagicArgumentParser)
    p = sub.add_parser("add", prog="%mlops data add", help="version a file, a folder or a DataFrame variable")
    p.add_argument("source", metavar="PATH_OR_VARIABLE")
    p.add_argument("--name", help="dataset name (default: the file stem or the variable name)")
    p.add_argument("-m", "--message", default="", help="what changed")
    sub.add_parser("list", prog="%mlops data list", help="every dataset with its latest version")
    p = sub.add_parser("log", prog="%mlops data log", help="the version history of one dataset")
    p.add_argument("name", metavar="NAME")
    p = sub.add_parser("checkout", prog="%mlops data checkout", help="restore a version's files")
    p.add_argument("spec", metavar="NAME[@REF]")
    p.add_argument("--to", metavar="PATH", help="restore here instead of the original path")
    p.add_argument("--force", action="store_true", help="overwrite content that is not stored in any version")
    p = sub.add_parser("load", prog="%mlops data load", help="a DataFrame (tabular data) or a path")
    p.add_argument("spec", metavar="NAME[@REF]")
    p = sub.add_parser("diff", prog="%mlops data diff", help="schema, rows, statistics and drift between versions")
    p.add_argument("a", metavar="NAME@REF")
    p.add_argument("b", metavar="NAME@REF", nargs="?", help="default: the version before A")
    p = sub.add_parser("push", prog="%mlops data push", help="send versions to a remote (only missing objects)")
    p.add_argument("--remote", metavar="URI", help="any fsspec URL (default: data_remote in pyproject.toml)")
    p.add_argument("names", metavar="NAME", nargs="*", help="datasets to push (default: all)")
    p = sub.add_parser("pull", prog="%mlops data pull", help="fetch a version from a remote")
    p.add_argument("spec", metavar="NAME[@REF]")
    p.add_argument("--remote", metavar="URI", help="any fsspec URL (default: data_remote in pyproject.toml)")
    return parser


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
    from ..core.datastore import api

    args: argparse.Namespace = build_parser().parse(ctx.argv)
    action = args.action
    if action is None:
        raise MlopsUsageError("%mlops data needs an action: add, list, log, checkout, load, diff, push or pull")
    if action == "add":
        source, default_name = _source(ctx, args.source)
        return api.add(source, name=args.name if args.name is not None else default_name, message=args.message)
    if action == "list":
        return api.list_datasets()
    if action == "log":
        return api.log(args.name)
    if action == "checkout":
        return api.checkout(args.spec, to=args.to, force=args.force)
    if action == "load":
        return api.load(args.spec)
    if action == "diff":
        return api.diff(args.a, args.b)
    if action == "push":
        return api.push(args.remote, args.names or None)
    return api.pull(args.spec, args.remote)
