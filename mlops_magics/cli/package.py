"""``mlops package MODEL --out DIR``: a container build context (Dockerfile, the model, its pinned
requirements, our server as the entry point with metrics on) for one registered version.

Exit codes: 0 written, 2 bad input (unknown model, DIR not empty), 1 other failures.
"""

from __future__ import annotations

import argparse

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    from ..commands.package import add_arguments

    p = sub.add_parser("package", help="write a container build context for a registered model version")
    add_arguments(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..core.serving import package

    print(repr(package(args.model, args.out, port=args.port, base_image=args.base_image, force=args.force)))
    return 0
