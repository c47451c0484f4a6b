"""``mlops reproduce RUN [--exact] [--rtol X] [--atol X] [--timeout S] [--kernel NAME] [--cwd DIR]``: for CI jobs.

Prints the verdict, the values that differ and the likely causes. Exit status: 0 reproduced, 1 not
reproduced (or a store failure), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys

from ..commands import reproduce


def run(args: argparse.Namespace) -> int:
    result = reproduce.execute(args, progress=lambda line: print(f"mlops reproduce: {line}", file=sys.stderr))
    print(repr(result))
    return 0 if result.reproduced else 1
