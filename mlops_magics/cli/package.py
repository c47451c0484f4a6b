"""``mlops package MODEL --out DIR``: a container build context (Dockerfile, the model, its pinned
requirements, our server as the entry point with metrics on) for one registered version.

Exit codes: 0 written, 2 bad input (unknown model, DIR not empty), 1 other failures.
"""

from __future__ import annotations

import argparse

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    from ..commands.package import add_arguments

    from ..commands.package import SUMMARY

    p = sub.add_parser("package", help=SUMMARY)
    add_arguments(p, "cli")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..commands.package import execute

    print(repr(execute(args)))
    return 0
