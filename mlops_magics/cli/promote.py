"""``mlops promote NAME@REF --to ALIAS [--if-better M] [--reason T]``: for CI jobs.

Exit codes: 0 done, 1 refused (``--if-better`` not met, or a failed gate) or store failure, 2 bad input.
The comparison the decision was based on is printed before the refusal.
"""

from __future__ import annotations

import argparse
import sys

from ..commands import promote


def run(args: argparse.Namespace) -> int:
    from ..registry import GateFailed, PromotionRefused

    try:
        result = promote.execute(args)
    except (PromotionRefused, GateFailed) as exc:
        comparison = getattr(exc, "comparison", None)
        if comparison is not None:
            print(repr(comparison))
        print(f"mlops promote: {exc}", file=sys.stderr)
        return 1
    print(repr(result))
    return 0
