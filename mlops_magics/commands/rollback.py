"""``rollback NAME --alias ALIAS [--reason TEXT]``: the alias goes back to its previous holder."""

from __future__ import annotations

import argparse
from typing import Any

from . import Face

SUMMARY = "point an alias back at the version that held it before"
DESCRIPTION = ("Point ALIAS back at the version that held it before (from the alias history); recorded like "
               "a promotion.")


def add_arguments(parser: argparse.ArgumentParser, face: Face) -> None:
    parser.add_argument("name", metavar="NAME", help="registered model name")
    parser.add_argument("--alias", required=True, metavar="ALIAS", help="e.g. champion")
    parser.add_argument("--reason", metavar="TEXT", help="why: kept in the alias history")


def execute(args: argparse.Namespace) -> Any:
    from ..registry import rollback

    return rollback(args.name, args.alias, reason=args.reason)
