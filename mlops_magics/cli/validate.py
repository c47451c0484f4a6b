"""``mlops validate CUR --against REF [--fail] [--json FILE]``: data quality of a batch, for scripts and CI.

Prints the headline and the issues. Exit status: 0, or 1 with ``--fail`` when there are issues (2 for usage
errors).
"""

from __future__ import annotations

import argparse
import sys

from ..commands import validate


def run(args: argparse.Namespace) -> int:
    from ..core.drift.sources import load_source

    report = validate.execute(args, load_source(args.current, "current"))
    print(validate.json_text(report) if args.json == "-" else repr(report))
    if args.fail and not report.ok:
        print(f"mlops validate: {report.headline()}", file=sys.stderr)
        return 1
    return 0
