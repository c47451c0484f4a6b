"""``mlops package MODEL --out DIR``: a container build context (Dockerfile, the model, its pinned
requirements, our server as the entry point with metrics on) for one registered version.

Exit codes: 0 written, 2 bad input (unknown model, DIR not empty), 1 other failures.
"""

from __future__ import annotations

import argparse

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    from ..commands.package import execute

    print(repr(execute(args)))
    return 0
