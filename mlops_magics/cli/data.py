"""``mlops data add|list|log|checkout|diff|push|pull|gc``: the data engine on the command line.

Start-up matters for ``mlops data add`` of an unchanged file: nothing here imports MLflow or pandas
unless the action needs them (a CSV being inspected, a diff of tables).
"""

from __future__ import annotations

import argparse
import sys

from ..commands import data


def run(args: argparse.Namespace) -> int:
    if args.action is None:
        args.command_parser.print_help()
        return 2
    progress = None
    if sys.stderr.isatty():
        from ..progress import TqdmProgress

        progress = TqdmProgress(file=sys.stderr)
    print(repr(data.execute(args, progress=progress)))
    return 0
