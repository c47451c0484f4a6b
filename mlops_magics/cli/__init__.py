"""The ``mlops`` command: thin wrappers over the core, one module per sub-command.

Each module in ``CLI_COMMANDS`` defines ``add_parser(subparsers)`` (registering its parser with
``set_defaults(handler=run)``) and ``run(args) -> int``. ``MlopsUsageError`` exits 2, any other
``MlopsError`` exits 1, always with a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from ..core.errors import MlopsError, MlopsUsageError

__all__ = ["main"]

# name -> module under mlops_magics.cli
CLI_COMMANDS: dict[str, str] = {
    "status": "status",
    "runs": "runs",
    "models": "models",
    "promote": "models",
    "rollback": "models",
    "history": "models",
}


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(prog="mlops", description="MLOps from the notebook, on the command line.")
    parser.add_argument("--version", action="version", version=f"mlops_magics {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in CLI_COMMANDS.values():
        importlib.import_module(f"{__package__}.{module_name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args) or 0)
    except MlopsUsageError as exc:
        print(f"mlops {args.command}: {exc}", file=sys.stderr)
        return 2
    except MlopsError as exc:
        print(f"mlops {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"mlops {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
