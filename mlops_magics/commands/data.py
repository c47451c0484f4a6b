"""``data ACTION``: version files, folders and DataFrames; list, log, checkout, load, diff, push, pull."""

from __future__ import annotations

import argparse
from typing import Any

from . import Face
from .argv import output_path, remote

SUMMARY = "version files, folders and DataFrames; list, log, checkout, load, diff, push, pull, gc"
DESCRIPTION = ("Version files, folders and DataFrames; list, log, checkout, load, diff, push, pull, gc. "
               "REF is vN, latest (default) or a unique hash prefix.")
ACTIONS_TEXT = "add, list, log, checkout, load, diff, push, pull or gc"


def add_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    p = sub.add_parser("add", help="version a file, a folder" + (" or a DataFrame variable" if face == "magic" else ""))
    p.add_argument("source", metavar="PATH_OR_VARIABLE" if face == "magic" else "PATH")
    p.add_argument("--name", help="dataset name (default: the file stem" + (" or the variable name)" if face == "magic" else ")"))
    p.add_argument("-m", "--message", default="", help="what changed")
    sub.add_parser("list", help="every dataset with its latest version")
    p = sub.add_parser("log", help="the version history of one dataset")
    p.add_argument("name", metavar="NAME")
    p = sub.add_parser("checkout", help="restore a version's files")
    p.add_argument("spec", metavar="NAME[@REF]")
    p.add_argument("--to", metavar="PATH", type=output_path, help="restore here instead of the original path")
    p.add_argument("--force", action="store_true", help="overwrite content that is not stored in any version")
    if face == "magic":
        p = sub.add_parser("load", help="a DataFrame (tabular data) or a path")
        p.add_argument("spec", metavar="NAME[@REF]")
    p = sub.add_parser("diff", help="schema, rows, statistics and drift between versions")
    p.add_argument("a", metavar="NAME@REF")
    p.add_argument("b", metavar="NAME@REF", nargs="?", help="default: the version before A")
    p = sub.add_parser("push", help="send versions to a remote (only the chunks it lacks)")
    p.add_argument("--remote", metavar="URI", type=remote,
                   help="any fsspec URL (default: data_remote in pyproject.toml)")
    p.add_argument("names", metavar="NAME", nargs="*", help="datasets to push (default: all)")
    p = sub.add_parser("pull", help="fetch a version from a remote")
    p.add_argument("spec", metavar="NAME[@REF]")
    p.add_argument("--remote", metavar="URI", type=remote,
                   help="any fsspec URL (default: data_remote in pyproject.toml)")
    p = sub.add_parser("gc", help="delete chunks and objects no version, summary, model or pipeline references")
    p.add_argument("--dry-run", action="store_true", help="say what would be freed; delete nothing")
    p.add_argument("--no-registry", action="store_true",
                   help="do not ask the model registry which data its versions were trained on (offline)")


def execute(args: argparse.Namespace, source: Any = None, default_name: str | None = None,
            progress: Any = None) -> Any:
    """Run the parsed action; ``source`` is what ``add`` versions (a path, or a DataFrame from a cell);
    ``progress`` receives the long actions' progress events (add, checkout, push, pull, gc)."""
    from ..core.datastore import api
    from ..core.errors import MlopsUsageError

    action = args.action
    if action is None:
        raise MlopsUsageError(f"data needs an action: {ACTIONS_TEXT}")
    if action == "add":
        name = args.name if args.name is not None else default_name
        return api.add(args.source if source is None else source, name=name, message=args.message,
                       progress=progress)
    if action == "list":
        return api.list_datasets()
    if action == "log":
        return api.log(args.name)
    if action == "checkout":
        return api.checkout(args.spec, to=args.to, force=args.force, progress=progress)
    if action == "load":
        return api.load(args.spec)
    if action == "diff":
        return api.diff(args.a, args.b)
    if action == "push":
        return api.push(args.remote, args.names or None, progress=progress)
    if action == "gc":
        return api.gc(dry_run=args.dry_run, registry=not args.no_registry, progress=progress)
    return api.pull(args.spec, args.remote, progress=progress)
