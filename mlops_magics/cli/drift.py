"""``mlops drift REF CUR [--save FILE] [--json FILE] [--log] [--fail-on-drift] [--method M] [--threshold X]``.

REF / CUR: CSV / Parquet paths or data versions ``NAME@REF``; REF may be a ``.json`` reference summary.
Prints the verdict and the per-column table. Exit status: 0, or 3 with ``--fail-on-drift`` when the
dataset drifts (2 for usage errors, 1 for other errors, as every ``mlops`` command).
"""

from __future__ import annotations

import argparse
import sys

from ..commands import drift


def run(args: argparse.Namespace) -> int:
    from ..core.drift.sources import load_source

    result = drift.compare_from_args(args, load_source(args.reference, "reference"),
                                     load_source(args.current, "current"))
    print(result.to_json(indent=1) if args.json == "-" else repr(result))
    for line in drift.write_outputs(args, result):
        print(line, file=sys.stderr)
    if args.fail and result.dataset_drift:
        print(f"mlops drift: {result.headline()}", file=sys.stderr)
        return drift.DRIFT_EXIT
    return 0
