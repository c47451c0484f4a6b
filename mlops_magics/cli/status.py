"""``mlops status``: where runs are stored and which are active."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("status", help="tracking URI, store location, dead runs reaped")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..core import queries

    print(repr(queries.store_status()))
    return 0
