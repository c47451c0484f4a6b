"""``mlops models [NAME]``, ``mlops promote NAME@REF --to ALIAS [--if-better M] [--reason T]``,
``mlops rollback NAME --alias A``, ``mlops history NAME [--alias A]``: the model registry for CI jobs.

Exit codes: 0 done, 1 refused (a failed gate or ``--if-better`` not met) or store failure, 2 bad input.
Registering needs a model object, so it lives in Python (``mlops_magics.registry.register``) and the magic.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

__all__ = ["add_parser", "run"]

COMMANDS = ("models", "promote", "rollback", "history")


def _fix_negative_metric(argv: Sequence[str]) -> list[str]:
    """``--if-better -rmse`` -> ``--if-better=-rmse`` (argparse would read -rmse as an option)."""
    out = list(argv)
    for i, word in enumerate(out[:-1]):
        if word == "--if-better" and out[i + 1].startswith("-") and not out[i + 1].startswith("--"):
            out[i:i + 2] = [f"--if-better={out[i + 1]}"]
            break
    return out


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the four registry sub-commands (once, however many CLI_COMMANDS names map to this module)."""
    if "models" in sub.choices:
        return
    p = sub.add_parser("models", help="registered models, or one model's versions")
    p.add_argument("name", nargs="?", metavar="NAME")
    p.set_defaults(handler=run, registry_action="models")
    p = sub.add_parser("promote", help="move an alias to a version; exit 1 when --if-better refuses")
    p.add_argument("ref", metavar="NAME@REF", help="e.g. churn@v4 or churn@challenger")
    p.add_argument("--to", required=True, metavar="ALIAS")
    p.add_argument("--if-better", metavar="METRIC", help="'accuracy' (higher wins) or '-rmse' (lower wins)")
    p.add_argument("--reason", metavar="TEXT")
    p.set_defaults(handler=run, registry_action="promote")
    p = sub.add_parser("rollback", help="point an alias back at its previous holder")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--alias", required=True, metavar="ALIAS")
    p.add_argument("--reason", metavar="TEXT")
    p.set_defaults(handler=run, registry_action="rollback")
    p = sub.add_parser("history", help="the alias history of a model (who, when, from, to, why)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--alias", metavar="ALIAS")
    p.set_defaults(handler=run, registry_action="history")
    original = sub._name_parser_map["promote"].parse_known_args

    def parse_known_args(args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None):  # noqa: ANN202
        return original(_fix_negative_metric(sys.argv[1:] if args is None else args), namespace)

    sub._name_parser_map["promote"].parse_known_args = parse_known_args  # type: ignore[method-assign]


def run(args: argparse.Namespace) -> int:
    from .. import registry

    action = args.registry_action
    try:
        if action == "models":
            result = registry.models(args.name)
        elif action == "promote":
            result = registry.promote(args.ref, args.to, if_better=args.if_better, reason=args.reason)
        elif action == "rollback":
            result = registry.rollback(args.name, args.alias, reason=args.reason)
        else:
            result = registry.history(args.name, args.alias)
    except (registry.PromotionRefused, registry.GateFailed) as exc:
        comparison = getattr(exc, "comparison", None)
        if comparison is not None:
            print(repr(comparison))
        print(f"mlops {action}: {exc}", file=sys.stderr)
        return 1
    print(repr(result))
    return 0
