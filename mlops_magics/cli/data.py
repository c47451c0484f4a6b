"""``mlops data add|list|log|checkout|diff|push|pull``: the data engine on the command line.

Start-up matters for ``mlops data add`` of an unchanged file: nothing here imports MLflow or pandas
unless the action needs them (a CSV being inspected, a diff of tables).
"""

from __future__ import annotations

import argparse

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("data", help="version files and folders; list, log, checkout, diff, push, pull")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    p = actions.add_parser("add", help="version a file or folder")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--name", help="dataset name (default: the file stem or folder name)")
    p.add_argument("-m", "--message", default="", help="what changed")
    actions.add_parser("list", help="every dataset with its latest version")
    p = actions.add_parser("log", help="the version history of one dataset")
    p.add_argument("name", metavar="NAME")
    p = actions.add_parser("checkout", help="restore a version's files")
    p.add_argument("spec", metavar="NAME[@REF]")
    p.add_argument("--to", metavar="PATH", help="restore here instead of the original path")
    p.add_argument("--force", action="store_true", help="overwrite content not stored in any version")
    p = actions.add_parser("diff", help="schema, rows and statistics between two versions")
    p.add_argument("a", metavar="NAME@REF")
    p.add_argument("b", metavar="NAME@REF", nargs="?", help="default: the version before A")
    p = actions.add_parser("push", help="send versions to a remote (only missing objects)")
    p.add_argument("--remote", metavar="URI", help="any fsspec URL (default: data_remote in pyproject.toml)")
    p.add_argument("names", metavar="NAME", nargs="*", help="datasets to push (default: all)")
    p = actions.add_parser("pull", help="fetch a version from a remote")
    p.add_argument("spec", metavar="NAME[@REF]")
    p.add_argument("--remote", metavar="URI", help="any fsspec URL (default: data_remote in pyproject.toml)")
    parser.set_defaults(handler=run, data_parser=parser)


def run(args: argparse.Namespace) -> int:
    from ..core.datastore import api

    action = args.action
    if action is None:
        args.data_parser.print_help()
        return 2
    if action == "add":
        result = api.add(args.path, name=args.name, message=args.message, run=None)
    elif action == "list":
        result = api.list_datasets()
    elif action == "log":
        result = api.log(args.name)
    elif action == "checkout":
        result = api.checkout(args.spec, to=args.to, force=args.force, run=None)
    elif action == "diff":
        result = api.diff(args.a, args.b)
    elif action == "push":
        result = api.push(args.remote, args.names or None)
    else:
        result = api.pull(args.spec, args.remote)
    print(repr(result))
    return 0
